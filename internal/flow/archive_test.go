package flow

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// archiveModel is the archive's behaviour without its bytes: records in the
// order they were put, forgotten from the front when idle (up to the first
// that is not) or beyond max. The archive must answer exactly as it does.
type archiveModel struct {
	recs  []*modelRec
	byKey map[Key]*modelRec
	idle  int64
	max   int
}

type modelRec struct {
	k     Key
	last  int64
	state []byte
	kept  bool
}

func (m *archiveModel) put(k Key, last int64, state []byte) {
	m.expire(last)
	if r := m.byKey[k]; r != nil {
		m.forget(r)
	}
	if m.max > 0 && len(m.byKey) >= m.max {
		for len(m.recs) > 0 {
			r := m.recs[0]
			m.recs = m.recs[1:]
			if r.kept {
				m.forget(r)
				break
			}
		}
	}
	r := &modelRec{k: k, last: last, state: bytes.Clone(state), kept: true}
	m.recs = append(m.recs, r)
	m.byKey[k] = r
}

func (m *archiveModel) take(k Key, now int64) []byte {
	r := m.byKey[k]
	if r == nil {
		return nil
	}
	m.forget(r)
	if now-r.last > m.idle {
		return nil
	}
	return r.state
}

func (m *archiveModel) expire(now int64) {
	for len(m.recs) > 0 {
		r := m.recs[0]
		if r.kept && now-r.last <= m.idle {
			return
		}
		if r.kept {
			m.forget(r)
		}
		m.recs = m.recs[1:]
	}
}

func (m *archiveModel) forget(r *modelRec) {
	r.kept = false
	delete(m.byKey, r.k)
}

// archiveKeys are IPv4 and IPv6 conversations, few enough that keys come
// back after being taken or forgotten.
func archiveKeys() []Key {
	var keys []Key
	for i := range 12 {
		k, _ := MakeKey(netip.MustParseAddr("10.0.0.1"), netip.AddrFrom4([4]byte{10, 0, 1, byte(i)}), uint16(40000+i), 443, 6)
		keys = append(keys, k)
		k, _ = MakeKey(netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("fe80::ffff:ffff:ffff:ff"+string('0'+rune(i%10))), 65535, uint16(i), 17)
		keys = append(keys, k)
	}
	return keys
}

// runArchive plays the operations ops encodes on an archive and its model
// and reports the first difference.
func runArchive(t *testing.T, ops []byte, idle int64, max int) {
	t.Helper()
	a := NewArchive(idle, max)
	a.chunkCap = 700            // many chunks,
	a.first = 1<<chunkBits - 20 // their numbers wrapping around
	m := &archiveModel{byKey: map[Key]*modelRec{}, idle: idle, max: max}
	keys := archiveKeys()
	now := int64(1e12)
	next := func() byte {
		if len(ops) == 0 {
			return 0
		}
		b := ops[0]
		ops = ops[1:]
		return b
	}
	for step := 0; len(ops) > 0; step++ {
		op, k := next(), keys[int(next())%len(keys)]
		// Time mostly moves on, sometimes back a little (merged captures).
		now += (int64(next()) - 16) * 1e6
		switch op % 4 {
		case 0, 1:
			state := bytes.Repeat([]byte{next()}, int(next()))
			a.Put(k, now, state)
			m.put(k, now, state)
		case 2:
			got, _ := a.Take(k, now)
			want := m.take(k, now)
			if !bytes.Equal(got, want) || (got == nil) != (want == nil) {
				t.Fatalf("step %d: Take = %d bytes (nil %v), want %d bytes (nil %v)", step, len(got), got == nil, len(want), want == nil)
			}
		case 3:
			a.Expire(now)
			m.expire(now)
		}
		if a.Len() != len(m.byKey) {
			t.Fatalf("step %d: Len = %d, want %d", step, a.Len(), len(m.byKey))
		}
	}
	// Every record kept is found with its state.
	for _, r := range m.recs {
		if r.kept {
			if got, last := a.Take(r.k, r.last); last != r.last || !bytes.Equal(got, r.state) || got == nil {
				t.Fatalf("kept record of %v: Take = %d bytes, want %d", r.k, len(got), len(r.state))
			}
		}
	}
	if a.Len() != 0 {
		t.Fatalf("Len = %d after taking every record", a.Len())
	}
}

func TestArchiveAgreesWithModel(t *testing.T) {
	for _, tt := range []struct {
		name string
		idle int64
		max  int
	}{
		{"idle timeout", 50e6, 0},
		{"max", 1 << 62, 7},
		{"both", 80e6, 16},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			for range 200 {
				ops := make([]byte, 4000)
				for i := range ops {
					ops[i] = byte(r.Uint32())
				}
				runArchive(t, ops, tt.idle, tt.max)
			}
		})
	}
}

func FuzzArchive(f *testing.F) {
	f.Add([]byte{0, 1, 16, 7, 100, 2, 1, 16})
	f.Add(bytes.Repeat([]byte{0, 3, 40, 9, 200, 3, 0, 60}, 50))
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 0 && ops[0]&1 == 1 {
			runArchive(t, ops[1:], 50e6, 5)
		} else {
			runArchive(t, ops, 30e6, 0)
		}
	})
}

// TestArchiveChunkLimit: with neither an idle timeout nor a maximum,
// records are dropped oldest first rather than take more chunks than
// positions tell apart (here a lowered limit).
func TestArchiveChunkLimit(t *testing.T) {
	a := NewArchive(0, 0)
	a.chunkCap, a.maxChunks = 1000, 4
	keys := archiveKeys()
	state := bytes.Repeat([]byte{7}, 100)
	for i := range 1000 {
		if !a.Put(keys[i%len(keys)], int64(i), state) {
			t.Fatalf("put %d: not kept", i)
		}
		if i%3 == 0 {
			a.Take(keys[(i+5)%len(keys)], int64(i)) // leave holes
		}
		if len(a.chunks) > a.maxChunks {
			t.Fatalf("put %d: %d chunks, limit %d", i, len(a.chunks), a.maxChunks)
		}
	}
	if n := a.Len(); n == 0 || n > a.maxChunks*a.chunkCap/100 {
		t.Errorf("%d records kept in %d chunks of %d bytes", n, a.maxChunks, a.chunkCap)
	}
	if got, _ := a.Take(keys[999%len(keys)], 1000); !bytes.Equal(got, state) {
		t.Errorf("the newest record lost: %d bytes", len(got))
	}
	if a.Put(keys[0], 1001, make([]byte, a.chunkCap)) {
		t.Error("a record larger than a chunk was kept")
	}
}

// TestArchiveStaysSmall: conversations closing at a steady rate
// for ten idle timeouts: the archive holds about one timeout's worth, a few
// dozen bytes beyond each state, and allocates nothing once it has grown.
func TestArchiveStaysSmall(t *testing.T) {
	const perTimeout = 5000
	a := NewArchive(1e9, 0)
	state := make([]byte, 90)
	key := func(i int) Key {
		k, _ := MakeKey(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), netip.MustParseAddr("10.9.9.9"), uint16(i), 80, 6)
		return k
	}
	now, i := int64(0), 0
	step := func() {
		now += 1e9 / perTimeout
		a.Put(key(i%60000), now, state)
		if i%10 == 0 { // a late packet now and then
			a.Take(key((i-perTimeout/2)%60000), now)
		}
		i++
	}
	for range 5 * perTimeout {
		step()
	}
	if allocs := testing.AllocsPerRun(5*perTimeout, step); allocs != 0 {
		t.Errorf("%v allocations per record in the steady state, want 0", allocs)
	}
	if n := a.Len(); n < perTimeout*9/10 || n > perTimeout*11/10 {
		t.Errorf("%d records kept, want about the %d of the last idle timeout", n, perTimeout)
	}
	if per := a.Bytes() / a.Len(); per > 3*(len(state)+30) {
		t.Errorf("%d bytes per record of %d state bytes, want under %d", per, len(state), 3*(len(state)+30))
	}
	t.Logf("%d records, %d bytes each", a.Len(), a.Bytes()/a.Len())
}
