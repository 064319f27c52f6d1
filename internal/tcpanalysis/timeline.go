package tcpanalysis

import (
	"math"

	"github.com/tcpviz/tcpviz/internal/decode"
	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/metrics"
)

// tcpStep is one step of a connection's timeline, both directions together.
type tcpStep struct {
	pkts    uint32
	rttN    uint32
	bytes   uint64
	rttSum  float64 // ms
	rttMax  float32 // ms
	bifMax  uint32
	retrans uint32
}

// Merge folds the next step into s.
func (s *tcpStep) Merge(n *tcpStep) {
	s.pkts += n.pkts
	s.rttN += n.rttN
	s.bytes += n.bytes
	s.rttSum += n.rttSum
	s.rttMax = max(s.rttMax, n.rttMax)
	s.bifMax = max(s.bifMax, n.bifMax)
	s.retrans += n.retrans
}

type timeline = metrics.Timeline[tcpStep, *tcpStep]

const retransFlags = FRetransmission | FFastRetransmission | FSpuriousRetransmission

// noteTimeline adds the packet just analysed to its connection's timeline.
// A connection gets a timeline (from the analyzer's pool) at its first
// payload or RTT sample, so scans and SYN floods never hold one.
func (a *Analyzer) noteTimeline(c *conn, p *decode.Packet, d int, fl Flags) {
	if c.recorded {
		return
	}
	if c.tl == nil {
		if p.PayloadLen == 0 && c.newRTT < 0 {
			return
		}
		c.tl = a.timelines.get()
	}
	st := c.tl.At(p.TS)
	st.pkts++
	st.bytes += uint64(p.OrigLen)
	if c.newRTT >= 0 {
		ms := float64(c.newRTT) / 1e6
		st.rttN++
		st.rttSum += ms
		st.rttMax = max(st.rttMax, float32(ms))
		c.newRTT = -1
	}
	f, r := &c.h[d], &c.h[1-d]
	if p.PayloadLen > 0 && r.lastAck != 0 && f.nextSeq != 0 {
		if bif := f.nextSeq.Diff(r.lastAck); bif > 0 {
			st.bifMax = max(st.bifMax, uint32(bif))
		}
	}
	if fl&retransFlags != 0 {
		st.retrans++
	}
}

// fillTimeline writes tl into r, reusing r's slices.
func fillTimeline(tl *timeline, r *event.Timeline) {
	r.Reset(tl.Start, tl.Width)
	for _, s := range tl.Used() {
		r.Packets = append(r.Packets, s.pkts)
		r.Bytes = append(r.Bytes, s.bytes)
		mean := 0.0
		if s.rttN > 0 {
			mean = s.rttSum / float64(s.rttN)
		}
		r.RTTMeanMs = append(r.RTTMeanMs, round6(mean))
		r.RTTMaxMs = append(r.RTTMaxMs, round6(float64(s.rttMax)))
		r.BytesInFlightMax = append(r.BytesInFlightMax, uint64(s.bifMax))
		r.Retransmissions = append(r.Retransmissions, s.retrans)
	}
}

// fillHist writes the non-empty buckets of h into dst (reused).
func fillHist(h *metrics.Hist, dst []event.HistBucket) []event.HistBucket {
	dst = dst[:0]
	for b, n := range h.Buckets {
		if n > 0 {
			dst = append(dst, event.HistBucket{Ms: round6(metrics.BucketLowerBound(b) / 1e6), Count: n})
		}
	}
	return dst
}

// round6 rounds ms to the nanosecond, so figures read as measured.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
