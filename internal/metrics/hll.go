package metrics

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// hllP is the HyperLogLog precision: 2^14 registers, about 0.8% standard
// error, 16 KiB.
const hllP = 14

// HLL estimates the number of distinct values (Flajolet et al., 2007, with
// the small-range correction). tcpviz uses it once an exact set of
// addresses grows past its cap, so memory stays bounded whatever the
// capture holds.
type HLL struct {
	reg [1 << hllP]uint8
}

// Add records a 64-bit hash of a value.
func (h *HLL) Add(x uint64) {
	idx := x >> (64 - hllP)
	rank := uint8(bits.LeadingZeros64(x<<hllP|1<<(hllP-1))) + 1
	if rank > h.reg[idx] {
		h.reg[idx] = rank
	}
}

// Estimate returns the estimated number of distinct values added.
func (h *HLL) Estimate() float64 {
	const m = float64(1 << hllP)
	sum, zeros := 0.0, 0
	for _, r := range h.reg {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	alpha := 0.7213 / (1 + 1.079/m)
	e := alpha * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros))
	}
	return e
}

// hash16 hashes a 16-byte value for the HLL: its two 64-bit words, each
// through a multiply-xorshift finaliser (MurmurHash3's fmix64), combined:
// well mixed for HLL's leading-zero counts, and a fraction of a
// byte-at-a-time hash's cost.
func hash16(b [16]byte) uint64 {
	lo := binary.LittleEndian.Uint64(b[:8])
	hi := binary.LittleEndian.Uint64(b[8:])
	return fmix64(lo ^ fmix64(hi+0x9e3779b97f4a7c15))
}

func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
