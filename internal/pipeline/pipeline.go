package pipeline

import (
	"context"
	"errors"
	"io"
	"sort"
	"time"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/decode"
	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/metrics"
	"github.com/tcpviz/tcpviz/internal/tcpanalysis"
)

// Options configures a Pipeline.
type Options struct {
	TCP      tcpanalysis.Config
	Interval time.Duration // throughput bucket width
}

// DefaultOptions returns the documented defaults.
func DefaultOptions() Options {
	return Options{TCP: tcpanalysis.DefaultConfig(), Interval: time.Second}
}

// Pipeline analyses records in capture order.
type Pipeline struct {
	dec     *decode.Decoder
	tcp     *tcpanalysis.Analyzer
	traffic *metrics.Traffic
	events  [event.NumTypes]uint64
	sink    event.Sink
	rec     capture.Record
	pkt     decode.Packet
	frame   uint64
	opts    Options
}

// New returns a Pipeline that hands events to sink and flow records to
// onFlow (either may be nil).
func New(opts Options, sink event.Sink, onFlow func(*event.FlowRecord)) *Pipeline {
	p := &Pipeline{dec: decode.New(), traffic: metrics.NewTraffic(int64(opts.Interval)), sink: sink, opts: opts}
	p.tcp = tcpanalysis.New(opts.TCP, event.SinkFunc(p.count), onFlow)
	return p
}

func (p *Pipeline) count(e *event.Event) {
	if int(e.Type) < len(p.events) {
		p.events[e.Type]++
	}
	if p.sink != nil {
		p.sink.Event(e)
	}
}

// Frames is the number of records analysed so far.
func (p *Pipeline) Frames() uint64 { return p.frame }

// Record analyses one record. Its bytes are not kept.
func (p *Pipeline) Record(rec *capture.Record) {
	p.frame++
	pk := &p.pkt
	ok := p.dec.Decode(p.frame, rec.Timestamp, rec.LinkType, rec.OrigLen, rec.Data, pk)
	p.traffic.Add(pk)
	if ok && pk.Transport == decode.TransTCP {
		p.tcp.Packet(pk)
	}
}

// checkEvery is how many records pass between looks at the context: often
// enough for Ctrl-C to feel immediate, rare enough to cost nothing.
const checkEvery = 4096

// Run reads r to its end. It returns nil at a clean end of input, ctx.Err()
// when cancelled, and the reader's error when the input is damaged; in every
// case what was read before stays analysed.
func (p *Pipeline) Run(ctx context.Context, r *capture.Reader) error {
	for n := 0; ; n++ {
		if n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
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

// Finish ends every live flow, writing their records.
func (p *Pipeline) Finish() { p.tcp.Flush() }

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
		Packets: t.Packets, Bytes: t.Bytes, CapturedBytes: t.Captured,
		TruncatedFrames: p.dec.Stats.Truncated, Complete: readErr == nil,
	}
	if s.Capture.LinkTypes == nil {
		s.Capture.LinkTypes = []uint32{}
	}
	if readErr != nil {
		s.Capture.Error = readErr.Error()
	}
	if t.Packets > 0 {
		s.Capture.FirstTS = formatTS(t.First)
		s.Capture.LastTS = formatTS(t.Last)
		s.Capture.DurationS = float64(t.Last-t.First) / 1e9
	}
	for i, n := range p.events {
		if n > 0 {
			s.EventCounts[event.Type(i).String()] = n
		}
	}
	for i, c := range t.Mix {
		if c.Packets > 0 {
			s.Protocols[metrics.Proto(i).String()] = event.Count{Packets: c.Packets, Bytes: c.Bytes}
		}
	}
	iv := float64(t.Interval) / 1e9
	s.Throughput = event.Throughput{IntervalS: iv, Start: []float64{}, Packets: []uint64{}, Bits: []float64{}}
	for _, b := range t.Series {
		s.Throughput.Start = append(s.Throughput.Start, float64(b.Start)/1e9)
		s.Throughput.Packets = append(s.Throughput.Packets, b.Packets)
		s.Throughput.Bits = append(s.Throughput.Bits, float64(b.Bytes)*8/iv)
	}
	idle, capacity := p.tcp.Evicted()
	s.Flows = event.FlowCounts{TCP: p.tcp.Stats.Connections, EvictedIdle: idle, EvictedLimit: capacity}
	s.UniqueIPs, s.UniqueMACs = len(t.IPs), len(t.MACs)
	ts := &p.tcp.Stats
	s.TCP = event.TCPSummary{Packets: ts.Packets, AnalysisFlags: map[string]uint64{}}
	for i, n := range ts.Flags {
		if n > 0 {
			s.TCP.AnalysisFlags[tcpanalysis.Flags(1<<i).Name()] = n
		}
	}
	s.TCP.RTTms = rttStats(&ts.RTT)
	s.TCP.HandshakeRTTms = rttStats(&ts.HandshakeMs)
	if n := p.dec.Stats.Total(); n > 0 {
		keys := make([]string, 0)
		for k := range s.DecodeErrors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s.Warnings = append(s.Warnings, "frames not fully decoded: "+k)
		}
	}
	return s
}

func formatTS(ns int64) string { return time.Unix(0, ns).UTC().Format(time.RFC3339Nano) }

func rttStats(h *metrics.Hist) *event.RTTStats {
	if h.N == 0 {
		return nil
	}
	return &event.RTTStats{
		Samples: int(h.N), Min: float64(h.Min) / 1e6, Mean: h.Mean() / 1e6,
		P50: h.Quantile(0.5) / 1e6, P95: h.Quantile(0.95) / 1e6, Max: float64(h.Max) / 1e6,
	}
}
