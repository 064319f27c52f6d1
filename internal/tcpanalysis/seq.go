package tcpanalysis

// Seq is a TCP sequence number. Sequence space wraps at 2^32 (RFC 9293
// §3.4), so every ordering goes through these methods, which compare by the
// signed 32-bit distance between the two numbers.
type Seq uint32

// Diff returns a - b as a signed distance.
func (a Seq) Diff(b Seq) int32 { return int32(uint32(a) - uint32(b)) }

// LT reports a < b.
func (a Seq) LT(b Seq) bool { return a.Diff(b) < 0 }

// LE reports a <= b.
func (a Seq) LE(b Seq) bool { return a.Diff(b) <= 0 }

// GT reports a > b.
func (a Seq) GT(b Seq) bool { return a.Diff(b) > 0 }

// GE reports a >= b.
func (a Seq) GE(b Seq) bool { return a.Diff(b) >= 0 }

// Add returns a advanced by n bytes.
func (a Seq) Add(n int) Seq { return Seq(uint32(a) + uint32(n)) }
