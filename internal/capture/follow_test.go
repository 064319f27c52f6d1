package capture

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// ---- a capture writer under the test's control ----

// growFile is the bytes of one capture file, built record by record, with
// what a reader should return from it.
type growFile struct {
	ng   bool
	b    []byte
	recs []frec
	ends []int // where each packet record ends in b
}

// frec is a record as the follower returned it, copied.
type frec struct {
	ts   int64
	data string
}

func (r frec) String() string { return fmt.Sprintf("{ts %d %q}", r.ts, r.data) }

var ord = binary.LittleEndian

// newGrowFile starts a pcap (µs, Ethernet) or pcapng (one Ethernet
// interface) file.
func newGrowFile(ng bool) *growFile {
	g := &growFile{ng: ng}
	if !ng {
		h := make([]byte, 24)
		ord.PutUint32(h[0:], 0xa1b2c3d4)
		ord.PutUint16(h[4:], 2)
		ord.PutUint16(h[6:], 4)
		ord.PutUint32(h[16:], 65535)
		ord.PutUint32(h[20:], 1)
		g.b = h
		return g
	}
	shbBody := ord.AppendUint32(nil, 0x1a2b3c4d)
	shbBody = ord.AppendUint16(shbBody, 1)
	shbBody = ord.AppendUint16(shbBody, 0)
	shbBody = ord.AppendUint64(shbBody, ^uint64(0))
	g.b = growBlock(nil, 0x0a0d0d0a, shbBody)
	idbBody := ord.AppendUint16(nil, 1)
	idbBody = ord.AppendUint16(idbBody, 0)
	idbBody = ord.AppendUint32(idbBody, 65535)
	g.b = growBlock(g.b, 1, idbBody)
	return g
}

// growBlock appends a pcapng block of type typ holding body (padded).
func growBlock(b []byte, typ uint32, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	total := uint32(12 + len(body))
	b = ord.AppendUint32(b, typ)
	b = ord.AppendUint32(b, total)
	b = append(b, body...)
	return ord.AppendUint32(b, total)
}

// add appends a packet with time stamp ts (ns, a whole number of µs) and
// data.
func (g *growFile) add(ts int64, data string) {
	if g.ng {
		us := uint64(ts / 1000)
		body := ord.AppendUint32(nil, 0)
		body = ord.AppendUint32(body, uint32(us>>32))
		body = ord.AppendUint32(body, uint32(us))
		body = ord.AppendUint32(body, uint32(len(data)))
		body = ord.AppendUint32(body, uint32(len(data)))
		body = append(body, data...)
		g.b = growBlock(g.b, 6, body)
	} else {
		g.b = ord.AppendUint32(g.b, uint32(ts/1e9))
		g.b = ord.AppendUint32(g.b, uint32(ts%1e9/1000))
		g.b = ord.AppendUint32(g.b, uint32(len(data)))
		g.b = ord.AppendUint32(g.b, uint32(len(data)))
		g.b = append(g.b, data...)
	}
	g.recs = append(g.recs, frec{ts: ts, data: data})
	g.ends = append(g.ends, len(g.b))
}

// addStats appends a non-packet block (pcapng interface statistics), as
// dumpcap writes when it closes a file.
func (g *growFile) addStats() {
	if g.ng {
		body := ord.AppendUint32(nil, 0)
		body = ord.AppendUint64(body, 0)
		g.b = growBlock(g.b, 5, body)
	}
}

// fill adds n packets numbered from seq, 1 ms apart.
func (g *growFile) fill(seq, n int) {
	for i := 0; i < n; i++ {
		k := seq + i
		g.add(int64(1_700_000_000+k)*1e9+int64(k%1000)*1000, fmt.Sprintf("packet %06d %s", k, strings.Repeat("x", k%23)))
	}
}

// appendBytes appends b to the file at path, creating it.
func appendBytes(t *testing.T, path string, b []byte) {
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

// ringFile names the i-th file of a dumpcap ring in dir.
func ringFile(dir string, i int, ng bool) string {
	ext := ".pcap"
	if ng {
		ext = ".pcapng"
	}
	return filepath.Join(dir, fmt.Sprintf("ring_%05d_20261123%06d%s", i, 100000+i, ext))
}

// ---- a follower under test ----

// waitState is where the follower last waited.
type waitState struct {
	path    string
	read    int64
	movedOn bool
	waits   int // how many times the follower waited so far
}

type harness struct {
	t      *testing.T
	f      *Follower
	cancel context.CancelFunc

	mu     sync.Mutex
	state  waitState
	notes  []Note
	signal chan struct{}

	recs chan frec
	done chan error
	got  []frec
}

// startFollow follows path in a goroutine that sends every record on
// h.recs. The poll interval is short, so polling-only variants are quick.
func startFollow(t *testing.T, path string, opts FollowOptions) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, cancel: cancel, signal: make(chan struct{}, 1), recs: make(chan frec, 100000), done: make(chan error, 1)}
	if opts.PollInterval == 0 {
		opts.PollInterval = 5 * time.Millisecond
	}
	opts.testWait = func(path string, read int64, movedOn bool) {
		h.mu.Lock()
		h.state = waitState{path, read, movedOn, h.state.waits + 1}
		h.mu.Unlock()
		select {
		case h.signal <- struct{}{}:
		default:
		}
	}
	opts.Notes = func(n Note) {
		h.mu.Lock()
		h.notes = append(h.notes, n)
		h.mu.Unlock()
	}
	f, err := Follow(ctx, path, opts)
	if err != nil {
		cancel()
		t.Fatalf("Follow(%s): %v", path, err)
	}
	h.f = f
	go func() {
		var rec Record
		for {
			err := f.Next(&rec)
			if err != nil {
				if err == io.EOF {
					err = nil
				}
				h.done <- err
				return
			}
			// Copied on purpose: Data is the Reader's until the next Next.
			h.recs <- frec{ts: rec.Timestamp, data: string(rec.Data)}
		}
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(10 * time.Second):
			t.Error("follower did not stop after cancel")
		}
		f.Close()
	})
	return h
}

// waitFor blocks until the follower waits in a state for which ok is true.
func (h *harness) waitFor(what string, ok func(waitState) bool) {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		h.mu.Lock()
		s := h.state
		h.mu.Unlock()
		if ok(s) {
			return
		}
		select {
		case <-h.signal:
		case err := <-h.done:
			h.t.Fatalf("follower ended (%v) while waiting for %s", err, what)
		case <-deadline:
			h.t.Fatalf("follower never waited %s; last waited at %+v", what, s)
		}
	}
}

// waitAt blocks until the follower waits at the end of the first n bytes
// of path.
func (h *harness) waitAt(path string, n int) {
	h.t.Helper()
	h.waitFor(fmt.Sprintf("at byte %d of %s", n, filepath.Base(path)), func(s waitState) bool {
		return s.path == path && s.read == int64(n)
	})
}

// take returns the records sent since the last take.
func (h *harness) take() []frec {
	var out []frec
	for {
		select {
		case r := <-h.recs:
			out = append(out, r)
			h.got = append(h.got, r)
		default:
			return out
		}
	}
}

// stop cancels following, waits for the follower to drain and end, and
// returns the records not yet taken.
func (h *harness) stop() []frec {
	h.t.Helper()
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Fatalf("Next: %v", err)
		}
		h.done <- nil // for the cleanup
	case <-time.After(10 * time.Second):
		h.t.Fatal("follower did not stop")
	}
	return h.take()
}

func (h *harness) warnings() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var w []string
	for _, n := range h.notes {
		if n.Warning {
			w = append(w, n.String())
		}
	}
	return w
}

func diffFrecs(want, got []frec) string {
	var b strings.Builder
	for i := 0; i < max(len(want), len(got)); i++ {
		switch {
		case i >= len(got):
			fmt.Fprintf(&b, "-[%d] %v\n", i, want[i])
		case i >= len(want):
			fmt.Fprintf(&b, "+[%d] %v\n", i, got[i])
		case want[i] != got[i]:
			fmt.Fprintf(&b, "-[%d] %v\n+[%d] %v\n", i, want[i], i, got[i])
		}
		if b.Len() > 3000 {
			b.WriteString("…\n")
			break
		}
	}
	return b.String()
}

func checkRecs(t *testing.T, what string, want, got []frec) {
	t.Helper()
	if d := diffFrecs(want, got); d != "" {
		t.Errorf("%s: records differ (-want +got):\n%s", what, d)
	}
}

// fileSummary is the part of FileStat the tests compare.
type fileSummary struct {
	Path    string
	Packets uint64
	End     string
	Removed bool
	Partial int64
}

func summarize(fs []FileStat) []fileSummary {
	var out []fileSummary
	for _, f := range fs {
		out = append(out, fileSummary{f.Path, f.Packets, f.End, f.Removed, f.PartialBytes})
	}
	return out
}

func checkFiles(t *testing.T, want []fileSummary, got []FileStat) {
	t.Helper()
	g := summarize(got)
	if fmt.Sprint(want) != fmt.Sprint(g) {
		t.Errorf("Files() (-want +got):\n-%+v\n+%+v", want, g)
	}
}

var followVariants = []struct {
	name     string
	ng       bool
	noNotify bool
}{
	{"pcap", false, false},
	{"pcapng", true, false},
	{"pcap polling", false, true},
	{"pcapng polling", true, true},
}

// cuts returns the points at which the bytes from..to are written in
// pieces: inside the record header, inside the data, and two bytes before
// the end (inside a pcapng block's trailer).
func cuts(from, to int) []int {
	return []int{from + 3, from + (to-from)/2, to - 2, to}
}

// TestFollowGrowingFile follows one file written a few bytes at a time:
// every record is cut inside its header, its data and its trailer, and no
// record comes out before its last byte is written.
func TestFollowGrowingFile(t *testing.T) {
	for _, v := range followVariants {
		t.Run(v.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "live.pcap")
			// The file does not exist yet: the follower waits for it.
			h := startFollow(t, path, FollowOptions{NoNotify: v.noNotify})
			g := newGrowFile(v.ng)
			g.fill(1, 6)
			g.addStats()
			written := 0
			write := func(to int) {
				appendBytes(t, path, g.b[written:to])
				written = to
				h.waitAt(path, written)
			}
			// The header in two pieces.
			hdr := len(newGrowFile(v.ng).b)
			write(10)
			write(hdr)
			checkRecs(t, "after the header", nil, h.take())
			from := hdr
			for i, end := range g.ends {
				for _, c := range cuts(from, end) {
					write(c)
					want := []frec(nil)
					if c == end {
						want = g.recs[i : i+1]
					}
					checkRecs(t, fmt.Sprintf("record %d written to byte %d of %d", i+1, c, end), want, h.take())
				}
				from = end
			}
			write(len(g.b)) // the statistics block, if any
			// Half of one more record, then stop: it is not a packet.
			whole := len(g.b)
			g.add(2_000_000_000*1e9, "never finished")
			write(len(g.b) - 5)
			checkRecs(t, "after stop", nil, h.stop())
			checkRecs(t, "all", g.recs[:6], h.got)
			checkFiles(t, []fileSummary{{path, 6, EndStopped, false, int64(len(g.b) - 5 - whole)}}, h.f.Files())
			if w := h.warnings(); len(w) > 0 {
				t.Errorf("warnings: %q", w)
			}
		})
	}
}

// TestFollowRing follows a dumpcap-style ring: a rotation while the old
// file's last record is still half-written, then fast rotation through many
// small files written in pieces and at once.
func TestFollowRing(t *testing.T) {
	for _, v := range followVariants {
		t.Run(v.name, func(t *testing.T) {
			dir := t.TempDir()
			// A huge grace: the follower must wait for the half-written
			// record because it is half-written, not because of timing.
			h := startFollow(t, dir, FollowOptions{NoNotify: v.noNotify, Grace: time.Hour})
			h.waitFor("for the first file", func(s waitState) bool { return s.waits > 0 && s.path == "" })

			var want []frec
			seq := 1
			f1, g1 := ringFile(dir, 1, v.ng), newGrowFile(v.ng)
			g1.fill(seq, 3)
			seq += 3
			appendBytes(t, f1, g1.b[:g1.ends[2]-7])
			h.waitAt(f1, g1.ends[2]-7)
			checkRecs(t, "file 1 with its last record cut", g1.recs[:2], h.take())

			f2, g2 := ringFile(dir, 2, v.ng), newGrowFile(v.ng)
			g2.fill(seq, 2)
			seq += 2
			appendBytes(t, f2, g2.b)
			h.waitFor("on file 1 knowing file 2 exists", func(s waitState) bool {
				return s.path == f1 && s.movedOn && s.read == int64(g1.ends[2]-7)
			})
			checkRecs(t, "rotated while a record is half-written", nil, h.take())
			appendBytes(t, f1, g1.b[g1.ends[2]-7:])
			h.waitAt(f2, len(g2.b))
			checkRecs(t, "after completing file 1", append(g1.recs[2:3:3], g2.recs...), h.take())
			want = append(append(want, g1.recs...), g2.recs...)
			files := []fileSummary{{f1, 3, EndComplete, false, 0}, {f2, 2, EndComplete, false, 0}}

			// Fast rotation: files 3 to 40, no waiting between them.
			// Every third file is written in three pieces, cut inside
			// records; the others at once.
			var last string
			var lastG *growFile
			for i := 3; i <= 40; i++ {
				p, g := ringFile(dir, i, v.ng), newGrowFile(v.ng)
				n := 1 + i%3
				g.fill(seq, n)
				seq += n
				g.addStats()
				if i%3 == 0 {
					a, b := g.ends[0]-3, g.ends[n-1]-1
					appendBytes(t, p, g.b[:a])
					appendBytes(t, p, g.b[a:b])
					appendBytes(t, p, g.b[b:])
				} else {
					appendBytes(t, p, g.b)
				}
				want = append(want, g.recs...)
				files = append(files, fileSummary{p, uint64(n), EndComplete, false, 0})
				last, lastG = p, g
			}
			h.waitAt(last, len(lastG.b))
			h.stop()
			checkRecs(t, "every record once, in order", want, h.got)
			files[1].End = EndComplete
			files[len(files)-1].End = EndStopped
			checkFiles(t, files, h.f.Files())
			if w := h.warnings(); len(w) > 0 {
				t.Errorf("warnings: %q", w)
			}
			if h.f.Missing() != 0 {
				t.Errorf("Missing() = %d, want 0", h.f.Missing())
			}
		})
	}
}

// TestFollowRemovedWhileReading removes a ring file (as dumpcap does with
// the oldest) while it is being read: the rest of it comes from the open
// descriptor, then the next file follows.
func TestFollowRemovedWhileReading(t *testing.T) {
	for _, v := range followVariants[:2] {
		t.Run(v.name, func(t *testing.T) {
			dir := t.TempDir()
			f1, g1 := ringFile(dir, 1, v.ng), newGrowFile(v.ng)
			// Well past the Reader's 256 KiB buffer, so most of it is read
			// after the removal.
			for g1.fill(1, 1); len(g1.b) < 1<<20; {
				g1.add(int64(len(g1.recs)+1)*1e9, strings.Repeat(fmt.Sprint(len(g1.recs)), 200))
			}
			appendBytes(t, f1, g1.b)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var notes []Note
			fl, err := Follow(ctx, dir, FollowOptions{FromStart: true, PollInterval: 5 * time.Millisecond, Notes: func(n Note) { notes = append(notes, n) }})
			if err != nil {
				t.Fatal(err)
			}
			defer fl.Close()
			var got []frec
			var rec Record
			next := func() {
				t.Helper()
				if err := fl.Next(&rec); err != nil {
					t.Fatalf("Next after %d records: %v", len(got), err)
				}
				got = append(got, frec{rec.Timestamp, string(rec.Data)})
			}
			next()
			if err := os.Remove(f1); err != nil {
				t.Fatal(err)
			}
			f2, g2 := ringFile(dir, 2, v.ng), newGrowFile(v.ng)
			g2.fill(100000, 3)
			appendBytes(t, f2, g2.b)
			for len(got) < len(g1.recs)+len(g2.recs) {
				next()
			}
			cancel()
			if err := fl.Next(&rec); err != io.EOF {
				t.Fatalf("Next after the end: %v, want io.EOF", err)
			}
			checkRecs(t, "records", append(append([]frec(nil), g1.recs...), g2.recs...), got)
			checkFiles(t, []fileSummary{{f1, uint64(len(g1.recs)), EndComplete, true, 0}, {f2, 3, EndStopped, false, 0}}, fl.Files())
			for _, n := range notes {
				if n.Warning {
					t.Errorf("warning: %v", n)
				}
			}
		})
	}
}

// TestFollowStart checks where following starts in a ring that already
// has files: the newest file by default, the oldest with FromStart.
func TestFollowStart(t *testing.T) {
	dir := t.TempDir()
	var gs []*growFile
	var paths []string
	for i := 1; i <= 3; i++ {
		g := newGrowFile(true)
		g.fill(i*10, 2)
		p := ringFile(dir, i, true)
		appendBytes(t, p, g.b)
		gs, paths = append(gs, g), append(paths, p)
	}
	// Not capture files: ignored in a directory.
	appendBytes(t, filepath.Join(dir, "notes.txt"), []byte("hello"))
	appendBytes(t, filepath.Join(dir, ".ring_00009_20261123100009.pcapng.tmp"), []byte("x"))

	for _, tc := range []struct {
		name  string
		path  string
		from  bool
		first int
	}{
		{"newest by default", dir, false, 2},
		{"from start", dir, true, 0},
		{"glob from start", filepath.Join(dir, "ring_*.pcapng"), true, 0},
		{"one ring file: that ring from it", paths[1], false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startFollow(t, tc.path, FollowOptions{FromStart: tc.from})
			h.waitAt(paths[2], len(gs[2].b))
			h.stop()
			var want []frec
			var files []fileSummary
			for i := tc.first; i < 3; i++ {
				want = append(want, gs[i].recs...)
				end := EndComplete
				if i == 2 {
					end = EndStopped
				}
				files = append(files, fileSummary{paths[i], 2, end, false, 0})
			}
			checkRecs(t, "records", want, h.got)
			checkFiles(t, files, h.f.Files())
		})
	}
}

// TestFollowListsAtStart: which ring files were already there is decided
// when Follow is called, not at the first Next. Files the writer adds in
// between are new and read, oldest first. (Fix: they were listed with the
// old ones at the first Next, so all but the newest were skipped — a
// monitor that started its reading goroutine late lost whole files.)
func TestFollowListsAtStart(t *testing.T) {
	dir := t.TempDir()
	gs := make([]*growFile, 5)
	write := func(i int) {
		gs[i] = newGrowFile(true)
		gs[i].fill(i*10, 2)
		appendBytes(t, ringFile(dir, i, true), gs[i].b)
	}
	write(1)
	write(2) // the newest when following starts: read from its start
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := Follow(ctx, dir, FollowOptions{PollInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	write(3)
	write(4)
	cancel() // Next drains what the files hold, then io.EOF
	var got []frec
	var rec Record
	for {
		err := f.Next(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		got = append(got, frec{ts: rec.Timestamp, data: string(rec.Data)})
	}
	var want []frec
	for _, g := range gs[2:] {
		want = append(want, g.recs...)
	}
	checkRecs(t, "records", want, got)
}

// TestFollowGivesUpAfterGrace: a file the writer left with a half-written
// record is finished after the grace period, the partial record reported.
func TestFollowGivesUpAfterGrace(t *testing.T) {
	dir := t.TempDir()
	f1, g1 := ringFile(dir, 1, false), newGrowFile(false)
	g1.fill(1, 3)
	appendBytes(t, f1, g1.b[:g1.ends[2]-4])
	h := startFollow(t, dir, FollowOptions{Grace: 30 * time.Millisecond})
	h.waitAt(f1, g1.ends[2]-4)
	f2, g2 := ringFile(dir, 2, false), newGrowFile(false)
	g2.fill(10, 1)
	appendBytes(t, f2, g2.b)
	h.waitAt(f2, len(g2.b))
	h.stop()
	checkRecs(t, "records", append(g1.recs[:2:2], g2.recs...), h.got)
	part := int64(g1.ends[2] - 4 - g1.ends[1])
	checkFiles(t, []fileSummary{{f1, 2, EndPartial, false, part}, {f2, 1, EndStopped, false, 0}}, h.f.Files())
	if w := h.warnings(); len(w) != 1 || !strings.Contains(w[0], "never completed") {
		t.Errorf("warnings %q, want one about the unfinished record", w)
	}
}

// TestFollowGap: ring files removed before the follower reached them are
// counted as missing and reported.
func TestFollowGap(t *testing.T) {
	dir := t.TempDir()
	var want []frec
	var last *growFile
	for _, i := range []int{1, 4} {
		last = newGrowFile(true)
		last.fill(i*10, 1)
		appendBytes(t, ringFile(dir, i, true), last.b)
		want = append(want, last.recs...)
	}
	h := startFollow(t, dir, FollowOptions{FromStart: true})
	h.waitAt(ringFile(dir, 4, true), len(last.b))
	h.stop()
	checkRecs(t, "records", want, h.got)
	if h.f.Missing() != 2 {
		t.Errorf("Missing() = %d, want 2", h.f.Missing())
	}
	if w := h.warnings(); len(w) != 1 || !strings.Contains(w[0], "numbered 2 to 3") {
		t.Errorf("warnings %q, want one naming files 2 to 3", w)
	}
}

// TestFollowSymlink follows a symlink that the writer re-points to each new
// file, and a single path that is replaced (renamed away, written anew).
func TestFollowSymlink(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "current")
	a, ga := filepath.Join(dir, "a.pcap"), newGrowFile(false)
	ga.fill(1, 2)
	appendBytes(t, a, ga.b[:ga.ends[1]-3])
	if err := os.Symlink("a.pcap", link); err != nil {
		t.Fatal(err)
	}
	h := startFollow(t, link, FollowOptions{Grace: time.Hour})
	h.waitAt(a, ga.ends[1]-3)
	b, gb := filepath.Join(dir, "b.pcap"), newGrowFile(false)
	gb.fill(10, 2)
	appendBytes(t, b, gb.b)
	// Re-point atomically, as ln -sfn does.
	if err := os.Symlink("b.pcap", link+".new"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(link+".new", link); err != nil {
		t.Fatal(err)
	}
	h.waitFor("on a knowing the link moved", func(s waitState) bool { return s.path == a && s.movedOn })
	appendBytes(t, a, ga.b[ga.ends[1]-3:])
	h.waitAt(b, len(gb.b))

	// The single-path case: b renamed away (so it counts as removed), a
	// new file at its name.
	if err := os.Rename(b, b+".old"); err != nil {
		t.Fatal(err)
	}
	gc := newGrowFile(false)
	gc.fill(20, 1)
	appendBytes(t, b, gc.b)
	h.waitAt(b, len(gc.b))
	h.stop()
	checkRecs(t, "records", append(append(ga.recs, gb.recs...), gc.recs...), h.got)
	checkFiles(t, []fileSummary{{a, 2, EndComplete, false, 0}, {b, 2, EndComplete, true, 0}, {b, 1, EndStopped, false, 0}}, h.f.Files())
}

// TestFollowNotCapture: a single file that is not a capture is an error;
// in a ring it is skipped with a warning.
func TestFollowNotCapture(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pcap")
	appendBytes(t, bad, []byte("this is not a capture file at all"))
	fl, err := Follow(context.Background(), bad, FollowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	var rec Record
	if err := fl.Next(&rec); !errors.Is(err, ErrNotCapture) {
		t.Fatalf("Next = %v, want ErrNotCapture", err)
	}

	ring := t.TempDir()
	appendBytes(t, ringFile(ring, 1, true), []byte("garbage garbage garbage"))
	g := newGrowFile(true)
	g.fill(1, 2)
	appendBytes(t, ringFile(ring, 2, true), g.b)
	h := startFollow(t, ring, FollowOptions{FromStart: true})
	h.waitAt(ringFile(ring, 2, true), len(g.b))
	h.stop()
	checkRecs(t, "records", g.recs, h.got)
	if fs := h.f.Files(); len(fs) != 2 || fs[0].End != EndError || fs[0].Err == "" {
		t.Errorf("Files() = %+v, want the bad file first with an error", fs)
	}
	if w := h.warnings(); len(w) != 1 {
		t.Errorf("warnings %q, want one", w)
	}
}

func TestFollowBadPath(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{
		filepath.Join(dir, "no-such-dir", "x.pcap"),
		filepath.Join(dir, "[bad"),
	} {
		if _, err := Follow(context.Background(), p, FollowOptions{}); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("Follow(%s) = %v, want an error naming it", p, err)
		}
	}
}

func TestRingOrder(t *testing.T) {
	want := []string{
		"ring_00009_20261123235959.pcapng",
		"ring_00010_20261123235959.pcapng",
		"ring_00011_20261124000000.pcapng",
		"ring_99999_20261124000001.pcapng",
		"ring_100000_20261124000001.pcapng",
		// dumpcap started again: numbers from 1, later time stamps
		"ring_00001_20261124120000.pcapng",
		"ring_00002_20261124120000.pcapng",
	}
	other := []string{"cap", "cap1", "cap2", "cap10", "cap11", "cap100"}
	for _, names := range [][]string{want, other} {
		cands := make([]candidate, len(names))
		for i := range names {
			// Reverse, so sorting has work to do.
			n := names[len(names)-1-i]
			cands[i] = candidate{path: "/d/" + n, base: n}
			cands[i].ring, cands[i].isRing = parseRingName(n)
		}
		sort.SliceStable(cands, func(i, j int) bool { return ringBefore(&cands[i], &cands[j]) })
		var got []string
		for _, c := range cands {
			got = append(got, c.base)
		}
		if fmt.Sprint(got) != fmt.Sprint(names) {
			t.Errorf("ring order (-want +got):\n-%v\n+%v", names, got)
		}
	}
	for _, tc := range []struct {
		name string
		want ringName
		ok   bool
	}{
		{"ring_00001_20261123101010.pcapng", ringName{"ring", 1, "20261123101010", ".pcapng"}, true},
		{"my_cap_00012_20261123101010.pcap", ringName{"my_cap", 12, "20261123101010", ".pcap"}, true},
		{"ring_00001_20261123101010", ringName{"ring", 1, "20261123101010", ""}, true},
		{"ring_1_20261123101010.pcapng", ringName{}, false},
		{"ring.pcapng", ringName{}, false},
	} {
		got, ok := parseRingName(tc.name)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRingName(%q) = %+v, %t; want %+v, %t", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// TestFollowRotationAtEveryCut rotates while the old file's last record is
// cut at every possible byte: the follower must wait for that record
// however the cut falls (inside a header, at the end of the data before the
// padding, inside the trailer), and move on only once it is complete.
func TestFollowRotationAtEveryCut(t *testing.T) {
	for _, ng := range []bool{false, true} {
		g1 := newGrowFile(ng)
		g1.fill(1, 2)
		g1.add(1_800_000_000*1e9, "the last one, cut")
		g2 := newGrowFile(ng)
		g2.fill(100, 1)
		for cut := g1.ends[1] + 1; cut < g1.ends[2]; cut++ {
			t.Run(fmt.Sprintf("ng=%t/cut=%d", ng, cut), func(t *testing.T) {
				dir := t.TempDir()
				f1, f2 := ringFile(dir, 1, ng), ringFile(dir, 2, ng)
				appendBytes(t, f1, g1.b[:cut])
				appendBytes(t, f2, g2.b)
				h := startFollow(t, dir, FollowOptions{FromStart: true, Grace: time.Hour})
				h.waitFor("on file 1 knowing file 2 exists", func(s waitState) bool {
					return s.path == f1 && s.movedOn && s.read == int64(cut)
				})
				checkRecs(t, "before completing", g1.recs[:2], h.take())
				appendBytes(t, f1, g1.b[cut:])
				h.waitAt(f2, len(g2.b))
				h.stop()
				checkRecs(t, "all", append(g1.recs[:3:3], g2.recs...), h.got)
			})
		}
	}
}

// TestFollowFilesAfterStart: files that appear after following started are
// all new, so a ring that was empty then is read from its oldest file even
// if several appear at once.
func TestFollowFilesAfterStart(t *testing.T) {
	dir := t.TempDir()
	h := startFollow(t, dir, FollowOptions{})
	h.waitFor("for the first file", func(s waitState) bool { return s.waits > 0 && s.path == "" })
	var want []frec
	var last string
	var lastG *growFile
	for i := 1; i <= 3; i++ {
		g := newGrowFile(true)
		g.fill(i*10, 2)
		last, lastG = ringFile(dir, i, true), g
		appendBytes(t, last, g.b)
		want = append(want, g.recs...)
	}
	h.waitAt(last, len(lastG.b))
	h.stop()
	checkRecs(t, "records", want, h.got)
}
