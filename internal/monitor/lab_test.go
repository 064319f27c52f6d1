package monitor

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/pipeline"
)

// The lab (../../shared/LAB.md): three network namespaces, a client, a
// router and a server, joined by veth pairs, all addresses 10.x inside
// them. The router's link towards the client is a token bucket (tc tbf,
// 20 Mbit/s) with a 20-packet pfifo queue, and the server's TCP is Reno, so
// a bulk transfer overflows the queue every few hundred milliseconds: real
// losses and real retransmissions. dumpcap captures on the client's veth
// into a ring of small files while the monitor follows it.
const (
	labPort   = 5001
	labBytes  = 6 << 20
	labServer = "10.201.2.2"
)

// TestLabHelper is not a test: TestMonitorLiveRing runs this test binary
// inside a namespace, as the TCP server or client, with TCPVIZ_LAB_ROLE set.
func TestLabHelper(t *testing.T) {
	role := os.Getenv("TCPVIZ_LAB_ROLE")
	if role == "" {
		return
	}
	addr := net.JoinHostPort(labServer, strconv.Itoa(labPort))
	switch role {
	case "server":
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("ready")
		buf := make([]byte, 64<<10)
		for {
			c, err := ln.Accept()
			if err != nil {
				os.Exit(1)
			}
			for sent := 0; sent < labBytes; sent += len(buf) {
				if _, err := c.Write(buf); err != nil {
					os.Exit(1)
				}
			}
			c.Close()
		}
	case "client":
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		n, err := io.Copy(io.Discard, c)
		fmt.Println(n, err)
	}
	os.Exit(0)
}

// lab is the namespaces and interfaces of one run; names carry the pid so
// parallel runs do not collide.
type lab struct {
	t              *testing.T
	client, router string // namespaces
	server         string
	clientIf       string
}

func (l *lab) run(args ...string) string {
	l.t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		l.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (l *lab) in(ns string, args ...string) string {
	l.t.Helper()
	return l.run(append([]string{"ip", "netns", "exec", ns}, args...)...)
}

// newLab builds the topology, or skips the test where it cannot: not root,
// or no network namespaces.
func newLab(t *testing.T) *lab {
	if os.Geteuid() != 0 {
		t.Skip("the live-ring lab needs root (network namespaces)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("network namespaces missing: no ip command (iproute2)")
	}
	for _, tool := range []string{"tc", "dumpcap", "capinfos"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the live-ring lab needs %s (scripts/install-deps.sh installs it)", tool)
		}
	}
	pid := os.Getpid()
	l := &lab{t: t, client: fmt.Sprintf("tvmA%d", pid), router: fmt.Sprintf("tvmR%d", pid), server: fmt.Sprintf("tvmB%d", pid),
		clientIf: fmt.Sprintf("tvma%d", pid)}
	if out, err := exec.Command("ip", "netns", "add", l.client).CombinedOutput(); err != nil {
		t.Skipf("network namespaces missing: ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() {
		for _, ns := range []string{l.client, l.router, l.server} {
			exec.Command("ip", "netns", "del", ns).Run()
		}
	})
	l.run("ip", "netns", "add", l.router)
	l.run("ip", "netns", "add", l.server)
	ra, rb, sb := fmt.Sprintf("tvmra%d", pid), fmt.Sprintf("tvmrb%d", pid), fmt.Sprintf("tvmb%d", pid)
	l.run("ip", "link", "add", l.clientIf, "type", "veth", "peer", "name", ra)
	l.run("ip", "link", "set", l.clientIf, "netns", l.client)
	l.run("ip", "link", "set", ra, "netns", l.router)
	l.run("ip", "link", "add", sb, "type", "veth", "peer", "name", rb)
	l.run("ip", "link", "set", sb, "netns", l.server)
	l.run("ip", "link", "set", rb, "netns", l.router)
	for _, a := range [][3]string{{l.client, l.clientIf, "10.201.1.1/24"}, {l.router, ra, "10.201.1.254/24"},
		{l.router, rb, "10.201.2.254/24"}, {l.server, sb, labServer + "/24"}} {
		l.run("ip", "-n", a[0], "addr", "add", a[2], "dev", a[1])
		// MTU-sized packets in the capture, if ethtool is there.
		exec.Command("ip", "netns", "exec", a[0], "ethtool", "-K", a[1], "tso", "off", "gso", "off", "gro", "off").Run()
		l.run("ip", "-n", a[0], "link", "set", a[1], "up")
		l.run("ip", "-n", a[0], "link", "set", "lo", "up")
	}
	l.run("ip", "-n", l.client, "route", "add", "default", "via", "10.201.1.254")
	l.run("ip", "-n", l.server, "route", "add", "default", "via", "10.201.2.254")
	l.in(l.router, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	l.in(l.server, "sysctl", "-qw", "net.ipv4.tcp_congestion_control=reno")
	l.in(l.router, "tc", "qdisc", "replace", "dev", ra, "root", "handle", "1:", "tbf", "rate", "20mbit", "burst", "16kb", "latency", "100ms")
	l.in(l.router, "tc", "qdisc", "add", "dev", ra, "parent", "1:1", "handle", "10:", "pfifo", "limit", "20")
	return l
}

// start runs args in namespace ns in the background; the process is
// killed in cleanup if still running.
func (l *lab) start(ns string, stdout, stderr io.Writer, env []string, args ...string) *exec.Cmd {
	l.t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		l.t.Fatalf("start %s: %v", strings.Join(args, " "), err)
	}
	l.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

// alertLine is one JSON alert line and when the test read it.
type alertLine struct {
	at   time.Time
	ts   time.Time
	obj  map[string]any
	text string
}

// TestMonitorLiveRing follows a ring that a real dumpcap writes while real
// TCP traffic loses packets: two transfers, with a pause longer than the
// window between them. It checks that alerts are raised promptly in both
// (the second after several rotations), that they clear in the pause, and
// that every packet of the ring is read exactly once: per file, as
// capinfos counts them, and in total, as dumpcap counted them.
func TestMonitorLiveRing(t *testing.T) {
	l := newLab(t)
	ring := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}

	// The monitor starts first, on the empty ring directory, with the
	// default poll interval and file-system notifications.
	cfg := DefaultConfig()
	cfg.Window = time.Second
	cfg.Thresholds[Retransmissions], cfg.Thresholds[Loss], cfg.CriticalFactor = 5, 5, 4
	pr, pw := io.Pipe()
	var mu sync.Mutex
	var alerts []alertLine
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			al := alertLine{at: time.Now(), text: sc.Text()}
			if err := json.Unmarshal(sc.Bytes(), &al.obj); err == nil {
				if f, ok := al.obj["ts_epoch"].(float64); ok {
					al.ts = time.Unix(0, int64(f*1e9))
				}
			}
			mu.Lock()
			alerts = append(alerts, al)
			mu.Unlock()
		}
	}()
	var log syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m, err := Open(ctx, Options{Path: ring, Alerts: cfg, Pipeline: pipeline.DefaultOptions(), Out: pw, JSON: true, Log: &log, Verbose: true})
	if err != nil {
		t.Fatal(err)
	}
	session := t.TempDir()
	runDone := make(chan runResult, 1)
	go func() {
		s, err := m.Run(session)
		m.Close()
		pw.Close()
		runDone <- runResult{s, err}
	}()

	// The test keeps a hard link to every ring file, so it can count the
	// packets of the files dumpcap removes too, and notes when each file
	// grew, to time alerts from their packet reaching the file.
	keep := t.TempDir()
	watch := watchRing(t, ring, keep)

	// dumpcap: a ring of ~100 kB files, 8 kept, so the oldest are
	// removed while the capture runs.
	var capLog syncBuffer
	dumpcap := l.start(l.client, io.Discard, &capLog, nil, "dumpcap", "-i", l.clientIf, "-s", "128", "-B", "16",
		"-f", fmt.Sprintf("tcp port %d", labPort), "-b", "filesize:100", "-b", "files:8", "-w", filepath.Join(ring, "ring.pcapng"))
	waitFor(t, "dumpcap to start", func() bool { return strings.Contains(capLog.String(), "Capturing on") })

	var srvOut syncBuffer
	l.start(l.server, &srvOut, os.Stderr, []string{"TCPVIZ_LAB_ROLE=server"}, self, "-test.run=^TestLabHelper$")
	waitFor(t, "the server", func() bool { return strings.Contains(srvOut.String(), "ready") })
	var pause time.Time // between the transfers
	for i := 0; i < 2; i++ {
		if i == 1 {
			pause = time.Now()
			time.Sleep(2500 * time.Millisecond)
		}
		start := time.Now()
		cliOut, err := exec.Command("ip", "netns", "exec", l.client, "env", "TCPVIZ_LAB_ROLE=client", self, "-test.run=^TestLabHelper$").CombinedOutput()
		if err != nil || !strings.HasPrefix(string(cliOut), strconv.Itoa(labBytes)+" ") {
			t.Fatalf("client: %v: %s", err, cliOut)
		}
		t.Logf("transfer %d: %d bytes in %s", i+1, labBytes, time.Since(start).Round(time.Millisecond))
	}

	// Let the last packets reach the file, stop dumpcap (it completes
	// its file), then the monitor, which drains what is there.
	time.Sleep(time.Second)
	dumpcap.Process.Signal(syscall.SIGTERM)
	dumpcap.Wait()
	cancel()
	var res runResult
	select {
	case res = <-runDone:
	case <-time.After(20 * time.Second):
		t.Fatal("monitor did not stop")
	}
	<-readDone
	if res.err != nil {
		t.Fatalf("Run: %v", res.err)
	}
	s := res.sum
	t.Logf("dumpcap: %s", strings.TrimSpace(lastLine(capLog.String())))
	t.Logf("monitor: %d packets from %d files, alerts %+v, events %v", s.PacketsTotal, len(s.Files), s.Alerts, s.EventCounts)
	if w := strings.TrimSpace(log.String()); strings.Contains(w, "warning") {
		t.Errorf("monitor warnings:\n%s", w)
	}

	// Every packet dumpcap wrote was read once.
	if m := regexp.MustCompile(`Packets received/dropped on interface '[^']*': (\d+)/(\d+)`).FindStringSubmatch(capLog.String()); m != nil {
		if m[1] != strconv.FormatUint(s.PacketsTotal, 10) {
			t.Errorf("dumpcap wrote %s packets (dropped %s); the monitor read %d", m[1], m[2], s.PacketsTotal)
		}
	} else {
		t.Errorf("no packet count in dumpcap's output:\n%s", capLog.String())
	}
	watch.stop()
	checkRingFiles(t, ring, keep, s)

	// Alerts: raised, and within 3 s of their packet's time stamp (which
	// includes dumpcap's own ~0.5 s before a packet reaches the file).
	mu.Lock()
	defer mu.Unlock()
	var lat, fileLat []time.Duration
	var clearedInPause, raisedAfterPause bool
	for _, a := range alerts {
		t.Logf("alert: %s", a.text)
		extra, _ := a.obj["extra"].(map[string]any)
		if extra == nil {
			t.Fatalf("not an alert line: %s", a.text)
		}
		if extra["state"] == "cleared" {
			clearedInPause = clearedInPause || a.at.After(pause) && a.at.Before(pause.Add(2500*time.Millisecond))
			continue
		}
		raisedAfterPause = raisedAfterPause || a.at.After(pause)
		d := a.at.Sub(a.ts)
		lat = append(lat, d)
		if a.ts.IsZero() || d > 3*time.Second || d < -time.Second {
			t.Errorf("alert printed %s after its packet (want < 3s): %s", d, a.text)
		}
		frame, _ := a.obj["frame"].(float64)
		if in, ok := watch.reached(t, keep, s, uint64(frame)); ok {
			d := a.at.Sub(in)
			fileLat = append(fileLat, d)
			if d > 3*time.Second {
				t.Errorf("alert printed %s after its packet reached the file (want < 3s): %s", d, a.text)
			}
		}
	}
	if len(lat) == 0 {
		t.Fatalf("no alert raised; events %v", s.EventCounts)
	}
	if !clearedInPause || !raisedAfterPause {
		t.Errorf("want alerts cleared in the pause between the transfers (%t) and raised again after it (%t)", clearedInPause, raisedAfterPause)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("alert latency from the packet's time stamp to the line: %s", spread(lat))
	t.Logf("alert latency from the packet reaching the file (seen by a 2 ms poll) to the line: %s", spread(fileLat))
	if s.AlertsTotal != uint64(len(lat)) {
		t.Errorf("alerts_total %d, %d raised lines", s.AlertsTotal, len(lat))
	}
}

func spread(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none measured"
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	r := func(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
	return fmt.Sprintf("min %s, median %s, max %s (%d alerts)", r(ds[0]), r(ds[len(ds)/2]), r(ds[len(ds)-1]), len(ds))
}

// ringWatch hard-links each ring file into keep as soon as it appears and
// records when each grew.
type ringWatch struct {
	mu    sync.Mutex
	sizes map[string][]sizeAt // by base name
	done  chan struct{}
	wg    sync.WaitGroup
}

type sizeAt struct {
	at   time.Time
	size int64
}

func watchRing(t *testing.T, ring, keep string) *ringWatch {
	w := &ringWatch{sizes: map[string][]sizeAt{}, done: make(chan struct{})}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		for {
			ents, _ := os.ReadDir(ring)
			for _, e := range ents {
				k := filepath.Join(keep, e.Name())
				if _, err := os.Stat(k); err != nil {
					os.Link(filepath.Join(ring, e.Name()), k)
				}
				st, err := os.Stat(k)
				if err != nil {
					continue
				}
				w.mu.Lock()
				h := w.sizes[e.Name()]
				if len(h) == 0 || h[len(h)-1].size != st.Size() {
					w.sizes[e.Name()] = append(h, sizeAt{time.Now(), st.Size()})
				}
				w.mu.Unlock()
			}
			select {
			case <-w.done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(w.stop)
	return w
}

func (w *ringWatch) stop() {
	select {
	case <-w.done:
	default:
		close(w.done)
	}
	w.wg.Wait()
}

// reached returns when the frame-th packet of the run was first seen
// complete in its file.
func (w *ringWatch) reached(t *testing.T, keep string, s *Summary, frame uint64) (time.Time, bool) {
	t.Helper()
	for _, f := range s.Files {
		if frame > f.Packets {
			frame -= f.Packets
			continue
		}
		base := filepath.Base(f.Path)
		r, err := capture.Open(filepath.Join(keep, base), nil)
		if err != nil {
			return time.Time{}, false
		}
		defer r.Close()
		var rec capture.Record
		for i := uint64(0); i < frame; i++ {
			if err := r.Next(&rec); err != nil {
				return time.Time{}, false
			}
		}
		end := r.Offset()
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, h := range w.sizes[base] {
			if h.size >= end {
				return h.at, true
			}
		}
		return time.Time{}, false
	}
	return time.Time{}, false
}

// checkRingFiles compares the monitor's files with the ring: every file
// read in ring order without gaps, each holding exactly the packets
// capinfos counts in it (for the files dumpcap removed, in the test's hard
// link to it), every file still on disk read, and no frame in two files.
func checkRingFiles(t *testing.T, ring, keep string, s *Summary) {
	t.Helper()
	var sum uint64
	for i, f := range s.Files {
		sum += f.Packets
		name, ok := parseRing(filepath.Base(f.Path))
		if !ok || name != i+1 {
			t.Errorf("file %d read is %s, want ring file %d", i+1, f.Path, i+1)
		}
		if i < len(s.Files)-1 && f.End != capture.EndComplete {
			t.Errorf("%s ended %q, want complete", f.Path, f.End)
		}
	}
	if sum != s.PacketsTotal || s.MissingFiles != 0 {
		t.Errorf("files hold %d packets, packets_total %d, missing files %d", sum, s.PacketsTotal, s.MissingFiles)
	}
	ents, err := os.ReadDir(ring)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) >= len(s.Files) {
		t.Errorf("%d files on disk, %d read: the test wants dumpcap to have removed some", len(ents), len(s.Files))
	}
	read := map[string]bool{}
	for _, f := range s.Files {
		read[filepath.Base(f.Path)] = true
	}
	var onDisk uint64
	for _, e := range ents {
		if !read[e.Name()] {
			t.Errorf("%s is in the ring but was not read", e.Name())
		}
	}
	kept, err := os.ReadDir(keep)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != len(s.Files) {
		t.Errorf("dumpcap wrote %d ring files, the monitor read %d", len(kept), len(s.Files))
	}
	frames := map[string]string{}
	var capinfosTotal uint64
	prevLast := int64(0)
	for i, f := range s.Files {
		p := filepath.Join(keep, filepath.Base(f.Path))
		out, err := exec.Command("capinfos", "-c", "-M", p).CombinedOutput()
		if err != nil {
			t.Fatalf("capinfos %s: %v: %s", p, err, out)
		}
		m := regexp.MustCompile(`Number of packets:\s+(\d+)`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("capinfos %s: %s", p, out)
		}
		n, _ := strconv.ParseUint(string(m[1]), 10, 64)
		capinfosTotal += n
		if _, err := os.Stat(f.Path); err == nil {
			onDisk += n
		}
		if f.Packets != n {
			t.Errorf("file %d %s: capinfos counts %d packets, the monitor read %d", i+1, filepath.Base(p), n, f.Packets)
		}
		// No frame in two files, and the files follow each other in time.
		recs := readRecords(t, p)
		for _, r := range recs {
			k := strconv.FormatInt(r.ts, 10) + string(r.data)
			if other, dup := frames[k]; dup {
				t.Errorf("a frame of %s is also in %s", p, other)
			}
			frames[k] = p
		}
		if len(recs) > 0 {
			if recs[0].ts < prevLast {
				t.Errorf("%s starts before the previous file ends", p)
			}
			prevLast = recs[len(recs)-1].ts
		}
	}
	if capinfosTotal != s.PacketsTotal {
		t.Errorf("capinfos counts %d packets in the ring files, the monitor read %d", capinfosTotal, s.PacketsTotal)
	}
	t.Logf("ring: %d files read = %d packets; capinfos: %d in all %d files (%d in the %d still on disk, %d in the %d dumpcap removed)",
		len(s.Files), s.PacketsTotal, capinfosTotal, len(kept), onDisk, len(ents), capinfosTotal-onDisk, len(kept)-len(ents))
}

// parseRing returns the number in a dumpcap ring file name.
func parseRing(base string) (int, bool) {
	m := regexp.MustCompile(`_(\d{5,})_\d{14}\.pcapng$`).FindStringSubmatch(base)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
