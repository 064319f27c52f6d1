package report

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/google/go-cmp/cmp"

	"github.com/tcpviz/tcpviz/internal/event"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// stubLibrary stands in for ECharts in golden files, which would otherwise
// hold a megabyte of someone else's code and change with its version.
const stubLibrary = "/* ECharts is inlined here */"

// load reads testdata/NAME with opts.
func load(t testing.TB, name string, opts Options) *Data {
	t.Helper()
	dir := filepath.Join("testdata", name)
	d, err := Load(context.Background(), dir, filepath.Join(dir, "events.jsonl"), opts)
	if err != nil {
		t.Fatalf("Load %s: %v", dir, err)
	}
	return d
}

func renderPage(t testing.TB, d *Data, p Page) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, d, p); err != nil {
		t.Fatalf("Render %s: %v", p.FileName(), err)
	}
	return b.Bytes()
}

// goldenCases are the sessions rendered to golden files: a real capture's
// session with RTP streams added (MaxPoints low enough that the frequent
// types are bucketed), the Python tool's events alone, and a session whose
// every string is hostile.
var goldenCases = []struct {
	name string
	opts Options
}{
	{"session", Options{MaxPoints: 150, TopFlows: 4, TableRows: 6}},
	{"legacy", Options{}},
	{"hostile", Options{}},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		opts := tc.opts
		opts.Library = stubLibrary
		d := load(t, tc.name, opts)
		for _, p := range Pages() {
			t.Run(tc.name+"/"+p.FileName(), func(t *testing.T) {
				got := renderPage(t, d, p)
				// Deterministic: the same bytes from a second load and render.
				if again := renderPage(t, load(t, tc.name, opts), p); !bytes.Equal(got, again) {
					t.Fatalf("two renders differ:\n%s", cmp.Diff(string(got), string(again)))
				}
				path := filepath.Join("testdata", "golden", tc.name+"_"+p.FileName())
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./internal/report -update)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs (-want +got); if the change is intended, run go test ./internal/report -update\n%s", path,
						cmp.Diff(string(want), string(got)))
				}
			})
		}
	}
}

// TestEveryChartExplained checks that each chart has a title, named axes
// with units and a caption, on every page of every session.
func TestEveryChartExplained(t *testing.T) {
	unit := regexp.MustCompile(`\(.+\)$`)
	for _, tc := range goldenCases {
		d := load(t, tc.name, tc.opts)
		for _, p := range Pages() {
			for _, s := range d.sections(p) {
				pn := s.panel
				if pn == nil {
					continue
				}
				if pn.caption == "" {
					t.Errorf("%s %s: panel %s has no caption", tc.name, p.FileName(), pn.id)
				}
				if pn.chart == nil {
					continue
				}
				opt := pn.chart.JSON()
				if title := opt["title"]; title == nil || !strings.Contains(mustJSON(t, title), `"text":"`) {
					t.Errorf("%s: chart %s has no title", tc.name, pn.id)
				}
				if pn.id == "protocol-share" { // a pie has no axes
					continue
				}
				for _, axis := range []string{"xAxis", "yAxis"} {
					js := mustJSON(t, opt[axis])
					names := regexp.MustCompile(`"name":"([^"]*)"`).FindAllStringSubmatch(js, -1)
					if len(names) == 0 {
						t.Errorf("%s: chart %s: %s has no name", tc.name, pn.id, axis)
					}
					for _, n := range names {
						if isValueAxis(js) && !unit.MatchString(n[1]) && !countNouns[n[1]] {
							t.Errorf("%s: chart %s: %s name %q has no unit", tc.name, pn.id, axis, n[1])
						}
					}
				}
			}
		}
	}
}

// countNouns are value axis names that count things: they need no unit.
var countNouns = map[string]bool{"events": true, "packets": true, "addresses": true}

func isValueAxis(js string) bool { return strings.Contains(js, `"type":"value"`) }

// TestNoRTP checks the caption of a session without RTP.
func TestNoRTP(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, filepath.Join("testdata", "session"), dir)
	keep := func(name string, drop string) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range strings.Split(string(b), "\n") {
			if !strings.Contains(l, drop) {
				out = append(out, l)
			}
		}
		os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(out, "\n")), 0o644)
	}
	keep("events.jsonl", `"proto":"rtp"`)
	keep("flows.jsonl", `"proto":"rtp"`)
	// And summary.json's RTP figures.
	var sum map[string]any
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	delete(sum, "rtp")
	delete(sum["flows"].(map[string]any), "rtp")
	for _, k := range []string{"rtp_jitter_max_ms", "rtp_jitter_mean_ms", "rtp_lost"} {
		delete(sum["throughput"].(map[string]any), k)
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), []byte(mustJSON(t, sum)), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Load(context.Background(), dir, filepath.Join(dir, "events.jsonl"), Options{Library: stubLibrary})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []Page{TimelinePage, ReportPage} {
		page := string(renderPage(t, d, p))
		if !strings.Contains(page, "no RTP streams in this session") {
			t.Errorf("%s does not say there are no RTP streams", p.FileName())
		}
		if strings.Contains(page, `id="rtp-jitter"`) {
			t.Errorf("%s has an RTP chart without RTP", p.FileName())
		}
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events string
		want   string
	}{
		{"bad line", "{\"type\":\"dup_ack\",\"ts_epoch\":1}\nnot json\n", "events.jsonl:2: not an event line"},
		{"bad type", `{"type":"dup_ack","ts_epoch":1,"stream":"x"}`, `events.jsonl:1: not an event line: field "stream" holds a JSON string`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "events.jsonl")
			os.WriteFile(p, []byte(tc.events), 0o644)
			_, err := Load(context.Background(), dir, p, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load error %v, want one containing %q", err, tc.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	p := filepath.Join(dir, "events.jsonl")
	os.WriteFile(p, bytes.Repeat([]byte(demoLine+"\n"), 5000), 0o644)
	if _, err := Load(ctx, dir, p, Options{}); err != context.Canceled {
		t.Errorf("Load with a cancelled context: %v, want %v", err, context.Canceled)
	}
}

// TestTopUnion checks that the flows table keeps the same rows however
// often candidates are trimmed.
func TestTopUnion(t *testing.T) {
	var rows []*flowLine
	for i := 0; i < 500; i++ {
		rows = append(rows, &flowLine{order: i, Retransmissions: uint64(i * 7 % 31), LossEvents: uint64(i * 13 % 17)})
	}
	all := topUnion(append([]*flowLine(nil), rows...), 5, tcpRankings)
	var trimmed []*flowLine
	for _, r := range rows {
		if trimmed = append(trimmed, r); len(trimmed) >= 11 {
			trimmed = topUnion(trimmed, 5, tcpRankings)
		}
	}
	trimmed = topUnion(trimmed, 5, tcpRankings)
	order := func(rs []*flowLine) []int {
		var o []int
		for _, r := range rs {
			o = append(o, r.order)
		}
		return o
	}
	if d := cmp.Diff(order(all), order(trimmed)); d != "" {
		t.Errorf("rows (-all at once +trimmed):\n%s", d)
	}
}

func TestNiceCeil(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{
		{0.3, 0.5}, {1, 1}, {1.01, 2}, {3, 5}, {7, 10}, {0.00012, 0.0002}, {250, 500}, {0, 1},
	} {
		if got := niceCeil(tc.in); got != tc.want {
			t.Errorf("niceCeil(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func copyDir(t testing.TB, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestManyTypes checks that a file with any number of type names keeps the
// timeline to maxTypes rows, the rest in one.
func TestManyTypes(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; i < 3*maxTypes; i++ {
		b.WriteString(`{"ts_epoch":1700000000.5,"type":"made_up_` + strconv.Itoa(i) + `","severity":"warn","stream":1,"proto":"tcp"}` + "\n")
	}
	p := filepath.Join(dir, "events.jsonl")
	os.WriteFile(p, []byte(b.String()), 0o644)
	d, err := Load(context.Background(), dir, p, Options{Library: stubLibrary})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.types) != maxTypes || d.types[maxTypes-1] != otherType {
		t.Errorf("%d types, last %q; want %d, last %q", len(d.types), d.types[len(d.types)-1], maxTypes, otherType)
	}
	if c := d.timeline.counts[maxTypes-1][1]; c != 2*maxTypes+1 {
		t.Errorf("%s counts %d events, want %d", otherType, c, 2*maxTypes+1)
	}
}

// TestRTPFromSummary checks that a session whose RTP streams raised no
// event still gets its RTP charts, from summary.json's per-interval
// figures, and the summary's RTP line.
func TestRTPFromSummary(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, filepath.Join("testdata", "session"), dir)
	b, err := os.ReadFile(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.Contains(l, `"proto":"rtp"`) {
			keep = append(keep, l)
		}
	}
	os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte(strings.Join(keep, "\n")), 0o644)
	d, err := Load(context.Background(), dir, filepath.Join(dir, "events.jsonl"), Options{Library: stubLibrary})
	if err != nil {
		t.Fatal(err)
	}
	page := string(renderPage(t, d, ReportPage))
	for _, want := range []string{
		`id="rtp-jitter"`, `id="rtp-loss"`, "all streams: max", "all streams: lost",
		"no stream crossed the jitter threshold (no rtp_jitter events)", "no rtp_loss events",
		"2 streams, 235 packets (0 RTCP), 7 lost of 242 expected (2.89 %); jitter p50 9.800 ms, p95 44.100 ms, max 55.750 ms",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

// TestStepData checks how summary.json's intervals become step lines:
// clipped to the capture, broken where a figure is missing, combined when
// there are too many.
func TestStepData(t *testing.T) {
	d := &Data{Summary: &event.Summary{}}
	d.Summary.Capture.FirstTS = "2024-01-01T00:00:00.4Z"
	d.Summary.Capture.DurationS = 2.2
	d.Summary.Throughput.IntervalS = 1
	t0 := 1704067200.0
	d.Summary.Throughput.Start = []float64{t0, t0 + 1, t0 + 2}
	d.setOrigin()
	if got, want := d.intervalXs(), []float64{0, 0.6, 1.6, 2.2}; !cmp.Equal(got, want) {
		t.Errorf("intervalXs (-want +got):\n%s", cmp.Diff(want, got))
	}
	values := func(ld []opts.LineData) []any {
		var out []any
		for _, p := range ld {
			out = append(out, p.Value)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		is   intervalSeries
		k    int
		want []any
	}{
		{"gap", intervalSeries{vals: []float64{0, 2, 3}, gapZero: true, how: maxOf}, 1,
			[]any{[]any{0.0, "-"}, []any{0.6, 2.0}, []any{1.6, 3.0}, []any{2.2, 3.0}}},
		{"zero is a value", intervalSeries{vals: []float64{0, 2, 3}, how: sumOf}, 1,
			[]any{[]any{0.0, 0.0}, []any{0.6, 2.0}, []any{1.6, 3.0}, []any{2.2, 3.0}}},
		{"max of 2", intervalSeries{vals: []float64{0, 2, 3}, gapZero: true, how: maxOf}, 2,
			[]any{[]any{0.0, 2.0}, []any{1.6, 3.0}, []any{2.2, 3.0}}},
		{"mean of 2", intervalSeries{vals: []float64{1, 2, 4}, gapZero: true, how: meanOf}, 2,
			[]any{[]any{0.0, 1.5}, []any{1.6, 4.0}, []any{2.2, 4.0}}},
		{"sum of 2", intervalSeries{vals: []float64{1, 2, 4}, how: sumOf}, 2,
			[]any{[]any{0.0, 3.0}, []any{1.6, 4.0}, []any{2.2, 4.0}}},
		{"ends in a gap", intervalSeries{vals: []float64{1, 2, 0}, gapZero: true, how: maxOf}, 1,
			[]any{[]any{0.0, 1.0}, []any{0.6, 2.0}, []any{1.6, 2.0}, []any{1.6, "-"}}},
		{"one step between gaps", intervalSeries{vals: []float64{0, 2, 0}, gaps: []bool{false, false, true}, how: maxOf}, 1,
			[]any{[]any{0.0, 0.0}, []any{0.6, 2.0}, []any{1.6, 2.0}, []any{1.6, "-"}}},
		{"isolated step", intervalSeries{vals: []float64{0, 2, 0}, gapZero: true, how: maxOf}, 1,
			[]any{[]any{0.0, "-"}, []any{0.6, 2.0}, []any{1.6, 2.0}, []any{1.6, "-"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, values(stepData(d.intervalXs(), tc.is, tc.k))); diff != "" {
				t.Errorf("stepData (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRTPTimelines checks that streams whose flow records carry timelines
// are drawn from them, step by step, with gaps where a stream sent nothing
// and no jitter where its clock rate is unknown.
func TestRTPTimelines(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, filepath.Join("testdata", "session"), dir)
	b, err := os.ReadFile(filepath.Join(dir, "flows.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	timelines := map[string]string{
		`"stream":40,`: `{"start":1795427127.2135067,"step_s":1,"packets":[50,0,52,51],"jitter_max_ms":[1.5,0,6.4,2],"lost":[1,0,4,2]}`,
		`"stream":41,`: `{"start":1795427127.2235067,"step_s":1,"packets":[20,21,20,21],"jitter_max_ms":[0,0,0,0],"lost":[0,0,0,0]}`,
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		for k, tl := range timelines {
			if strings.Contains(l, `"proto":"rtp"`) && strings.Contains(l, k) {
				l = strings.TrimSuffix(l, "}") + `,"timeline":` + tl + "}"
				if k == `"stream":41,` {
					l = strings.Replace(l, `"clock_rate":90000`, `"clock_rate":0`, 1)
				}
			}
		}
		lines = append(lines, l)
	}
	if err := os.WriteFile(filepath.Join(dir, "flows.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Load(context.Background(), dir, filepath.Join(dir, "events.jsonl"), Options{Library: stubLibrary})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.rtp.recs) != 2 || d.rtp.recs[0].Stream != 40 {
		t.Fatalf("streams drawn from timelines: %d, want 2, stream 40 (most loss) first", len(d.rtp.recs))
	}
	panels := d.rtpPanels()
	series := func(p *panel) []any {
		var out []any
		for _, s := range p.chart.JSON()["series"].(charts.MultiSeries) {
			out = append(out, s.Name, s.Data)
		}
		return out
	}
	t0 := d.rel(1795427127.2135067)
	t1 := d.rel(1795427127.2235067)
	pt := func(x, y any) opts.LineData { return opts.LineData{Value: []any{x, y}} }
	name40 := "rtp/40 ssrc 0xdeadbeef 10.200.2.2:5004 -> 10.200.1.1:5004"
	name41 := "rtp/41 ssrc 0x12345678 10.200.2.2:5006 -> 10.200.1.1:5006"
	r6 := func(v float64) float64 { return roundSig(v, 12) }
	wantJitter := []any{
		name40, []opts.LineData{pt(t0, 1.5), pt(r6(t0+1), 1.5), pt(r6(t0+1), "-"), pt(r6(t0+2), 6.4), pt(r6(t0+3), 2.0), pt(r6(t0+4), 2.0)},
		name41, []opts.LineData{pt(t1, "-"), pt(r6(t1+1), "-"), pt(r6(t1+2), "-"), pt(r6(t1+3), "-")},
	}
	wantLost := []any{
		name40, []opts.LineData{pt(t0, 1.0), pt(r6(t0+1), 1.0), pt(r6(t0+1), "-"), pt(r6(t0+2), 4.0), pt(r6(t0+3), 2.0), pt(r6(t0+4), 2.0)},
		name41, []opts.LineData{pt(t1, 0.0), pt(r6(t1+1), 0.0), pt(r6(t1+2), 0.0), pt(r6(t1+3), 0.0), pt(r6(t1+4), 0.0)},
	}
	if diff := cmp.Diff(wantJitter, series(panels[0])); diff != "" {
		t.Errorf("jitter series (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantLost, series(panels[1])); diff != "" {
		t.Errorf("loss series (-want +got):\n%s", diff)
	}
	for _, p := range panels {
		if !strings.Contains(p.caption, "timeline in flows.jsonl (1 s steps") {
			t.Errorf("%s caption %q does not say where the figures come from", p.id, p.caption)
		}
	}
}
