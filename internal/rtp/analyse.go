package rtp

import (
	"github.com/tcpviz/tcpviz/internal/event"
)

// Payload types Wireshark treats as comfort noise (RFC 3389 and the old
// value 19): they and the packet after them do not count towards delta and
// jitter statistics.
const (
	ptCN    = 13
	ptCNOld = 19
)

// analyse adds one packet to s, following Wireshark's rtppacket_analyse
// (ui/tap-rtp-analysis.c in 4.0; paraphrased in docs/wireshark-tcp.md §7)
// for the statistics, and raises tcpviz's events.
func (t *Tracker) analyse(s *stream, p *pkt) {
	t.stats.Packets++
	s.bytes += uint64(p.origLen)
	if s.total == 0 || p.arrival < s.first {
		s.first = p.arrival
	}
	if p.arrival > s.last {
		s.last = p.arrival
	}
	s.lastPkt = *p
	// The packet's step; the loss figures below use the same arrival, so
	// the step stays where it is until the packet is done.
	step := s.timeline.At(p.arrival)
	step.pkts++
	if p.marker {
		s.markers++
	}
	t.seqEvents(s, p)

	static := StaticClock(p.pt)
	if static == 0 && s.mode == modeStatic {
		s.startInferring()
	}
	if s.total == 0 {
		s.startSeq, s.stopSeq, s.wsSeq = p.seq, p.seq, p.seq
		s.firstTS = p.ts
		s.time = p.arrival
		s.pt, s.firstPT = p.pt, p.pt
		s.total = 1
		if s.mode == modeInferring {
			s.inf.add(p.arrival, p.ts, p.event4)
		}
		return
	}

	inTime := s.inTime(p.ts)
	// Wraparound cycles, as Wireshark counts them: a sequence number below
	// the first one (plain integer order) starts a cycle, one above it ends
	// the "under" phase. Its approximation is kept on purpose, so that
	// expected and lost agree with tshark's.
	seq, start := uint16(p.seq), uint16(s.startSeq)
	switch {
	case inTime && !s.under && (seq < start || seq == 0 && s.stopSeq == 0xffff):
		s.cycles++
		s.under = true
	case inTime && s.under && seq > start:
		s.under = false
	}
	// Sequence errors: gaps, duplicates and late packets, all counted.
	if inTime {
		switch p.seq.WiresharkStep(s.wsSeq) {
		case StepNext:
			s.wsSeq = p.seq
		case StepJump:
			s.wsSeq = p.seq
			s.seqErrors++
		case StepBehind:
			s.seqErrors++
		}
	} else if p.seq.WiresharkBehind(s.wsSeq) {
		s.seqErrors++
	}

	isCN := p.pt == ptCN || p.pt == ptCNOld
	followsCN := s.pt == ptCN || s.pt == ptCNOld
	s.pt = p.pt

	engines := s.engines[:1]
	if s.mode == modeInferring {
		engines = s.engines[:]
	}
	for i := range engines {
		engines[i].updated = false
	}
	if inTime {
		s.delta = p.arrival - s.time
		deltaMs := float64(s.delta) / 1e6
		media := float64(p.ts - s.firstTS) // timestamp units since the first packet, mod 2^32
		for i := range engines {
			e := &engines[i]
			if rate, kHz := rateFor(p.pt, e); rate != 0 {
				e.update(media/kHz, deltaMs)
				if i == 0 {
					s.clock = rate
				}
			}
		}
		if static == 0 && s.mode == modeInferring {
			s.inf.add(p.arrival, p.ts, p.event4)
		}
	}
	regular := inTime && !p.marker && !isCN && !followsCN
	if regular {
		if s.delta > s.maxDelta {
			s.maxDelta = s.delta
		}
		for i := range engines {
			engines[i].regular(s.total)
		}
	}
	if inTime {
		s.time = p.arrival
	}
	s.stopSeq = p.seq
	s.total++

	switch {
	case s.mode == modeInferring && (s.inf.expired() || s.inf.due() && s.inf.rate(false) != 0):
		t.decide(s, false)
	case s.mode != modeInferring && s.engines[0].updated:
		t.stats.Jitter.Add(int64(s.engines[0].cur * 1e6))
		t.jitter, t.jitterOK = finite(s.engines[0].cur), true
		step.jitter = max(step.jitter, float32(t.jitter))
		t.checkJitter(s, p)
	}
}

// startInferring is called at the stream's first packet without a static
// clock rate: from then on one jitter engine per candidate rate runs beside
// engine 0, which goes on assuming no clock, until the rate is decided.
func (s *stream) startInferring() {
	s.mode = modeInferring
	for i := 1; i < numEngines; i++ {
		s.engines[i] = s.engines[0]
		s.engines[i].rate = inferRates[i-1]
	}
}

// decide settles the clock rate of a stream that was inferring it. final
// is set when no more packets will come (or enough were seen).
func (t *Tracker) decide(s *stream, final bool) {
	r := s.inf.rate(final)
	s.mode = modeUnknown
	for i, rate := range inferRates {
		if rate == r && r != 0 {
			s.engines[0] = s.engines[i+1]
			s.mode = modeInferred
			s.clock = r
			break
		}
	}
	if s.mode == modeInferred {
		t.stats.ClockInferred++
	} else {
		t.stats.ClockUnknown++
	}
	t.checkJitter(s, &s.lastPkt)
}

// checkJitter raises rtp_jitter when the stream's jitter reaches the
// threshold from below, once per crossing.
func (t *Tracker) checkJitter(s *stream, p *pkt) {
	thr := t.cfg.JitterThresholdMs
	if thr <= 0 {
		return
	}
	switch {
	case s.engines[0].cur >= thr && !s.jitterHigh:
		s.jitterHigh = true
		t.emit(s, p, event.RTPJitter, event.Warn, func(x *event.Extra) {
			x.HasJitter, x.JitterMs = true, finite(s.engines[0].cur)
			x.ThresholdMs = thr
		})
	case s.engines[0].cur < thr && s.jitterHigh:
		s.jitterHigh = false
	}
}

// seqEvents tracks the highest sequence number the way RFC 3550 Appendix
// A.1 does (modular distance, with limits for restarts) and raises rtp_loss
// and rtp_seq_error. Wireshark's "sequence errors" figure, which also counts
// every gap, is kept apart in analyse.
func (t *Tracker) seqEvents(s *stream, p *pkt) {
	if s.total == 0 {
		s.maxSeq, s.window = p.seq, 1
		return
	}
	d := p.seq.Diff(s.maxSeq)
	expected := s.maxSeq.Add(1)
	switch {
	case d == 1:
		s.advance(p.seq, d)
	case d > 1 && d <= maxDropout:
		s.timeline.At(p.arrival).lost += uint32(d - 1)
		t.emit(s, p, event.RTPLoss, event.Warn, func(x *event.Extra) {
			x.Reason = "sequence_gap"
			x.Lost = int64(d - 1)
			x.ExpectedSeq, x.GotSeq = int(expected), int(p.seq)
		})
		s.advance(p.seq, d)
	case d <= 0 && -d < 64 && s.window&(1<<uint(-d)) != 0:
		t.emit(s, p, event.RTPSeqError, event.Info, func(x *event.Extra) {
			x.Reason = "duplicate"
			x.ExpectedSeq, x.GotSeq = int(expected), int(p.seq)
		})
	case d < 0 && -d <= maxMisorder:
		if -d < 64 {
			s.window |= 1 << uint(-d)
		}
		t.emit(s, p, event.RTPSeqError, event.Warn, func(x *event.Extra) {
			x.Reason = "out_of_order"
			x.ExpectedSeq, x.GotSeq = int(expected), int(p.seq)
		})
	default:
		// Further than any plausible loss or reordering: the sender
		// restarted its sequence, or the packet is not this stream's.
		t.emit(s, p, event.RTPSeqError, event.Warn, func(x *event.Extra) {
			x.Reason = "sequence_jump"
			x.ExpectedSeq, x.GotSeq = int(expected), int(p.seq)
		})
		s.maxSeq, s.window = p.seq, 1
	}
}

// advance moves the highest sequence number d ahead to seq.
func (s *stream) advance(seq Seq, d int) {
	if d >= 64 {
		s.window = 1
	} else {
		s.window = s.window<<uint(d) | 1
	}
	s.maxSeq = seq
}

// emit sends one event about packet p of stream s.
func (t *Tracker) emit(s *stream, p *pkt, typ event.Type, sev event.Severity, fill func(*event.Extra)) {
	switch typ {
	case event.RTPLoss:
		s.counts[0]++
	case event.RTPSeqError:
		s.counts[1]++
	case event.RTPJitter:
		s.counts[2]++
	}
	if t.sink == nil {
		return
	}
	ev := &t.ev
	*ev = event.Event{
		TS: p.arrival, Frame: p.frame, Type: typ, Severity: sev, Proto: event.RTP, Stream: s.id,
		Src: s.src, Dst: s.dst, SrcPort: s.sport, DstPort: s.dport, Len: int(p.udpLen),
	}
	ev.Extra.SSRC, ev.Extra.HasSSRC = s.ssrc, true
	if fill != nil {
		fill(&ev.Extra)
	}
	t.sink.Event(ev)
}
