package tcpanalysis

import (
	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/flow"
)

// state names the connection's TCP state at the end of the capture as far as
// the capture shows it.
func (c *conn) state() string {
	a, b := &c.h[0], &c.h[1]
	switch {
	case a.rstSeen || b.rstSeen:
		return "reset"
	case a.finSeen && b.finSeen:
		return "closed"
	case a.finSeen || b.finSeen:
		return "closing"
	case c.firstSYN != 0 && !c.synAck:
		return "syn_sent"
	case c.firstSYN != 0 && c.firstRTT == 0:
		return "syn_received"
	case c.firstSYN != 0:
		return "established"
	}
	return "midstream"
}

// endFlow writes the record of a connection leaving the table, unless it
// was written when the connection closed, and frees its per-flow figures.
func (a *Analyzer) endFlow(e *flow.Entry[flow.Key, conn], why flow.EndReason) {
	c := &e.State
	if !c.recorded {
		a.writeRecord(e, why.String())
	}
	a.release(c)
}

// release returns c's rings, RTT histogram and timeline to the pools.
func (a *Analyzer) release(c *conn) {
	for i := range c.h {
		a.rings.put(&c.h[i].ring)
	}
	a.hists.put(&c.rtt)
	a.timelines.put(&c.tl)
}

// writeRecord hands the connection's record to onFlow; end says why it is
// written now.
func (a *Analyzer) writeRecord(e *flow.Entry[flow.Key, conn], end string) {
	if a.onFlow == nil {
		return
	}
	c := &e.State
	i, j := c.initiator, 1-c.initiator
	r := &a.rec
	*r = event.FlowRecord{
		Proto:  "tcp",
		Stream: e.Stream,
		SrcIP:  c.addr[i].String(), SrcPort: c.port[i],
		DstIP: c.addr[j].String(), DstPort: c.port[j],
		FirstTS: float64(e.First) / 1e9, LastTS: float64(e.Last) / 1e9,
		DurationS:  float64(e.Last-e.First) / 1e9,
		FwdPackets: c.h[i].packets, RevPackets: c.h[j].packets,
		FwdBytes: c.h[i].bytes, RevBytes: c.h[j].bytes,
		FwdPayload: c.h[i].payload, RevPayload: c.h[j].payload,
		End:             end,
		State:           c.state(),
		Retransmissions: c.retrans,
		LossEvents:      c.loss,
		WindowScale:     [2]int8{c.h[i].winScale, c.h[j].winScale},
		Events:          a.events,
	}
	clear(r.Events)
	r.MSS = c.h[i].mss
	if c.rtt != nil && c.rtt.N > 0 {
		a.rttStats = c.rtt.MsStats()
		r.RTTms = &a.rttStats
		a.hist = fillHist(c.rtt, a.hist)
		r.RTTHist = a.hist
	}
	if c.tl != nil {
		fillTimeline(c.tl, &a.timeline)
		r.Timeline = &a.timeline
	}
	if c.handshook {
		a.hsRTT = float64(c.firstRTT) / 1e6
		r.HandshakeRTTms = &a.hsRTT
	}
	for t, n := range c.counts {
		if n > 0 {
			r.Events[event.Type(t).String()] = uint64(n)
		}
	}
	a.onFlow(r)
}
