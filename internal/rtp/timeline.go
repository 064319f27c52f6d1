package rtp

import (
	"time"

	"github.com/tcpviz/tcpviz/internal/event"
)

// timelinePoints bounds a stream's timeline. It starts with one-second
// buckets; when a packet falls beyond the last one, neighbouring buckets
// merge and the width doubles, so a stream of any length keeps at most this
// many points in a fixed array: no allocation per packet, and a report can
// draw each stream's jitter and loss over time from its flow record.
const (
	timelinePoints = 64
	timelineWidth  = int64(time.Second)
)

// timeline is one stream's packets, largest jitter (ms, 0 while the clock
// rate is unknown) and packets lost in sequence gaps, per bucket.
type timeline struct {
	start  int64 // ns; the first packet's arrival
	width  int64 // ns per bucket; 0 before the first packet
	n      int   // buckets in use
	pkts   [timelinePoints]uint32
	jitter [timelinePoints]float32
	lost   [timelinePoints]uint32
}

// bucket returns the index of arrival's bucket, widening the buckets as
// needed. Arrivals before the first packet (a capture whose clock stepped
// back) count in the first bucket.
func (tl *timeline) bucket(arrival int64) int {
	if tl.width == 0 {
		tl.start, tl.width = arrival, timelineWidth
	}
	if arrival < tl.start {
		arrival = tl.start
	}
	i := (arrival - tl.start) / tl.width
	for i >= timelinePoints {
		tl.widen()
		i = (arrival - tl.start) / tl.width
	}
	if int(i) >= tl.n {
		tl.n = int(i) + 1
	}
	return int(i)
}

// widen merges buckets in pairs and doubles the width.
func (tl *timeline) widen() {
	for i := 0; i < timelinePoints/2; i++ {
		a, b := 2*i, 2*i+1
		tl.pkts[i] = tl.pkts[a] + tl.pkts[b]
		tl.jitter[i] = max(tl.jitter[a], tl.jitter[b])
		tl.lost[i] = tl.lost[a] + tl.lost[b]
	}
	clear(tl.pkts[timelinePoints/2:])
	clear(tl.jitter[timelinePoints/2:])
	clear(tl.lost[timelinePoints/2:])
	tl.n = (tl.n + 1) / 2
	tl.width *= 2
}

func (tl *timeline) packet(arrival int64) { tl.pkts[tl.bucket(arrival)]++ }

func (tl *timeline) jitterMs(arrival int64, ms float64) {
	i := tl.bucket(arrival)
	tl.jitter[i] = max(tl.jitter[i], float32(finite(ms)))
}

func (tl *timeline) loss(arrival int64, n int) { tl.lost[tl.bucket(arrival)] += uint32(n) }

// fill writes the timeline into r, reusing r's slices.
func (tl *timeline) fill(r *event.RTPTimeline) {
	r.Start = float64(tl.start) / 1e9
	r.StepS = float64(tl.width) / 1e9
	r.Packets, r.JitterMaxMs, r.Lost = r.Packets[:0], r.JitterMaxMs[:0], r.Lost[:0]
	for i := range tl.n {
		r.Packets = append(r.Packets, tl.pkts[i])
		r.JitterMaxMs = append(r.JitterMaxMs, round6(float64(tl.jitter[i])))
		r.Lost = append(r.Lost, tl.lost[i])
	}
}
