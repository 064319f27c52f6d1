package report

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/google/go-cmp/cmp"

	"github.com/tcpviz/tcpviz/internal/event"
)

// writeSession writes a session directory with these events.jsonl and
// flows.jsonl lines and a summary.json whose capture starts at t0.
func writeSession(t *testing.T, events, flows []string) string {
	t.Helper()
	dir := t.TempDir()
	for name, lines := range map[string][]string{"events.jsonl": events, "flows.jsonl": flows} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum := `{"schema":1,"capture":{"file":"x.pcap","packets":100,"first_ts":"2024-01-01T00:00:00Z","duration_s":6},` +
		`"unique_ips":3,"unique_macs":2}`
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), []byte(sum), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

const t0 = 1704067200.0 // 2024-01-01T00:00:00Z

// tcpRecord is a flows.jsonl TCP record; extra is appended to its fields.
func tcpRecord(stream, retrans int, bytes uint64, lastTS float64, extra string) string {
	return fmt.Sprintf(`{"proto":"tcp","stream":%d,"src_ip":"10.0.0.1","src_port":%d,"dst_ip":"10.0.0.2","dst_port":80,`+
		`"first_ts":%v,"last_ts":%v,"fwd_bytes":%d,"rev_bytes":0,"retransmissions":%d,"loss_events":0%s}`,
		stream, 1000+stream, t0, lastTS, bytes, retrans, extra)
}

func seriesOf(c chart) charts.MultiSeries {
	return c.JSON()["series"].(charts.MultiSeries)
}

func points(s charts.SingleSeries) []any {
	var out []any
	switch d := s.Data.(type) {
	case []opts.LineData:
		for _, p := range d {
			out = append(out, p.Value)
		}
	case []opts.BarData:
		for _, p := range d {
			out = append(out, p.Value)
		}
	}
	return out
}

// TestTCPTimelines checks the per-flow charts of a session whose TCP
// records carry timelines and RTT histograms: the worst flows are chosen
// from the records, drawn step by step with gaps where a step has no
// figure, the event figures as dots over them, one colour per flow in
// every chart.
func TestTCPTimelines(t *testing.T) {
	// Stream 1: 4 steps of 1 s from t0+1, RTT samples in steps 0 and 2,
	// nothing sent in step 1; ends 0.5 s into its last step.
	tl1 := `,"rtt_hist":[{"ms":10,"count":3},{"ms":10.5,"count":1},{"ms":40,"count":4}],` +
		`"timeline":{"start":1704067201,"step_s":1,"packets":[10,0,8,4],"bytes":[1000,0,2000,500],` +
		`"rtt_mean_ms":[12.5,0,40,0],"rtt_max_ms":[20,0,45,0],"bytes_in_flight_max":[3000,0,2500,0],"retransmissions":[1,0,2,0]}`
	// Stream 2: fewer retransmissions; one step of 2 s.
	tl2 := `,"rtt_hist":[{"ms":1,"count":1}],"timeline":{"start":1704067200.5,"step_s":2,"packets":[3],"bytes":[300],` +
		`"rtt_mean_ms":[1],"rtt_max_ms":[1],"bytes_in_flight_max":[100],"retransmissions":[0]}`
	flows := []string{
		tcpRecord(0, 9, 1, t0+1, ""),                  // the most retransmissions, but no timeline
		tcpRecord(2, 1, 300, t0+0.5+0.25, tl2),        // lived 0.25 s in its only step
		tcpRecord(1, 3, 3500, t0+1+3.5, tl1),          // the worst with a timeline
		tcpRecord(3, 0, 9999, t0+2, `,"timeline":{}`), // an empty timeline is not drawn
		tcpRecord(4, 0, 50, t0+2, `,"rtt_hist":[]`),   // nor an empty histogram
		`{"proto":"rtp","stream":9,"src_ip":"10.0.0.1","src_port":5004,"dst_ip":"10.0.0.2","dst_port":5004,"lost":3}`,
	}
	events := []string{
		`{"ts_epoch":1704067201.25,"type":"retransmission","severity":"warn","stream":1,"proto":"tcp","extra":{"srtt_ms":13,"bytes_in_flight":2900}}`,
		`{"ts_epoch":1704067203.5,"type":"dup_ack","severity":"info","stream":1,"proto":"tcp","extra":{"srtt_ms":41}}`,
		`{"ts_epoch":1704067201.5,"type":"retransmission","severity":"warn","stream":0,"proto":"tcp","extra":{"srtt_ms":99}}`,
	}
	dir := writeSession(t, events, flows)
	d, err := Load(context.Background(), dir, filepath.Join(dir, "events.jsonl"), Options{Library: stubLibrary, TopFlows: 2})
	if err != nil {
		t.Fatal(err)
	}
	if d.rttCands != 2 || d.timeCands != 2 {
		t.Errorf("candidates: %d with RTT, %d with a timeline; want 2 and 2", d.rttCands, d.timeCands)
	}
	name1, name2 := "tcp/1 10.0.0.1:1001 -> 10.0.0.2:80", "tcp/2 10.0.0.1:1002 -> 10.0.0.2:80"
	pt := func(x, y any) any { return []any{x, y} }

	rtt := d.rttPanel()
	type line struct {
		Name, ID, Color string
		Points          []any
	}
	lines := func(p *panel) []line {
		var out []line
		for _, s := range seriesOf(p.chart) {
			out = append(out, line{s.Name, s.Id, s.ItemStyle.Color, points(s)})
		}
		return out
	}
	blue, green := flowPalette[0], flowPalette[1]
	want := []line{
		{name1, "rtt-mean/0", blue, []any{pt(1.0, 12.5), pt(2.0, 12.5), pt(2.0, "-"), pt(3.0, 40.0), pt(4.0, 40.0), pt(4.0, "-")}},
		{name1, "rtt-max/0", blue, []any{pt(1.0, 20.0), pt(2.0, 20.0), pt(2.0, "-"), pt(3.0, 45.0), pt(4.0, 45.0), pt(4.0, "-")}},
		{name1, "srtt/0", blue, []any{[]float64{1.25, 13}, []float64{3.5, 41}}},
		{name2, "rtt-mean/1", green, []any{pt(0.5, 1.0), pt(0.75, 1.0)}},
		{name2, "rtt-max/1", green, []any{pt(0.5, 1.0), pt(0.75, 1.0)}},
	}
	if diff := cmp.Diff(want, lines(rtt)); diff != "" {
		t.Errorf("RTT series (-want +got):\n%s", diff)
	}
	for _, w := range []string{"(1 s and 2 s steps)", "all 2 TCP connections with RTT samples", "dots: the smoothed RTT"} {
		if !strings.Contains(rtt.caption, w) {
			t.Errorf("RTT caption %q lacks %q", rtt.caption, w)
		}
	}
	if rtt.hook != "steps" || rtt.data.(stepsData).Labels["rtt-max"] == "" {
		t.Errorf("RTT chart: hook %q, data %+v; want the steps hook naming each figure", rtt.hook, rtt.data)
	}

	// Bytes in flight: a gap where nothing was sent, 0 where only ACKs were.
	want = []line{
		{name1, "bif/0", blue, []any{pt(1.0, 3.0), pt(2.0, 3.0), pt(2.0, "-"), pt(3.0, 2.5), pt(4.0, 0.0), pt(4.5, 0.0)}},
		{name1, "bif-event/0", blue, []any{[]float64{1.25, 2.9}}},
		{name2, "bif/1", green, []any{pt(0.5, 0.1), pt(0.75, 0.1)}},
	}
	if diff := cmp.Diff(want, lines(d.bifPanel())); diff != "" {
		t.Errorf("bytes in flight series (-want +got):\n%s", diff)
	}

	// Throughput: bytes per step width; the last step is as long as the
	// connection lived in it.
	want = []line{
		{name1, "bits/0", blue, []any{pt(1.0, 8.0), pt(2.0, 0.0), pt(3.0, 16.0), pt(4.0, 8.0), pt(4.5, 8.0)}},
		{name2, "bits/1", green, []any{pt(0.5, 9.6), pt(0.75, 9.6)}},
	}
	ft := d.flowThroughputPanel()
	if diff := cmp.Diff(want, lines(ft)); diff != "" {
		t.Errorf("throughput series (-want +got):\n%s", diff)
	}
	if y := mustJSON(t, ft.chart.JSON()["yAxis"]); !strings.Contains(y, "throughput (kbit/s)") {
		t.Errorf("throughput y axis %s, want kbit/s", y)
	}

	// The histogram: shares of each flow's samples in common ranges.
	h := d.rttHistPanel()
	h.chart.Validate() // puts the categories on the axis, as rendering does
	x := mustJSON(t, h.chart.JSON()["xAxis"])
	for _, w := range []string{`"1–1.25"`, `"10–12.5"`, `"40–50"`} {
		if !strings.Contains(x, w) {
			t.Errorf("histogram ranges %s lack %s", x, w)
		}
	}
	hs := seriesOf(h.chart)
	if len(hs) != 2 || hs[0].Name != name1 || hs[1].Name != name2 {
		t.Fatalf("histogram series %+v, want %s and %s", hs, name1, name2)
	}
	sum := func(s charts.SingleSeries) (n float64, nonzero int) {
		for _, v := range points(s) {
			if f := v.(float64); f > 0 {
				n += f
				nonzero++
			}
		}
		return n, nonzero
	}
	if n, nz := sum(hs[0]); n != 100 || nz != 2 {
		t.Errorf("flow 1's shares sum to %v in %d ranges, want 100 in 2 (10 and 10.5 ms share one)", n, nz)
	}
	if hs[0].ItemStyle.Color != blue || hs[1].ItemStyle.Color != green {
		t.Errorf("histogram colours %s, %s; want each flow's own", hs[0].ItemStyle.Color, hs[1].ItemStyle.Color)
	}
}

// TestTCPTimelinesFallback checks that a session without TCP timelines
// (written before parse-pcap kept them) keeps the event-based charts.
func TestTCPTimelinesFallback(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, filepath.Join("testdata", "session"), dir)
	b, err := os.ReadFile(filepath.Join(dir, "flows.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if i := strings.Index(l, `,"rtt_hist":`); i > 0 {
			l = l[:i] + "}"
		} else if i := strings.Index(l, `,"timeline":`); i > 0 && !strings.Contains(l, `"proto":"rtp"`) {
			l = l[:i] + "}"
		}
		lines = append(lines, l)
	}
	os.WriteFile(filepath.Join(dir, "flows.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	d, err := Load(context.Background(), dir, filepath.Join(dir, "events.jsonl"), Options{Library: stubLibrary})
	if err != nil {
		t.Fatal(err)
	}
	if d.rttCands != 0 || d.timeCands != 0 {
		t.Fatalf("%d records with RTT, %d with timelines; want none", d.rttCands, d.timeCands)
	}
	for _, tc := range []struct {
		p    *panel
		want string
	}{
		{d.rttPanel(), "Smoothed RTT (RFC 6298) carried by each event"},
		{d.rttHistPanel(), "How many events of"},
		{d.bifPanel(), "Unacknowledged bytes at each event"},
		{d.flowThroughputPanel(), "flows.jsonl has no per-connection timelines"},
	} {
		if !strings.Contains(tc.p.caption, tc.want) {
			t.Errorf("%s caption %q lacks %q", tc.p.id, tc.p.caption, tc.want)
		}
	}
	if d.rttPanel().chart == nil || d.bifPanel().chart == nil {
		t.Error("the event-based RTT and bytes-in-flight charts are missing")
	}
}

// TestKeepWorst checks that the per-flow charts keep the same records
// however often candidates are trimmed.
func TestKeepWorst(t *testing.T) {
	var rows []*flowLine
	for i := 0; i < 500; i++ {
		rows = append(rows, &flowLine{order: i, Retransmissions: uint64(i * 7 % 31), LossEvents: uint64(i * 13 % 17), FwdBytes: uint64(i * 11 % 5)})
	}
	all := keepWorst(append([]*flowLine(nil), rows...), 5, true)
	var kept []*flowLine
	for _, r := range rows {
		kept = keepWorst(append(kept, r), 5, false)
	}
	kept = keepWorst(kept, 5, true)
	order := func(rs []*flowLine) []int {
		var o []int
		for _, r := range rs {
			o = append(o, r.order)
		}
		return o
	}
	if diff := cmp.Diff(order(all), order(kept)); diff != "" {
		t.Errorf("records (-all at once +trimmed):\n%s", diff)
	}
}

func TestRTTEdges(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   []float64
	}{
		{10, 10, []float64{10, 12.5}},
		{10.5, 40, []float64{10, 12.5, 16, 20, 25, 32, 40, 50}},
		{0.001, 0.0012, []float64{0.001, 0.00125}},
		{0.9, 1, []float64{0.8, 1, 1.25}},
		// Over four decades: 1-2-5 ranges.
		{0.001, 30, []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50}},
	} {
		if got := rttEdges(tc.lo, tc.hi); !cmp.Equal(got, tc.want) {
			t.Errorf("rttEdges(%v, %v) (-want +got):\n%s", tc.lo, tc.hi, cmp.Diff(tc.want, got))
		}
	}
}

// TestRTTShares checks the rebinning of parse-pcap's histograms: each
// bucket counts in the range of its lower bound, sub-microsecond samples
// (lower bound 0) in the first, shares per flow.
func TestRTTShares(t *testing.T) {
	recs := []*flowLine{
		{RTTHist: []rttBucket{{0, 1}, {0.001, 1}, {0.002, 2}}},
		{RTTHist: []rttBucket{{0.00225, 5}}},
		{}, // no samples: all ranges 0
	}
	edges, shares := rttShares(recs)
	if want := []float64{0, 0.00125, 0.0016, 0.002, 0.0025}; !cmp.Equal(edges, want) {
		t.Errorf("edges (-want +got):\n%s", cmp.Diff(want, edges))
	}
	want := [][]float64{{50, 0, 0, 50}, {0, 0, 0, 100}, {0, 0, 0, 0}}
	if diff := cmp.Diff(want, shares); diff != "" {
		t.Errorf("shares (-want +got):\n%s", diff)
	}
}

// TestAddressesPanel checks the unique addresses chart and its estimates.
func TestAddressesPanel(t *testing.T) {
	d := &Data{Summary: &event.Summary{UniqueIPs: 1500000, UniqueIPsEstimated: true, UniqueMACs: 4}}
	p := d.addressesPanel()
	p.chart.Validate()
	js := mustJSON(t, p.chart.JSON())
	for _, w := range []string{`"IP (≈)"`, `"MAC"`, `{"value":1500000}`, `{"value":4}`, `"name":"addresses"`} {
		if !strings.Contains(js, w) {
			t.Errorf("addresses chart lacks %s: %s", w, js)
		}
	}
	if !strings.Contains(p.caption, "HyperLogLog") {
		t.Errorf("caption %q does not say the count is an estimate", p.caption)
	}
	if p := (&Data{}).addressesPanel(); p.chart != nil || p.caption == "" {
		t.Errorf("without summary.json: chart %v, caption %q", p.chart, p.caption)
	}
}
