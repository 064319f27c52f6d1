package flow

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
)

// Key identifies a conversation independently of direction: the endpoint
// that sorts lower is always A. It is comparable and fixed-size. Its fields
// are whole words, built in registers and returned in them (Go's register
// ABI): byte-array fields were built with small stores and copied with wide
// loads, which the CPU cannot forward — a measurable stall on every packet.
type Key struct {
	aHi, aLo, bHi, bLo uint64 // the 16-byte (IPv4-mapped) addresses, big-endian halves
	ports              uint64 // A's port << 24 | B's port << 8 | protocol
}

// MakeKey returns the canonical key of a packet from src:sp to dst:dp and
// whether the packet travels from A to B.
func MakeKey(src, dst netip.Addr, sp, dp uint16, proto uint8) (Key, bool) {
	ah, al := halves(src)
	bh, bl := halves(dst)
	// A sorts first as a 128-bit number, then by port.
	if ah < bh || ah == bh && (al < bl || al == bl && sp <= dp) {
		return Key{ah, al, bh, bl, uint64(sp)<<24 | uint64(dp)<<8 | uint64(proto)}, true
	}
	return Key{bh, bl, ah, al, uint64(dp)<<24 | uint64(sp)<<8 | uint64(proto)}, false
}

// halves returns a's 16-byte form (As16: IPv4-mapped for IPv4, zeros for
// the zero Addr) as two big-endian words. Not from As16 itself: it stores
// its result in two words that are then copied with one wide load the CPU
// cannot forward from them, which made MakeKey half again as slow. As4 and
// AppendBinary (into a buffer on the stack) are read back word for word.
func halves(a netip.Addr) (hi, lo uint64) {
	if a.Is4() {
		v4 := a.As4()
		return 0, 0xffff<<32 | uint64(binary.BigEndian.Uint32(v4[:]))
	}
	var buf [24]byte // 16 bytes, and room for a short zone name
	b, _ := a.AppendBinary(buf[:0])
	if len(b) < 16 { // the zero Addr
		return 0, 0
	}
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:16])
}

// Entry is one conversation in a Table.
type Entry[K comparable, S any] struct {
	Key    K
	Stream uint64 // 0-based, in order of creation
	First  int64  // first packet time, ns
	Last   int64  // latest packet time, ns
	State  S

	hash       uint64 // Key's hash under the table's seed
	prev, next *Entry[K, S]
}

// Table maps keys to entries, most recently used first. It serves every
// analysis that keeps per-conversation state: TCP connections keyed by Key,
// RTP streams and candidates keyed by their own one-way keys. Ended entries
// are recycled, so conversations coming and going allocate nothing in the
// steady state.
type Table[K Hasher, S any] struct {
	idx        index[K, S]
	seed       uint64
	head, tail *Entry[K, S]
	free       *Entry[K, S]
	nextStream uint64
	idle       int64
	max        int
	onEnd      func(e *Entry[K, S], why EndReason)

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

// String is the reason as flow records name it (their "end" field).
func (r EndReason) String() string {
	switch r {
	case EndIdle:
		return "idle"
	case EndCapacity:
		return "capacity"
	case EndReplaced:
		return "port_reuse"
	}
	return "capture_end"
}

// NewTable returns a table that ends flows idle for idleNs nanoseconds of
// capture time or beyond max live flows (0: no limit), calling onEnd for each
// before its entry is recycled. onEnd must not keep the entry.
func NewTable[K Hasher, S any](idleNs int64, max int, onEnd func(e *Entry[K, S], why EndReason)) *Table[K, S] {
	return &Table[K, S]{seed: rand.Uint64(), idle: idleNs, max: max, onEnd: onEnd}
}

// Len is the number of live flows.
func (t *Table[K, S]) Len() int { return t.idx.n }

// Streams is the number of stream ids handed out so far.
func (t *Table[K, S]) Streams() uint64 { return t.nextStream }

// Get returns the entry for k, creating it (with a new stream id and zero
// State) if there is none. now is the packet's time; it moves the entry to
// the front and ends entries idle for too long.
func (t *Table[K, S]) Get(k K, now int64) (e *Entry[K, S], created bool) {
	if e = t.Find(k, now); e != nil {
		return e, false
	}
	return t.Add(k, now), true
}

// Add creates the entry for k, which must have none (Find found none), with
// a new stream id and zero State. now is the packet's time.
func (t *Table[K, S]) Add(k K, now int64) *Entry[K, S] {
	e := t.insert(k, t.nextStream, now)
	t.nextStream++
	return e
}

// Restore creates the entry for k, which must have none, under a stream id
// handed out before: tcpanalysis brings a buried connection back from its
// Archive when a late packet comes, under its old id. now is the packet's
// time.
func (t *Table[K, S]) Restore(k K, stream uint64, now int64) *Entry[K, S] {
	return t.insert(k, stream, now)
}

// insert creates k's entry under stream at now, after ending the idle
// entries and, when the table is full, the least recently used.
func (t *Table[K, S]) insert(k K, stream uint64, now int64) *Entry[K, S] {
	t.Expire(now)
	if t.max > 0 && t.idx.n >= t.max && t.tail != nil {
		t.Evicted.Capacity++
		t.end(t.tail, EndCapacity)
	}
	e := t.alloc()
	e.Key, e.Stream, e.First, e.Last = k, stream, now, now
	e.hash = k.Hash(t.seed)
	t.idx.add(e)
	t.pushFront(e)
	return e
}

// Find is Get without creating: it returns the entry for k, or nil.
func (t *Table[K, S]) Find(k K, now int64) *Entry[K, S] {
	t.Expire(now)
	e := t.idx.find(k, k.Hash(t.seed))
	if e != nil {
		e.Last = now
		t.toFront(e)
	}
	return e
}

// Each calls f for every entry, most recently used first.
func (t *Table[K, S]) Each(f func(e *Entry[K, S])) {
	for e := t.head; e != nil; e = e.next {
		f(e)
	}
}

// Peek returns the entry for k, or nil, without touching the table.
func (t *Table[K, S]) Peek(k K) *Entry[K, S] { return t.idx.find(k, k.Hash(t.seed)) }

// Replace ends e (EndReplaced) and returns a fresh entry with the same key
// and a new stream id: a new conversation on a reused port pair.
func (t *Table[K, S]) Replace(e *Entry[K, S], now int64) *Entry[K, S] {
	k := e.Key
	t.end(e, EndReplaced)
	return t.Add(k, now)
}

// Remove drops e without calling the end callback (the conversation turned
// out to be something else, or moved to another table).
func (t *Table[K, S]) Remove(e *Entry[K, S]) {
	t.idx.remove(e)
	t.unlink(e)
	var zero S
	e.State = zero
	e.next = t.free
	t.free = e
}

// Flush ends every entry, oldest stream first.
func (t *Table[K, S]) Flush() {
	entries := make([]*Entry[K, S], 0, t.idx.n)
	for e := t.head; e != nil; e = e.next {
		entries = append(entries, e)
	}
	// Sort by stream id so flow records come out in stream order.
	sortByStream(entries)
	for _, e := range entries {
		t.end(e, EndFlush)
	}
}

// Expire ends the entries idle at now (Get and Find do it themselves).
func (t *Table[K, S]) Expire(now int64) {
	if t.idle <= 0 {
		return
	}
	for t.tail != nil && now-t.tail.Last > t.idle {
		t.Evicted.Idle++
		t.end(t.tail, EndIdle)
	}
}

func (t *Table[K, S]) end(e *Entry[K, S], why EndReason) {
	if t.onEnd != nil {
		t.onEnd(e, why)
	}
	t.Remove(e)
}

func (t *Table[K, S]) alloc() *Entry[K, S] {
	if e := t.free; e != nil {
		t.free = e.next
		e.next = nil
		return e
	}
	return new(Entry[K, S])
}

func (t *Table[K, S]) pushFront(e *Entry[K, S]) {
	e.prev, e.next = nil, t.head
	if t.head != nil {
		t.head.prev = e
	}
	t.head = e
	if t.tail == nil {
		t.tail = e
	}
}

func (t *Table[K, S]) unlink(e *Entry[K, S]) {
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

func (t *Table[K, S]) toFront(e *Entry[K, S]) {
	if t.head == e {
		return
	}
	t.unlink(e)
	t.pushFront(e)
}
