package metrics

import (
	"math"
	"slices"
	"testing"
)

// testStep counts values and keeps the largest.
type testStep struct {
	n   uint32
	max float64
}

func (s *testStep) Merge(n *testStep) {
	s.n += n.n
	s.max = max(s.max, n.max)
}

func TestTimeline(t *testing.T) {
	const s = timelineWidth // one first-width step
	zeros := func(n int) []uint32 { return make([]uint32, n) }
	for _, tc := range []struct {
		name      string
		at        []int64 // ns after t0
		wantWidth int64
		wantN     []uint32
	}{
		{"one step", []int64{0, s / 2}, s, []uint32{2}},
		{"first-width steps", []int64{0, s, 3*s + 1}, s, []uint32{1, 1, 0, 1}},
		{"the 64th step keeps the first width", []int64{0, 63 * s}, s, slices.Concat([]uint32{1}, zeros(62), []uint32{1})},
		{"65 steps widen to 2", []int64{0, s, 64 * s}, 2 * s, slices.Concat([]uint32{2}, zeros(31), []uint32{1})},
		{"3600 steps widen to 64", []int64{0, 3600 * s}, 64 * s, slices.Concat([]uint32{1}, zeros(55), []uint32{1})},
		{"time stepping back counts first", []int64{5 * s, 0}, s, []uint32{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tl Timeline[testStep, *testStep]
			const t0 = int64(1.7e18)
			for i, a := range tc.at {
				st := tl.At(t0 + a)
				st.n++
				st.max = max(st.max, float64(i+1))
			}
			used := tl.Used()
			if tl.Width != tc.wantWidth || len(used) > TimelineSteps || tl.Start != t0+tc.at[0] {
				t.Fatalf("width %d with %d steps from %d, want width %d, at most %d, from %d", tl.Width, len(used), tl.Start, tc.wantWidth, TimelineSteps, t0+tc.at[0])
			}
			var got []uint32
			top := 0.0
			for _, st := range used {
				got = append(got, st.n)
				top = max(top, st.max)
			}
			if !slices.Equal(got, tc.wantN) {
				t.Fatalf("counts %v, want %v", got, tc.wantN)
			}
			if top != float64(len(tc.at)) {
				t.Errorf("largest value %v, want %d: merging lost it", top, len(tc.at))
			}
			for _, st := range tl.Steps[len(used):] {
				if st != (testStep{}) {
					t.Fatalf("a step beyond the used ones holds %+v", st)
				}
			}
		})
	}
}

// TestTimelineExtremeTimes: corrupt captures carry any time stamp; the
// timeline must keep every value in at most TimelineSteps steps and never
// index outside them.
func TestTimelineExtremeTimes(t *testing.T) {
	for _, times := range [][]int64{
		{0, math.MaxInt64},
		{math.MinInt64, math.MaxInt64, 0},
		{-1, math.MaxInt64, math.MinInt64},
		{math.MaxInt64, math.MinInt64},
		{1.7e18, 1.7e18 + 1<<62},
	} {
		var tl Timeline[testStep, *testStep]
		for _, ts := range times {
			tl.At(ts).n++
		}
		var n uint32
		for _, st := range tl.Used() {
			n += st.n
		}
		if n != uint32(len(times)) || tl.N > TimelineSteps || tl.Width <= 0 {
			t.Errorf("times %v: %d of %d values in %d steps of %d ns", times, n, len(times), tl.N, tl.Width)
		}
	}
}

// TestTimelineWidenAllocatesNothing: widening runs inside the per-packet
// path of every long flow.
func TestTimelineWidenAllocatesNothing(t *testing.T) {
	var tl Timeline[testStep, *testStep]
	ts := int64(0)
	allocs := testing.AllocsPerRun(1000, func() {
		ts += 37 * timelineWidth
		tl.At(ts).n++
	})
	if allocs != 0 {
		t.Errorf("At allocates %.2f times per call while widening", allocs)
	}
	if tl.Width <= timelineWidth {
		t.Errorf("width %d: the test did not widen", tl.Width)
	}
}

// TestTimelineStepCache feeds the same times to a timeline and to one whose
// remembered step is forgotten before every value: the steps must agree
// after every value, through steps in order, times going back, times
// before the start, widening, and absurd jumps.
func TestTimelineStepCache(t *testing.T) {
	const s = timelineWidth
	t0 := int64(1_700_000_000) * 1e9
	times := []int64{t0, t0 + 1, t0 + s - 1, t0 + s, t0 + s/2, t0 - 5, t0 - 5, t0 + 3*s, t0 + 3*s + 1,
		t0 + 63*s, t0 + 64*s - 1, t0 + 64*s, t0 + 64*s + 1, t0 + 200*s, t0 + 2*s, t0 + 2*s,
		t0 + 1000*s, t0 + 1000*s + 7, math.MaxInt64, t0 + 5, math.MinInt64, t0 + 5}
	// A long run of values a millisecond apart, crossing many widenings.
	for i := int64(0); i < 20000; i++ {
		times = append(times, t0+i*1e6+i%7)
	}
	var cached, fresh Timeline[testStep, *testStep]
	for i, ts := range times {
		cached.At(ts).n++
		fresh.from, fresh.to = 0, 0
		fresh.At(ts).n++
		if cached.Start != fresh.Start || cached.Width != fresh.Width || cached.N != fresh.N || cached.Steps != fresh.Steps {
			t.Fatalf("value %d (%d): cached timeline start %d width %d n %d, fresh start %d width %d n %d; steps %v vs %v",
				i, ts, cached.Start, cached.Width, cached.N, fresh.Start, fresh.Width, fresh.N, cached.Used(), fresh.Used())
		}
	}
}
