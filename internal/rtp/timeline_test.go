package rtp

import (
	"testing"

	"github.com/tcpviz/tcpviz/internal/event"
)

func TestTimeline(t *testing.T) {
	const s = int64(1e9)
	for _, tc := range []struct {
		name     string
		packets  []int64 // arrivals, ns after t0
		wantStep float64
		wantPkts []uint32
	}{
		{"one bucket", []int64{0, s / 2}, 1, []uint32{2}},
		{"one second steps", []int64{0, s, 3*s + 1}, 1, []uint32{1, 1, 0, 1}},
		{"last bucket of 64 stays 1 s", []int64{0, 63 * s}, 1, append(append([]uint32{1}, make([]uint32, 62)...), 1)},
		{"65 s widens to 2 s", []int64{0, s, 64 * s}, 2, append(append([]uint32{2}, make([]uint32, 31)...), 1)},
		{"an hour widens to 64 s", []int64{0, 3600 * s}, 64, append(append([]uint32{1}, make([]uint32, 55)...), 1)},
		{"time stepping back counts first", []int64{5 * s, 0}, 1, []uint32{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tl timeline
			const t0 = int64(1.7e18)
			for i, a := range tc.packets {
				tl.packet(t0 + a)
				tl.jitterMs(t0+a, float64(i+1))
				tl.loss(t0+a, 2)
			}
			var r event.RTPTimeline
			tl.fill(&r)
			if r.StepS != tc.wantStep || len(r.Packets) > timelinePoints {
				t.Fatalf("step %v s with %d points, want %v s, at most %d", r.StepS, len(r.Packets), tc.wantStep, timelinePoints)
			}
			if len(r.Packets) != len(tc.wantPkts) {
				t.Fatalf("packets %v, want %v", r.Packets, tc.wantPkts)
			}
			var lost uint32
			maxJ := 0.0
			for i := range r.Packets {
				if r.Packets[i] != tc.wantPkts[i] {
					t.Fatalf("packets %v, want %v", r.Packets, tc.wantPkts)
				}
				lost += r.Lost[i]
				maxJ = max(maxJ, r.JitterMaxMs[i])
			}
			if lost != uint32(2*len(tc.packets)) || maxJ != float64(len(tc.packets)) {
				t.Errorf("lost %d, max jitter %v; want %d, %d: merging lost figures", lost, maxJ, 2*len(tc.packets), len(tc.packets))
			}
			if want := float64(t0+tc.packets[0]) / 1e9; r.Start != want {
				t.Errorf("start %v, want the first packet's %v", r.Start, want)
			}
		})
	}
}
