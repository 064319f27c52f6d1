package rtp

import (
	"math"

	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/flow"
)

// endStream settles a stream's clock if it was still being inferred and
// writes its flow record.
func (t *Tracker) endStream(n *flow.Entry[key, stream], why flow.EndReason) {
	s := &n.State
	if s.mode == modeInferring {
		t.decide(s, true)
	}
	switch why {
	case flow.EndIdle:
		t.stats.Evicted.Idle++
	case flow.EndCapacity:
		t.stats.Evicted.Capacity++
	}
	if c := t.channels[n.Key.tuple]; c <= 1 {
		delete(t.channels, n.Key.tuple)
	} else {
		t.channels[n.Key.tuple] = c - 1
	}
	e := &s.engines[0]
	if s.clock != 0 {
		t.stats.StreamJitter.Add(int64(finite(e.mean) * 1e6))
	}
	expected := s.expected()
	t.stats.Expected += expected
	t.stats.Lost += expected - int64(s.total)
	if t.onFlow == nil {
		return
	}
	t.rtpRec = event.RTPFields{
		SSRC:          s.ssrc,
		PayloadType:   s.firstPT,
		ClockRate:     s.clock,
		ClockInferred: s.mode == modeInferred,
		Packets:       s.total,
		Expected:      expected,
		Lost:          expected - int64(s.total),
		SeqErrors:     s.seqErrors,
		MaxDeltaMs:    ms(s.maxDelta),
		JitterMeanMs:  round6(e.mean),
		JitterMaxMs:   round6(e.max),
		Markers:       s.markers,
	}
	fillTimeline(&s.timeline, &t.timeline)
	t.rec = event.FlowRecord{
		Proto:  "rtp",
		Stream: s.id,
		SrcIP:  s.src.String(), SrcPort: s.sport,
		DstIP: s.dst.String(), DstPort: s.dport,
		FirstTS: float64(s.first) / 1e9, LastTS: float64(s.last) / 1e9,
		DurationS:  float64(s.last-s.first) / 1e9,
		FwdPackets: s.total,
		FwdBytes:   s.bytes,
		End:        why.String(),
		LossEvents: uint64(s.counts[0]), // rtp_loss events: sequence gaps
		Events:     make(map[string]uint64, 3),
		RTPFields:  &t.rtpRec,
		Timeline:   &t.timeline,
	}
	for i, typ := range [...]event.Type{event.RTPLoss, event.RTPSeqError, event.RTPJitter} {
		if s.counts[i] > 0 {
			t.rec.Events[typ.String()] = uint64(s.counts[i])
		}
	}
	t.onFlow(&t.rec)
}

// ms converts ns to ms, rounded to the nanosecond's decimals.
func ms(ns int64) float64 { return round6(float64(ns) / 1e6) }

// round6 rounds v (ms) to 6 decimals (a nanosecond), mapping NaN and
// infinities to 0 so that a record always encodes as JSON.
func round6(v float64) float64 {
	v = finite(v)
	if math.Abs(v) > 1e15 {
		return v
	}
	return math.Round(v*1e6) / 1e6
}
