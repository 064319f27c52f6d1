package pipeline

import (
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpviz/tcpviz/internal/event"
)

// TestTCPFlowTimelines checks every TCP record of every sample against its
// own totals: the timeline (from the first payload or RTT sample on) holds
// all packets but at most the handshake's, every retransmission and the
// largest RTT sample; the RTT histogram holds every sample.
func TestTCPFlowTimelines(t *testing.T) {
	files, _ := filepath.Glob("../../samples/*.pcap*")
	var withTimeline, records int
	for _, path := range files {
		if strings.HasSuffix(path, ".tsv") {
			continue
		}
		var recs []event.FlowRecord
		pl := New(DefaultOptions(), nil, func(r *event.FlowRecord) {
			if r.Proto == "tcp" {
				recs = append(recs, r.Clone())
			}
		})
		for _, rec := range readRecords(t, path) {
			pl.Record(&rec)
		}
		pl.Finish()
		for _, r := range recs {
			records++
			name := filepath.Base(path) + " stream " + strconv.FormatUint(r.Stream, 10)
			var samples uint32
			for i, b := range r.RTTHist {
				samples += b.Count
				if i > 0 && b.Ms <= r.RTTHist[i-1].Ms {
					t.Errorf("%s: rtt_hist not in increasing order: %+v", name, r.RTTHist)
				}
			}
			if r.RTTms != nil && int(samples) != r.RTTms.Samples || r.RTTms == nil && samples != 0 {
				t.Errorf("%s: rtt_hist holds %d samples, rtt_ms %+v", name, samples, r.RTTms)
			}
			tl := r.Timeline
			if tl == nil {
				if r.FwdPayload+r.RevPayload > 0 || r.RTTms != nil {
					t.Errorf("%s: no timeline for a connection with payload or RTT samples", name)
				}
				continue
			}
			withTimeline++
			n := len(tl.Packets)
			if n == 0 || n > 64 || len(tl.Bytes) != n || len(tl.RTTMeanMs) != n || len(tl.RTTMaxMs) != n ||
				len(tl.BytesInFlightMax) != n || len(tl.Retransmissions) != n || tl.JitterMaxMs != nil || tl.Lost != nil {
				t.Fatalf("%s: timeline columns malformed: %+v", name, tl)
			}
			var pkts, retrans uint64
			var bytes uint64
			var rttMax float64
			for i := range tl.Packets {
				pkts += uint64(tl.Packets[i])
				bytes += tl.Bytes[i]
				retrans += uint64(tl.Retransmissions[i])
				rttMax = max(rttMax, tl.RTTMaxMs[i])
				if tl.RTTMeanMs[i] > tl.RTTMaxMs[i]+1e-3 {
					t.Errorf("%s: step %d mean RTT %v above its max %v", name, i, tl.RTTMeanMs[i], tl.RTTMaxMs[i])
				}
			}
			total := r.FwdPackets + r.RevPackets
			// Packets before the first payload (the handshake, SYN retries)
			// are the only ones missing.
			before := total - pkts
			if pkts > total || bytes > r.FwdBytes+r.RevBytes || retrans > r.Retransmissions || retrans+before < r.Retransmissions ||
				before > 3+r.Retransmissions {
				t.Errorf("%s: timeline %d packets, %d bytes, %d retransmissions; record %d, %d, %d",
					name, pkts, bytes, retrans, total, r.FwdBytes+r.RevBytes, r.Retransmissions)
			}
			if r.RTTms != nil && math.Abs(rttMax-r.RTTms.Max) > 1e-3*r.RTTms.Max+1e-6 {
				t.Errorf("%s: largest RTT in the timeline %v, record max %v", name, rttMax, r.RTTms.Max)
			}
		}
	}
	if withTimeline < 50 {
		t.Errorf("only %d of %d TCP records have a timeline", withTimeline, records)
	}
}
