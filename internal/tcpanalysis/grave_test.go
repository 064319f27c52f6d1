package tcpanalysis

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// randomGrave fills every field of a grave from r, edge values included.
func randomGrave(r *rand.Rand) grave {
	u32 := func() uint32 {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return math.MaxUint32
		}
		return r.Uint32()
	}
	ts := func() int64 {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return math.MinInt64
		case 2:
			return math.MaxInt64
		}
		return int64(r.Uint64() >> 2)
	}
	f64 := func() float64 {
		if r.IntN(3) == 0 {
			return 0
		}
		return math.Float64frombits(r.Uint64())
	}
	g := grave{initiator: r.IntN(2)}
	g.firstSYN, g.mruSYN, g.synAck, g.firstRTT = ts(), ts(), r.IntN(2) == 0, ts()
	g.srtt, g.rttvar, g.hasRTT = f64(), f64(), r.IntN(2) == 0
	for i := range g.h {
		s := &g.h[i]
		s.baseSeq, s.nextSeq, s.maxToAck, s.lastAck, s.isn = Seq(u32()), Seq(u32()), Seq(u32()), Seq(u32()), Seq(u32())
		s.nextSeqTime, s.lastAckTime = ts(), ts()
		s.lastNonDupAck = r.Uint64() >> r.IntN(64)
		s.dupAcks, s.window, s.lastFlags = u32(), u32(), Flags(u32())
		s.winScale = int8(r.IntN(256) - 128)
		s.isFirstAck, s.baseSet, s.synSeen, s.finSeen, s.rstSeen = r.IntN(2) == 0, r.IntN(2) == 0, r.IntN(2) == 0, r.IntN(2) == 0, r.IntN(2) == 0
	}
	return g
}

var graveCmp = cmp.AllowUnexported(grave{}, seqState{}, connState{})

// TestGraveRoundTrip: every field of a grave comes back exactly, whatever
// its value (NaN's bits included), and a typical one is small.
func TestGraveRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var buf []byte
	for i := range 20000 {
		g := randomGrave(r)
		stream, last := r.Uint64()>>r.IntN(64), int64(r.Uint64())
		buf = appendGrave(buf[:0], stream, last, &g)
		gs, got, err := parseGrave(buf, last)
		if err != nil {
			t.Fatalf("grave %d: %v", i, err)
		}
		// NaN != NaN: compare the floats' bits.
		if math.Float64bits(got.srtt) != math.Float64bits(g.srtt) || math.Float64bits(got.rttvar) != math.Float64bits(g.rttvar) {
			t.Fatalf("grave %d: srtt/rttvar %v/%v, want %v/%v", i, got.srtt, got.rttvar, g.srtt, g.rttvar)
		}
		got.srtt, got.rttvar, g.srtt, g.rttvar = 0, 0, 0, 0
		if gs != stream || !cmp.Equal(got, g, graveCmp) {
			t.Fatalf("grave %d: stream %d (want %d), diff -want +got:\n%s", i, gs, stream, cmp.Diff(g, got, graveCmp))
		}
		for cut := range len(buf) {
			if _, _, err := parseGrave(buf[:cut], last); err == nil {
				t.Fatalf("grave %d cut to %d of %d bytes parsed", i, cut, len(buf))
			}
		}
	}
}

// FuzzParseGrave: any bytes parse or fail without a panic, and what parses
// encodes back to a grave that parses the same.
func FuzzParseGrave(f *testing.F) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 8 {
		g := randomGrave(r)
		f.Add(appendGrave(nil, r.Uint64(), 1e18, &g), int64(1e18))
	}
	f.Fuzz(func(t *testing.T, b []byte, last int64) {
		stream, g, err := parseGrave(b, last)
		if err != nil {
			return
		}
		again := appendGrave(nil, stream, last, &g)
		s2, g2, err := parseGrave(again, last)
		if err != nil || s2 != stream || !cmp.Equal(g2, g, graveCmp, cmp.Comparer(func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })) {
			t.Fatalf("re-encoded grave differs (err %v)", err)
		}
	})
}
