package tcpanalysis

import (
	"encoding/binary"
	"errors"
	"math"
)

// A grave is kept in flow.Archive as bytes, because there are as many as
// connections closed within the idle timeout and most are never read again:
// about 80 bytes where the struct takes 200 (sequence numbers as offsets
// from the side's first one, times as offsets back from the connection's
// last packet, both as varints; flags as bits). Every field round-trips
// exactly (grave_test.go), so a resumed connection is analysed as if it had
// stayed in the table.

// Bits of a grave's first byte, and of each side's.
const (
	gInitiator = 1 << iota
	gSynAck
	gHasRTT
	gRTTValues // srtt and rttvar follow (they are zero without an estimate)
)

const (
	sIsFirstAck = 1 << iota
	sBaseSet
	sSynSeen
	sFinSeen
	sRstSeen
)

// appendGrave encodes g of the stream whose last packet was at last.
func appendGrave(b []byte, stream uint64, last int64, g *grave) []byte {
	b = binary.AppendUvarint(b, stream)
	bits := bit(g.initiator == 1, gInitiator) | bit(g.synAck, gSynAck) | bit(g.hasRTT, gHasRTT) |
		bit(g.srtt != 0 || g.rttvar != 0, gRTTValues)
	b = append(b, bits)
	b = binary.AppendVarint(b, last-g.firstSYN)
	b = binary.AppendVarint(b, last-g.mruSYN)
	b = binary.AppendVarint(b, g.firstRTT)
	if bits&gRTTValues != 0 {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(g.srtt))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(g.rttvar))
	}
	for i := range g.h {
		b = binary.AppendUvarint(b, uint64(g.h[i].baseSeq))
	}
	for i := range g.h {
		s, other := &g.h[i], &g.h[1-i]
		sb := bit(s.isFirstAck, sIsFirstAck) | bit(s.baseSet, sBaseSet) | bit(s.synSeen, sSynSeen) |
			bit(s.finSeen, sFinSeen) | bit(s.rstSeen, sRstSeen)
		b = append(b, sb, byte(s.winScale))
		for _, v := range [...]Seq{s.nextSeq, s.maxToAck, s.isn} {
			b = binary.AppendUvarint(b, uint64(v-s.baseSeq))
		}
		b = binary.AppendUvarint(b, uint64(s.lastAck-other.baseSeq))
		b = binary.AppendVarint(b, last-s.nextSeqTime)
		b = binary.AppendVarint(b, last-s.lastAckTime)
		b = binary.AppendUvarint(b, s.lastNonDupAck)
		// 0xffffffff, "unknown" in both, becomes 0: one byte.
		b = binary.AppendUvarint(b, uint64(s.dupAcks+1))
		b = binary.AppendUvarint(b, uint64(s.window+1))
		b = binary.AppendUvarint(b, uint64(s.lastFlags))
	}
	return b
}

// bit is v if set, else 0.
func bit(set bool, v byte) byte {
	if set {
		return v
	}
	return 0
}

var errGrave = errors.New("malformed grave")

// parseGrave decodes what appendGrave wrote with the same last.
func parseGrave(b []byte, last int64) (stream uint64, g grave, err error) {
	r := graveReader{b: b}
	stream = r.uvarint()
	bits := r.byte()
	if bits&gInitiator != 0 {
		g.initiator = 1
	}
	g.synAck, g.hasRTT = bits&gSynAck != 0, bits&gHasRTT != 0
	g.firstSYN = last - r.varint()
	g.mruSYN = last - r.varint()
	g.firstRTT = r.varint()
	if bits&gRTTValues != 0 {
		g.srtt = math.Float64frombits(r.uint64())
		g.rttvar = math.Float64frombits(r.uint64())
	}
	for i := range g.h {
		g.h[i].baseSeq = Seq(r.uint32())
	}
	for i := range g.h {
		s, other := &g.h[i], &g.h[1-i]
		sb := r.byte()
		s.isFirstAck, s.baseSet, s.synSeen = sb&sIsFirstAck != 0, sb&sBaseSet != 0, sb&sSynSeen != 0
		s.finSeen, s.rstSeen = sb&sFinSeen != 0, sb&sRstSeen != 0
		s.winScale = int8(r.byte())
		s.nextSeq = s.baseSeq + Seq(r.uint32())
		s.maxToAck = s.baseSeq + Seq(r.uint32())
		s.isn = s.baseSeq + Seq(r.uint32())
		s.lastAck = other.baseSeq + Seq(r.uint32())
		s.nextSeqTime = last - r.varint()
		s.lastAckTime = last - r.varint()
		s.lastNonDupAck = r.uvarint()
		s.dupAcks = r.uint32() - 1
		s.window = r.uint32() - 1
		s.lastFlags = Flags(r.uint32())
	}
	if r.bad || len(r.b) != 0 {
		return 0, grave{}, errGrave
	}
	return stream, g, nil
}

// graveReader reads a grave's fields; past the end or on a bad varint it
// sets bad and reads zeros.
type graveReader struct {
	b   []byte
	bad bool
}

func (r *graveReader) fail() uint64 { r.bad, r.b = true, nil; return 0 }

func (r *graveReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		return r.fail()
	}
	r.b = r.b[n:]
	return v
}

func (r *graveReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		return int64(r.fail())
	}
	r.b = r.b[n:]
	return v
}

func (r *graveReader) uint32() uint32 {
	v := r.uvarint()
	if v > math.MaxUint32 {
		return uint32(r.fail())
	}
	return uint32(v)
}

func (r *graveReader) byte() byte {
	if len(r.b) == 0 {
		return byte(r.fail())
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *graveReader) uint64() uint64 {
	if len(r.b) < 8 {
		return r.fail()
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}
