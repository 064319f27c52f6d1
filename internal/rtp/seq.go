package rtp

// Seq is an RTP sequence number. It wraps at 2^16 (RFC 3550 §5.1), so every
// comparison of two sequence numbers goes through this type.
//
// Two orderings are needed, and both live here:
//   - the modular one (Diff, LT, GT, ...), which compares by the signed
//     16-bit distance, as RFC 3550 Appendix A.1 does; tcpviz's events use it;
//   - Wireshark's (WiresharkStep), which ui/tap-rtp-analysis.c computes on
//     plain integers with two wraparound special cases; the per-stream
//     statistics use it so that they agree with tshark's.
type Seq uint16

// Diff returns a - b as a signed distance in (-2^15, 2^15].
func (a Seq) Diff(b Seq) int { return int(int16(uint16(a) - uint16(b))) }

// LT reports a < b.
func (a Seq) LT(b Seq) bool { return a.Diff(b) < 0 }

// LE reports a <= b.
func (a Seq) LE(b Seq) bool { return a.Diff(b) <= 0 }

// GT reports a > b.
func (a Seq) GT(b Seq) bool { return a.Diff(b) > 0 }

// GE reports a >= b.
func (a Seq) GE(b Seq) bool { return a.Diff(b) >= 0 }

// Add returns a advanced by n (n may be negative).
func (a Seq) Add(n int) Seq { return Seq(uint16(a) + uint16(n)) }

// Step is Wireshark's verdict on a sequence number compared with the last
// one it accepted.
type Step uint8

// Steps of WiresharkStep.
const (
	// StepNext: exactly one ahead (65535 -> 0 included).
	StepNext Step = iota
	// StepJump: further ahead (a gap), or so far behind that it is taken
	// for a jump across the wrap.
	StepJump
	// StepBehind: equal or behind (a duplicate or a late packet).
	StepBehind
)

// WiresharkStep classifies a against last the way Wireshark 4.0's RTP
// stream analysis does. It compares plain integers, not modular distances:
// a is ahead when it is numerically larger than last+1, or when last-a is
// more than 0xFF00 (a jump across the wrap of fewer than 256 numbers);
// otherwise a <= last is behind. So 0 after 65535 is StepNext, 2 after
// 65534 is StepJump, and 40000 after 0 is StepJump (not behind, as the
// modular order would say).
func (a Seq) WiresharkStep(last Seq) Step {
	x, l := int(a), int(last)
	switch {
	case l+1 == x, l == 0xffff && x == 0:
		return StepNext
	case l+1 < x, l-x > 0xff00:
		return StepJump
	}
	return StepBehind
}

// WiresharkBehind reports int(a) <= int(last): Wireshark's test for a
// duplicate or late packet when the packet's timestamp is out of sequence
// (then neither StepNext nor StepJump apply, so 0 after 65535 counts as
// behind).
func (a Seq) WiresharkBehind(last Seq) bool { return int(last)+1 > int(a) }
