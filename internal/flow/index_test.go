package flow

import (
	"hash/maphash"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// testKey is the i-th of a family of keys shaped like a busy capture's: one
// client subnet, one server, ephemeral ports.
func testKey(i int) Key {
	c := netip.AddrFrom4([4]byte{10, 1, byte(i >> 16), byte(i >> 8)})
	k, _ := MakeKey(c, netip.MustParseAddr("192.0.2.80"), uint16(32768+i), 443, 6)
	return k
}

// TestIndexAgreesWithMap runs random adds, removes and lookups against a Go
// map of the same keys, so that growth and backward-shift deletion are
// checked in every order.
func TestIndexAgreesWithMap(t *testing.T) {
	for run := 0; run < 50; run++ {
		rng := rand.New(rand.NewPCG(uint64(run), 7))
		seed := rng.Uint64()
		var x index[Key, int]
		model := map[Key]*Entry[Key, int]{}
		keys := 1 + rng.IntN(3000) // from a few keys (much churn) to many (growth)
		for op := 0; op < 20000; op++ {
			k := testKey(rng.IntN(keys))
			h := k.Hash(seed)
			switch got := x.find(k, h); {
			case got != model[k]:
				t.Fatalf("run %d op %d: find = %p, map has %p", run, op, got, model[k])
			case got == nil:
				e := &Entry[Key, int]{Key: k, hash: h}
				x.add(e)
				model[k] = e
			case rng.IntN(2) == 0:
				x.remove(got)
				delete(model, k)
			}
			if x.n != len(model) {
				t.Fatalf("run %d op %d: %d indexed, map has %d", run, op, x.n, len(model))
			}
		}
		for k, e := range model {
			if got := x.find(k, k.Hash(seed)); got != e {
				t.Fatalf("run %d: at the end find = %p, want %p", run, got, e)
			}
		}
	}
}

// TestIndexProbesStayShort indexes 200,000 keys that differ in few bits —
// the addresses and ports of one busy link, and one client's ports (a NAT
// gateway, a scan) — under many seeds: a weak hash clusters them under some
// seed and makes lookups walk long runs of slots. The first two seeds did
// that to Mix5 before its final multiply (longest run 348 and 894 slots).
func TestIndexProbesStayShort(t *testing.T) {
	patterns := []struct {
		name string
		key  func(i int) Key
	}{
		{"clients", testKey},
		{"one client's ports", func(i int) Key {
			k, _ := MakeKey(netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("192.0.2.80"), uint16(i), uint16(i>>16)+80, 6)
			return k
		}},
	}
	seeds := []uint64{0x74dc61f857ee54c6, 0xbab310c39d1ce1df}
	r := rand.New(rand.NewPCG(11, 12))
	for range 10 {
		seeds = append(seeds, r.Uint64())
	}
	const n = 200000
	for _, p := range patterns {
		for _, seed := range seeds {
			var x index[Key, int]
			for i := range n {
				k := p.key(i)
				x.add(&Entry[Key, int]{Key: k, hash: k.Hash(seed)})
			}
			m := x.mask()
			var total, longest uint64
			for i, s := range x.slots {
				if s.e == nil {
					continue
				}
				d := (uint64(i) - s.h&m) & m // slots past its home
				total += d
				longest = max(longest, d)
			}
			// Linear probing at this load (n / slots = 0.38) averages
			// about 0.3 slots of displacement, the longest run ~20-35,
			// for a hash that spreads these keys like random ones.
			if mean := float64(total) / n; mean > 0.4 || longest > 64 {
				t.Errorf("%s, seed %#x: mean displacement %.2f slots, longest %d: the hash clusters keys", p.name, seed, mean, longest)
			}
		}
	}
}

// BenchmarkKeyHash compares Key.Hash with the runtime's hash of the same
// key (what a Go map computes).
func BenchmarkKeyHash(b *testing.B) {
	keys := make([]Key, 1024)
	for i := range keys {
		keys[i] = testKey(i)
	}
	b.Run("Key.Hash", func(b *testing.B) {
		var sum uint64
		for i := 0; i < b.N; i++ {
			sum += keys[i&1023].Hash(uint64(i))
		}
		sink = sum
	})
	b.Run("maphash.Comparable", func(b *testing.B) {
		seed := maphash.MakeSeed()
		var sum uint64
		for i := 0; i < b.N; i++ {
			sum += maphash.Comparable(seed, keys[i&1023])
		}
		sink = sum
	})
}

var sink uint64

// TestHashHasNoSeedFreeZero: a key word equal to one of Mix5's constants
// must not make the words it is multiplied with irrelevant (which would let
// a crafted capture make colliding keys whatever the seed).
func TestHashHasNoSeedFreeZero(t *testing.T) {
	const p1, p3 = 0xe7037ed1a0b428db, 0x589965cc75374cc3
	seed := rand.Uint64()
	for _, tc := range []struct {
		name string
		h    func(x uint64) uint64
	}{
		{"a with b at its constant", func(x uint64) uint64 { return Mix5(seed, x, p1, 1, 2, 3) }},
		{"c with d at its constant", func(x uint64) uint64 { return Mix5(seed, 1, 2, x, p3, 3) }},
	} {
		seen := map[uint64]bool{}
		for x := uint64(0); x < 1000; x++ {
			seen[tc.h(x)] = true
		}
		if len(seen) < 1000 {
			t.Errorf("%s: 1000 keys gave %d hashes", tc.name, len(seen))
		}
	}
}
