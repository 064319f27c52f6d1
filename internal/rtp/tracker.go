package rtp

import (
	"time"

	"github.com/tcpviz/tcpviz/internal/decode"
	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/flow"
	"github.com/tcpviz/tcpviz/internal/metrics"
)

// Config tunes the tracker. Start from DefaultConfig.
type Config struct {
	// Ports are decoded as RTP whenever either UDP port is one of them,
	// without waiting for the heuristic (Wireshark's "decode as").
	Ports []uint16
	// Heuristic looks for RTP on every other UDP port: version 2, a
	// payload type that is not an RTCP type, and four packets of one SSRC
	// on one 5-tuple with increasing sequence numbers.
	Heuristic bool
	// JitterThresholdMs raises rtp_jitter when a stream's jitter reaches
	// it from below (0 disables the event).
	JitterThresholdMs float64
	// IdleTimeout ends a stream after this much capture time without a
	// packet; a later packet of the same SSRC starts a new stream.
	IdleTimeout time.Duration
	// MaxStreams caps live streams (0: no limit), and separately the
	// heuristic's unconfirmed candidates (at most 65536 whatever it is);
	// the least recently used is ended.
	MaxStreams int
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		Heuristic:         true,
		JitterThresholdMs: 30,
		IdleTimeout:       2 * time.Minute,
		MaxStreams:        1 << 16,
	}
}

// Kind is what Tracker.Packet took a UDP packet for.
type Kind uint8

// Kinds of UDP payload.
const (
	KindNone Kind = iota // not RTP or RTCP, or not (yet) confirmed as RTP
	KindRTP
	KindRTCP
)

func (k Kind) String() string {
	switch k {
	case KindRTP:
		return "rtp"
	case KindRTCP:
		return "rtcp"
	}
	return "none"
}

// Stats counts what the tracker saw.
type Stats struct {
	Streams     uint64 // streams started (confirmed or forced)
	Live        int    // streams not yet ended
	Packets     uint64 // RTP packets counted into streams, replayed ones included
	Replayed    uint64 // of those, held while the heuristic was confirming their stream (Packet returned KindNone for them)
	RTCPPackets uint64
	Candidates  uint64 // streams the heuristic started to watch
	Unconfirmed uint64 // packets held by candidates that never confirmed
	// Malformed counts packets on forced ports or on 5-tuples carrying a
	// stream whose header is invalid, by Problem.
	Malformed [NumProblems]uint64
	// Expected and Lost add up the streams that ended (Tracker.Flush ends
	// them all): the figures of their records.
	Expected, Lost int64
	ClockInferred  uint64 // streams whose clock rate was inferred
	ClockUnknown   uint64 // streams with packets of no known or inferable clock rate
	Evicted        struct{ Idle, Capacity uint64 }
	// Jitter is the distribution of every per-packet jitter value (ns) of
	// streams with a known clock; StreamJitter that of the streams' mean
	// jitter at their end.
	Jitter       metrics.Hist
	StreamJitter metrics.Hist
}

// MalformedByReason returns the non-zero Malformed counters by name.
func (s *Stats) MalformedByReason() map[string]uint64 {
	m := map[string]uint64{}
	for p, n := range s.Malformed {
		if n > 0 {
			m[Problem(p).String()] = n
		}
	}
	return m
}

// Heuristic parameters.
const (
	// confirmSteps in-order steps (four packets) confirm a candidate.
	confirmSteps = 3
	candBuf      = 8    // packets a candidate holds
	candMaxGap   = 16   // largest sequence step that still counts as in order
	candMaxBack  = 8    // a step back of up to this is kept but not counted
	candMaxTS    = 1e7  // largest timestamp step (111 s at 90 kHz)
	candIdleMax  = 30e9 // candidates idle longer than min(this, IdleTimeout) are dropped
	inferMaxPkts = 4096 // packets after which the clock is decided whatever was seen
	// maxCandidates bounds the heuristic's candidates even when
	// Config.MaxStreams does not bound streams.
	maxCandidates = 1 << 16
)

// candidate is a 5-tuple and SSRC the heuristic is watching.
type candidate struct {
	n, good int
	lastSeq Seq
	lastTS  uint32
	buf     [candBuf]pkt
}

// add takes one packet; it reports whether the candidate is now confirmed.
// Dropped packets are counted in *dropped.
func (c *candidate) add(p *pkt, dropped *uint64) bool {
	if c.n == candBuf {
		// Full of duplicates and late packets without confirming.
		*dropped += uint64(c.n)
		c.n, c.good = 0, 0
	}
	if c.n > 0 {
		d := p.seq.Diff(c.lastSeq)
		switch {
		case d >= 1 && d <= candMaxGap && p.ts-c.lastTS < candMaxTS:
			c.good++
			c.lastSeq, c.lastTS = p.seq, p.ts
		case d <= 0 && d >= -candMaxBack:
			// a duplicate or late packet: kept, not evidence
		default:
			*dropped += uint64(c.n)
			c.n, c.good = 0, 0
		}
	}
	if c.n == 0 {
		c.lastSeq, c.lastTS = p.seq, p.ts
	}
	c.buf[c.n] = *p
	c.n++
	return c.good >= confirmSteps
}

// Tracker finds RTP streams in UDP packets and analyses them as Wireshark's
// RTP stream analysis does. It is not safe for concurrent use.
type Tracker struct {
	cfg      Config
	sink     event.Sink
	onFlow   func(*event.FlowRecord)
	forced   [1024]uint64 // bitmap of Config.Ports
	anyForce bool
	streams  *flow.Table[key, stream]
	cands    *flow.Table[key, candidate]
	channels map[tuple]int32 // live streams per 5-tuple
	ev       event.Event
	rec      event.FlowRecord
	rtpRec   event.RTPFields
	timeline event.Timeline // the record's, its slices reused
	stats    Stats
	// jitter is the jitter (ms) of the stream of the last packet Packet
	// took, when that packet updated it with a known clock rate.
	jitter   float64
	jitterOK bool
	// held are the packets the heuristic held until the last Packet call
	// confirmed their stream (Confirmed).
	held  [candBuf]pkt
	nHeld int
}

// New returns a Tracker that reports events to sink (nil for none) and,
// when onFlow is not nil, a record per stream when it ends. The record
// passed to onFlow is reused: onFlow must not keep it.
func New(cfg Config, sink event.Sink, onFlow func(*event.FlowRecord)) *Tracker {
	t := &Tracker{cfg: cfg, sink: sink, onFlow: onFlow, channels: make(map[tuple]int32)}
	for _, p := range cfg.Ports {
		t.forced[p/64] |= 1 << (p % 64)
		t.anyForce = true
	}
	idle := int64(cfg.IdleTimeout)
	t.streams = flow.NewTable(idle, cfg.MaxStreams, t.endStream)
	candIdle := int64(candIdleMax)
	if idle > 0 && idle < candIdle {
		candIdle = idle
	}
	maxCands := cfg.MaxStreams
	if maxCands <= 0 || maxCands > maxCandidates {
		maxCands = maxCandidates
	}
	t.cands = flow.NewTable(candIdle, maxCands, func(n *flow.Entry[key, candidate], _ flow.EndReason) {
		t.stats.Unconfirmed += uint64(n.State.n)
	})
	return t
}

func (t *Tracker) isForced(port uint16) bool {
	return t.anyForce && t.forced[port/64]&(1<<(port%64)) != 0
}

// Packet looks at one decoded UDP packet (others are ignored) and returns
// what it took it for. A packet the heuristic holds while it confirms a
// stream returns KindNone; once confirmed it is counted into the stream
// (Stats.Replayed). p's bytes are not kept.
func (t *Tracker) Packet(p *decode.Packet) Kind {
	t.jitterOK, t.nHeld = false, 0
	if p.Transport != decode.TransUDP || p.Fragment {
		return KindNone
	}
	forced := t.isForced(p.SrcPort) || t.isForced(p.DstPort)
	if !forced && !t.cfg.Heuristic {
		return KindNone
	}
	now := p.TS
	t.streams.Expire(now)
	t.cands.Expire(now)
	b, wire := p.Payload, p.PayloadLen
	var h Header
	prob := ParseHeader(b, wire, &h)
	k := key{tuple: makeTuple(p.Src, p.Dst, p.SrcPort, p.DstPort), ssrc: h.SSRC}
	// RTCP packet types 200-204 are RTP payload types 72-76 with the
	// marker bit, which RTP never uses (RFC 5761 §4). Feedback and XR
	// (205-207) are payload types 77-79 with the marker bit, which RTP
	// may use: RTCP unless a stream claims the packet.
	if len(b) >= 2 && b[0]>>6 == 2 && b[1] >= rtcpSR && b[1] <= rtcpXR &&
		(prob != OK || t.streams.Peek(k) == nil) {
		if IsRTCP(b, wire) {
			t.stats.RTCPPackets++
			return KindRTCP
		}
		if b[1] <= 204 {
			if forced || t.channels[k.tuple] > 0 {
				t.stats.Malformed[ProbRTCP]++
			}
			return KindNone
		}
	}
	if prob != OK {
		// Version problems on a 5-tuple found by the heuristic are other
		// protocols multiplexed with RTP (STUN, DTLS: RFC 7983), not
		// damage.
		if forced || prob != ProbVersion && t.channels[k.tuple] > 0 {
			t.stats.Malformed[prob]++
		}
		return KindNone
	}
	pk := pkt{arrival: now, frame: p.Frame, origLen: uint32(p.OrigLen), udpLen: uint32(wire),
		ts: h.TS, seq: h.Seq, pt: h.PT, marker: h.Marker, event4: h.PayloadLen == 4}
	if n := t.streams.Find(k, now); n != nil {
		t.analyse(&n.State, &pk)
		return KindRTP
	}
	known := forced || t.channels[k.tuple] > 0
	c := t.cands.Find(k, now)
	if c == nil {
		if known {
			t.analyse(t.newStream(k, p, now), &pk)
			return KindRTP
		}
		c, _ = t.cands.Get(k, now)
		t.stats.Candidates++
	}
	// A candidate also confirms when another SSRC on its 5-tuple did
	// meanwhile: its held packets belong to the stream.
	if !c.State.add(&pk, &t.stats.Unconfirmed) && !known {
		return KindNone
	}
	s := t.newStream(k, p, now)
	for i := range c.State.n {
		t.analyse(s, &c.State.buf[i])
	}
	t.stats.Replayed += uint64(c.State.n - 1)
	t.nHeld = copy(t.held[:], c.State.buf[:c.State.n-1])
	t.cands.Remove(c)
	return KindRTP
}

// Jitter returns the RFC 3550 jitter (ms) of the stream of the packet the
// last Packet call took, and whether that packet updated it: false for
// anything but RTP, and for streams whose clock rate is not (yet) known.
func (t *Tracker) Jitter() (ms float64, ok bool) { return t.jitter, t.jitterOK }

// Confirmed calls f for each packet the heuristic held while it confirmed
// the stream of the packet the last Packet call took (none unless that call
// confirmed a stream), with the packet's arrival time (ns) and original
// length: Packet returned KindNone for them, but they were RTP.
func (t *Tracker) Confirmed(f func(arrival int64, origLen int)) {
	for i := range t.nHeld {
		f(t.held[i].arrival, int(t.held[i].origLen))
	}
}

// newStream starts a stream for k with p's endpoints.
func (t *Tracker) newStream(k key, p *decode.Packet, now int64) *stream {
	n, _ := t.streams.Get(k, now)
	s := &n.State
	s.id = n.Stream
	s.src, s.dst, s.sport, s.dport, s.ssrc = p.Src, p.Dst, p.SrcPort, p.DstPort, k.ssrc
	t.channels[k.tuple]++
	t.stats.Streams++
	return s
}

// Flush ends every stream, oldest first, writing its flow record, and drops
// the heuristic's unconfirmed candidates.
func (t *Tracker) Flush() {
	t.streams.Flush()
	t.cands.Flush()
}

// Stats returns the counters so far.
func (t *Tracker) Stats() Stats {
	s := t.stats
	s.Live = t.streams.Len()
	return s
}
