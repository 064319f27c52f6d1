package report

import (
	"fmt"
	"math"
	"sort"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// The per-flow charts of sessions whose TCP records carry a timeline and
// an RTT histogram (flows.jsonl "timeline", "rtt_hist"): every step of
// each connection, not only the moments an event was raised. Sessions
// without them get the event-based charts of charts.go.

// flowPalette is ECharts' default palette: each drawn connection keeps
// one colour in every per-flow chart.
var flowPalette = [...]string{"#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4", "#ea7ccc"}

// recColor is the colour of record r in the per-flow charts: the flows
// with RTT samples first, then the others, worst first.
func (d *Data) recColor(r *flowLine) string {
	i := 0
	seen := map[*flowLine]bool{}
	for _, rs := range [][]*flowLine{d.rttRecs, d.timeRecs} {
		for _, x := range rs {
			if seen[x] {
				continue
			}
			if x == r {
				return flowPalette[i%len(flowPalette)]
			}
			seen[x] = true
			i++
		}
	}
	return flowPalette[0]
}

// recName labels a TCP record in legends: "tcp/3 10.0.0.1:5 -> ...", as
// flowName labels the flows of the events.
func recName(r *flowLine) string {
	return fmt.Sprintf("%s/%d %s", r.Proto, r.Stream, r.endpoints())
}

// recsWith keeps the records for which ok holds, in order.
func recsWith(recs []*flowLine, ok func(*flowLine) bool) []*flowLine {
	var out []*flowLine
	for _, r := range recs {
		if ok(r) {
			out = append(out, r)
		}
	}
	return out
}

// recsWhich says which connections a per-flow chart draws: n of the
// cands that have its figures (what: "with RTT samples").
func recsWhich(n, cands int, what string) string {
	if n >= cands {
		return shown(n, n, "TCP connection") + " " + what
	}
	return fmt.Sprintf("the %d TCP connections with the most retransmissions and loss events, then bytes (of %s %s)",
		n, count(uint64(cands)), what)
}

// stepXs are the starts of the steps of r's timeline on the time axes and
// the end of the last one: the connection's last packet, when that is
// within the step.
func (d *Data) stepXs(r *flowLine) []float64 {
	tl := r.Timeline
	n := tl.steps()
	xs := make([]float64, n+1)
	for j := range xs {
		xs[j] = d.rel(tl.Start + float64(j)*tl.StepS)
	}
	if n > 0 {
		xs[n] = d.rel(tl.Start + float64(n-1)*tl.StepS + lastStepWidth(r))
	}
	return xs
}

// lastStepWidth is how much of the last step of r's timeline the
// connection lived: up to its last packet. A connection of one step lived
// exactly that long; a later step that the last packets barely entered
// counts as a tenth of a step at least, so its throughput does not read
// as a burst.
func lastStepWidth(r *flowLine) float64 {
	tl := r.Timeline
	n := tl.steps()
	w := r.LastTS - (tl.Start + float64(n-1)*tl.StepS)
	switch {
	case !(w > 0) || w > tl.StepS:
		return tl.StepS
	case n == 1:
		return max(w, 1e-6)
	}
	return max(w, tl.StepS/10)
}

// stepWidths lists the step widths of the records' timelines: "1 s and 2 s".
func stepWidths(recs []*flowLine) string {
	seen := map[float64]bool{}
	var ws []float64
	for _, r := range recs {
		if w := r.Timeline.StepS; !seen[w] {
			seen[w] = true
			ws = append(ws, w)
		}
	}
	sort.Float64s(ws)
	names := make([]string, len(ws))
	for i, w := range ws {
		names[i] = duration(w)
	}
	return list(names)
}

// packetGaps marks the steps in which a connection sent nothing.
func packetGaps(tl *flowTimeline) []bool {
	gaps := make([]bool, tl.steps())
	for j, n := range tl.Packets {
		gaps[j] = n == 0
	}
	return gaps
}

// stepsData is what the "steps" hook of page.js needs: how to name the
// figure of each series (by the part of its id before "/") and the unit
// of the values in tooltips.
type stepsData struct {
	Labels map[string]string `json:"labels"`
	Unit   string            `json:"unit"`
}

// stepChart is a line chart of per-step figures of the drawn connections
// over capture time.
func (d *Data) stepChart(p *panel, title, yName string) *charts.Line {
	c := charts.NewLine()
	c.SetGlobalOptions(common(p.id, title, p.height, true)...)
	c.SetGlobalOptions(
		charts.WithXAxisOpts(xTime()),
		charts.WithYAxisOpts(yValue(yName)),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
	)
	return c
}

// addSteps adds one step line of record r (i-th drawn) to c.
func (d *Data) addSteps(c *charts.Line, id string, i int, r *flowLine, is intervalSeries, dashed bool) {
	color := d.recColor(r)
	ls := opts.LineStyle{Color: color, Width: 2}
	if dashed {
		ls = opts.LineStyle{Color: color, Width: 1, Type: "dashed", Opacity: opts.Float(0.8)}
	}
	c.AddSeries(recName(r), stepData(d.stepXs(r), is, 1),
		charts.WithSeriesId(fmt.Sprintf("%s/%d", id, i)),
		charts.WithLineChartOpts(opts.LineChart{Step: "end", ShowSymbol: opts.Bool(false)}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: color}),
		charts.WithLineStyleOpts(ls))
}

// addDots adds the event figures of record r (i-th drawn) to c as dots
// in its colour, values divided by div. It says whether there were any.
func (d *Data) addDots(c *charts.Line, id string, i int, r *flowLine, pts []xy, div float64) bool {
	if len(pts) == 0 {
		return false
	}
	s := make([]xy, len(pts))
	for j, v := range pts {
		s[j] = xy{v.x, roundSig(v.y/div, 6)}
	}
	color := d.recColor(r)
	c.AddSeries(recName(r), lineData(s),
		charts.WithSeriesId(fmt.Sprintf("%s/%d", id, i)),
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), Symbol: "circle", SymbolSize: 4}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: color, Opacity: opts.Float(0.6)}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: color, Width: 0, Opacity: opts.Float(0)}))
	return true
}

// rttRecordPanel draws the RTT of the worst connections per step of their
// timelines: the mean sample as a solid line, the largest dashed.
func (d *Data) rttRecordPanel(recs []*flowLine) *panel {
	p := &panel{id: "rtt", height: 380, hook: "steps"}
	c := d.stepChart(p, "RTT of the worst flows", "RTT (ms)")
	names := make([]string, len(recs))
	dots := false
	for i, r := range recs {
		names[i] = recName(r)
		tl := r.Timeline
		d.addSteps(c, "rtt-mean", i, r, intervalSeries{vals: tl.RTTMeanMs, gapZero: true, how: meanOf}, false)
		d.addSteps(c, "rtt-max", i, r, intervalSeries{vals: tl.RTTMaxMs, gapZero: true, how: maxOf}, true)
		dots = d.addDots(c, "srtt", i, r, d.flowSets.recSRTT[r], 1) || dots
	}
	c.SetGlobalOptions(charts.WithLegendOpts(flowLegend(names)))
	p.chart = c
	p.data = stepsData{Labels: map[string]string{"rtt-mean": "mean sample", "rtt-max": "largest sample", "srtt": "SRTT at an event"}, Unit: "ms"}
	p.caption = fmt.Sprintf("Mean (solid) and largest (dashed) RTT sample (Karn's algorithm: ACKs of segments sent once) in each step of "+
		"the timelines in flows.jsonl (%s steps) of %s; a gap where a step has no sample",
		stepWidths(recs), recsWhich(len(recs), d.rttCands, "with RTT samples"))
	if dots {
		p.caption += "; dots: the smoothed RTT (RFC 6298) carried by the flow's events"
	}
	p.caption += ". Click a flow in the legend to show or hide it."
	if b := d.flowSets.recSRTTBucket; b > 0 && dots {
		p.note = fmt.Sprintf("Event figures averaged per %s.", duration(b))
	}
	return p
}

// flowLegend is the legend of a per-flow chart: the first three flows
// shown, the rest listed and hidden.
func flowLegend(names []string) opts.Legend {
	return opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "28", Left: "center", Width: "80%", Selected: firstSelected(names, 3)}
}

// bifRecordPanel draws the largest bytes in flight per step of the worst
// connections' timelines.
func (d *Data) bifRecordPanel(recs []*flowLine) *panel {
	p := &panel{id: "bytes-in-flight", height: 380, hook: "steps"}
	peak := 0.0
	for _, r := range recs {
		for _, v := range r.Timeline.BytesInFlightMax {
			peak = math.Max(peak, v)
		}
		for _, v := range d.flowSets.recBIF[r] {
			peak = math.Max(peak, v.y)
		}
	}
	div, unit := scaled(peak, "bytes", "kB", "MB", "GB")
	c := d.stepChart(p, "Bytes in flight of the worst flows", "bytes in flight ("+unit+")")
	names := make([]string, len(recs))
	dots := false
	for i, r := range recs {
		names[i] = recName(r)
		tl := r.Timeline
		vals := make([]float64, len(tl.BytesInFlightMax))
		for j, v := range tl.BytesInFlightMax {
			vals[j] = v / div
		}
		d.addSteps(c, "bif", i, r, intervalSeries{vals: vals, gaps: packetGaps(tl), how: maxOf}, false)
		dots = d.addDots(c, "bif-event", i, r, d.flowSets.recBIF[r], div) || dots
	}
	c.SetGlobalOptions(charts.WithLegendOpts(flowLegend(names)))
	p.chart = c
	p.data = stepsData{Labels: map[string]string{"bif": "largest in the step", "bif-event": "at an event"}, Unit: unit}
	p.caption = fmt.Sprintf("The most unacknowledged data a sender had outstanding in each step of the timelines in flows.jsonl (%s steps) "+
		"of %s; a gap where the connection sent nothing",
		stepWidths(recs), recsWhich(len(recs), d.timeCands, "with a timeline"))
	if dots {
		p.caption += "; dots: the bytes in flight carried by the flow's events"
	}
	p.caption += ". Click a flow in the legend to show or hide it."
	if b := d.flowSets.recBIFBucket; b > 0 && dots {
		p.note = fmt.Sprintf("Event figures: the maximum per %s.", duration(b))
	}
	return p
}

// flowThroughputPanel draws the throughput per step of the worst
// connections' timelines, or says why it cannot.
func (d *Data) flowThroughputPanel() *panel {
	p := &panel{id: "flow-throughput", height: 380, hook: "steps"}
	recs := recsWith(d.timeRecs, func(r *flowLine) bool { return r.Timeline.hasBytes() })
	if len(recs) == 0 {
		p.caption = "Throughput of the worst flows: flows.jsonl has no per-connection timelines (sessions written before parse-pcap kept them)."
		if !d.hasFlowsFile {
			p.caption = "Throughput of the worst flows: this session has no flows.jsonl."
		}
		return p
	}
	bits := make([][]float64, len(recs))
	peak := 0.0
	for i, r := range recs {
		tl := r.Timeline
		bits[i] = make([]float64, len(tl.Bytes))
		for j, v := range tl.Bytes {
			w := tl.StepS
			if j == len(tl.Bytes)-1 {
				w = lastStepWidth(r)
			}
			bits[i][j] = float64(v) * 8 / w
			peak = math.Max(peak, bits[i][j])
		}
	}
	div, unit := scaled(peak, "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s")
	c := d.stepChart(p, "Throughput of the worst flows", "throughput ("+unit+")")
	names := make([]string, len(recs))
	for i, r := range recs {
		names[i] = recName(r)
		vals := make([]float64, len(bits[i]))
		for j, v := range bits[i] {
			vals[j] = v / div
		}
		d.addSteps(c, "bits", i, r, intervalSeries{vals: vals, how: meanOf}, false)
	}
	c.SetGlobalOptions(charts.WithLegendOpts(flowLegend(names)))
	p.chart = c
	p.data = stepsData{Labels: map[string]string{"bits": "both directions"}, Unit: unit}
	p.caption = fmt.Sprintf("Bits per second of each connection's frames, both directions, in each step of the timelines in flows.jsonl "+
		"(%s steps; the last up to the connection's last packet) of %s. Click a flow in the legend to show or hide it.",
		stepWidths(recs), recsWhich(len(recs), d.timeCands, "with a timeline"))
	return p
}

// rttHistRecordPanel draws the RTT histograms of the worst connections,
// each as the share of its samples in each RTT range.
func (d *Data) rttHistRecordPanel(recs []*flowLine) *panel {
	p := &panel{id: "rtt-histogram", height: 360}
	edges, shares := rttShares(recs)
	labels := make([]string, len(edges)-1)
	for i := range labels {
		labels[i] = fmtFloat(edges[i]) + "–" + fmtFloat(edges[i+1])
	}
	c := charts.NewBar()
	c.SetGlobalOptions(common(p.id, "RTT distribution of the worst flows", p.height, false)...)
	names := make([]string, len(recs))
	for i, r := range recs {
		names[i] = recName(r)
	}
	c.SetGlobalOptions(
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: "RTT (ms)", NameLocation: "middle", NameGap: nameGapX}),
		charts.WithYAxisOpts(yValue("share of the flow's RTT samples (%)")),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(flowLegend(names)),
	)
	c.SetXAxis(labels)
	for i, r := range recs {
		bd := make([]opts.BarData, len(shares[i]))
		for j, v := range shares[i] {
			bd[j] = opts.BarData{Value: roundSig(v, 4)}
		}
		c.AddSeries(names[i], bd, charts.WithItemStyleOpts(opts.ItemStyle{Color: d.recColor(r)}))
	}
	p.chart = c
	p.caption = fmt.Sprintf("Share of each connection's RTT samples (Karn's algorithm) in each RTT range, from the RTT histograms in flows.jsonl "+
		"(buckets about 9%% wide, each counted in the range of its lower bound) of %s. Click a flow in the legend to show or hide it.",
		recsWhich(len(recs), d.rttCands, "with RTT samples"))
	return p
}

// rttShares rebins the records' RTT histograms into common log ranges of
// round numbers (rttEdges) and returns, per record, the percentage of its
// samples in each range.
func rttShares(recs []*flowLine) ([]float64, [][]float64) {
	lo, hi := math.Inf(1), 0.0
	for _, r := range recs {
		for _, b := range r.RTTHist {
			if b.Count == 0 || b.Ms < 0 || math.IsInf(b.Ms, 0) {
				continue
			}
			if b.Ms > 0 {
				lo = math.Min(lo, b.Ms)
			}
			hi = math.Max(hi, b.Ms)
		}
	}
	if math.IsInf(lo, 1) { // only samples below the smallest bucket
		lo, hi = 0.001, 0.001
	}
	// Nine decades at most (a hand-made file could hold any bounds): the
	// smaller samples count in the first range.
	lo = math.Max(lo, hi*1e-9)
	edges := rttEdges(lo, hi)
	shares := make([][]float64, len(recs))
	for i, r := range recs {
		shares[i] = make([]float64, len(edges)-1)
		var total uint64
		for _, b := range r.RTTHist {
			if b.Count == 0 || b.Ms < 0 || math.IsInf(b.Ms, 0) {
				continue
			}
			total += b.Count
			shares[i][binOf(edges, b.Ms)] += float64(b.Count)
		}
		for j := range shares[i] {
			if total > 0 {
				shares[i][j] *= 100 / float64(total)
			}
		}
	}
	for _, r := range recs {
		for _, b := range r.RTTHist {
			if b.Ms == 0 && b.Count > 0 {
				edges[0] = 0 // the first range holds the samples below the smallest bucket too
			}
		}
	}
	return edges, shares
}

// Mantissas of the RTT ranges: the rounded R10 series (ten ranges a
// decade, each about 26% wide, so a few of parse-pcap's 9% buckets fall in
// each), or 1-2-5 when the samples span more than four decades.
var (
	r10Mantissas = []float64{1, 1.25, 1.6, 2, 2.5, 3.2, 4, 5, 6.3, 8}
	r3Mantissas  = []float64{1, 2, 5}
)

// maxRTTBins bounds the ranges of an RTT histogram.
const maxRTTBins = 40

// rttEdges returns the edges of log ranges of round numbers from the
// largest edge not above lo to the first edge above hi (0 < lo <= hi).
func rttEdges(lo, hi float64) []float64 {
	var edges []float64
	for _, ms := range [][]float64{r10Mantissas, r3Mantissas} {
		edges = edges[:0]
	decades:
		for k := math.Floor(math.Log10(lo)) - 1; ; k++ {
			for _, m := range ms {
				e := roundSig(m*math.Pow(10, k), 6)
				if e <= lo*(1+1e-9) {
					edges = edges[:0] // only the last edge not above lo starts the ranges
				}
				edges = append(edges, e)
				if e > hi*(1+1e-9) {
					break decades
				}
			}
		}
		if len(edges)-1 <= maxRTTBins {
			break
		}
	}
	return edges
}

// binOf is the range of edges holding v; values outside go to the first
// or last.
func binOf(edges []float64, v float64) int {
	for i := len(edges) - 2; i > 0; i-- {
		if v >= edges[i]*(1-1e-9) {
			return i
		}
	}
	return 0
}
