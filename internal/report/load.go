package report

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/session"
)

// Options say how much a report shows. Zero values take the defaults.
type Options struct {
	// TopFlows is how many of the worst flows the per-flow charts (RTT,
	// bytes in flight, RTP) draw; default 5.
	TopFlows int
	// TableRows is how many flows each ranking (retransmissions, loss,
	// RTT) contributes to the flows table; default 50.
	TableRows int
	// MaxPoints is how many timeline points are drawn one per event.
	// Beyond it, the most frequent event types are counted in time buckets
	// instead, with at most MaxPoints buckets; default 20000.
	MaxPoints int
	// Library is the ECharts JavaScript inlined into every page; empty
	// means the copy embedded at build time. Tests pass a stub so golden
	// files stay small and independent of the library's version.
	Library string
}

// Defaults of Options.
const (
	DefaultTopFlows  = 5
	DefaultTableRows = 50
	DefaultMaxPoints = 20000
)

func (o Options) withDefaults() Options {
	if o.TopFlows <= 0 {
		o.TopFlows = DefaultTopFlows
	}
	if o.TableRows <= 0 {
		o.TableRows = DefaultTableRows
	}
	if o.MaxPoints <= 0 {
		o.MaxPoints = DefaultMaxPoints
	}
	if o.Library == "" {
		o.Library = echartsJS
	}
	return o
}

// maxSeriesPoints bounds each per-flow or throughput series; longer ones
// are averaged (or maxed, as the chart says) into this many time buckets.
const maxSeriesPoints = 2000

// maxTypes bounds the distinct event types (a hand-made or legacy file can
// hold any names); the rest are shown as otherType.
const (
	maxTypes  = 64
	otherType = "(other types)"
)

// Severities, in the order of event.Severity.
var severities = [...]string{"info", "warn", "critical"}

// severityIndex maps a severity name to its index; unknown names are info,
// as the legacy reader maps them.
func severityIndex(s []byte) uint8 {
	switch string(s) {
	case "warn":
		return 1
	case "critical":
		return 2
	}
	return 0
}

// point is one event as the charts need it: 32 bytes, so a 1 M-event
// session costs 32 MB. off and n locate its line for the tooltip details,
// read again only for the events drawn one by one.
type point struct {
	t    float64 // epoch seconds
	off  int64
	n    uint32
	flow uint32 // index into Data.flows
	typ  uint16 // index into Data.types
	sev  uint8
	srtt float32 // NaN when absent
	bif  float32 // NaN when absent
}

type flowKey struct {
	proto  string
	stream uint64
}

// flowInfo is a flow (or RTP stream) as seen in the events.
type flowInfo struct {
	key      flowKey
	label    string // the flow field of its first event
	events   uint64
	problems uint64 // warn and critical events
	retrans  uint64 // retransmission events of every kind
	loss     uint64 // loss_infer events
	samples  int    // events with srtt_ms or bytes_in_flight
	ssrc     float64
	hasSSRC  bool
	rec      *flowLine // its flows.jsonl record, when there is one
}

// Data is a session read for reporting: everything the pages draw, with
// the events reduced to what the charts need.
type Data struct {
	opts Options

	Dir     string
	Summary *event.Summary // nil when the session has no summary.json
	rtpSum  rtpSummary     // summary.json's RTP figures, zero when absent
	Legacy  bool           // some events were in the Python tool's format
	Events  uint64
	Untimed uint64 // events without a timestamp, not on the timeline

	t0        float64 // epoch seconds of time 0 on every time axis
	t0Text    string
	t0Summary bool // t0 is summary.json's first packet

	types     []string // interned event types
	typeIndex map[string]uint16
	sevCounts [3]uint64
	flows     []*flowInfo
	flowIndex map[flowKey]uint32
	points    []point

	// From flows.jsonl.
	hasFlowsFile bool
	tcpFlows     int // records other than RTP
	rtpFlows     int
	tcpRows      []*flowLine // the flows table: top by each ranking
	rtpRows      []*flowLine
	// The worst TCP records with per-connection figures over time, for
	// the per-flow charts (worst first): with RTT samples (a histogram or
	// RTT in the timeline), and with a timeline of bytes or bytes in
	// flight; and how many records have them.
	rttRecs, timeRecs   []*flowLine
	rttCands, timeCands int

	timeline timeline
	flowSets flowSeries
	rtpFigs  map[uint32][]rtpFig // by flow
	rtpSeen  bool                // an RTP event or flow was seen
	rtp      rtpSeries
}

// Load reads the session in dir: summary.json and flows.jsonl when present
// and the events file eventsPath (normally dir/events.jsonl), in either
// event format. It never reads the capture. The events are streamed once
// (ctx is checked as they are), so memory is 32 bytes per event plus the
// flows; the lines of the events drawn one by one are read again for their
// details.
func Load(ctx context.Context, dir, eventsPath string, opts Options) (*Data, error) {
	d := &Data{opts: opts.withDefaults(), Dir: dir, typeIndex: map[string]uint16{}, flowIndex: map[flowKey]uint32{}, rtpFigs: map[uint32][]rtpFig{}}
	if err := d.readSummary(filepath.Join(dir, session.SummaryFile)); err != nil {
		return nil, err
	}
	if err := d.readEvents(ctx, eventsPath); err != nil {
		return nil, err
	}
	if err := d.readFlows(ctx, filepath.Join(dir, session.FlowsFile)); err != nil {
		return nil, err
	}
	d.setOrigin()
	if err := d.buildTimeline(eventsPath); err != nil {
		return nil, err
	}
	d.buildFlowSeries()
	d.buildRTPSeries()
	d.points = nil // everything the pages need has been taken from them
	return d, nil
}

func (d *Data) readSummary(p string) error {
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", p, err)
	}
	var s event.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("read %s: %w", p, err)
	}
	if err := json.Unmarshal(b, &d.rtpSum); err != nil {
		return fmt.Errorf("read %s: %w", p, err)
	}
	d.Summary = &s
	return nil
}

// rtpSummary is what the report reads of summary.json's RTP figures: the
// rtp object, the RTP stream count and the per-interval RTP quality of the
// throughput series. All are optional (older sessions have none of them),
// and they are read here rather than through event.Summary so the report
// depends only on their names in the file.
type rtpSummary struct {
	Throughput struct {
		JitterMaxMs  []float64 `json:"rtp_jitter_max_ms"`
		JitterMeanMs []float64 `json:"rtp_jitter_mean_ms"`
		Lost         []int64   `json:"rtp_lost"`
	} `json:"throughput"`
	Flows struct {
		RTP uint64 `json:"rtp"`
	} `json:"flows"`
	RTP *struct {
		Streams       uint64          `json:"streams"`
		Packets       uint64          `json:"packets"`
		RTCPPackets   uint64          `json:"rtcp_packets"`
		Expected      int64           `json:"expected"`
		Lost          int64           `json:"lost"`
		LossPct       float64         `json:"loss_pct"`
		ClockInferred uint64          `json:"clock_inferred"`
		ClockUnknown  uint64          `json:"clock_unknown"`
		JitterMs      *event.RTTStats `json:"jitter_ms"`
	} `json:"rtp"`
}

// streams is how many RTP streams summary.json counts.
func (r *rtpSummary) streams() uint64 {
	if r.RTP != nil {
		return max(r.RTP.Streams, r.Flows.RTP)
	}
	return r.Flows.RTP
}

// readEvents streams the events file: the fast path for plain schema 1
// lines, event.ParseLine for the rest. Errors read as event.ReadAll's.
func (d *Data) readEvents(ctx context.Context, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("open %s: %w", p, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	// The split function reports how far each line advanced, so every
	// event knows its byte offset for reading its details again.
	var adv int
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		a, tok, err := bufio.ScanLines(data, atEOF)
		adv = a
		return a, tok, err
	})
	var (
		off  int64
		line int
		rec  event.Record
		ef   eventFields
	)
	for sc.Scan() {
		line++
		start := off
		off += int64(adv)
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		if line&0xfff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if !scanEvent(b, &ef) {
			if err := event.ParseLine(b, &rec); err != nil {
				return fmt.Errorf("%s:%d: %w", p, line, err)
			}
			d.Legacy = d.Legacy || rec.Legacy
			fromRecord(&rec, &ef)
		}
		d.add(&ef, start, len(b))
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", p, err)
	}
	return nil
}

// add counts one event and keeps its point.
func (d *Data) add(ef *eventFields, off int64, n int) {
	d.Events++
	sev := severityIndex(ef.Severity)
	d.sevCounts[sev]++
	typ := d.internType(ef.Type)
	fi := d.internFlow(ef)
	fl := d.flows[fi]
	fl.events++
	if sev > 0 {
		fl.problems++
	}
	switch string(ef.Type) {
	case "retransmission", "fast_retransmission", "spurious_retransmission":
		fl.retrans++
	case "loss_infer":
		fl.loss++
	}
	if ef.Has&hasSSRC != 0 {
		fl.ssrc, fl.hasSSRC = ef.SSRC, true
	}
	rtp := fl.key.proto == "rtp" || isRTPType(string(ef.Type))
	d.rtpSeen = d.rtpSeen || rtp
	if ef.TS == 0 || math.IsNaN(ef.TS) || math.IsInf(ef.TS, 0) {
		d.Untimed++
		return
	}
	p := point{t: ef.TS, off: off, n: uint32(n), flow: fi, typ: typ, sev: sev, srtt: float32(math.NaN()), bif: float32(math.NaN())}
	if ef.Has&hasSRTT != 0 {
		p.srtt = float32(ef.SRTT)
	}
	if ef.Has&hasBIF != 0 {
		p.bif = float32(ef.BIF)
	}
	if ef.Has&(hasSRTT|hasBIF) != 0 {
		fl.samples++
	}
	if rtp && ef.Has&hasJitter != 0 && string(ef.Type) == "rtp_jitter" {
		d.rtpFigs[fi] = append(d.rtpFigs[fi], rtpFig{t: ef.TS, v: ef.Jitter, jitter: true})
	}
	if rtp && ef.Has&hasLost != 0 && string(ef.Type) == "rtp_loss" {
		d.rtpFigs[fi] = append(d.rtpFigs[fi], rtpFig{t: ef.TS, v: ef.Lost})
	}
	d.points = append(d.points, p)
}

func (d *Data) internType(b []byte) uint16 {
	if i, ok := d.typeIndex[string(b)]; ok {
		return i
	}
	name := string(b)
	if len(d.types) >= maxTypes-1 {
		name = otherType
		if i, ok := d.typeIndex[name]; ok {
			d.typeIndex[string(b)] = i
			return i
		}
	}
	i := uint16(len(d.types))
	d.types = append(d.types, name)
	d.typeIndex[string(b)] = i
	d.typeIndex[name] = i
	return i
}

// knownProtos are the proto values of schema 1; interning them first
// keeps the common case free of allocation.
var knownProtos = [...]string{"tcp", "udp", "rtp"}

func (d *Data) internFlow(ef *eventFields) uint32 {
	proto := string(ef.Proto) // the compiler does not allocate for the lookups below
	for _, k := range knownProtos {
		if string(ef.Proto) == k {
			proto = k
		}
	}
	key := flowKey{proto: proto, stream: ef.Stream}
	if i, ok := d.flowIndex[key]; ok {
		return i
	}
	key.proto = string(bytes.Clone(ef.Proto))
	i := uint32(len(d.flows))
	d.flows = append(d.flows, &flowInfo{key: key, label: string(ef.Flow)})
	d.flowIndex[key] = i
	return i
}

// flowLine is a flows.jsonl record, TCP or RTP (DESIGN.md, "Contract").
type flowLine struct {
	Proto           string            `json:"proto"`
	Stream          uint64            `json:"stream"`
	SrcIP           string            `json:"src_ip"`
	SrcPort         uint16            `json:"src_port"`
	DstIP           string            `json:"dst_ip"`
	DstPort         uint16            `json:"dst_port"`
	FirstTS         float64           `json:"first_ts"`
	LastTS          float64           `json:"last_ts"`
	DurationS       float64           `json:"duration_s"`
	FwdPackets      uint64            `json:"fwd_packets"`
	RevPackets      uint64            `json:"rev_packets"`
	FwdBytes        uint64            `json:"fwd_bytes"`
	RevBytes        uint64            `json:"rev_bytes"`
	State           string            `json:"state"`
	End             string            `json:"end"`
	Retransmissions uint64            `json:"retransmissions"`
	LossEvents      uint64            `json:"loss_events"`
	RTTms           *event.RTTStats   `json:"rtt_ms"`
	HandshakeRTTms  *float64          `json:"handshake_rtt_ms"`
	Events          map[string]uint64 `json:"events"`

	// RTP
	SSRC         *uint64  `json:"ssrc"`
	PayloadType  *int     `json:"payload_type"`
	ClockRate    *int     `json:"clock_rate"`
	ClockInfer   bool     `json:"clock_inferred"`
	Packets      uint64   `json:"packets"`
	Expected     int64    `json:"expected"`
	Lost         int64    `json:"lost"`
	SeqErrors    int64    `json:"seq_errors"`
	MaxDeltaMs   *float64 `json:"max_delta_ms"`
	JitterMeanMs *float64 `json:"jitter_mean_ms"`
	JitterMaxMs  *float64 `json:"jitter_max_ms"`

	// Both: the flow over time. TCP records also have their RTT
	// histogram.
	Timeline *flowTimeline `json:"timeline"`
	RTTHist  []rttBucket   `json:"rtt_hist"`

	order int // position in the file: the last tie-breaker
}

func (r *flowLine) isRTP() bool { return r.Proto == "rtp" }

// flowTimeline is a flow record's conversation over time: equal steps
// from its first packet (at most 64; parse-pcap doubles the width as
// needed). RTP records have packets, the largest jitter (0 while the
// clock rate is unknown) and packets lost in sequence gaps; TCP records
// have packets, frame bytes (both directions), the mean and largest RTT
// sample (0: no sample in the step), the largest bytes in flight and the
// retransmissions. The report reads the columns by their names in the
// file, not through the event package's types.
type flowTimeline struct {
	Start   float64  `json:"start"`  // epoch seconds
	StepS   float64  `json:"step_s"` // seconds per step
	Packets []uint64 `json:"packets"`

	// RTP
	JitterMaxMs []float64 `json:"jitter_max_ms"`
	Lost        []int64   `json:"lost"`

	// TCP
	Bytes            []uint64  `json:"bytes"`
	RTTMeanMs        []float64 `json:"rtt_mean_ms"`
	RTTMaxMs         []float64 `json:"rtt_max_ms"`
	BytesInFlightMax []float64 `json:"bytes_in_flight_max"`
	Retransmissions  []uint64  `json:"retransmissions"`
}

// usable says the RTP timeline can be drawn: steps of a positive width
// with every figure for each.
func (t *flowTimeline) usable() bool {
	return t.steps() > 0 && len(t.JitterMaxMs) == len(t.Packets) && len(t.Lost) == len(t.Packets)
}

// steps is the number of steps, 0 when the timeline cannot be drawn.
func (t *flowTimeline) steps() int {
	if t == nil || !(t.StepS > 0) || math.IsInf(t.StepS, 0) || math.IsNaN(t.Start) || math.IsInf(t.Start, 0) {
		return 0
	}
	return len(t.Packets)
}

// hasRTT says the TCP timeline has RTT figures: a column of each for
// every step, and one sample at least.
func (t *flowTimeline) hasRTT() bool {
	n := t.steps()
	if n == 0 || len(t.RTTMeanMs) != n || len(t.RTTMaxMs) != n {
		return false
	}
	for i := range n {
		if t.RTTMeanMs[i] > 0 || t.RTTMaxMs[i] > 0 {
			return true
		}
	}
	return false
}

// hasBIF says the TCP timeline has bytes in flight for every step.
func (t *flowTimeline) hasBIF() bool {
	n := t.steps()
	return n > 0 && len(t.BytesInFlightMax) == n
}

// hasBytes says the TCP timeline has frame bytes for every step.
func (t *flowTimeline) hasBytes() bool {
	n := t.steps()
	return n > 0 && len(t.Bytes) == n
}

// rttBucket is one non-empty bucket of a TCP record's RTT histogram: the
// samples (Karn's algorithm) from Ms up to the next bucket's lower bound.
type rttBucket struct {
	Ms    float64 `json:"ms"` // lower bound
	Count uint64  `json:"count"`
}

// hasRTTHist says the record has a usable RTT histogram.
func (r *flowLine) hasRTTHist() bool {
	for _, b := range r.RTTHist {
		if b.Count > 0 && b.Ms >= 0 && !math.IsInf(b.Ms, 0) {
			return true
		}
	}
	return false
}

// endpoints names the flow initiator first, as flows.jsonl does.
func (r *flowLine) endpoints() string {
	return hostPort(r.SrcIP, r.SrcPort) + " -> " + hostPort(r.DstIP, r.DstPort)
}

func hostPort(ip string, port uint16) string {
	if strings.Contains(ip, ":") {
		return fmt.Sprintf("[%s]:%d", ip, port)
	}
	return fmt.Sprintf("%s:%d", ip, port)
}

// rttP95 is a flow's 95th-percentile RTT, -1 without a sample.
func rttP95(r *flowLine) float64 {
	if r.RTTms == nil || r.RTTms.Samples == 0 {
		return -1
	}
	return r.RTTms.P95
}

func jitterMax(r *flowLine) float64 {
	if r.JitterMaxMs == nil {
		return -1
	}
	return *r.JitterMaxMs
}

// A ranking orders the flows table and the per-flow charts. Each is a
// strict order (ties end at the file position), so the rows kept do not
// depend on when candidates are trimmed.
type ranking func(a, b *flowLine) bool

func by(v func(*flowLine) float64) ranking {
	return func(a, b *flowLine) bool {
		if x, y := v(a), v(b); x != y {
			return x > y
		}
		return a.order < b.order
	}
}

var (
	tcpRankings = []ranking{
		by(func(r *flowLine) float64 { return float64(r.Retransmissions) }),
		by(func(r *flowLine) float64 { return float64(r.LossEvents) }),
		by(rttP95),
	}
	rtpRankings = []ranking{
		by(func(r *flowLine) float64 { return float64(r.Lost) }),
		by(jitterMax),
	}
)

// worseRecord orders TCP records for the per-flow charts: most
// retransmissions and loss events, then most bytes (of two clean flows the
// bigger transfer says more), then file position. A strict order, so the
// flows kept do not depend on when candidates are trimmed.
func worseRecord(a, b *flowLine) bool {
	if x, y := a.Retransmissions+a.LossEvents, b.Retransmissions+b.LossEvents; x != y {
		return x > y
	}
	if x, y := a.FwdBytes+a.RevBytes, b.FwdBytes+b.RevBytes; x != y {
		return x > y
	}
	return a.order < b.order
}

// keepWorst trims recs to the worst n once they reach 8n (always when
// final), worst first, so memory stays bounded by the charts' size.
func keepWorst(recs []*flowLine, n int, final bool) []*flowLine {
	if !final && len(recs) < 8*n {
		return recs
	}
	sort.Slice(recs, func(i, j int) bool { return worseRecord(recs[i], recs[j]) })
	return recs[:min(n, len(recs))]
}

// topUnion keeps, of rows, the union of the first n under each ranking,
// in the order of the first ranking.
func topUnion(rows []*flowLine, n int, ranks []ranking) []*flowLine {
	keep := map[*flowLine]bool{}
	for _, less := range ranks {
		sort.Slice(rows, func(i, j int) bool { return less(rows[i], rows[j]) })
		for _, r := range rows[:min(n, len(rows))] {
			keep[r] = true
		}
	}
	out := rows[:0]
	sort.Slice(rows, func(i, j int) bool { return ranks[0](rows[i], rows[j]) })
	for _, r := range rows {
		if keep[r] {
			out = append(out, r)
		}
	}
	return out
}

// readFlows streams flows.jsonl, keeping the records of flows seen in the
// events and the candidates for the flows table.
func (d *Data) readFlows(ctx context.Context, p string) error {
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", p, err)
	}
	defer f.Close()
	d.hasFlowsFile = true
	n := d.opts.TableRows
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<16))
	for i := 1; ; i++ {
		r := &flowLine{order: i}
		if err := dec.Decode(r); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return fmt.Errorf("%s: record %d: %w", p, i, err)
		}
		if i&0xfff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if fi, ok := d.flowIndex[flowKey{r.Proto, r.Stream}]; ok && d.flows[fi].rec == nil {
			d.flows[fi].rec = r
		}
		// Candidates are trimmed to each ranking's top n whenever they
		// reach 8n, so memory stays bounded by the table size.
		if r.isRTP() {
			d.rtpFlows++
			if d.rtpRows = append(d.rtpRows, r); len(d.rtpRows) >= 8*n {
				d.rtpRows = topUnion(d.rtpRows, n, rtpRankings)
			}
			continue
		}
		d.tcpFlows++
		if d.tcpRows = append(d.tcpRows, r); len(d.tcpRows) >= 8*n {
			d.tcpRows = topUnion(d.tcpRows, n, tcpRankings)
		}
		if r.hasRTTHist() || r.Timeline.hasRTT() {
			d.rttCands++
			d.rttRecs = keepWorst(append(d.rttRecs, r), d.opts.TopFlows, false)
		}
		if r.Timeline.hasBIF() || r.Timeline.hasBytes() {
			d.timeCands++
			d.timeRecs = keepWorst(append(d.timeRecs, r), d.opts.TopFlows, false)
		}
	}
	d.rttRecs = keepWorst(d.rttRecs, d.opts.TopFlows, true)
	d.timeRecs = keepWorst(d.timeRecs, d.opts.TopFlows, true)
	d.tcpRows = topUnion(d.tcpRows, n, tcpRankings)
	d.rtpRows = topUnion(d.rtpRows, n, rtpRankings)
	return nil
}

// setOrigin picks time 0 of every time axis: the capture's first packet
// when summary.json says, else the first event.
func (d *Data) setOrigin() {
	t0 := math.Inf(1)
	if d.Summary != nil && d.Summary.Capture.FirstTS != "" {
		if t, err := time.Parse(time.RFC3339Nano, d.Summary.Capture.FirstTS); err == nil {
			t0 = float64(t.Unix()) + float64(t.Nanosecond())/1e9
			d.t0Summary = true
		}
	}
	if math.IsInf(t0, 1) {
		for _, p := range d.points {
			t0 = math.Min(t0, p.t)
		}
	}
	if math.IsInf(t0, 1) {
		t0 = 0
	}
	d.t0 = t0
	if t0 != 0 {
		sec, frac := math.Modf(t0)
		d.t0Text = time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC().Format("2006-01-02 15:04:05.000000000 UTC")
	}
}

// rel is t on the time axes: seconds since the origin, to the microsecond.
func (d *Data) rel(t float64) float64 { return math.Round((t-d.t0)*1e6) / 1e6 }

// flowName labels flow i in legends and tables: "tcp/3 10.0.0.1:5 -> ...".
func (d *Data) flowName(i uint32) string {
	fl := d.flows[i]
	label := fl.label
	if fl.rec != nil && fl.rec.SrcIP != "" {
		label = fl.rec.endpoints()
	}
	name := fmt.Sprintf("%s/%d", fl.key.proto, fl.key.stream)
	if ssrc, ok := fl.ssrcOf(); ok {
		name += fmt.Sprintf(" ssrc 0x%08x", ssrc)
	}
	if label != "" {
		name += " " + label
	}
	return name
}

func (fl *flowInfo) ssrcOf() (uint64, bool) {
	if fl.rec != nil && fl.rec.SSRC != nil {
		return *fl.rec.SSRC, true
	}
	if fl.hasSSRC && fl.ssrc >= 0 && fl.ssrc <= math.MaxUint32 {
		return uint64(fl.ssrc), true
	}
	return 0, false
}
