package rtp

import (
	"math"
	"net/netip"
)

// pkt is what the analysis keeps of one RTP packet: header fields and
// where and when it was seen, never payload bytes. Candidates hold a few of
// them until the heuristic confirms a stream, then replay them into it.
type pkt struct {
	arrival int64 // capture time, ns
	frame   uint64
	origLen uint32 // frame length on the wire
	udpLen  uint32 // UDP payload length on the wire
	ts      uint32
	seq     Seq
	pt      uint8
	marker  bool
	event4  bool // a 4-byte payload, as RFC 4733 events have
}

// clockMode says where a stream's clock rate for payload types without a
// static rate comes from.
type clockMode uint8

const (
	modeStatic    clockMode = iota // no packet without a static rate seen yet
	modeInferring                  // measuring; one jitter engine per candidate rate
	modeInferred                   // snapped to one of inferRates
	modeUnknown                    // nothing fits: jitter unknown, as in Wireshark
)

// jitter is Wireshark's jitter state (ui/tap-rtp-analysis.c, RFC 3550
// §6.4.1 in milliseconds) for one assumption about the clock rate.
type jitter struct {
	rate        uint32  // rate assumed for payload types with no static rate; 0 for none
	lastNominal float64 // ms of media time since the first packet, at the last update
	cur         float64 // ms
	max         float64
	mean        float64
	updated     bool // cur was computed for the packet being analysed
}

// update runs the RFC 3550 estimator J += (|D| - J)/16 with D the
// difference between the arrival gap and the media-time gap, both in ms.
func (j *jitter) update(nominal, deltaMs float64) {
	diff := math.Abs(deltaMs - (nominal - j.lastNominal))
	j.cur = (15*j.cur + diff) / 16
	j.lastNominal = nominal
	j.updated = true
}

// regular folds cur into the maximum and into Wireshark's running mean,
// which divides by the number of packets before this one (prev >= 1).
func (j *jitter) regular(prev uint64) {
	if !j.updated {
		return
	}
	if j.cur > j.max {
		j.max = j.cur
	}
	j.mean = (j.mean*float64(prev-1) + j.cur) / float64(prev)
}

// numEngines: engine 0 assumes no clock, the others one rate of inferRates.
const numEngines = 1 + len(inferRates)

// stream is one RTP stream: a 5-tuple and an SSRC.
type stream struct {
	id           uint64
	src, dst     netip.Addr
	sport, dport uint16
	ssrc         uint32
	first, last  int64
	bytes        uint64
	lastPkt      pkt // for events raised when the clock is decided at the end

	// Wireshark's rtppacket_analyse state (docs/wireshark-tcp.md §7).
	total     uint64 // packets
	startSeq  Seq
	stopSeq   Seq // the last packet's, not the highest
	wsSeq     Seq // the last accepted, for sequence errors
	under     bool
	cycles    uint32
	firstTS   uint32
	time      int64 // arrival of the last in-time packet, ns
	delta     int64 // ns
	pt        uint8 // the last packet's payload type
	firstPT   uint8
	seqErrors uint64
	maxDelta  int64 // ns
	markers   uint64
	clock     uint32 // the last clock rate used

	// engines[0] is the stream's jitter; while the clock rate is being
	// inferred, engines[1:] run one per rate of inferRates and the one
	// that fits is copied to engines[0].
	mode    clockMode
	engines [numEngines]jitter
	inf     inference

	// tcpviz's own sequence tracking for events (RFC 3550 Appendix A.1):
	// the highest sequence number and which of the 64 before it arrived.
	maxSeq     Seq
	window     uint64
	jitterHigh bool
	counts     [3]uint32 // rtp_loss, rtp_seq_error, rtp_jitter events

	timeline timeline
}

// Sequence limits of RFC 3550 Appendix A.1: a jump ahead of more than
// maxDropout or back more than maxMisorder is a restart, not loss or
// reordering.
const (
	maxDropout  = 3000
	maxMisorder = 100
)

// inTime is Wireshark's test that a timestamp is not before the stream's
// first one: within 2^31 ahead of it, modulo 2^32.
func (s *stream) inTime(ts uint32) bool {
	d := ts - s.firstTS
	return d < 1<<31 || d == 1<<31 && ts < s.firstTS
}

// rateFor returns the clock rate of payload type pt for engine e and the
// divisor from timestamp units to ms.
func rateFor(pt uint8, e *jitter) (rate uint32, kHz float64) {
	if r := StaticClock(pt); r != 0 {
		return r, wiresharkKHz(r)
	}
	if e.rate == 0 {
		return 0, 0
	}
	return e.rate, float64(e.rate) / 1000
}

// expected is Wireshark's expected packet count: the extended last
// sequence number minus the first plus one.
func (s *stream) expected() int64 {
	return int64(s.stopSeq) + int64(s.cycles)*65536 - int64(s.startSeq) + 1
}

// finite returns v, or 0 for NaN and infinities, which JSON cannot carry.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}
