package metrics

import "encoding/binary"

// maxExact bounds each exact address set (about 50 MB of map for IPs).
const maxExact = 1 << 20

// The cache holds 1024 recent addresses: enough for the endpoints of a few
// hundred busy connections at once (about 25 KB for IPs).
const (
	cacheBits  = 10
	cacheSlots = 1 << cacheBits
)

// addrSet counts distinct addresses: exactly up to maxExact, then by the
// HyperLogLog that sees every address. A direct-mapped cache of recent
// addresses spares the map lookup for the many packets that repeat them.
type addrSet[K comparable] struct {
	exact map[K]struct{}
	hll   HLL
	cache [cacheSlots]K
	valid [cacheSlots]bool
}

func newAddrSet[K comparable]() addrSet[K] {
	return addrSet[K]{exact: make(map[K]struct{})}
}

// add records a; b is its 16-byte form, used for hashing.
func (s *addrSet[K]) add(a K, b [16]byte) {
	// A multiplicative hash of the folded bytes picks the cache slot; the
	// full hash is computed only on a miss.
	fold := binary.LittleEndian.Uint64(b[:8]) ^ binary.LittleEndian.Uint64(b[8:])
	slot := (fold * 0x9e3779b97f4a7c15) >> (64 - cacheBits)
	if s.valid[slot] && s.cache[slot] == a {
		return
	}
	s.cache[slot], s.valid[slot] = a, true
	s.hll.Add(hash16(b))
	if _, ok := s.exact[a]; !ok && len(s.exact) < maxExact {
		s.exact[a] = struct{}{}
	}
}

func (s *addrSet[K]) count() (int, bool) {
	if len(s.exact) < maxExact {
		return len(s.exact), false
	}
	return int(s.hll.Estimate()), true
}
