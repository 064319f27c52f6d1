package tcpanalysis

import "github.com/tcpviz/tcpviz/internal/flow"

// A capture of many short connections would otherwise hold every closed one
// in full until the idle timeout (15 minutes by default): memory would grow
// with the length of the capture, not with the connections open at once.
// So a connection that has closed (FIN both ways, or an RST) and stayed
// quiet for CloseLinger gets its record written then, and its per-flow
// figures (RTT ring and histogram, timeline: most of its memory) go back to
// the pools. What remains is the sequence state and the table entry, so a
// straggler, a retransmitted FIN or a late RST, still belongs to its stream
// and is analysed as Wireshark would; it only misses the record.

// closedRef is a connection waiting for its linger to pass. The entry may be
// recycled meanwhile: stream tells.
type closedRef struct {
	e      *flow.Entry[flow.Key, conn]
	stream uint64
	at     int64 // the connection's last packet when queued, ns
}

// noteClosed queues e once its connection has closed.
func (a *Analyzer) noteClosed(e *flow.Entry[flow.Key, conn], c *conn) {
	if a.cfg.CloseLinger <= 0 || c.closedQueued || c.recorded {
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
		c.closedQueued = false
		c.recorded = true
		a.writeRecord(e, "closed")
		a.release(c)
	}
	// Reclaim the consumed front once it is most of the queue.
	if a.closedHead > 1024 && a.closedHead*2 > len(a.closed) {
		n := copy(a.closed, a.closed[a.closedHead:])
		a.closed = a.closed[:n]
		a.closedHead = 0
	}
}
