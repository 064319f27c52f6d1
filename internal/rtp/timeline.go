package rtp

import (
	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/metrics"
)

// rtpStep is one step of a stream's timeline: packets, the largest jitter
// (ms, 0 while the clock rate is unknown) and packets lost in sequence gaps.
type rtpStep struct {
	pkts   uint32
	jitter float32
	lost   uint32
}

// Merge folds the next step into s.
func (s *rtpStep) Merge(n *rtpStep) {
	s.pkts += n.pkts
	s.jitter = max(s.jitter, n.jitter)
	s.lost += n.lost
}

type timeline = metrics.Timeline[rtpStep, *rtpStep]

// fillTimeline writes tl into r, reusing r's slices.
func fillTimeline(tl *timeline, r *event.Timeline) {
	r.Reset(tl.Start, tl.Width)
	for _, s := range tl.Used() {
		r.Packets = append(r.Packets, s.pkts)
		r.JitterMaxMs = append(r.JitterMaxMs, round6(float64(s.jitter)))
		r.Lost = append(r.Lost, s.lost)
	}
}
