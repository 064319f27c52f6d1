package event

import (
	"encoding/json"
	"testing"
)

// TestFlowRecordClone: a clone shares nothing with the original, which the
// analyzers go on to reuse.
func TestFlowRecordClone(t *testing.T) {
	hs := 1.5
	orig := FlowRecord{
		Proto: "rtp", Stream: 3, RTTms: &RTTStats{Samples: 2, Max: 9}, HandshakeRTTms: &hs,
		Events:    map[string]uint64{"rtp_loss": 2},
		RTPFields: &RTPFields{SSRC: 7, Packets: 10},
		Timeline: &Timeline{Start: 1, StepS: 1, Packets: []uint32{5, 5}, JitterMaxMs: []float64{0.5, 0.7}, Lost: []uint32{1, 1},
			Bytes: []uint64{3, 4}, RTTMeanMs: []float64{1, 2}, RTTMaxMs: []float64{2, 3}, BytesInFlightMax: []uint64{5, 6}, Retransmissions: []uint32{0, 1}},
		RTTHist: []HistBucket{{Ms: 1, Count: 2}},
	}
	want, err := json.Marshal(&orig)
	if err != nil {
		t.Fatal(err)
	}
	c := orig.Clone()
	// Reuse the original as an analyzer would.
	orig.RTTms.Max, *orig.HandshakeRTTms, orig.Events["rtp_loss"] = 0, 0, 0
	orig.SSRC, orig.Timeline.Packets[0], orig.Timeline.JitterMaxMs[0], orig.Timeline.Lost[0] = 0, 0, 0, 0
	orig.Timeline.StepS = 8
	orig.Timeline.Bytes[0], orig.Timeline.RTTMeanMs[0], orig.Timeline.RTTMaxMs[0], orig.Timeline.BytesInFlightMax[0], orig.Timeline.Retransmissions[1] = 0, 0, 0, 0, 0
	orig.RTTHist[0].Count = 0
	got, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("clone changed with the original:\n got %s\nwant %s", got, want)
	}
	tcp := FlowRecord{Proto: "tcp"}
	if c := tcp.Clone(); c.RTPFields != nil || c.RTTms != nil || c.Events != nil || c.Timeline != nil || c.RTTHist != nil {
		t.Errorf("clone of a bare record = %+v", c)
	}
}
