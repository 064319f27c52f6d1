package flow

import (
	"encoding/binary"
	"math/rand/v2"
)

// Archive keeps what an analyser wants to remember of ended conversations —
// a short byte string each, which it encodes itself — by Key, until the
// conversation has been idle for the idle timeout. It is for state that is
// rarely read again but must not be forgotten too soon (tcpanalysis keeps a
// closed connection's stream id and sequence state in case a late packet
// comes), so it is built for size, not speed: a record takes its bytes plus
// about 30 (the key in varints, the time, a length, an index slot), where a
// Table entry costs a fixed struct, a heap object and a map slot.
//
// Records are appended to 64 KB chunks in the order they are put, which is
// close to the order of their last packets, so the idle ones are dropped
// from the front and a chunk is reused once all its records are; the index
// is an open-addressing hash table of their positions. Nothing is copied or
// left for the garbage collector in the steady state. Memory is bounded by
// the records put within the idle timeout (and by max).
type Archive struct {
	chunks [][]byte // oldest first; each holds whole records, chunkSize at most
	first  uint64   // chunk number of chunks[0]
	head   int      // the oldest record not yet dropped, in chunks[0]
	spare  []byte   // a chunk emptied, for the next one needed
	// slots is the index, linear probing, a power of two long: 0 for an
	// empty slot, else slotUsed | the key's hash's low 31 bits << 32 | its
	// record's position (chunk number mod 2^16 << 16 | offset). The hash
	// bits give a slot's home without decoding its key.
	slots     []uint64
	n         int // records in the index
	seed      uint64
	idle      int64
	max       int
	maxChunks int          // positions tell 2^16 chunks apart
	chunkCap  int          // bytes used of a chunk: chunkSize but in tests
	key       [keyMax]byte // scratch for encoding a key
}

// A record is uvarint(len of the rest), the key's five words as uvarints,
// the last packet's time as 8 bytes little-endian, then the state.
const (
	keyMax    = 5 * binary.MaxVarintLen64
	chunkBits = 16
	chunkSize = 1 << chunkBits
	slotUsed  = 1 << 63
)

// NewArchive returns an archive that forgets records idle for idleNs
// nanoseconds of capture time (0: never) and keeps at most max (0: no limit;
// beyond it the oldest goes).
func NewArchive(idleNs int64, max int) *Archive {
	return &Archive{seed: rand.Uint64(), idle: idleNs, max: max, slots: make([]uint64, 64), maxChunks: 1<<chunkBits - 1, chunkCap: chunkSize}
}

// Len is the number of records kept.
func (a *Archive) Len() int { return a.n }

// Bytes is the memory the archive holds: its chunks and its index.
func (a *Archive) Bytes() int {
	b := cap(a.spare) + 8*len(a.slots)
	for _, c := range a.chunks {
		b += cap(c)
	}
	return b
}

// Put keeps state (copied) for k, whose last packet was at last (ns),
// replacing any record k had, and reports whether it did: a state of more
// than about 64 KB is not kept. It first forgets the records idle at last.
func (a *Archive) Put(k Key, last int64, state []byte) bool {
	a.Expire(last)
	if i, ok := a.find(k); ok {
		a.remove(i) // one idle but not yet forgotten
	}
	kb := a.encodeKey(k)
	rest := len(kb) + 8 + len(state)
	size := rest + uvarintLen(uint64(rest))
	if size > a.chunkCap {
		return false
	}
	if a.max > 0 && a.n >= a.max {
		a.dropOldest()
	}
	if len(a.chunks) == 0 || len(a.chunks[len(a.chunks)-1])+size > a.chunkCap {
		for len(a.chunks) >= a.maxChunks {
			a.dropOldest() // positions would repeat: drop the oldest records
		}
		a.addChunk()
	}
	c := &a.chunks[len(a.chunks)-1]
	pos := a.pos(len(a.chunks)-1, len(*c))
	*c = binary.AppendUvarint(*c, uint64(rest))
	*c = append(*c, kb...)
	*c = binary.LittleEndian.AppendUint64(*c, uint64(last))
	*c = append(*c, state...)
	if 4*(a.n+1) > 3*len(a.slots) {
		a.slots = probeRehash(a.slots, 2*len(a.slots), archiveHash)
	}
	h := a.hash(k)
	a.slots[probeFree(a.slots, h)] = slotUsed | h<<32 | pos
	a.n++
	return true
}

// Take removes k's record and returns its state and the time it was put
// with, or nil when k has none or it was idle at now. The state is valid
// until the next Put or Expire.
func (a *Archive) Take(k Key, now int64) (state []byte, last int64) {
	i, ok := a.find(k)
	if !ok {
		return nil, 0
	}
	pos := a.slots[i]
	a.remove(i)
	_, last, state, _ = a.record(pos)
	if a.idle > 0 && now-last > a.idle {
		return nil, 0
	}
	return state, last
}

// Expire forgets the records idle at now, from the oldest put until one
// that is not. Records come close to, not exactly in, the order of their
// last packets, so one may outstay the idle timeout a little here; Take
// never returns it.
func (a *Archive) Expire(now int64) {
	if a.idle <= 0 {
		return
	}
	for !a.empty() {
		last, i, live := a.front()
		if live && now-last <= a.idle {
			return
		}
		if live {
			a.remove(i)
		}
		a.next()
	}
}

// dropOldest forgets the oldest record still kept.
func (a *Archive) dropOldest() {
	for !a.empty() {
		_, i, live := a.front()
		a.next()
		if live {
			a.remove(i)
			return
		}
	}
}

// empty reports whether no record is left to drop: the records' bytes are
// dropped from the front, and the last chunk is written again once empty.
func (a *Archive) empty() bool {
	return len(a.chunks) == 0 || a.head == len(a.chunks[0])
}

// front decodes the oldest record not dropped: its time, and whether it is
// still kept (a Take leaves its bytes behind), in slot i.
func (a *Archive) front() (last int64, i uint64, live bool) {
	pos := a.pos(0, a.head)
	k, last, _, _ := a.record(pos)
	i, live = a.find(k)
	return last, i, live && uint32(a.slots[i]) == uint32(pos)
}

// next moves head past the oldest record, letting its chunk go when it was
// the chunk's last.
func (a *Archive) next() {
	c := a.chunks[0]
	_, _, _, end := a.record(a.pos(0, a.head))
	a.head = end
	if a.head < len(c) {
		return
	}
	a.head = 0
	if len(a.chunks) == 1 {
		a.chunks[0] = c[:0] // every record in it is gone: write it again
		return
	}
	a.spare = c[:0]
	a.chunks[0] = nil
	a.chunks = a.chunks[1:]
	a.first++
}

func (a *Archive) addChunk() {
	c := a.spare
	if c == nil {
		c = make([]byte, 0, chunkSize)
	}
	a.spare = nil
	if len(a.chunks) == cap(a.chunks) && len(a.chunks) > 0 {
		// The front moved on: reuse the slice's start before growing it.
		a.chunks = append(make([][]byte, 0, 2*len(a.chunks)), a.chunks...)
	}
	a.chunks = append(a.chunks, c)
}

// pos is the position of offset off in chunks[ci].
func (a *Archive) pos(ci, off int) uint64 {
	return (a.first+uint64(ci))%(1<<chunkBits)<<chunkBits | uint64(off)
}

// record decodes the record at pos. The archive wrote it: it is whole.
// end is where the next record in its chunk starts.
func (a *Archive) record(pos uint64) (k Key, last int64, state []byte, end int) {
	ci := (pos>>chunkBits - a.first) % (1 << chunkBits)
	off := int(pos % chunkSize)
	b := a.chunks[ci][off:]
	rest, n := binary.Uvarint(b)
	b = b[n : n+int(rest)]
	end = off + n + int(rest)
	var w [5]uint64
	for j := range w {
		v, m := binary.Uvarint(b)
		w[j], b = v, b[m:]
	}
	k = Key{w[0], w[1], w[2], w[3], w[4]}
	return k, int64(binary.LittleEndian.Uint64(b)), b[8:], end
}

func uvarintLen(v uint64) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}

func (a *Archive) encodeKey(k Key) []byte {
	b := a.key[:0]
	for _, w := range [5]uint64{k.aHi, k.aLo, k.bHi, k.bLo, k.ports} {
		b = binary.AppendUvarint(b, w)
	}
	return b
}

func (a *Archive) hash(k Key) uint64 { return k.Hash(a.seed) & (1<<31 - 1) }

func (a *Archive) mask() uint64 { return uint64(len(a.slots) - 1) }

// find returns k's slot, or false.
func (a *Archive) find(k Key) (uint64, bool) {
	h := a.hash(k)
	for i := h & a.mask(); a.slots[i] != 0; i = (i + 1) & a.mask() {
		if (a.slots[i]&^slotUsed)>>32 != h {
			continue
		}
		if rk, _, _, _ := a.record(a.slots[i] & (1<<32 - 1)); rk == k {
			return i, true
		}
	}
	return 0, false
}

// remove empties slot i.
func (a *Archive) remove(i uint64) {
	probeRemove(a.slots, i, archiveHash)
	a.n--
}

// archiveHash is the hash bits a slot keeps: where it belongs.
func archiveHash(s uint64) uint64 { return s &^ slotUsed >> 32 }
