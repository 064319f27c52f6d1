package flow

import "math/bits"

// Hasher is a key a Table can index: comparable, with a hash of its own
// that mixes in the table's random seed, so that a crafted capture cannot
// choose keys that collide.
type Hasher interface {
	comparable
	Hash(seed uint64) uint64
}

// Hash is k's hash under seed.
func (k Key) Hash(seed uint64) uint64 { return Mix5(seed, k.aHi, k.aLo, k.bHi, k.bLo, k.ports) }

// Mix5 hashes five words under seed, wyhash's way: 64×64→128-bit
// multiplies of word pairs, folded, two of them side by side so the CPU
// overlaps them: about 5 ns a key, where the runtime's hash of the same 40
// bytes (maphash.Comparable, what a Go map computes) takes about 14
// (BenchmarkKeyHash).
func Mix5(seed, a, b, c, d, e uint64) uint64 {
	const (
		p0 = 0xa0761d6478bd642f
		p1 = 0xe7037ed1a0b428db
		p2 = 0x8ebc6af09c88c6e3
		p3 = 0x589965cc75374cc3
	)
	// The seed is in every operand: were one seed-free, a key word equal to
	// its constant would zero a product whatever the other word, and keys
	// differing only there would collide under every seed.
	h := mum(a^p0^seed, b^p1^seed) ^ mum(c^p2^seed, d^p3^seed)
	// The last multiply by a constant, as wyhash ends: without it the index's
	// low bits depended on few of e's, whose varying bits (the ports) sit in
	// the middle of the word; one client's many ports then clustered under
	// about one seed in forty (TestIndexProbesStayShort: 112 slots of mean
	// displacement under the worst seed found, against 0.3).
	return mum(p1^40, mum(h^p1, e^p0^seed))
}

// mum multiplies a and b into 128 bits and folds the halves.
func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// index finds a Table's entries by key. It is an open-addressing hash table
// with linear probing, a power of two slots long, each slot an entry's hash
// and pointer: a lookup reads one slot (16 bytes, four to a cache line) and
// then the entry, which the caller reads anyway, where Go's map reads a
// group's control word and then a slot holding a copy of the key. Deletion
// shifts back the entries after the hole (no tombstones), so lookups do not
// slow down as flows come and go.
type index[K Hasher, S any] struct {
	slots []slot[K, S]
	n     int
}

type slot[K Hasher, S any] struct {
	h uint64
	e *Entry[K, S] // nil: empty
}

const minSlots = 64

func (x *index[K, S]) mask() uint64 { return uint64(len(x.slots) - 1) }

// find returns the entry for k, whose hash is h, or nil.
func (x *index[K, S]) find(k K, h uint64) *Entry[K, S] {
	if x.n == 0 {
		return nil
	}
	m := x.mask()
	for i := h & m; ; i = (i + 1) & m {
		s := &x.slots[i]
		if s.e == nil {
			return nil
		}
		if s.h == h && s.e.Key == k {
			return s.e
		}
	}
}

// add indexes e, which must not be indexed, under e.hash.
func (x *index[K, S]) add(e *Entry[K, S]) {
	// At most three quarters full, so that probes stay short.
	if 4*(x.n+1) > 3*len(x.slots) {
		x.slots = probeRehash(x.slots, max(minSlots, 2*len(x.slots)), slotHash[K, S])
	}
	x.slots[probeFree(x.slots, e.hash)] = slot[K, S]{e.hash, e}
	x.n++
}

// remove drops e, which must be indexed.
func (x *index[K, S]) remove(e *Entry[K, S]) {
	m := x.mask()
	i := e.hash & m
	for x.slots[i].e != e {
		i = (i + 1) & m
	}
	probeRemove(x.slots, i, slotHash[K, S])
	x.n--
}

func slotHash[K Hasher, S any](s slot[K, S]) uint64 { return s.h }
