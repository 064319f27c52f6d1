package pipeline

import (
	"context"
	"errors"
	"io"
	"maps"
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/decode"
	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/metrics"
	"github.com/tcpviz/tcpviz/internal/rtp"
	"github.com/tcpviz/tcpviz/internal/tcpanalysis"
)

// Options configures a Pipeline.
type Options struct {
	TCP      tcpanalysis.Config
	RTP      rtp.Config
	Interval time.Duration // throughput bucket width
	// LocalNets, when set, make throughput directions "out" (from a local
	// address) and "in"; otherwise they are "fwd" (from the flow's
	// initiator or client) and "rev".
	LocalNets []netip.Prefix
	Filter    Filter
	// Progress, if set, is called from Run every few thousand records with
	// the number of frames read so far.
	Progress func(frames uint64)
	// Workers above 1 make Run read and decode in one goroutine while
	// another analyses (see parallel.go), with identical results.
	Workers int
}

// DefaultOptions returns the documented defaults.
func DefaultOptions() Options {
	return Options{TCP: tcpanalysis.DefaultConfig(), RTP: rtp.DefaultConfig(), Interval: time.Second}
}

// Pipeline analyses records in capture order.
type Pipeline struct {
	dec     *decode.Decoder
	tcp     *tcpanalysis.Analyzer
	rtp     *rtp.Tracker
	traffic *metrics.Traffic
	events  [event.NumTypes]uint64
	sink    event.Sink
	rec     capture.Record
	pkt     decode.Packet
	frame   uint64
	opts    Options
	// Skipped counts frames the filter left out.
	Skipped uint64
	// File totals, before any filter.
	bytes, captured uint64
	first, last     int64
}

// New returns a Pipeline that hands events to sink and flow records to
// onFlow (either may be nil).
func New(opts Options, sink event.Sink, onFlow func(*event.FlowRecord)) *Pipeline {
	p := &Pipeline{dec: decode.New(), traffic: metrics.NewTraffic(int64(opts.Interval)), sink: sink, opts: opts}
	p.tcp = tcpanalysis.New(opts.TCP, event.SinkFunc(p.count), onFlow)
	p.rtp = rtp.New(opts.RTP, event.SinkFunc(p.count), onFlow)
	return p
}

func (p *Pipeline) count(e *event.Event) {
	if int(e.Type) < len(p.events) {
		p.events[e.Type]++
	}
	if e.Type == event.RTPLoss {
		p.traffic.AddRTPLoss(e.TS, e.Extra.Lost)
	}
	if p.sink != nil {
		p.sink.Event(e)
	}
}

// TCPStats is what the TCP analysis counted so far, for reading only.
func (p *Pipeline) TCPStats() *tcpanalysis.Stats { return &p.tcp.Stats }

// Frames is the number of records analysed so far.
func (p *Pipeline) Frames() uint64 { return p.frame }

// Record analyses one record. Its bytes are not kept.
func (p *Pipeline) Record(rec *capture.Record) {
	pk := &p.pkt
	p.dec.Decode(p.frame+1, rec.Timestamp, rec.LinkType, rec.OrigLen, rec.Data, pk)
	p.analyse(pk, metrics.App(pk))
}

// analyse runs everything after decoding for one packet, in capture order:
// file totals, the filter, the TCP and RTP analyses and the traffic metrics.
// app is metrics.App(pk), found beside the decoding: it alone reads a TCP
// payload's bytes, so a parallel run keeps none of them (parallel.go).
func (p *Pipeline) analyse(pk *decode.Packet, app metrics.Proto) {
	p.frame = pk.Frame
	p.bytes += uint64(pk.OrigLen)
	p.captured += uint64(pk.CapLen)
	if p.frame == 1 || pk.TS < p.first {
		p.first = pk.TS
	}
	if pk.TS > p.last {
		p.last = pk.TS
	}
	if !p.opts.Filter.Empty() && !p.opts.Filter.match(pk) {
		p.Skipped++
		return
	}
	fromClient, opened := true, false
	var seen *metrics.Seen
	if pk.Transport == decode.TransTCP {
		fromClient, opened, seen = p.tcp.Packet(pk)
	} else if pk.Transport == decode.TransUDP {
		switch p.rtp.Packet(pk) {
		case rtp.KindRTP:
			app = metrics.PRTP
		case rtp.KindRTCP:
			app = metrics.PRTCP
		default:
			// --proto rtp keeps RTP sessions: RTP and RTCP. Packets
			// the heuristic holds while confirming a stream count in
			// the stream, not here (rtp.Stats.Replayed).
			if p.opts.Filter.Proto == "rtp" {
				p.Skipped++
				return
			}
		}
		// Without a handshake, the client is the side with the higher
		// (ephemeral) port.
		fromClient = pk.SrcPort >= pk.DstPort
	}
	dir := p.direction(pk, fromClient)
	p.traffic.Add(pk, app, dir, opened, seen)
	if app == metrics.PRTP {
		// The heuristic confirms a stream at its fourth packet: the ones
		// before went by as plain UDP, but were RTP.
		p.rtp.Confirmed(func(ts int64, n int) { p.traffic.Reclassify(ts, uint64(n), metrics.PUDP, metrics.PRTP, dir) })
		if ms, ok := p.rtp.Jitter(); ok {
			p.traffic.AddJitter(pk.TS, ms)
		}
	}
}

// direction places a packet in the throughput series.
func (p *Pipeline) direction(pk *decode.Packet, fromClient bool) int {
	if len(p.opts.LocalNets) == 0 {
		if fromClient {
			return metrics.DirOut
		}
		return metrics.DirIn
	}
	for _, n := range p.opts.LocalNets {
		if pk.Src.IsValid() && n.Contains(pk.Src) {
			return metrics.DirOut
		}
	}
	return metrics.DirIn
}

// checkEvery is how many records pass between looks at the context: often
// enough for Ctrl-C to feel immediate, rare enough to cost nothing.
const checkEvery = 4096

// Run reads r to its end. It returns nil at a clean end of input, ctx.Err()
// when cancelled, and the reader's error when the input is damaged; in every
// case what was read before stays analysed.
func (p *Pipeline) Run(ctx context.Context, r *capture.Reader) error {
	if p.opts.Workers > 1 {
		return p.runParallel(ctx, r)
	}
	for n := 0; ; n++ {
		if n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if p.opts.Progress != nil {
				p.opts.Progress(p.frame)
			}
		}
		err := r.Next(&p.rec)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		p.Record(&p.rec)
	}
}

// Finish ends every live flow and RTP stream, writing their records: TCP
// first, then RTP, each in stream order.
func (p *Pipeline) Finish() {
	p.tcp.Flush()
	p.rtp.Flush()
}

// Summary builds summary.json's content. readErr is the error that stopped
// reading, if any.
func (p *Pipeline) Summary(file string, info capture.Info, readErr error) *event.Summary {
	t := p.traffic
	s := &event.Summary{
		Schema:       event.Schema,
		Tool:         "tcpviz",
		EventCounts:  map[string]uint64{},
		DecodeErrors: p.dec.Stats.ByReason(),
		Protocols:    map[string]event.Count{},
	}
	order := "little-endian"
	if info.BigEndian {
		order = "big-endian"
	}
	res := "microsecond"
	if info.Nanosecond {
		res = "nanosecond"
	}
	s.Capture = event.CaptureInfo{
		File: file, Format: info.Format.String(), Compressed: info.Compressed, ByteOrder: order,
		TSResolution: res, LinkTypes: info.LinkTypes, Snaplen: info.Snaplen,
		Packets: p.frame, Bytes: p.bytes, CapturedBytes: p.captured, FilteredOut: p.Skipped,
		TruncatedFrames: p.dec.Stats.Truncated, Complete: readErr == nil,
	}
	if s.Capture.LinkTypes == nil {
		s.Capture.LinkTypes = []uint32{}
	}
	if readErr != nil {
		s.Capture.Error = readErr.Error()
	}
	if p.frame > 0 {
		s.Capture.FirstTS = formatTS(p.first)
		s.Capture.LastTS = formatTS(p.last)
		s.Capture.DurationS = float64(p.last-p.first) / 1e9
	}
	for i, n := range p.events {
		if n > 0 {
			s.EventCounts[event.Type(i).String()] = n
		}
	}
	rs := p.rtp.Stats()
	for i, c := range t.Mix {
		if c.Packets > 0 {
			s.Protocols[metrics.Proto(i).String()] = event.Count{Packets: c.Packets, Bytes: c.Bytes, AvgSize: float64(c.Bytes) / float64(c.Packets)}
		}
	}
	if !p.opts.Filter.Empty() {
		s.Filter = p.opts.Filter.String()
	}
	s.Throughput = p.throughput()
	idle, capacity := p.tcp.Evicted()
	s.Flows = event.FlowCounts{TCP: p.tcp.Stats.Connections, RTP: rs.Streams, EvictedIdle: idle, EvictedLimit: capacity}
	s.RTP = rtpSummary(&rs)
	s.UniqueIPs, s.UniqueIPsEstimated = t.UniqueIPs()
	s.UniqueMACs, s.UniqueMACsEstimated = t.UniqueMACs()
	s.NewConns = t.NewConns
	ts := &p.tcp.Stats
	s.TCP = event.TCPSummary{Packets: ts.Packets, AnalysisFlags: map[string]uint64{}}
	for i, n := range ts.Flags {
		if n > 0 {
			s.TCP.AnalysisFlags[tcpanalysis.Flags(1<<i).Name()] = n
		}
	}
	s.TCP.RTTms = rttStats(&ts.RTT)
	s.TCP.HandshakeRTTms = rttStats(&ts.HandshakeMs)
	for k, n := range rs.Malformed {
		if n > 0 {
			s.Warnings = append(s.Warnings, "malformed RTP headers: "+rtp.Problem(k).String())
		}
	}
	if p.dec.Stats.Total() > 0 {
		for _, k := range slices.Sorted(maps.Keys(s.DecodeErrors)) {
			s.Warnings = append(s.Warnings, "frames not fully decoded: "+k)
		}
	}
	return s
}

// throughput turns the traffic series into summary.json's time series.
func (p *Pipeline) throughput() event.Throughput {
	t := p.traffic
	iv := float64(t.Interval) / 1e9
	th := event.Throughput{IntervalS: iv, Start: []float64{}, Packets: []uint64{}, Bits: []float64{},
		Directions: [2]string{"fwd", "rev"}, Series: []event.ProtoSeries{}, NewConns: []float64{},
		RTPJitterMaxMs: []float64{}, RTPJitterMeanMs: []float64{}, RTPLost: []int64{}}
	if len(p.opts.LocalNets) > 0 {
		th.Directions = [2]string{"out", "in"}
	}
	var used [metrics.NumProtos][2]bool
	for _, b := range t.Series {
		th.Start = append(th.Start, float64(b.Start)/1e9)
		th.Packets = append(th.Packets, b.Packets)
		th.Bits = append(th.Bits, float64(b.Bytes)*8/iv)
		th.NewConns = append(th.NewConns, float64(b.NewConns)/iv)
		mean := 0.0
		if b.JitterN > 0 {
			mean = b.JitterSum / float64(b.JitterN)
		}
		th.RTPJitterMaxMs = append(th.RTPJitterMaxMs, round6(b.JitterMax))
		th.RTPJitterMeanMs = append(th.RTPJitterMeanMs, round6(mean))
		th.RTPLost = append(th.RTPLost, b.RTPLost)
		for pr := range b.ByProto {
			for d, n := range b.ByProto[pr] {
				used[pr][d] = used[pr][d] || n > 0
			}
		}
	}
	for pr := range used {
		for d := range used[pr] {
			if !used[pr][d] {
				continue
			}
			ps := event.ProtoSeries{Protocol: metrics.Proto(pr).String(), Direction: th.Directions[d], Bits: make([]float64, len(t.Series))}
			for i := range t.Series {
				ps.Bits[i] = float64(t.Series[i].ByProto[pr][d]) * 8 / iv
			}
			th.Series = append(th.Series, ps)
		}
	}
	return th
}

func formatTS(ns int64) string { return time.Unix(0, ns).UTC().Format(time.RFC3339Nano) }

// rtpSummary turns the RTP tracker's counters into summary.json's "rtp".
func rtpSummary(rs *rtp.Stats) event.RTPSummary {
	s := event.RTPSummary{
		Streams: rs.Streams, Packets: rs.Packets, RTCPPackets: rs.RTCPPackets,
		Expected: rs.Expected, Lost: rs.Lost,
		ClockInferred: rs.ClockInferred, ClockUnknown: rs.ClockUnknown,
		UnconfirmedPackets: rs.Unconfirmed, Malformed: rs.MalformedByReason(),
		EvictedIdle: rs.Evicted.Idle, EvictedLimit: rs.Evicted.Capacity,
		JitterMs: rttStats(&rs.Jitter), StreamJitterMs: rttStats(&rs.StreamJitter),
	}
	if rs.Expected > 0 {
		s.LossPct = round6(float64(rs.Lost) * 100 / float64(rs.Expected))
	}
	return s
}

// round6 rounds to 6 decimals, so series read as measured, not as float
// noise.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// rttStats is h's summary in milliseconds, nil (left out) without samples.
func rttStats(h *metrics.Hist) *event.RTTStats {
	if h.N == 0 {
		return nil
	}
	st := h.MsStats()
	return &st
}
