package metrics

import (
	"math"
	"math/bits"

	"github.com/tcpviz/tcpviz/internal/event"
)

// histSub is the number of buckets per power of two: 8 gives buckets about
// 9% wide, enough for percentiles of RTT and jitter.
const histSub = 8

// Hist is a log-bucketed histogram of non-negative durations in
// nanoseconds, from 1 µs to about 70 minutes, with exact min, max and mean.
type Hist struct {
	N        uint64
	Sum      float64
	Min, Max int64
	Buckets  [256]uint32
}

func bucketOf(ns int64) int {
	us := uint64(ns) / 1000
	if us == 0 {
		return 0
	}
	l := bits.Len64(us) - 1 // position of the leading one
	var frac uint64
	if l >= 3 {
		frac = (us >> (l - 3)) & (histSub - 1)
	} else {
		frac = (us << (3 - l)) & (histSub - 1)
	}
	b := 1 + l*histSub + int(frac)
	if b > 255 {
		b = 255
	}
	return b
}

// lowerBound returns the smallest value (ns) of bucket b.
func lowerBound(b int) float64 {
	if b == 0 {
		return 0
	}
	b--
	l, frac := b/histSub, b%histSub
	return math.Ldexp(1+float64(frac)/histSub, l) * 1000
}

// BucketLowerBound is the smallest value (ns) of bucket b of Hist.Buckets.
func BucketLowerBound(b int) float64 { return lowerBound(b) }

// Add records one value.
func (h *Hist) Add(ns int64) {
	if ns < 0 {
		ns = 0
	}
	if h.N == 0 || ns < h.Min {
		h.Min = ns
	}
	if ns > h.Max {
		h.Max = ns
	}
	h.N++
	h.Sum += float64(ns)
	h.Buckets[bucketOf(ns)]++
}

// Merge adds o's values to h.
func (h *Hist) Merge(o *Hist) {
	if o.N == 0 {
		return
	}
	if h.N == 0 || o.Min < h.Min {
		h.Min = o.Min
	}
	if o.Max > h.Max {
		h.Max = o.Max
	}
	h.N += o.N
	h.Sum += o.Sum
	for i, c := range o.Buckets {
		h.Buckets[i] += c
	}
}

// Mean returns the mean in ns (0 when empty).
func (h *Hist) Mean() float64 {
	if h.N == 0 {
		return 0
	}
	return h.Sum / float64(h.N)
}

// MsStats summarises the distribution in milliseconds, as flow records and
// summary.json write it.
func (h *Hist) MsStats() event.RTTStats {
	return event.RTTStats{
		Samples: int(h.N), Min: float64(h.Min) / 1e6, Mean: h.Mean() / 1e6,
		P50: h.Quantile(0.5) / 1e6, P95: h.Quantile(0.95) / 1e6, Max: float64(h.Max) / 1e6,
	}
}

// Quantile returns an estimate of the q-quantile (0..1) in ns: the middle of
// the bucket holding it, clamped to the exact min and max.
func (h *Hist) Quantile(q float64) float64 {
	if h.N == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.N)))
	// The extremes are known exactly.
	if rank <= 1 {
		return float64(h.Min)
	}
	if rank >= h.N {
		return float64(h.Max)
	}
	var seen uint64
	for b, c := range h.Buckets {
		seen += uint64(c)
		if seen >= rank {
			v := (lowerBound(b) + lowerBound(b+1)) / 2
			return math.Min(math.Max(v, float64(h.Min)), float64(h.Max))
		}
	}
	return float64(h.Max)
}
