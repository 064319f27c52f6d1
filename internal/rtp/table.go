package rtp

import "net/netip"

// tuple is a UDP 5-tuple in the direction of the packet (RTP streams are
// one-way). It is a comparable, fixed-size map key.
type tuple struct {
	src, dst     [16]byte
	sport, dport uint16
}

// key identifies a stream: Wireshark keys RTP streams by the 5-tuple and the
// SSRC.
type key struct {
	tuple
	ssrc uint32
}

func makeTuple(src, dst netip.Addr, sport, dport uint16) tuple {
	return tuple{src: src.As16(), dst: dst.As16(), sport: sport, dport: dport}
}

// endReason says why an entry left a table.
type endReason uint8

const (
	endIdle endReason = iota
	endCapacity
	endFlush
)

func (r endReason) String() string {
	switch r {
	case endIdle:
		return "idle"
	case endCapacity:
		return "capacity"
	}
	return "capture_end"
}

// node is one entry of a table.
type node[V any] struct {
	key        key
	last       int64 // time of the last packet, ns
	val        V
	prev, next *node[V]
}

// table maps keys to values, most recently used first, ending entries idle
// for longer than idle ns or beyond max entries. Ended nodes are recycled,
// so a steady state of entries coming and going allocates nothing.
type table[V any] struct {
	m          map[key]*node[V]
	head, tail *node[V]
	free       *node[V]
	idle       int64
	max        int
	onEnd      func(n *node[V], why endReason)
}

func newTable[V any](idle int64, max int, onEnd func(*node[V], endReason)) *table[V] {
	return &table[V]{m: make(map[key]*node[V]), idle: idle, max: max, onEnd: onEnd}
}

func (t *table[V]) len() int { return len(t.m) }

// get returns the entry for k, or nil, and marks it used at now.
func (t *table[V]) get(k key, now int64) *node[V] {
	n := t.m[k]
	if n != nil {
		if now > n.last {
			n.last = now
		}
		t.toFront(n)
	}
	return n
}

// add inserts a zero entry for k (which must be absent), ending the least
// recently used one first if the table is full.
func (t *table[V]) add(k key, now int64) *node[V] {
	if t.max > 0 && len(t.m) >= t.max && t.tail != nil {
		t.end(t.tail, endCapacity)
	}
	n := t.free
	if n != nil {
		t.free = n.next
		n.next = nil
	} else {
		n = new(node[V])
	}
	n.key, n.last = k, now
	t.m[k] = n
	t.pushFront(n)
	return n
}

// expire ends entries idle at now.
func (t *table[V]) expire(now int64) {
	if t.idle <= 0 {
		return
	}
	for t.tail != nil && now-t.tail.last > t.idle {
		t.end(t.tail, endIdle)
	}
}

// remove drops n without calling onEnd.
func (t *table[V]) remove(n *node[V]) {
	delete(t.m, n.key)
	t.unlink(n)
	var zero V
	n.val = zero
	n.next = t.free
	t.free = n
}

func (t *table[V]) end(n *node[V], why endReason) {
	if t.onEnd != nil {
		t.onEnd(n, why)
	}
	t.remove(n)
}

// each calls f for every entry, least recently used first.
func (t *table[V]) each(f func(n *node[V])) {
	for n := t.tail; n != nil; n = n.prev {
		f(n)
	}
}

func (t *table[V]) pushFront(n *node[V]) {
	n.prev, n.next = nil, t.head
	if t.head != nil {
		t.head.prev = n
	}
	t.head = n
	if t.tail == nil {
		t.tail = n
	}
}

func (t *table[V]) unlink(n *node[V]) {
	if n.prev != nil {
		n.prev.next = n.next
	} else {
		t.head = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else {
		t.tail = n.prev
	}
	n.prev, n.next = nil, nil
}

func (t *table[V]) toFront(n *node[V]) {
	if t.head == n {
		return
	}
	t.unlink(n)
	t.pushFront(n)
}
