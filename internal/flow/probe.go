package flow

// Linear probing over a power-of-two slice of slots whose zero value is an
// empty slot: what a Table's index (slots of entry pointers) and an Archive
// (packed slots) both are. home gives a slot's hash, whose low bits are the
// slot it belongs at. Lookups stay with each table: they compare keys their
// own way, and the index's is on the per-packet path.

// probeFree returns the first empty slot from h's home on.
func probeFree[S comparable](slots []S, h uint64) uint64 {
	var empty S
	m := uint64(len(slots) - 1)
	i := h & m
	for slots[i] != empty {
		i = (i + 1) & m
	}
	return i
}

// probeRemove empties slot i and moves back the slots after it that probed
// past it (backward-shift deletion: no tombstones, so lookups never slow
// down with churn).
func probeRemove[S comparable](slots []S, i uint64, home func(S) uint64) {
	var empty S
	m := uint64(len(slots) - 1)
	for j := (i + 1) & m; slots[j] != empty; j = (j + 1) & m {
		// The slot at j may fill the hole at i if its home is not in (i, j].
		if h := home(slots[j]) & m; (j-h)&m >= (j-i)&m {
			slots[i] = slots[j]
			i = j
		}
	}
	slots[i] = empty
}

// probeRehash returns the slots of old in a new table of n (a power of two).
func probeRehash[S comparable](old []S, n int, home func(S) uint64) []S {
	var empty S
	slots := make([]S, n)
	for _, s := range old {
		if s != empty {
			slots[probeFree(slots, home(s))] = s
		}
	}
	return slots
}
