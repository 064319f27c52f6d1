package report

import (
	"fmt"
	"math"
	"os"
	"sort"

	"github.com/tcpviz/tcpviz/internal/event"
)

// timeline is the event timeline: one row per type, one point per event
// for the rarer types and counts per time bucket for the types that would
// not fit under Options.MaxPoints.
type timeline struct {
	order   []uint16    // type indexes, top row first
	counts  [][3]uint64 // by type index and severity
	raw     []bool      // by type index: drawn one point per event
	points  []rawPoint
	details []detail
	flows   []string // event flow texts the details refer to

	bucket    float64 // bucket width in seconds; 0 when nothing is bucketed
	agg       []aggPoint
	aggEvents uint64
}

type rawPoint struct {
	x      float64
	typ    uint16
	sev    uint8
	detail int
}

type aggPoint struct {
	x     float64 // bucket centre
	typ   uint16
	sev   uint8
	count uint64
}

// detail is what the timeline tooltip shows of one event, as a JSON array
// so 20000 of them stay small: frame, flow (index into timeline.flows),
// stream, proto, seq, ack, len, extra, ts.
type detail [9]any

// buildTimeline decides which types are drawn per event, reads their
// details again from the events file and counts the rest in buckets.
func (d *Data) buildTimeline(eventsPath string) error {
	tl := &d.timeline
	tl.counts = make([][3]uint64, len(d.types))
	for _, p := range d.points {
		tl.counts[p.typ][p.sev]++
	}
	tl.order = typeOrder(d.types)
	// The rarest types are drawn per event while they fit under MaxPoints;
	// the others are bucketed.
	byCount := append([]uint16(nil), tl.order...)
	total := func(t uint16) uint64 { c := tl.counts[t]; return c[0] + c[1] + c[2] }
	sort.SliceStable(byCount, func(i, j int) bool { return total(byCount[i]) < total(byCount[j]) })
	tl.raw = make([]bool, len(d.types))
	var used uint64
	for _, t := range byCount {
		if used+total(t) > uint64(d.opts.MaxPoints) {
			break
		}
		used += total(t)
		tl.raw[t] = true
	}
	if err := d.readDetails(eventsPath); err != nil {
		return err
	}
	d.bucketRest()
	return nil
}

// typeOrder puts the schema's types first in their schema order, then any
// others by name, the catch-all last.
func typeOrder(types []string) []uint16 {
	rank := func(s string) int {
		if s == otherType {
			return event.NumTypes + 1
		}
		if t, ok := event.ParseType(s); ok {
			return int(t)
		}
		return event.NumTypes
	}
	out := make([]uint16, len(types))
	for i := range out {
		out[i] = uint16(i)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := types[out[i]], types[out[j]]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		return a < b
	})
	return out
}

// readDetails reads the lines of the events drawn one by one again, in
// file order, and keeps what their tooltips show.
func (d *Data) readDetails(eventsPath string) error {
	tl := &d.timeline
	var f *os.File
	flowRef := map[string]int{}
	var buf []byte
	var rec event.Record
	for _, p := range d.points {
		if !tl.raw[p.typ] {
			continue
		}
		if f == nil {
			var err error
			if f, err = os.Open(eventsPath); err != nil {
				return fmt.Errorf("open %s: %w", eventsPath, err)
			}
			defer f.Close()
		}
		if cap(buf) < int(p.n) {
			buf = make([]byte, p.n)
		}
		b := buf[:p.n]
		if _, err := f.ReadAt(b, p.off); err != nil {
			return fmt.Errorf("read %s again: %w", eventsPath, err)
		}
		if err := event.ParseLine(b, &rec); err != nil {
			return fmt.Errorf("%s changed while being read: %w", eventsPath, err)
		}
		ref, ok := flowRef[rec.Flow]
		if !ok {
			ref = len(tl.flows)
			flowRef[rec.Flow] = ref
			tl.flows = append(tl.flows, rec.Flow)
		}
		var extra any
		if len(rec.Extra) > 0 {
			extra = rec.Extra
		}
		tl.points = append(tl.points, rawPoint{x: d.rel(p.t), typ: p.typ, sev: p.sev, detail: len(tl.details)})
		tl.details = append(tl.details, detail{rec.Frame, ref, rec.Stream, rec.Proto, rec.Seq, rec.Ack, rec.Len, extra, rec.TS})
	}
	return nil
}

// bucketRest counts the events of the types not drawn one by one in
// buckets of a round width, at most MaxPoints points in all.
func (d *Data) bucketRest() {
	tl := &d.timeline
	combos := map[[2]int]bool{}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range d.points {
		if tl.raw[p.typ] {
			continue
		}
		combos[[2]int{int(p.typ), int(p.sev)}] = true
		x := d.rel(p.t)
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	if len(combos) == 0 {
		return
	}
	nb := max(d.opts.MaxPoints/len(combos), 1)
	tl.bucket = niceCeil(math.Max((hi-lo)/float64(nb), 1e-6))
	// Buckets are aligned on multiples of the width; a span can straddle
	// one more bucket than nb, so the width doubles until it fits.
	for math.Floor(hi/tl.bucket)-math.Floor(lo/tl.bucket)+1 > float64(nb) {
		tl.bucket = niceCeil(tl.bucket * 1.5)
	}
	type key struct {
		typ uint16
		sev uint8
		b   int64
	}
	counts := map[key]uint64{}
	for _, p := range d.points {
		if tl.raw[p.typ] {
			continue
		}
		counts[key{p.typ, p.sev, int64(math.Floor(d.rel(p.t) / tl.bucket))}]++
		tl.aggEvents++
	}
	for k, c := range counts {
		x := (float64(k.b) + 0.5) * tl.bucket
		tl.agg = append(tl.agg, aggPoint{x: math.Round(x*1e6) / 1e6, typ: k.typ, sev: k.sev, count: c})
	}
	sort.Slice(tl.agg, func(i, j int) bool {
		a, b := tl.agg[i], tl.agg[j]
		if a.typ != b.typ {
			return a.typ < b.typ
		}
		if a.sev != b.sev {
			return a.sev < b.sev
		}
		return a.x < b.x
	})
}

// niceCeil returns the smallest 1, 2 or 5 × 10^k not below v.
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if n := m * p; n >= v*(1-1e-12) {
			return roundSig(n, 12)
		}
	}
	return 10 * p
}

// roundSig rounds v to n significant digits, so the JSON stays short.
func roundSig(v float64, n int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, float64(n)-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// xy is one point of a time series.
type xy struct{ x, y float64 }

// flowSeries holds the per-flow charts: SRTT and bytes in flight over time
// and the SRTT histogram of the worst flows.
type flowSeries struct {
	flows      []uint32 // worst first
	names      []string
	candidates int // flows with any SRTT or bytes-in-flight figure
	srtt       [][]xy
	bif        [][]xy
	srttBucket float64 // > 0: averaged into buckets this wide (s)
	bifBucket  float64 // > 0: the maximum of buckets this wide (s)
	histEdges  []float64
	hist       [][]uint64
	srttCount  int

	// The event figures of the flows drawn from their records'
	// timelines (Data.rttRecs, Data.timeRecs), drawn as dots over the
	// steps: finer than the steps where events are frequent.
	recSRTT, recBIF             map[*flowLine][]xy
	recSRTTBucket, recBIFBucket float64
}

// worse orders flows for the per-flow charts: by retransmissions plus loss
// events from flows.jsonl when it has the flow, else by warnings in the
// events; then by figures carried, then by name.
func (d *Data) worse(a, b *flowInfo) bool {
	score := func(f *flowInfo) uint64 {
		if f.rec != nil {
			return f.rec.Retransmissions + f.rec.LossEvents
		}
		return f.retrans + f.loss + f.problems
	}
	if sa, sb := score(a), score(b); sa != sb {
		return sa > sb
	}
	if a.samples != b.samples {
		return a.samples > b.samples
	}
	if a.key.proto != b.key.proto {
		return a.key.proto < b.key.proto
	}
	return a.key.stream < b.key.stream
}

func (d *Data) buildFlowSeries() {
	fs := &d.flowSets
	var cand []uint32
	for i, fl := range d.flows {
		if fl.samples > 0 {
			cand = append(cand, uint32(i))
		}
	}
	fs.candidates = len(cand)
	sort.Slice(cand, func(i, j int) bool { return d.worse(d.flows[cand[i]], d.flows[cand[j]]) })
	fs.flows = cand[:min(len(cand), d.opts.TopFlows)]
	pos := map[uint32]int{}
	for i, fi := range fs.flows {
		pos[fi] = i
		fs.names = append(fs.names, d.flowName(fi))
	}
	fs.srtt = make([][]xy, len(fs.flows))
	fs.bif = make([][]xy, len(fs.flows))
	for _, p := range d.points {
		i, ok := pos[p.flow]
		if !ok {
			continue
		}
		if !math.IsNaN(float64(p.srtt)) {
			fs.srtt[i] = append(fs.srtt[i], xy{d.rel(p.t), float64(p.srtt)})
		}
		if !math.IsNaN(float64(p.bif)) {
			fs.bif[i] = append(fs.bif[i], xy{d.rel(p.t), float64(p.bif)})
		}
	}
	fs.histEdges, fs.hist = histogram(fs.srtt, 30)
	for i := range fs.srtt {
		fs.srttCount += len(fs.srtt[i])
		sortXY(fs.srtt[i])
		sortXY(fs.bif[i])
	}
	fs.srttBucket = downsample(fs.srtt, meanOf)
	fs.bifBucket = downsample(fs.bif, maxOf)
	d.buildRecordFigures()
}

// buildRecordFigures collects the event figures of the flows the per-flow
// charts draw from their records.
func (d *Data) buildRecordFigures() {
	fs := &d.flowSets
	byFlow := map[uint32]*flowLine{}
	var recs []*flowLine
	for _, rs := range [][]*flowLine{d.rttRecs, d.timeRecs} {
		for _, r := range rs {
			if fi, ok := d.flowIndex[flowKey{r.Proto, r.Stream}]; ok && byFlow[fi] == nil {
				byFlow[fi] = r
				recs = append(recs, r)
			}
		}
	}
	if len(recs) == 0 {
		return
	}
	fs.recSRTT, fs.recBIF = map[*flowLine][]xy{}, map[*flowLine][]xy{}
	for _, p := range d.points {
		r := byFlow[p.flow]
		if r == nil {
			continue
		}
		if !math.IsNaN(float64(p.srtt)) {
			fs.recSRTT[r] = append(fs.recSRTT[r], xy{d.rel(p.t), float64(p.srtt)})
		}
		if !math.IsNaN(float64(p.bif)) {
			fs.recBIF[r] = append(fs.recBIF[r], xy{d.rel(p.t), float64(p.bif)})
		}
	}
	// downsample works on a list of series with one bucket width for all.
	srtt, bif := make([][]xy, len(recs)), make([][]xy, len(recs))
	for i, r := range recs {
		srtt[i], bif[i] = fs.recSRTT[r], fs.recBIF[r]
		sortXY(srtt[i])
		sortXY(bif[i])
	}
	fs.recSRTTBucket = downsample(srtt, meanOf)
	fs.recBIFBucket = downsample(bif, maxOf)
	for i, r := range recs {
		fs.recSRTT[r], fs.recBIF[r] = srtt[i], bif[i]
	}
}

func sortXY(s []xy) { sort.SliceStable(s, func(i, j int) bool { return s[i].x < s[j].x }) }

// histogram counts the y values of each series in bins equal bins spanning
// all of them.
func histogram(series [][]xy, bins int) ([]float64, [][]uint64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, p := range s {
			lo, hi = math.Min(lo, p.y), math.Max(hi, p.y)
		}
	}
	if math.IsInf(lo, 1) {
		return nil, nil
	}
	if hi == lo {
		bins = 1
	}
	w := (hi - lo) / float64(bins)
	edges := make([]float64, bins+1)
	for i := range edges {
		edges[i] = roundSig(lo+float64(i)*w, 4)
	}
	edges[bins] = roundSig(hi, 4)
	counts := make([][]uint64, len(series))
	for i, s := range series {
		counts[i] = make([]uint64, bins)
		for _, p := range s {
			b := bins - 1
			if w > 0 {
				b = min(int((p.y-lo)/w), bins-1)
			}
			counts[i][b]++
		}
	}
	return edges, counts
}

// How downsample combines the points of a bucket.
type combine int

const (
	meanOf combine = iota
	maxOf
	sumOf
)

// downsample reduces every series longer than maxSeriesPoints to one point
// per time bucket (the same round width for all series). It returns the
// width, or 0 when no series needed it.
func downsample(series [][]xy, how combine) float64 {
	lo, hi, longest := math.Inf(1), math.Inf(-1), 0
	for _, s := range series {
		longest = max(longest, len(s))
		if len(s) > 0 {
			lo, hi = math.Min(lo, s[0].x), math.Max(hi, s[len(s)-1].x)
		}
	}
	if longest <= maxSeriesPoints {
		return 0
	}
	w := niceCeil(math.Max((hi-lo)/(maxSeriesPoints/2), 1e-6))
	for i, s := range series {
		var out []xy
		n := 0
		flush := func() {
			if how == meanOf && n > 0 {
				out[len(out)-1].y /= float64(n)
			}
		}
		for _, p := range s {
			x := math.Round((math.Floor(p.x/w)+0.5)*w*1e6) / 1e6
			if len(out) > 0 && out[len(out)-1].x == x {
				last := &out[len(out)-1]
				switch how {
				case maxOf:
					last.y = math.Max(last.y, p.y)
				default:
					last.y += p.y
				}
				n++
				continue
			}
			flush()
			out = append(out, xy{x, p.y})
			n = 1
		}
		flush()
		series[i] = out
	}
	return w
}

// rtpSeries holds the RTP charts: jitter and loss over time per stream,
// from rtp_jitter and rtp_loss events (extra.jitter_ms, extra.lost).
type rtpSeries struct {
	streams    []uint32
	names      []string
	candidates int // streams with jitter or loss figures in the events
	// recs are the streams drawn from their flow records' timelines, when
	// flows.jsonl has them; names are theirs then, and jitter and lost
	// are unused.
	recs         []*flowLine
	jitter, lost [][]xy
	jitterBucket float64
	lostBucket   float64
}

// hasRTP says the session has RTP streams: records, events or the
// summary's count.
func (d *Data) hasRTP() bool { return d.rtpFlows > 0 || d.rtpSeen || d.rtpSum.streams() > 0 }

func (d *Data) buildRTPSeries() {
	r := &d.rtp
	// Flow records with timelines give every stream's figures over time;
	// events only the moments a threshold was crossed or a gap seen.
	var recs []*flowLine
	for _, rec := range d.rtpRows {
		if rec.Timeline.usable() {
			recs = append(recs, rec)
		}
	}
	if len(recs) > 0 {
		sort.Slice(recs, func(i, j int) bool {
			a, b := recs[i], recs[j]
			if a.Lost != b.Lost {
				return a.Lost > b.Lost
			}
			return rtpRankings[1](a, b)
		})
		r.candidates = len(recs)
		r.recs = recs[:min(len(recs), d.opts.TopFlows)]
		for _, rec := range r.recs {
			r.names = append(r.names, rtpName(rec))
		}
		return
	}
	type agg struct {
		lost, jitter float64
	}
	per := map[uint32]*agg{}
	for fi, figs := range d.rtpFigs {
		a := &agg{}
		for _, f := range figs {
			if f.jitter {
				a.jitter = math.Max(a.jitter, f.v)
			} else {
				a.lost += f.v
			}
		}
		per[fi] = a
	}
	ids := make([]uint32, 0, len(per))
	for fi := range per {
		ids = append(ids, fi)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := per[ids[i]], per[ids[j]]
		if a.lost != b.lost {
			return a.lost > b.lost
		}
		if a.jitter != b.jitter {
			return a.jitter > b.jitter
		}
		return ids[i] < ids[j]
	})
	r.candidates = len(ids)
	ids = ids[:min(len(ids), d.opts.TopFlows)]
	for _, fi := range ids {
		var jit, lst []xy
		for _, f := range d.rtpFigs[fi] {
			if f.jitter {
				jit = append(jit, xy{d.rel(f.t), f.v})
			} else {
				lst = append(lst, xy{d.rel(f.t), f.v})
			}
		}
		sortXY(jit)
		sortXY(lst)
		r.streams = append(r.streams, fi)
		r.names = append(r.names, d.flowName(fi))
		r.jitter = append(r.jitter, jit)
		r.lost = append(r.lost, lst)
	}
	r.jitterBucket = downsample(r.jitter, maxOf)
	r.lostBucket = downsample(r.lost, sumOf)
}

// rtpFig is one RTP figure of an event: extra.jitter_ms of an rtp_jitter
// event or extra.lost of an rtp_loss event. RTP events are few, so their
// figures are kept per stream while reading instead of widening every
// point.
type rtpFig struct {
	t      float64
	v      float64
	jitter bool // else lost
}

// isRTPType says an event type is one of the RTP analysis's.
func isRTPType(t string) bool {
	return t == "rtp_loss" || t == "rtp_jitter" || t == "rtp_seq_error"
}
