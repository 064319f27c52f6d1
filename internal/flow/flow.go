package flow

import (
	"encoding/binary"
	"net/netip"
)

// Key identifies a conversation independently of direction: the endpoint
// that sorts lower is always A. It is comparable and fixed-size.
type Key struct {
	A, B   [16]byte
	PA, PB uint16
	Proto  uint8
}

// MakeKey returns the canonical key of a packet from src:sp to dst:dp and
// whether the packet travels from A to B.
func MakeKey(src, dst netip.Addr, sp, dp uint16, proto uint8) (Key, bool) {
	a, b := src.As16(), dst.As16()
	fwd := true
	switch c := compare16(&a, &b); {
	case c > 0, c == 0 && sp > dp:
		fwd = false
	}
	if fwd {
		return Key{A: a, B: b, PA: sp, PB: dp, Proto: proto}, true
	}
	return Key{A: b, B: a, PA: dp, PB: sp, Proto: proto}, false
}

// compare16 orders two addresses as big-endian 128-bit numbers, a word at a
// time.
func compare16(a, b *[16]byte) int {
	ah, bh := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8])
	if ah != bh {
		if ah < bh {
			return -1
		}
		return 1
	}
	al, bl := binary.BigEndian.Uint64(a[8:]), binary.BigEndian.Uint64(b[8:])
	switch {
	case al < bl:
		return -1
	case al > bl:
		return 1
	}
	return 0
}

// Entry is one conversation in a Table.
type Entry[S any] struct {
	Key    Key
	Stream uint64 // 0-based, in order of first appearance
	First  int64  // first packet time, ns
	Last   int64  // last packet time, ns
	State  S

	prev, next *Entry[S]
}

// Table maps keys to entries, most recently used first.
type Table[S any] struct {
	m          map[Key]*Entry[S]
	head, tail *Entry[S]
	free       *Entry[S]
	nextStream uint64
	idle       int64
	max        int
	onEnd      func(e *Entry[S], why EndReason)

	// Evicted counts entries removed while the capture was still running.
	Evicted struct{ Idle, Capacity uint64 }
}

// EndReason says why an entry left the table.
type EndReason uint8

// Reasons an entry is handed to the end callback.
const (
	EndIdle     EndReason = iota // no packet for longer than the idle timeout
	EndCapacity                  // the table was full
	EndReplaced                  // a new conversation reused the key
	EndFlush                     // the capture ended
)

// NewTable returns a table that ends flows idle for idleNs nanoseconds of
// capture time or beyond max live flows (0: no limit), calling onEnd for each
// before its entry is recycled. onEnd must not keep the entry.
func NewTable[S any](idleNs int64, max int, onEnd func(e *Entry[S], why EndReason)) *Table[S] {
	return &Table[S]{m: make(map[Key]*Entry[S]), idle: idleNs, max: max, onEnd: onEnd}
}

// Len is the number of live flows.
func (t *Table[S]) Len() int { return len(t.m) }

// Streams is the number of stream ids handed out so far.
func (t *Table[S]) Streams() uint64 { return t.nextStream }

// Get returns the entry for k, creating it (with a new stream id and zero
// State) if there is none. now is the packet's time; it moves the entry to
// the front and ends entries idle for too long.
func (t *Table[S]) Get(k Key, now int64) (e *Entry[S], created bool) {
	t.expire(now)
	if e = t.m[k]; e != nil {
		e.Last = now
		t.toFront(e)
		return e, false
	}
	if t.max > 0 && len(t.m) >= t.max && t.tail != nil {
		t.Evicted.Capacity++
		t.end(t.tail, EndCapacity)
	}
	e = t.alloc()
	e.Key, e.Stream, e.First, e.Last = k, t.nextStream, now, now
	t.nextStream++
	t.m[k] = e
	t.pushFront(e)
	return e, true
}

// Replace ends e (EndReplaced) and returns a fresh entry with the same key
// and a new stream id: a new conversation on a reused port pair.
func (t *Table[S]) Replace(e *Entry[S], now int64) *Entry[S] {
	k := e.Key
	t.end(e, EndReplaced)
	ne, _ := t.Get(k, now)
	return ne
}

// Flush ends every entry, oldest stream first.
func (t *Table[S]) Flush() {
	entries := make([]*Entry[S], 0, len(t.m))
	for e := t.head; e != nil; e = e.next {
		entries = append(entries, e)
	}
	// Sort by stream id so flow records come out in stream order.
	sortByStream(entries)
	for _, e := range entries {
		t.end(e, EndFlush)
	}
}

func (t *Table[S]) expire(now int64) {
	if t.idle <= 0 {
		return
	}
	for t.tail != nil && now-t.tail.Last > t.idle {
		t.Evicted.Idle++
		t.end(t.tail, EndIdle)
	}
}

func (t *Table[S]) end(e *Entry[S], why EndReason) {
	if t.onEnd != nil {
		t.onEnd(e, why)
	}
	delete(t.m, e.Key)
	t.unlink(e)
	var zero S
	e.State = zero
	e.next = t.free
	t.free = e
}

func (t *Table[S]) alloc() *Entry[S] {
	if e := t.free; e != nil {
		t.free = e.next
		e.next = nil
		return e
	}
	return new(Entry[S])
}

func (t *Table[S]) pushFront(e *Entry[S]) {
	e.prev, e.next = nil, t.head
	if t.head != nil {
		t.head.prev = e
	}
	t.head = e
	if t.tail == nil {
		t.tail = e
	}
}

func (t *Table[S]) unlink(e *Entry[S]) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		t.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		t.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

func (t *Table[S]) toFront(e *Entry[S]) {
	if t.head == e {
		return
	}
	t.unlink(e)
	t.pushFront(e)
}
