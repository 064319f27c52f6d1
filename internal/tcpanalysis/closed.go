package tcpanalysis

import (
	"github.com/tcpviz/tcpviz/internal/decode"
	"github.com/tcpviz/tcpviz/internal/flow"
)

// A capture of many short connections would otherwise hold every closed one
// until the idle timeout (15 minutes by default): memory would grow with the
// length of the capture, not with the connections open at once. So a
// connection that has closed (FIN both ways, or an RST) and stayed quiet for
// CloseLinger gets its record written then, and is buried: its entry (about
// 0.7 KB, its RTT ring, histogram and timeline back in the pools) gives way
// to a grave of about 0.1 KB in a flow.Archive until the idle timeout. The
// grave keeps the stream id and the sequence, window and RTT state, so a
// late packet — a retransmitted FIN, an RST from a peer that forgot —
// resumes the stream under its old id and is analysed as Wireshark would
// (a retransmitted FIN is a retransmission); it no longer counts in a
// record. What a grave forgets (the unacknowledged segments, a pending
// stall, the dup-ACK run before a fast retransmission) only matters to a
// connection still sending. A SYN with a new ISN is a new connection on the
// reused port pair, as it would be for a live one.

// grave is what a buried connection leaves, kept in Analyzer.buried
// encoded (grave.go) with its stream id. Sides are indexed like conn.h.
type grave struct {
	initiator int
	h         [2]seqState
	connState
}

// open makes the entry for a packet on a port pair with no live connection:
// the buried connection it is a late packet of, or a new stream (created),
// reused when p is a SYN that ends the buried one (port reuse).
func (a *Analyzer) open(k flow.Key, p *decode.Packet, d int) (e *flow.Entry[flow.Key, conn], created, reused bool) {
	if b, last := a.buried.Take(k, p.TS); b != nil {
		// The archive holds only what bury wrote: a grave that does not
		// parse cannot happen, and would start a new stream.
		stream, gr, err := parseGrave(b, last)
		reused = err == nil && gr.h[d].reusedBy(p)
		if err == nil && !reused {
			e = a.flows.Restore(k, stream, p.TS)
			c := &e.State
			c.init(p, d)
			c.initiator = gr.initiator
			c.stream = stream
			c.connState = gr.connState
			for i := range c.h {
				c.h[i].seqState = gr.h[i]
			}
			// Its record was written when it was buried.
			c.recorded = true
			return e, false, false
		}
	}
	return a.flows.Add(k, p.TS), true, reused
}

// bury replaces the closed connection e, its record written, by its grave.
func (a *Analyzer) bury(e *flow.Entry[flow.Key, conn]) {
	c := &e.State
	g := grave{initiator: c.initiator, connState: c.connState}
	for i := range c.h {
		g.h[i] = c.h[i].seqState
	}
	a.graveBuf = appendGrave(a.graveBuf[:0], e.Stream, e.Last, &g)
	a.buried.Put(e.Key, e.Last, a.graveBuf)
	a.release(c)
	a.flows.Remove(e)
}

// closedRef is a connection waiting for its linger to pass. The entry may be
// recycled meanwhile: stream tells.
type closedRef struct {
	e      *flow.Entry[flow.Key, conn]
	stream uint64
	at     int64 // the connection's last packet when queued, ns
}

// noteClosed queues e once its connection has closed.
func (a *Analyzer) noteClosed(e *flow.Entry[flow.Key, conn], c *conn) {
	if a.cfg.CloseLinger <= 0 || c.closedQueued {
		return
	}
	f, r := &c.h[0], &c.h[1]
	if !(f.rstSeen || r.rstSeen || f.finSeen && r.finSeen) {
		return
	}
	c.closedQueued = true
	a.closed = append(a.closed, closedRef{e: e, stream: e.Stream, at: e.Last})
}

// finishClosed writes the records of the closed connections quiet for
// longer than CloseLinger at capture time now, oldest first.
func (a *Analyzer) finishClosed(now int64) {
	linger := int64(a.cfg.CloseLinger)
	for a.closedHead < len(a.closed) && now-a.closed[a.closedHead].at > linger {
		ref := a.closed[a.closedHead]
		a.closedHead++
		e := ref.e
		c := &e.State
		if e.Stream != ref.stream || !c.closedQueued {
			continue // ended meanwhile, its entry reused
		}
		if now-e.Last <= linger {
			// Packets came after the close: wait for quiet again.
			a.closed = append(a.closed, closedRef{e: e, stream: ref.stream, at: e.Last})
			continue
		}
		if !c.recorded {
			a.writeRecord(e, "closed")
		}
		a.bury(e)
	}
	// Reclaim the consumed front once it is most of the queue.
	if a.closedHead > 1024 && a.closedHead*2 > len(a.closed) {
		n := copy(a.closed, a.closed[a.closedHead:])
		a.closed = a.closed[:n]
		a.closedHead = 0
	}
}
