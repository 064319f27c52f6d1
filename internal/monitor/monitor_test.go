package monitor

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/pipeline"
)

// sample is a real congested download (README, Samples): retransmissions,
// lost segments and loss inference on one long TCP connection.
const sample = "../../samples/rec_tbf_bulk.pcapng"

// record is a capture record with its data copied.
type record struct {
	ts   int64
	link uint32
	orig int
	data []byte
}

func readRecords(t testing.TB, path string) []record {
	t.Helper()
	r, err := capture.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []record
	var rec capture.Record
	for {
		err := r.Next(&rec)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		// Copied on purpose: the test keeps every record.
		out = append(out, record{rec.Timestamp, rec.LinkType, rec.OrigLen, append([]byte(nil), rec.Data...)})
	}
}

// pcapBytes encodes records as a nanosecond pcap file.
func pcapBytes(recs []record) []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, 0xa1b23c4d)
	b = le.AppendUint16(b, 2)
	b = le.AppendUint16(b, 4)
	b = le.AppendUint64(b, 0)
	b = le.AppendUint32(b, 262144)
	b = le.AppendUint32(b, recs[0].link)
	for _, r := range recs {
		b = le.AppendUint32(b, uint32(r.ts/1e9))
		b = le.AppendUint32(b, uint32(r.ts%1e9))
		b = le.AppendUint32(b, uint32(len(r.data)))
		b = le.AppendUint32(b, uint32(r.orig))
		b = append(b, r.data...)
	}
	return b
}

func appendTo(t testing.TB, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// offline analyses records in one pipeline with an Alerter, as one file:
// the events lines and alert lines a monitor of the same records must
// produce.
func offline(recs []record, cfg Config) (events []string, alerts []string) {
	var evBuf bytes.Buffer
	w := event.NewWriter(&evBuf)
	a := NewAlerter(cfg, func(al *Alert) { alerts = append(alerts, string(AppendText(nil, al, false))) })
	pl := pipeline.New(pipeline.DefaultOptions(), event.SinkFunc(func(e *event.Event) { w.Event(e); a.Event(e) }), nil)
	var rec capture.Record
	for _, r := range recs {
		rec = capture.Record{Timestamp: r.ts, LinkType: r.link, OrigLen: r.orig, Data: r.data}
		a.Tick(r.ts, pl.Frames()+1)
		pl.Record(&rec)
	}
	pl.Finish()
	w.Flush()
	return lines(evBuf.String()), alerts
}

func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func readLines(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return lines(string(b))
}

// syncBuffer is a bytes.Buffer safe to write from the monitor's goroutine
// and read from the test's.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type runResult struct {
	sum *Summary
	err error
}

// startMonitor opens a monitor on path and runs it into a new session
// directory in a goroutine.
func startMonitor(t *testing.T, ctx context.Context, opts Options) (dir string, done chan runResult) {
	t.Helper()
	if opts.Follow.PollInterval == 0 {
		opts.Follow.PollInterval = 10 * time.Millisecond
	}
	m, err := Open(ctx, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	dir = t.TempDir()
	done = make(chan runResult, 1)
	go func() {
		defer m.Close()
		s, err := m.Run(dir)
		done <- runResult{s, err}
	}()
	return dir, done
}

func wait(t *testing.T, done chan runResult) runResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("monitor did not stop")
	}
	return runResult{}
}

// TestMonitorRingIsOneCapture splits one real TCP download into ring
// files, written one after another while the monitor follows them, each in
// pieces cut inside records. One pipeline for the whole run means the
// connection's state carries across the rotations: the events (frame
// numbers included) and alerts are exactly those of the unsplit capture,
// and every packet is counted once.
func TestMonitorRingIsOneCapture(t *testing.T) {
	recs := readRecords(t, sample)
	cfg := DefaultConfig()
	wantEvents, wantAlerts := offline(recs, cfg)
	if len(wantAlerts) < 2 {
		t.Fatalf("the sample raises only %d alerts offline; the test needs some", len(wantAlerts))
	}

	ring := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, log syncBuffer
	dir, done := startMonitor(t, ctx, Options{Path: ring, Alerts: cfg, Pipeline: pipeline.DefaultOptions(), Out: &out, Log: &log})

	const perFile = 700
	var wantFiles []FileSummary
	for i, n := 0, 1; i < len(recs); i, n = i+perFile, n+1 {
		part := recs[i:min(i+perFile, len(recs))]
		b := pcapBytes(part)
		path := filepath.Join(ring, fmt.Sprintf("ring_%05d_20261123%06d.pcap", n, 100000+n))
		// Three pieces, the first two ending inside a record.
		a, c := len(b)/3+5, 2*len(b)/3+7
		appendTo(t, path, b[:a])
		time.Sleep(2 * time.Millisecond)
		appendTo(t, path, b[a:c])
		appendTo(t, path, b[c:])
		wantFiles = append(wantFiles, FileSummary{Path: path, Packets: uint64(len(part)), Bytes: int64(len(b)), End: capture.EndComplete})
	}
	wantFiles[len(wantFiles)-1].End = capture.EndStopped
	cancel()
	res := wait(t, done)
	if res.err != nil {
		t.Fatalf("Run: %v", res.err)
	}
	s := res.sum

	if d := diffStrings(wantEvents, readLines(t, filepath.Join(dir, "events.jsonl"))); d != "" {
		t.Errorf("events.jsonl differs from the unsplit capture's (-want +got):\n%s", d)
	}
	if d := diffStrings(wantAlerts, lines(out.String())); d != "" {
		t.Errorf("alert lines (-want +got):\n%s", d)
	}
	if s.PacketsTotal != uint64(len(recs)) {
		t.Errorf("packets_total = %d, want %d", s.PacketsTotal, len(recs))
	}
	if fmt.Sprint(s.Files) != fmt.Sprint(wantFiles) {
		t.Errorf("files (-want +got):\n-%+v\n+%+v", wantFiles, s.Files)
	}
	if s.AlertsTotal != uint64(len(wantAlerts)) || s.StoppedBy != "signal" || s.MissingFiles != 0 {
		t.Errorf("summary: alerts_total %d (want %d), stopped_by %q, missing %d", s.AlertsTotal, len(wantAlerts), s.StoppedBy, s.MissingFiles)
	}
	if log.String() != "" {
		t.Errorf("log: %s", log.String())
	}
	checkSession(t, dir, s)
}

// checkSession checks the session files against the summary Run returned.
func checkSession(t *testing.T, dir string, s *Summary) {
	t.Helper()
	var disk map[string]any
	b, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &disk); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"packets_total", "files", "alerts_total"} {
		if _, ok := disk[k]; !ok {
			t.Errorf("%s has no %q", SummaryFile, k)
		}
	}
	if disk["packets_total"] != float64(s.PacketsTotal) {
		t.Errorf("%s packets_total %v, Run said %d", SummaryFile, disk["packets_total"], s.PacketsTotal)
	}
	var sum uint64
	for _, f := range s.Files {
		sum += f.Packets
	}
	if sum != s.PacketsTotal {
		t.Errorf("files hold %d packets, packets_total is %d", sum, s.PacketsTotal)
	}
	alerts := readLines(t, filepath.Join(dir, AlertsFile))
	var raised uint64
	for _, l := range alerts {
		var rec event.Record
		if err := event.ParseLine([]byte(l), &rec); err != nil {
			t.Fatalf("alerts.jsonl: %v", err)
		}
		if rec.Type != "alert" {
			t.Errorf("alerts.jsonl line of type %q", rec.Type)
		}
		if rec.Severity != "info" {
			raised++
		}
	}
	if raised != s.AlertsTotal {
		t.Errorf("alerts.jsonl has %d raised alerts, alerts_total is %d", raised, s.AlertsTotal)
	}
	var ps event.Summary
	b, err = os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ps); err != nil {
		t.Fatal(err)
	}
	if ps.Capture.Packets != s.PacketsTotal {
		t.Errorf("summary.json has %d packets, monitor-summary.json %d", ps.Capture.Packets, s.PacketsTotal)
	}
}

// TestMonitorJSONLines: with JSON, stdout carries exactly the lines of
// alerts.jsonl.
func TestMonitorJSONLines(t *testing.T) {
	var out syncBuffer
	cfg := DefaultConfig()
	cfg.PerFlow = true
	dir, done := startMonitor(t, context.Background(), Options{Path: sample, Alerts: cfg, Pipeline: pipeline.DefaultOptions(),
		Out: &out, JSON: true, Duration: 300 * time.Millisecond})
	res := wait(t, done)
	if res.err != nil {
		t.Fatal(res.err)
	}
	got := lines(out.String())
	if d := diffStrings(readLines(t, filepath.Join(dir, AlertsFile)), got); d != "" {
		t.Errorf("stdout and alerts.jsonl differ (-file +stdout):\n%s", d)
	}
	if len(got) == 0 || !strings.Contains(got[0], `"scope":"flow"`) {
		t.Errorf("no per-flow alert lines: %q", got)
	}
	if res.sum.StoppedBy != "duration" || res.sum.PacketsTotal != 7010 {
		t.Errorf("stopped_by %q, packets %d; want duration, 7010", res.sum.StoppedBy, res.sum.PacketsTotal)
	}
	checkSession(t, dir, res.sum)
}

// TestMonitorClearsWhenTrafficStops: with no packets arriving, capture time
// moves with the wall clock, so a raised alert clears.
func TestMonitorClearsWhenTrafficStops(t *testing.T) {
	var out syncBuffer
	cfg := DefaultConfig()
	cfg.Window = 200 * time.Millisecond
	cfg.Thresholds[Loss] = 2
	dir, done := startMonitor(t, context.Background(), Options{Path: sample, Alerts: cfg, Pipeline: pipeline.DefaultOptions(),
		Out: &out, Duration: 2500 * time.Millisecond})
	res := wait(t, done)
	if res.err != nil {
		t.Fatal(res.err)
	}
	last := lines(out.String())
	if len(last) == 0 || !strings.HasPrefix(last[len(last)-1], "[CLEAR]") {
		t.Errorf("the last alert line is not a clear: %q", last)
	}
	checkSession(t, dir, res.sum)
}

// TestMonitorNotCapture: a single file that is not a capture fails Open;
// one that turns up later ends the run with an error that says so, the
// summary still written.
func TestMonitorNotCapture(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "x.pcap")
	appendTo(t, bad, []byte("not a capture, just text"))
	if _, err := Open(context.Background(), Options{Path: bad}); !errors.Is(err, capture.ErrNotCapture) {
		t.Fatalf("Open error %v, want ErrNotCapture", err)
	}
	later := filepath.Join(t.TempDir(), "later.pcap")
	dir, done := startMonitor(t, context.Background(), Options{Path: later, Alerts: DefaultConfig(), Pipeline: pipeline.DefaultOptions()})
	appendTo(t, later, []byte("not a capture either"))
	res := wait(t, done)
	if !errors.Is(res.err, capture.ErrNotCapture) {
		t.Fatalf("Run error %v, want ErrNotCapture", res.err)
	}
	if res.sum == nil || res.sum.StoppedBy != "error" {
		t.Fatalf("summary %+v", res.sum)
	}
	if _, err := os.Stat(filepath.Join(dir, SummaryFile)); err != nil {
		t.Error(err)
	}
}

func TestOpenBadPath(t *testing.T) {
	p := filepath.Join(t.TempDir(), "missing-dir", "ring")
	if _, err := Open(context.Background(), Options{Path: p}); err == nil {
		t.Fatal("Open of a path in a missing directory succeeded")
	}
}

// TestMonitorRTPAlerts follows a recorded PCMU call with 12 packets lost in
// 12 gaps: the RTP analysis runs in the monitor's pipeline and its rtp_loss
// events raise WARN at 5 and CRITICAL at 10 (factor 2); a jitter level
// below the call's jitter raises an rtp_jitter alert too.
func TestMonitorRTPAlerts(t *testing.T) {
	var out syncBuffer
	cfg := DefaultConfig()
	cfg.CriticalFactor = 2
	cfg.Thresholds[RTPJitter] = 1
	popts := pipeline.DefaultOptions()
	popts.RTP.JitterThresholdMs = 0.01
	dir, done := startMonitor(t, context.Background(), Options{Path: "../../samples/rec_rtp_pcmu.pcapng", Alerts: cfg, Pipeline: popts,
		Out: &out, Duration: 300 * time.Millisecond})
	res := wait(t, done)
	if res.err != nil {
		t.Fatal(res.err)
	}
	got := lines(out.String())
	var loss []string
	jitter := false
	for _, l := range got {
		if strings.Contains(l, " rtp_loss: ") {
			loss = append(loss, strings.Fields(l)[0])
		}
		jitter = jitter || strings.HasPrefix(l, "[WARN]") && strings.Contains(l, " rtp_jitter: ")
	}
	if strings.Join(loss, " ") != "[WARN] [CRITICAL]" || !jitter {
		t.Errorf("alert lines %q: want rtp_loss WARN then CRITICAL, and an rtp_jitter WARN", got)
	}
	if res.sum.PacketsTotal != 238 {
		t.Errorf("packets %d, want 238", res.sum.PacketsTotal)
	}
	checkSession(t, dir, res.sum)
}
