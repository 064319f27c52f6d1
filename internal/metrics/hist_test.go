package metrics

import (
	"math"
	"testing"
)

func TestHistQuantilesWithinBucketWidth(t *testing.T) {
	var h Hist
	// 1..1000 ms, uniformly.
	for i := 1; i <= 1000; i++ {
		h.Add(int64(i) * 1e6)
	}
	tests := []struct {
		q, want float64 // ns
	}{{0.5, 500e6}, {0.95, 950e6}, {0.01, 10e6}}
	for _, tt := range tests {
		got := h.Quantile(tt.q)
		if math.Abs(got-tt.want)/tt.want > 0.07 { // buckets are 2^(1/8) ≈ 9% wide
			t.Errorf("Quantile(%v) = %.0f, want %.0f within 7%%", tt.q, got, tt.want)
		}
	}
	if h.Min != 1e6 || h.Max != 1000e6 || h.N != 1000 {
		t.Errorf("min %d max %d n %d", h.Min, h.Max, h.N)
	}
	if m := h.Mean(); math.Abs(m-500.5e6) > 1 {
		t.Errorf("mean = %f, want 500.5e6", m)
	}
}

func TestHistEdges(t *testing.T) {
	var h Hist
	if h.Quantile(0.5) != 0 || h.Mean() != 0 {
		t.Error("empty histogram reports values")
	}
	h.Add(-5)      // clamps to 0
	h.Add(1 << 62) // beyond the last bucket: clamps into it
	h.Add(7)       // below a microsecond
	if got := h.Quantile(1); got != float64(int64(1)<<62) {
		t.Errorf("max quantile = %v, want the exact max", got)
	}
	if got := h.Quantile(0); got != 0 {
		t.Errorf("min quantile = %v, want 0", got)
	}
	var o Hist
	o.Add(5e6)
	h.Merge(&o)
	if h.N != 4 || h.Max != 1<<62 || h.Min != 0 {
		t.Errorf("merge: n %d min %d max %d", h.N, h.Min, h.Max)
	}
}
