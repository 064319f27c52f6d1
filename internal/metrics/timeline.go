package metrics

import (
	"math"
	"time"
)

// TimelineSteps bounds a Timeline. It starts with 10 ms steps, fine enough
// for a transfer of a few hundred milliseconds; when a value falls beyond
// the last one, neighbouring steps merge and the width doubles (an hour
// ends in steps of about 82 s), so a conversation of any length keeps at most this many steps in
// a fixed array: nothing is allocated per packet, and a report can draw each
// flow or stream over time from its record.
const (
	TimelineSteps = 64
	timelineWidth = int64(10 * time.Millisecond)
)

// Step is what a Timeline keeps per step: Merge folds the next step into
// this one when two steps become one.
type Step[S any] interface {
	Merge(next *S)
}

// Timeline is a conversation's figures per step of capture time, from its
// first value. S is the per-step figures.
type Timeline[S any, PS interface {
	*S
	Step[S]
}] struct {
	Start int64 // ns; the first value's time
	Width int64 // ns per step; 0 before the first value
	N     int   // steps in use
	Steps [TimelineSteps]S
	// The last step At returned and its time range [from, to): most
	// values fall in it, and need no division.
	last     int
	from, to int64
}

// At returns the step of time ts for the caller to update, widening the
// steps as needed. Times before the first value (a capture whose clock
// stepped back) count in the first step.
func (tl *Timeline[S, PS]) At(ts int64) *S {
	if ts >= tl.from && ts < tl.to {
		return &tl.Steps[tl.last]
	}
	if tl.Width == 0 {
		tl.Start, tl.Width = ts, timelineWidth
	}
	d := ts - tl.Start
	switch {
	case ts < tl.Start:
		d = 0
	case d < 0: // overflowed: a time stamp absurdly far ahead
		d = math.MaxInt64
	}
	i := d / tl.Width
	for i >= TimelineSteps && tl.Width <= math.MaxInt64/2 {
		tl.widen()
		i = d / tl.Width
	}
	i = min(i, TimelineSteps-1)
	if int(i) >= tl.N {
		tl.N = int(i) + 1
	}
	// Only a step that holds exactly [from, to) is remembered: not the
	// first step when ts was before Start, nor the last one when ts was
	// beyond it. Widening (above) changes the steps: it happens here only.
	tl.last, tl.from, tl.to = int(i), ts, ts
	if d == ts-tl.Start && d/tl.Width == i {
		tl.from = tl.Start + i*tl.Width
		tl.to = tl.from + tl.Width
	}
	return &tl.Steps[i]
}

// widen merges steps in pairs and doubles the width.
func (tl *Timeline[S, PS]) widen() {
	// In place, front to back: step i is written only after steps 2i and
	// 2i+1 (never before i) were read. No temporary: a value whose address
	// goes to Merge through the type parameter would be allocated.
	for i := 0; i < TimelineSteps/2; i++ {
		tl.Steps[i] = tl.Steps[2*i]
		PS(&tl.Steps[i]).Merge(&tl.Steps[2*i+1])
	}
	clear(tl.Steps[TimelineSteps/2:])
	tl.N = (tl.N + 1) / 2
	tl.Width *= 2
}

// Used returns the steps in use.
func (tl *Timeline[S, PS]) Used() []S { return tl.Steps[:tl.N] }
