package report

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// largeTypes is the mix of a lossy bulk session: mostly dup ACKs and
// retransmissions, a few rare types (which stay one point per event).
var largeTypes = []struct {
	name, sev string
	per1000   int
}{
	{"dup_ack", "info", 500}, {"retransmission", "warn", 200}, {"lost_segment", "warn", 120},
	{"loss_infer", "warn", 100}, {"out_of_order", "warn", 60}, {"fast_retransmission", "warn", 15},
	{"zero_window", "warn", 4}, {"loss_infer", "critical", 1},
}

// writeLargeSession writes a session of n events on flows flows over 600 s
// of capture time, as parse-pcap writes them, and returns its events path.
func writeLargeSession(t testing.TB, dir string, n, flows int) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "events.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var kinds []int
	for i, k := range largeTypes {
		for j := 0; j < k.per1000; j++ {
			kinds = append(kinds, i)
		}
	}
	const t0 = 1795427117.0
	var b []byte
	for i := 0; i < n; i++ {
		k := largeTypes[kinds[(i*7919)%len(kinds)]]
		stream := (i * 31) % flows
		ts := t0 + 600*float64(i)/float64(n)
		sec := int64(ts)
		b = append(b[:0], `{"schema":1,"ts":"`...)
		b = time.Unix(sec, int64((ts-float64(sec))*1e9)).UTC().AppendFormat(b, "2006-01-02T15:04:05.000000000Z07:00")
		b = append(b, `","ts_epoch":`...)
		b = strconv.AppendFloat(b, ts, 'f', 9, 64)
		b = append(b, `,"frame":`...)
		b = strconv.AppendInt(b, int64(i*3+1), 10)
		b = append(b, `,"type":"`...)
		b = append(b, k.name...)
		b = append(b, `","severity":"`...)
		b = append(b, k.sev...)
		b = append(b, `","flow":"10.1.`...)
		b = strconv.AppendInt(b, int64(stream/250), 10)
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(stream%250), 10)
		b = append(b, `:443 -> 10.2.0.1:51000","stream":`...)
		b = strconv.AppendInt(b, int64(stream), 10)
		b = append(b, `,"proto":"tcp","src_ip":"10.1.0.1","src_port":443,"dst_ip":"10.2.0.1","dst_port":51000,"seq":`...)
		b = strconv.AppendInt(b, int64(i*1448%1000000000), 10)
		b = append(b, `,"ack":1,"len":1448,"extra":{"abs_seq":123456789,"abs_ack":987654321,"srtt_ms":`...)
		b = strconv.AppendFloat(b, 20+float64((i/flows)%50), 'f', 3, 64)
		b = append(b, `,"rttvar_ms":1.25,"bytes_in_flight":`...)
		b = strconv.AppendInt(b, int64(1448*((i/flows)%40)), 10)
		b = append(b, `,"window":65536}}`...)
		b = append(b, '\n')
		w.Write(b)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	fl, err := os.Create(filepath.Join(dir, "flows.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	fw := bufio.NewWriter(fl)
	for s := 0; s < flows; s++ {
		b = append(b[:0], `{"proto":"tcp","stream":`...)
		b = strconv.AppendInt(b, int64(s), 10)
		b = append(b, `,"src_ip":"10.2.0.1","src_port":51000,"dst_ip":"10.1.0.1","dst_port":443,"first_ts":1795427117,"last_ts":1795427717,"duration_s":600,"fwd_packets":1000,"rev_packets":2000,"fwd_bytes":100000,"rev_bytes":2000000,"state":"closed","retransmissions":`...)
		b = strconv.AppendInt(b, int64(s%97), 10)
		b = append(b, `,"loss_events":`...)
		b = strconv.AppendInt(b, int64(s%89), 10)
		b = append(b, `,"rtt_ms":{"samples":100,"min":10,"mean":20,"p50":20,"p95":`...)
		b = strconv.AppendInt(b, int64(30+s%83), 10)
		b = append(b, `,"max":200},"handshake_rtt_ms":12.5,"events":{"dup_ack":10}}`+"\n"...)
		fw.Write(b)
	}
	fw.Flush()
	fl.Close()
	return path
}

// TestLargeSession reports on a 1 M-event session: it finishes in seconds
// and the pages stay small because the timeline is bucketed.
func TestLargeSession(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 400 MB events file")
	}
	dir := filepath.Join(t.TempDir(), "large")
	const n = 1000000
	path := writeLargeSession(t, dir, n, 2000)
	st, _ := os.Stat(path)
	start := time.Now()
	d, err := Load(context.Background(), dir, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	loaded := time.Since(start)
	if d.Events != n {
		t.Fatalf("%d events read, want %d", d.Events, n)
	}
	sizes := map[string]int64{}
	for _, p := range Pages() {
		cw := &countWriter{}
		if err := Render(cw, d, p); err != nil {
			t.Fatal(err)
		}
		sizes[p.FileName()] = cw.n
		if p == TimelinePage && !strings.Contains(cw.text.String(), "are counted per") {
			t.Errorf("the timeline does not say it bucketed events")
		}
	}
	elapsed := time.Since(start)
	t.Logf("%d events (%d MB): loaded in %v, all pages in %v; page sizes %v (library %d bytes)",
		n, st.Size()>>20, loaded.Round(time.Millisecond), elapsed.Round(time.Millisecond), sizes, len(echartsJS))
	// The page carries at most MaxPoints timeline points and details for
	// as many events, plus bounded per-flow series: a few MB beyond the
	// library, however many events there are.
	for name, size := range sizes {
		if limit := int64(len(echartsJS)) + DefaultMaxPoints*300 + 1<<20; size > limit {
			t.Errorf("%s is %d bytes, more than %d", name, size, limit)
		}
	}
	if elapsed > 60*time.Second {
		t.Errorf("report took %v", elapsed)
	}
}

// countWriter counts bytes and keeps the first megabytes past the library.
type countWriter struct {
	n    int64
	text strings.Builder
}

func (w *countWriter) Write(b []byte) (int, error) {
	w.n += int64(len(b))
	if w.text.Len() < 8<<20 {
		w.text.Write(b)
	}
	return len(b), nil
}

// BenchmarkReport loads a 200 000-event session and renders its pages.
func BenchmarkReport(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "bench")
	const n = 200000
	path := writeLargeSession(b, dir, n, 500)
	st, _ := os.Stat(path)
	b.ReportAllocs()
	b.SetBytes(st.Size())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, err := Load(context.Background(), dir, path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range Pages() {
			if err := Render(io.Discard, d, p); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
