package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/components"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// chart is a go-echarts chart: the page validates it, the renderer encodes
// its option map.
type chart interface {
	components.Charter
	JSON() map[string]interface{}
}

// panel is one chart of a page with the text around it. A panel without a
// chart shows only its caption, which says why there is nothing to draw.
type panel struct {
	id      string
	caption string
	note    string // a notice above the chart, e.g. that events were bucketed
	chart   chart
	height  int    // pixels
	hook    string // page.js function run with the chart after setOption
	data    any    // JSON for the hook, in a <script type="application/json">
}

// Severity colours: blue, orange, red.
var sevColors = [...]string{"#5470c6", "#f08c00", "#d62728"}

// Axis name placement shared by every chart.
const nameGapX, nameGapY = 30, 50

func xTime() opts.XAxis {
	return opts.XAxis{Type: "value", Name: "time since capture start (s)", NameLocation: "middle", NameGap: nameGapX, Scale: opts.Bool(true)}
}

// yValue is a value axis on the left edge of the grid: ECharts would
// otherwise draw it across the grid at time 0 when the time axis starts
// before it.
func yValue(name string) opts.YAxis {
	return opts.YAxis{Type: "value", Name: name, NameLocation: "middle", NameGap: nameGapY, AxisLine: &opts.AxisLine{OnZero: opts.Bool(false)}}
}

// common are the options every chart has: fixed ID (deterministic output),
// title, no animation (screenshots show the final state), a toolbox to
// save the chart as PNG and undo zooming, and room for legend and slider.
func common(id, title string, height int, zoom bool) []charts.GlobalOpts {
	return commonLeft(id, title, height, zoom, "70")
}

// commonLeft is common with room for the labels of a category y axis.
func commonLeft(id, title string, height int, zoom bool, left string) []charts.GlobalOpts {
	o := []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "100%", Height: fmt.Sprintf("%dpx", height), PageTitle: title}),
		charts.WithTitleOpts(opts.Title{Title: title, Left: "center"}),
		charts.WithAnimation(false),
		charts.WithToolboxOpts(opts.Toolbox{Show: opts.Bool(true), Right: "20", Feature: &opts.ToolBoxFeature{
			SaveAsImage: &opts.ToolBoxFeatureSaveAsImage{Show: opts.Bool(true), Type: "png", Name: id, Title: "save as PNG"},
			Restore:     &opts.ToolBoxFeatureRestore{Show: opts.Bool(true), Title: "reset zoom"},
		}}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "28", Left: "center", Width: "80%"}),
	}
	bottom := "45"
	if zoom {
		bottom = "80"
		o = append(o, charts.WithDataZoomOpts(
			opts.DataZoom{Type: "inside", XAxisIndex: 0, FilterMode: "none"},
			opts.DataZoom{Type: "slider", XAxisIndex: 0, FilterMode: "none", Start: 0, End: 100},
		))
	}
	o = append(o, charts.WithGridOpts(opts.Grid{Left: left, Right: "60", Top: "70", Bottom: bottom}))
	return o
}

// scaled picks a unit for values up to peak among units (each 1000 times
// the previous, from base) and returns the divisor and its name.
func scaled(peak float64, units ...string) (float64, string) {
	div := 1.0
	for i := 0; i < len(units)-1 && peak >= 1000*div; i++ {
		div *= 1000
		units = units[1:]
	}
	return div, units[0]
}

// typeLabels fits event type names into the room left of the grid.
func typeLabels() *opts.AxisLabel {
	return &opts.AxisLabel{Show: opts.Bool(true), Width: 160, Overflow: "truncate", ShowMinLabel: opts.Bool(true), ShowMaxLabel: opts.Bool(true)}
}

// timelinePanel draws every event over capture time.
func (d *Data) timelinePanel() *panel {
	tl := &d.timeline
	p := &panel{id: "timeline", height: max(260, 110+28*len(tl.order))}
	p.caption = "Every event of the session over capture time, one row per event type, coloured by severity " +
		"(blue info, orange warn, red critical). Hover a point for its flow, stream, frame, seq/ack and figures; " +
		"scroll or drag the slider to zoom and pan; click a type in the legend to hide it."
	if d.Events == 0 {
		p.caption = "No events in this session: no connection showed retransmissions, loss, reordering, window problems or anomalies."
		return p
	}
	types := make([]string, len(tl.order))
	for i, t := range tl.order {
		types[i] = d.types[t]
	}
	c := charts.NewScatter()
	c.SetGlobalOptions(commonLeft(p.id, "Event timeline", p.height, true, "175")...)
	c.SetGlobalOptions(
		charts.WithXAxisOpts(xTime()),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Name: "event type", NameLocation: "start", Data: types, Inverse: opts.Bool(true),
			SplitLine: &opts.SplitLine{Show: opts.Bool(true)}, AxisLabel: typeLabels()}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Enterable: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "28", Left: "center", Width: "80%", Data: types}),
	)
	// Points name their row by its index on the category axis: shorter
	// than the type's name, 20000 times over.
	for row, t := range tl.order {
		for sev := uint8(0); sev < 3; sev++ {
			var raw, agg []opts.ScatterData
			for _, rp := range tl.points {
				if rp.typ == t && rp.sev == sev {
					raw = append(raw, opts.ScatterData{Value: []any{rp.x, row, rp.detail}})
				}
			}
			for _, ap := range tl.agg {
				if ap.typ == t && ap.sev == sev {
					agg = append(agg, opts.ScatterData{Value: []any{ap.x, row, ap.count}})
				}
			}
			style := charts.WithItemStyleOpts(opts.ItemStyle{Color: sevColors[sev], Opacity: opts.Float(0.8)})
			if len(raw) > 0 {
				c.AddSeries(d.types[t], raw, style, charts.WithSeriesId(fmt.Sprintf("raw/%d/%s", t, severities[sev])),
					charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 7}))
			}
			if len(agg) > 0 {
				c.AddSeries(d.types[t], agg, style, charts.WithSeriesId(fmt.Sprintf("agg/%d/%s", t, severities[sev])),
					charts.WithScatterChartOpts(opts.ScatterChart{Symbol: "rect"}))
			}
		}
	}
	p.chart, p.hook = c, "timeline"
	p.data = timelineData{Flows: tl.flows, Details: tl.details, Bucket: tl.bucket}
	if tl.bucket > 0 {
		var bucketed []string
		for _, t := range tl.order {
			if !tl.raw[t] {
				bucketed = append(bucketed, d.types[t])
			}
		}
		p.note = fmt.Sprintf("%s events are more than this page draws one by one (%s): the %s of %s are counted per %s bucket, "+
			"drawn as squares sized by count; %s drawn one per event.",
			count(d.Events-d.Untimed), count(uint64(d.opts.MaxPoints)), count(tl.aggEvents), list(bucketed), duration(tl.bucket),
			drawnRaw(len(tl.details)))
	}
	if d.Untimed > 0 {
		p.note = strings.TrimSpace(p.note + fmt.Sprintf(" %s events without a timestamp are counted but not drawn.", count(d.Untimed)))
	}
	return p
}

func drawnRaw(n int) string {
	if n == 0 {
		return "no type is"
	}
	return fmt.Sprintf("the other %s events are", count(uint64(n)))
}

// timelineData is what the timeline's tooltip needs beyond the points.
type timelineData struct {
	Flows   []string `json:"flows"`
	Details []detail `json:"details"`
	Bucket  float64  `json:"bucket"`
}

// throughputPanel draws summary.json's throughput series.
func (d *Data) throughputPanel() *panel {
	p := &panel{id: "throughput", height: 380}
	s := d.Summary
	if s == nil || len(s.Throughput.Start) == 0 {
		p.caption = "Throughput over time: this session has no summary.json throughput series."
		return p
	}
	tp := s.Throughput
	type series struct {
		name string
		bits []float64
		sum  float64
	}
	var all []series
	for _, ps := range tp.Series {
		se := series{name: ps.Protocol + " " + ps.Direction, bits: ps.Bits}
		for _, v := range ps.Bits {
			se.sum += v
		}
		all = append(all, se)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].sum > all[j].sum })
	if len(all) == 0 {
		all = []series{{name: "all", bits: tp.Bits}}
	}
	peak := 0.0
	for _, se := range all {
		for _, v := range se.bits {
			peak = math.Max(peak, v)
		}
	}
	div, unit := scaled(peak, "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s")
	// The step line holds each value to the next interval's start; one
	// more point holds the last to its interval's end.
	at := d.intervalXs()
	xs := make([][]xy, len(all))
	for i, se := range all {
		for j, v := range se.bits {
			if j < len(tp.Start) {
				xs[i] = append(xs[i], xy{at[j], roundSig(v/div, 6)})
			}
		}
		if n := len(xs[i]); n > 0 && tp.IntervalS > 0 {
			xs[i] = append(xs[i], xy{at[n], xs[i][n-1].y})
		}
	}
	w := downsample(xs, meanOf)
	c := charts.NewLine()
	c.SetGlobalOptions(common(p.id, "Throughput by protocol and direction", p.height, true)...)
	c.SetGlobalOptions(
		charts.WithXAxisOpts(xTime()),
		charts.WithYAxisOpts(yValue("throughput ("+unit+")")),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
	)
	for i, se := range all {
		c.AddSeries(se.name, lineData(xs[i]), charts.WithLineChartOpts(opts.LineChart{Step: "end", ShowSymbol: opts.Bool(false)}))
	}
	p.chart = c
	dirs := "fwd = from the flow's initiator, rev = towards it"
	if tp.Directions[0] == "out" {
		dirs = "out = from a --local-net address, in = towards one"
	}
	p.caption = fmt.Sprintf("Bits per second in each %s interval, by the most specific protocol of each packet and by direction (%s).",
		duration(tp.IntervalS), dirs)
	if w > 0 {
		p.note = fmt.Sprintf("%s intervals are averaged per %s to keep the page small.", count(uint64(len(tp.Start))), duration(w))
	}
	return p
}

func lineData(s []xy) []opts.LineData {
	out := make([]opts.LineData, len(s))
	for i, p := range s {
		out[i] = opts.LineData{Value: []float64{p.x, p.y}}
	}
	return out
}

// worstFlows says how the per-flow charts chose their flows.
func (d *Data) worstFlows() string {
	fs := &d.flowSets
	what := "most retransmissions and loss events"
	if !d.hasFlowsFile {
		what = "most warnings"
	}
	if len(fs.flows) == fs.candidates {
		return shown(len(fs.flows), fs.candidates, "flow") + " with these figures"
	}
	return fmt.Sprintf("the %d flows with the %s (of %d with these figures)", len(fs.flows), what, fs.candidates)
}

// rttPanel draws the SRTT of the worst flows over time.
func (d *Data) rttPanel() *panel {
	if recs := recsWith(d.rttRecs, func(r *flowLine) bool { return r.Timeline.hasRTT() }); len(recs) > 0 {
		return d.rttRecordPanel(recs)
	}
	fs := &d.flowSets
	p := &panel{id: "rtt", height: 380}
	if fs.srttCount == 0 {
		p.caption = "RTT over time: no event carries a smoothed RTT (extra.srtt_ms)."
		return p
	}
	c := charts.NewLine()
	c.SetGlobalOptions(common(p.id, "Smoothed RTT of the worst flows", p.height, true)...)
	c.SetGlobalOptions(
		charts.WithXAxisOpts(xTime()),
		charts.WithYAxisOpts(yValue("SRTT (ms)")),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "28", Left: "center", Width: "80%", Selected: firstSelected(fs.names, 3)}),
	)
	for i, name := range fs.names {
		c.AddSeries(name, lineData(rounded(fs.srtt[i], 6)), charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), SymbolSize: 3}))
	}
	p.chart = c
	p.caption = fmt.Sprintf("Smoothed RTT (RFC 6298) carried by each event of %s; figures exist where events were raised, not at every ACK. "+
		"Click a flow in the legend to show or hide it.", d.worstFlows())
	if fs.srttBucket > 0 {
		p.note = fmt.Sprintf("Averaged per %s.", duration(fs.srttBucket))
	}
	return p
}

// firstSelected shows the first n series and lists the rest hidden.
func firstSelected(names []string, n int) map[string]bool {
	if len(names) <= n {
		return nil
	}
	m := map[string]bool{}
	for i, name := range names {
		m[name] = i < n
	}
	return m
}

func rounded(s []xy, sig int) []xy {
	out := make([]xy, len(s))
	for i, p := range s {
		out[i] = xy{p.x, roundSig(p.y, sig)}
	}
	return out
}

// rttHistPanel draws the distribution of the SRTT figures per flow.
func (d *Data) rttHistPanel() *panel {
	if recs := recsWith(d.rttRecs, (*flowLine).hasRTTHist); len(recs) > 0 {
		return d.rttHistRecordPanel(recs)
	}
	fs := &d.flowSets
	p := &panel{id: "rtt-histogram", height: 360}
	if fs.srttCount == 0 {
		p.caption = "RTT histogram: no event carries a smoothed RTT (extra.srtt_ms)."
		return p
	}
	bins := make([]string, len(fs.histEdges)-1)
	for i := range bins {
		bins[i] = fmtFloat(fs.histEdges[i]) + "–" + fmtFloat(fs.histEdges[i+1])
	}
	c := charts.NewBar()
	c.SetGlobalOptions(common(p.id, "SRTT distribution of the worst flows", p.height, false)...)
	c.SetGlobalOptions(
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: "SRTT (ms)", NameLocation: "middle", NameGap: nameGapX}),
		charts.WithYAxisOpts(yValue("events")),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "28", Left: "center", Width: "80%", Selected: firstSelected(fs.names, 3)}),
	)
	c.SetXAxis(bins)
	for i, name := range fs.names {
		bd := make([]opts.BarData, len(fs.hist[i]))
		for j, n := range fs.hist[i] {
			bd[j] = opts.BarData{Value: n}
		}
		c.AddSeries(name, bd)
	}
	p.chart = c
	p.caption = fmt.Sprintf("How many events of %s carried a smoothed RTT in each range. Click a flow in the legend to show or hide it.", d.worstFlows())
	return p
}

// bifPanel draws the bytes in flight of the worst flows over time.
func (d *Data) bifPanel() *panel {
	if recs := recsWith(d.timeRecs, func(r *flowLine) bool { return r.Timeline.hasBIF() }); len(recs) > 0 {
		return d.bifRecordPanel(recs)
	}
	fs := &d.flowSets
	p := &panel{id: "bytes-in-flight", height: 380}
	peak := 0.0
	n := 0
	for _, s := range fs.bif {
		n += len(s)
		for _, v := range s {
			peak = math.Max(peak, v.y)
		}
	}
	if n == 0 {
		p.caption = "Bytes in flight: no event carries extra.bytes_in_flight."
		return p
	}
	div, unit := scaled(peak, "bytes", "kB", "MB", "GB")
	c := charts.NewLine()
	c.SetGlobalOptions(common(p.id, "Bytes in flight of the worst flows", p.height, true)...)
	c.SetGlobalOptions(
		charts.WithXAxisOpts(xTime()),
		charts.WithYAxisOpts(yValue("bytes in flight ("+unit+")")),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "28", Left: "center", Width: "80%", Selected: firstSelected(fs.names, 3)}),
	)
	for i, name := range fs.names {
		s := make([]xy, len(fs.bif[i]))
		for j, v := range fs.bif[i] {
			s[j] = xy{v.x, roundSig(v.y/div, 6)}
		}
		c.AddSeries(name, lineData(s), charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), SymbolSize: 3}))
	}
	p.chart = c
	p.caption = fmt.Sprintf("Unacknowledged bytes at each event of %s: the sender's data outstanding when the event was raised.", d.worstFlows())
	if fs.bifBucket > 0 {
		p.note = fmt.Sprintf("The maximum per %s.", duration(fs.bifBucket))
	}
	return p
}

// protocolNames orders summary.json's protocols by packets.
func (d *Data) protocolNames() []string {
	ps := d.Summary.Protocols
	names := make([]string, 0, len(ps))
	for k := range ps {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		if ps[names[i]].Packets != ps[names[j]].Packets {
			return ps[names[i]].Packets > ps[names[j]].Packets
		}
		return names[i] < names[j]
	})
	return names
}

// protocolBarPanel draws packets and bytes per protocol layer.
func (d *Data) protocolBarPanel() *panel {
	p := &panel{id: "protocols", height: 360}
	if d.Summary == nil || len(d.Summary.Protocols) == 0 {
		p.caption = "Protocol usage: this session has no summary.json protocol counts."
		return p
	}
	names := d.protocolNames()
	peak := 0.0
	for _, n := range names {
		peak = math.Max(peak, float64(d.Summary.Protocols[n].Bytes))
	}
	div, unit := scaled(peak, "bytes", "kB", "MB", "GB", "TB")
	c := charts.NewBar()
	c.SetGlobalOptions(common(p.id, "Protocol usage", p.height, false)...)
	c.SetGlobalOptions(
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: "protocol", NameLocation: "middle", NameGap: nameGapX}),
		charts.WithYAxisOpts(yValue("packets")),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
	)
	c.ExtendYAxis(opts.YAxis{Type: "value", Name: "bytes (" + unit + ")", NameLocation: "middle", NameGap: nameGapY, Position: "right",
		SplitLine: &opts.SplitLine{Show: opts.Bool(false)}})
	c.SetXAxis(names)
	pk := make([]opts.BarData, len(names))
	by := make([]opts.BarData, len(names))
	for i, n := range names {
		pk[i] = opts.BarData{Value: d.Summary.Protocols[n].Packets}
		by[i] = opts.BarData{Value: roundSig(float64(d.Summary.Protocols[n].Bytes)/div, 6)}
	}
	c.AddSeries("packets", pk)
	c.AddSeries("bytes", by, charts.WithBarChartOpts(opts.BarChart{YAxisIndex: 1}))
	p.chart = c
	p.caption = "Packets (left axis) and bytes (right axis) per protocol; a packet counts once for each layer it has, so an Ethernet/IPv4/TCP frame counts three times."
	return p
}

// addressesPanel draws how many distinct IP and MAC addresses the
// capture holds.
func (d *Data) addressesPanel() *panel {
	p := &panel{id: "addresses", height: 200}
	s := d.Summary
	if s == nil {
		p.caption = "Unique addresses: this session has no summary.json."
		return p
	}
	label := func(name string, estimated bool) string {
		if estimated {
			return name + " (≈)"
		}
		return name
	}
	kinds := []string{label("IP", s.UniqueIPsEstimated), label("MAC", s.UniqueMACsEstimated)}
	c := charts.NewBar()
	c.SetGlobalOptions(commonLeft(p.id, "Unique addresses", p.height, false, "90")...)
	c.SetGlobalOptions(
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "addresses", NameLocation: "middle", NameGap: nameGapX, MinInterval: 1}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Name: "address type", NameLocation: "start", Inverse: opts.Bool(true)}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
	)
	c.SetXAxis(kinds)
	c.XYReversal()
	c.AddSeries("distinct addresses", []opts.BarData{{Value: s.UniqueIPs}, {Value: s.UniqueMACs}},
		charts.WithBarChartOpts(opts.BarChart{BarWidth: "40%"}),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right"}))
	p.chart = c
	p.caption = "Distinct IP addresses (IPv4 and IPv6, as source or destination) and MAC addresses in the capture"
	if s.UniqueIPsEstimated || s.UniqueMACsEstimated {
		p.caption += "; ≈ marks a HyperLogLog estimate (±1%), counted once more than 2^20 addresses were seen"
	}
	p.caption += "."
	return p
}

// protocolPiePanel draws the share of bytes by most specific protocol.
func (d *Data) protocolPiePanel() *panel {
	p := &panel{id: "protocol-share", height: 360}
	if d.Summary == nil {
		p.caption = "Protocol share: this session has no summary.json."
		return p
	}
	bytesBy := map[string]float64{}
	tp := d.Summary.Throughput
	for _, s := range tp.Series {
		for _, v := range s.Bits {
			bytesBy[s.Protocol] += v * tp.IntervalS / 8
		}
	}
	p.caption = "Share of bytes by the most specific protocol of each packet (from the throughput series), both directions."
	if len(bytesBy) == 0 {
		// Older summaries: the transport layers, which do not overlap.
		for _, k := range []string{"tcp", "udp", "icmp", "icmpv6", "arp", "other"} {
			if c, ok := d.Summary.Protocols[k]; ok && c.Bytes > 0 {
				bytesBy[k] = float64(c.Bytes)
			}
		}
		p.caption = "Share of bytes by transport protocol."
	}
	if len(bytesBy) == 0 {
		p.caption = "Protocol share: the summary counts no bytes."
		return p
	}
	names := mostFirst(bytesBy)
	c := charts.NewPie()
	c.SetGlobalOptions(common(p.id, "Share of bytes by protocol", p.height, false)...)
	c.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Orient: "vertical", Left: "10", Top: "40"}),
	)
	data := make([]opts.PieData, len(names))
	for i, n := range names {
		data[i] = opts.PieData{Name: n, Value: math.Round(bytesBy[n])}
	}
	c.AddSeries("bytes", data, charts.WithPieChartOpts(opts.PieChart{Radius: []string{"35%", "65%"}, Center: []string{"50%", "55%"}}),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Formatter: "{b}: {d}%"}))
	p.chart = c
	return p
}

// countsPanel draws the events per type, stacked by severity.
func (d *Data) countsPanel() *panel {
	tl := &d.timeline
	p := &panel{id: "event-counts", height: max(240, 110+26*len(tl.order))}
	if d.Events == 0 {
		p.caption = "Events by type: there are no events in this session."
		return p
	}
	types := make([]string, len(tl.order))
	for i, t := range tl.order {
		types[i] = d.types[t]
	}
	c := charts.NewBar()
	c.SetGlobalOptions(commonLeft(p.id, "Events by type", p.height, false, "175")...)
	c.SetGlobalOptions(
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "events", NameLocation: "middle", NameGap: nameGapX}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Name: "event type", NameLocation: "start", Inverse: opts.Bool(true), AxisLabel: typeLabels()}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
	)
	c.SetXAxis(types)
	c.XYReversal()
	for sev := 0; sev < 3; sev++ {
		if d.sevCounts[sev] == 0 && sev != 0 {
			continue
		}
		bd := make([]opts.BarData, len(tl.order))
		for i, t := range tl.order {
			bd[i] = opts.BarData{Value: tl.counts[t][sev]}
		}
		c.AddSeries(severities[sev], bd, charts.WithBarChartOpts(opts.BarChart{Stack: "severity"}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: sevColors[sev]}))
	}
	p.chart = c
	p.caption = "How many events of each type the session has, stacked by severity (blue info, orange warn, red critical)."
	if d.Untimed > 0 {
		p.caption += fmt.Sprintf(" Events without a timestamp (%s) are not in this chart.", count(d.Untimed))
	}
	return p
}

// rtpPanels draws RTP jitter and loss over time, or says there is no RTP.
func (d *Data) rtpPanels() []*panel {
	if !d.hasRTP() {
		return []*panel{{id: "rtp", caption: "RTP jitter and loss: no RTP streams in this session."}}
	}
	r := &d.rtp
	if len(r.recs) > 0 {
		return d.rtpRecordPanels()
	}
	ts := &d.rtpSum.Throughput
	lost := make([]float64, len(ts.Lost))
	for i, v := range ts.Lost {
		lost[i] = float64(v)
	}
	return []*panel{
		d.rtpSeriesPanel(rtpChart{
			id: "rtp-jitter", title: "RTP jitter over time", yName: "jitter (ms)",
			events: r.jitter, bucket: r.jitterBucket, how: "the maximum",
			intervals: []intervalSeries{
				{name: "all streams: max", vals: ts.JitterMaxMs, gapZero: true, how: maxOf},
				{name: "all streams: mean", vals: ts.JitterMeanMs, gapZero: true, how: meanOf},
			},
			intervalText: "the largest and the mean interarrival jitter (RFC 3550 §6.4.1) of the RTP packets of all streams in each %s interval",
			eventText:    "per stream, the jitter each rtp_jitter event reported when it crossed the threshold",
			noEvents:     "no stream crossed the jitter threshold (no rtp_jitter events)",
			none:         "RTP jitter over time: this session has neither per-interval RTP jitter in summary.json nor rtp_jitter events (no stream with a known clock rate?).",
		}),
		d.rtpSeriesPanel(rtpChart{
			id: "rtp-loss", title: "RTP loss over time", yName: "lost (packets)",
			events: r.lost, bucket: r.lostBucket, how: "the sum", points: true,
			intervals:    []intervalSeries{{name: "all streams: lost", vals: lost, how: sumOf}},
			intervalText: "the RTP packets of all streams lost in sequence gaps in each %s interval",
			eventText:    "per stream, the packets each rtp_loss event reported lost, negative with duplicates",
			noEvents:     "no rtp_loss events",
			none:         "RTP loss over time: this session has neither per-interval RTP loss in summary.json nor rtp_loss events.",
		}),
	}
}

// rtpRecordPanels draws RTP jitter and loss over time per stream from the
// timelines of the streams' flow records.
func (d *Data) rtpRecordPanels() []*panel {
	r := &d.rtp
	steps := map[float64]bool{}
	for _, rec := range r.recs {
		steps[rec.Timeline.StepS] = true
	}
	var widths []float64
	for w := range steps {
		widths = append(widths, w)
	}
	sort.Float64s(widths)
	var ws []string
	for _, w := range widths {
		ws = append(ws, duration(w))
	}
	which := shown(len(r.recs), d.rtpFlows, "RTP stream")
	if len(r.recs) < d.rtpFlows {
		which = fmt.Sprintf("the %d RTP streams with the most loss, then jitter (of %d)", len(r.recs), d.rtpFlows)
	}
	// gapZero(rec) says a zero of the stream means "no figure".
	mk := func(id, title, yName, what string, vals func(*flowTimeline) []float64, gapZero func(*flowLine) bool) *panel {
		p := &panel{id: id, height: 360}
		c := charts.NewLine()
		c.SetGlobalOptions(common(p.id, title, p.height, true)...)
		c.SetGlobalOptions(
			charts.WithXAxisOpts(xTime()),
			charts.WithYAxisOpts(yValue(yName)),
			charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		)
		for i, rec := range r.recs {
			tl := rec.Timeline
			xs := make([]float64, len(tl.Packets)+1)
			for j := range xs {
				xs[j] = d.rel(tl.Start + float64(j)*tl.StepS)
			}
			// Steps in which the stream sent nothing are gaps.
			gaps := make([]bool, len(tl.Packets))
			for j, n := range tl.Packets {
				gaps[j] = n == 0
			}
			c.AddSeries(r.names[i], stepData(xs, intervalSeries{vals: vals(tl), gaps: gaps, gapZero: gapZero(rec), how: maxOf}, 1),
				charts.WithLineChartOpts(opts.LineChart{Step: "end", ShowSymbol: opts.Bool(false)}))
		}
		p.chart = c
		p.caption = fmt.Sprintf("%s of %s, per step of each stream's timeline in flows.jsonl (%s steps from its first packet); "+
			"a gap where the stream sent nothing. Click a stream in the legend to show or hide it.", what, which, list(ws))
		return p
	}
	return []*panel{
		mk("rtp-jitter", "RTP jitter over time", "jitter (ms)",
			"The largest interarrival jitter (RFC 3550 §6.4.1; none while the clock rate is unknown or not yet inferred)",
			func(tl *flowTimeline) []float64 { return tl.JitterMaxMs },
			// Jitter is 0 while the clock rate is unknown: always without
			// one, until it was inferred with an inferred one.
			func(rec *flowLine) bool { return rec.ClockRate == nil || *rec.ClockRate == 0 || rec.ClockInfer }),
		mk("rtp-loss", "RTP loss over time", "lost (packets)",
			"Packets lost in sequence gaps",
			func(tl *flowTimeline) []float64 {
				v := make([]float64, len(tl.Lost))
				for j, n := range tl.Lost {
					v[j] = float64(n)
				}
				return v
			},
			func(*flowLine) bool { return false }),
	}
}

// rtpChart describes one RTP chart over time: per-stream figures from the
// events (the top streams) and figures per throughput interval over all
// streams from summary.json.
type rtpChart struct {
	id, title, yName string
	events           [][]xy // by stream, as d.rtp.names
	bucket           float64
	how              string // how events in a bucket combine
	points           bool   // events as points, not a line between them
	intervals        []intervalSeries
	intervalText     string // %s: the interval
	eventText        string
	noEvents         string // said instead of eventText without events
	none             string
}

// intervalSeries is one per-interval series of summary.json's throughput.
type intervalSeries struct {
	name    string
	vals    []float64
	gapZero bool    // 0 means "no data": break the line there
	gaps    []bool  // by index: no data, break the line there
	how     combine // how intervals combine when a long capture has too many
}

func (d *Data) rtpSeriesPanel(rc rtpChart) *panel {
	p := &panel{id: rc.id, height: 360}
	nEvents := 0
	for _, s := range rc.events {
		nEvents += len(s)
	}
	var steps []intervalSeries
	if s := d.Summary; s != nil && s.Throughput.IntervalS > 0 {
		for _, is := range rc.intervals {
			if len(is.vals) == len(s.Throughput.Start) && len(is.vals) > 0 {
				steps = append(steps, is)
			}
		}
	}
	if nEvents == 0 && len(steps) == 0 {
		p.caption = rc.none
		return p
	}
	o := []charts.GlobalOpts{
		charts.WithXAxisOpts(xTime()),
		charts.WithYAxisOpts(yValue(rc.yName)),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
	}
	// The per-interval figures are step lines like the throughput's.
	ln := charts.NewLine()
	ln.SetGlobalOptions(common(p.id, rc.title, p.height, true)...)
	ln.SetGlobalOptions(o...)
	k := 1
	if len(steps) > 0 {
		if n := len(steps[0].vals); n > maxSeriesPoints {
			k = (n + maxSeriesPoints/2 - 1) / (maxSeriesPoints / 2)
		}
	}
	for _, is := range steps {
		ln.AddSeries(is.name, stepData(d.intervalXs(), is, k), charts.WithLineChartOpts(opts.LineChart{Step: "end", ShowSymbol: opts.Bool(false)}))
	}
	var c chart = ln
	if rc.points && nEvents > 0 {
		// Loss is reported per event: points, not a line between them.
		sc := charts.NewScatter()
		sc.SetGlobalOptions(common(p.id, rc.title, p.height, true)...)
		sc.SetGlobalOptions(o...)
		for i, name := range d.rtp.names {
			if len(rc.events[i]) == 0 {
				continue
			}
			sd := make([]opts.ScatterData, len(rc.events[i]))
			for j, v := range rounded(rc.events[i], 6) {
				sd[j] = opts.ScatterData{Value: []float64{v.x, v.y}}
			}
			sc.AddSeries(name, sd, charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 9}))
		}
		if len(steps) > 0 {
			sc.Overlap(ln)
		}
		c = sc
	} else {
		for i, name := range d.rtp.names {
			if len(rc.events[i]) == 0 {
				continue
			}
			ln.AddSeries(name, lineData(rounded(rc.events[i], 6)), charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), SymbolSize: 4}))
		}
	}
	p.chart = c
	var parts []string
	if len(steps) > 0 {
		parts = append(parts, fmt.Sprintf(rc.intervalText, duration(d.Summary.Throughput.IntervalS)))
	}
	if nEvents > 0 {
		which := shown(len(d.rtp.names), d.rtp.candidates, "stream") + " with RTP event figures"
		if len(d.rtp.names) < d.rtp.candidates {
			which = fmt.Sprintf("the %d streams with the most loss, then jitter, of %d with RTP event figures", len(d.rtp.names), d.rtp.candidates)
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", rc.eventText, which))
	} else {
		parts = append(parts, rc.noEvents)
	}
	p.caption = upper(strings.Join(parts, "; ")) + ". Click a series in the legend to show or hide it."
	var notes []string
	if k > 1 {
		notes = append(notes, fmt.Sprintf("Intervals combined per %s.", duration(float64(k)*d.Summary.Throughput.IntervalS)))
	}
	if rc.bucket > 0 {
		notes = append(notes, fmt.Sprintf("Events: %s per %s.", rc.how, duration(rc.bucket)))
	}
	p.note = strings.Join(notes, " ")
	return p
}

// stepData is a series of equal steps as the points of a step line: one
// at each step's start (xs[i]), one more at the last one's end (xs[n]).
// A gap (is.gapZero and a zero value, or is.gaps) means no data and breaks
// the line; the step before it is held to the gap's start first, so a step
// between gaps still shows as a short line. Every k steps are combined into one (is.how), so a long
// capture stays maxSeriesPoints/2 points.
func stepData(xs []float64, is intervalSeries, k int) []opts.LineData {
	vals := is.vals
	gap := func(i int) bool { return (is.gapZero && vals[i] == 0) || (is.gaps != nil && is.gaps[i]) }
	out := make([]opts.LineData, 0, len(vals)/k+2)
	last := math.NaN()
	for g := 0; g < len(vals); g += k {
		v, n := 0.0, 0
		for i := g; i < min(g+k, len(vals)); i++ {
			if gap(i) {
				continue
			}
			x := vals[i]
			switch {
			case n == 0:
				v = x
			case is.how == maxOf:
				v = math.Max(v, x)
			default:
				v += x
			}
			n++
		}
		if n == 0 {
			if !math.IsNaN(last) {
				// Hold the previous step to its end, where the gap starts.
				out = append(out, opts.LineData{Value: []any{xs[g], last}})
			}
			out = append(out, opts.LineData{Value: []any{xs[g], "-"}})
			last = math.NaN()
			continue
		}
		if is.how == meanOf {
			v /= float64(n)
		}
		last = roundSig(v, 6)
		out = append(out, opts.LineData{Value: []any{xs[g], last}})
	}
	if n := len(vals); n > 0 && !math.IsNaN(last) {
		out = append(out, opts.LineData{Value: []any{xs[n], last}})
	}
	return out
}

// intervalXs are the starts of summary.json's throughput intervals and
// the end of the last one on the time axes, clipped to the capture.
func (d *Data) intervalXs() []float64 {
	tp := d.Summary.Throughput
	xs := make([]float64, len(tp.Start)+1)
	for i, st := range tp.Start {
		xs[i] = d.rel(st)
	}
	if n := len(tp.Start); n > 0 {
		xs[n] = d.rel(tp.Start[n-1] + tp.IntervalS)
		if end := d.Summary.Capture.DurationS; d.t0Summary && end > 0 {
			xs[n] = math.Min(xs[n], math.Max(d.rel(d.t0+end), xs[n-1]))
		}
	}
	if len(xs) > 1 && d.t0Summary {
		xs[0] = math.Max(xs[0], math.Min(0, xs[1]))
	}
	return xs
}

// rtpStreamsPanel compares the RTP streams of flows.jsonl.
func (d *Data) rtpStreamsPanel() *panel {
	p := &panel{id: "rtp-streams", height: 360}
	if !d.hasRTP() {
		p.caption = "RTP streams: no RTP streams in this session."
		return p
	}
	if len(d.rtpRows) == 0 {
		p.caption = "RTP streams: flows.jsonl has no RTP records."
		return p
	}
	names := make([]string, len(d.rtpRows))
	mean := make([]opts.BarData, len(d.rtpRows))
	mx := make([]opts.BarData, len(d.rtpRows))
	loss := make([]opts.BarData, len(d.rtpRows))
	for i, r := range d.rtpRows {
		names[i] = rtpName(r)
		mean[i] = opts.BarData{Value: roundSig(deref(r.JitterMeanMs), 6)}
		mx[i] = opts.BarData{Value: roundSig(deref(r.JitterMaxMs), 6)}
		pct := 0.0
		if r.Expected > 0 {
			pct = 100 * float64(r.Lost) / float64(r.Expected)
		}
		loss[i] = opts.BarData{Value: roundSig(pct, 4)}
	}
	c := charts.NewBar()
	c.SetGlobalOptions(common(p.id, "RTP streams: jitter and loss", p.height, false)...)
	c.SetGlobalOptions(
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: "stream", NameLocation: "middle", NameGap: nameGapX,
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Width: 160, Overflow: "truncate"}}),
		charts.WithYAxisOpts(yValue("jitter (ms)")),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
	)
	c.ExtendYAxis(opts.YAxis{Type: "value", Name: "lost (% of expected)", NameLocation: "middle", NameGap: nameGapY, Position: "right",
		SplitLine: &opts.SplitLine{Show: opts.Bool(false)}})
	c.SetXAxis(names)
	c.AddSeries("jitter mean", mean)
	c.AddSeries("jitter max", mx)
	c.AddSeries("lost %", loss, charts.WithBarChartOpts(opts.BarChart{YAxisIndex: 1}))
	p.chart = c
	p.caption = fmt.Sprintf("Mean and maximum jitter (left axis) and packets lost as a share of those expected (right axis) of %s in flows.jsonl%s.",
		shown(len(d.rtpRows), d.rtpFlows, "RTP stream"), topNote(len(d.rtpRows), d.rtpFlows, d.opts.TableRows, "by loss and by jitter"))
	return p
}

func rtpName(r *flowLine) string {
	name := fmt.Sprintf("rtp/%d", r.Stream)
	if r.SSRC != nil {
		name += fmt.Sprintf(" ssrc 0x%08x", *r.SSRC)
	}
	return name + " " + r.endpoints()
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}
