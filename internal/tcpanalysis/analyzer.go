package tcpanalysis

import (
	"net/netip"
	"time"

	"github.com/tcpviz/tcpviz/internal/decode"
	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/flow"
	"github.com/tcpviz/tcpviz/internal/metrics"
)

// Config tunes the analysis. The zero value is not useful; start from
// DefaultConfig.
type Config struct {
	// IdleTimeout ends a connection after this much capture time without a
	// packet. A later packet on the same port pair starts a new stream.
	IdleTimeout time.Duration
	// MaxFlows caps live connections; the least recently used is ended.
	MaxFlows int
	// StallMin and StallRTTFactor set the ACK-stall threshold:
	// max(StallMin, StallRTTFactor × SRTT).
	StallMin       time.Duration
	StallRTTFactor float64
	// RSTStormCount RSTs within RSTStormWindow raise a teardown anomaly.
	RSTStormCount  int
	RSTStormWindow time.Duration
	// CloseLinger is how long a closed connection (FIN both ways, or an
	// RST) may stay quiet before its record is written and it is buried
	// (closed.go): a grave of about 0.1 KB with its stream id and sequence
	// state stays until IdleTimeout, so that a late packet keeps its stream and
	// flags. 0 keeps everything until the connection ends idle.
	CloseLinger time.Duration
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		IdleTimeout:    15 * time.Minute,
		MaxFlows:       1 << 20,
		StallMin:       400 * time.Millisecond,
		StallRTTFactor: 4,
		RSTStormCount:  10,
		RSTStormWindow: time.Second,
		CloseLinger:    2 * time.Second,
	}
}

// Analysis flags, one bit per Wireshark tcp.analysis.* flag.
type Flags uint32

// Flag bits. Retransmission is also set with FastRetransmission and
// SpuriousRetransmission, as Wireshark does.
const (
	FRetransmission Flags = 1 << iota
	FFastRetransmission
	FSpuriousRetransmission
	FOutOfOrder
	FDupAck
	FLostSegment
	FAckLostSegment
	FZeroWindow
	FZeroWindowProbe
	FZeroWindowProbeAck
	FWindowFull
	FKeepAlive
	FKeepAliveAck
	FWindowUpdate
	// FReusedPorts: a SYN with another ISN than its side's first (a new
	// conversation on the port pair), or a SYN/ACK with another sequence
	// number than before (the side's base moves; the conversation stays).
	FReusedPorts

	// NumFlags is the number of flag bits.
	NumFlags = iota
)

// Stats counts what the analyzer saw.
type Stats struct {
	Packets     uint64
	Connections uint64
	Flags       [NumFlags]uint64 // frames per flag bit
	RTT         metrics.Hist
	HandshakeMs metrics.Hist
}

// Analyzer analyses TCP packets in capture order. It is not safe for
// concurrent use.
type Analyzer struct {
	cfg    Config
	flows  *flow.Table[flow.Key, conn]
	sink   event.Sink
	onFlow func(*event.FlowRecord)
	ev     event.Event
	rec    event.FlowRecord

	rsts []int64 // ring of the last RSTStormCount RST times
	// Per-flow figures are taken from pools when a flow first needs them
	// and returned when its record is written, so flows coming and going
	// allocate nothing in the steady state.
	rings     pool[segRing]
	hists     pool[metrics.Hist]
	timelines pool[timeline]
	// The record's parts, their memory reused from record to record.
	timeline event.Timeline
	hist     []event.HistBucket
	events   map[string]uint64
	rttStats event.RTTStats
	hsRTT    float64
	// closed queues closed connections, oldest close first, until their
	// records are written (CloseLinger).
	closed     []closedRef
	closedHead int
	// buried holds the graves of closed connections whose records are
	// written, encoded (closed.go, grave.go).
	buried   *flow.Archive
	graveBuf []byte // a grave being encoded
	rstNext  int
	rstStorm bool

	Stats Stats
}

// New returns an Analyzer that reports events to sink and, when onFlow is not
// nil, a record per connection when it ends. The record passed to onFlow is
// reused, with what it points to: onFlow must not keep any of it (Clone).
func New(cfg Config, sink event.Sink, onFlow func(*event.FlowRecord)) *Analyzer {
	a := &Analyzer{cfg: cfg, sink: sink, onFlow: onFlow, events: make(map[string]uint64, event.NumTypes)}
	if cfg.RSTStormCount > 1 {
		a.rsts = make([]int64, cfg.RSTStormCount)
	}
	a.flows = flow.NewTable[flow.Key, conn](int64(cfg.IdleTimeout), cfg.MaxFlows, a.endFlow)
	a.buried = flow.NewArchive(int64(cfg.IdleTimeout), cfg.MaxFlows)
	return a
}

// Live is the number of connections in the table now.
func (a *Analyzer) Live() int { return a.flows.Len() }

// Evicted reports connections ended early because they were idle or the
// table was full.
func (a *Analyzer) Evicted() (idle, capacity uint64) {
	return a.flows.Evicted.Idle, a.flows.Evicted.Capacity
}

// Flush ends every live connection, writing its flow record.
func (a *Analyzer) Flush() { a.flows.Flush() }

const (
	ringSize = 32
	// fastRetransWindow is Wireshark's limit between the last dup ACK and
	// a fast retransmission.
	fastRetransWindow = 20 * int64(time.Millisecond)
	// oooDefault is the out-of-order threshold before the first RTT is known.
	oooDefault = 3 * int64(time.Millisecond)
)

type seg struct {
	end     Seq
	ts      int64
	retrans bool
}

// half is the state of one direction, named after the sender. As in
// Wireshark, a sequence value of 0 in nextSeq, maxToAck and lastAck means
// "not known yet".
type half struct {
	// seqState is what a late packet's analysis needs; it outlives the
	// rest when the connection is buried (closed.go).
	seqState
	synRetries int
	mss        uint16

	packets, bytes, payload uint64

	// ring holds sent, unacknowledged segments for RTT samples; it is
	// taken from the analyzer's pool on the first data segment, so flows
	// that never carry data (scans, SYN floods) stay small.
	ring         *segRing
	syn          seg // the SYN (or SYN/ACK) awaiting its ACK
	synPending   bool
	tripleFor    Seq
	tripleSet    bool
	waitSince    int64
	stallPending bool
}

// seqState is a direction's sequence, acknowledgement and window state.
type seqState struct {
	baseSeq       Seq
	nextSeq       Seq
	maxToAck      Seq
	lastAck       Seq
	nextSeqTime   int64
	lastAckTime   int64
	lastNonDupAck uint64
	dupAcks       uint32 // 0xffffffff after an ACK of unseen data, as Wireshark keeps it
	window        uint32 // raw header value; 0xffffffff before the first packet
	winScale      int8   // -1 unknown, -2 known unused, else shift
	isFirstAck    bool   // window still from a SYN: not scaled
	baseSet       bool
	lastFlags     Flags

	synSeen bool
	isn     Seq
	finSeen bool
	rstSeen bool
}

// reusedBy reports whether p, sent by this side, is a SYN with another ISN
// than the one this side started with: a new conversation on the port pair
// (Wireshark: "TCP port numbers reused"). The base is known once the side
// sent anything or the other side acknowledged it.
func (s *seqState) reusedBy(p *decode.Packet) bool {
	synOnly := p.TCP.Flags&(decode.FlagSYN|decode.FlagACK) == decode.FlagSYN
	return synOnly && s.baseSet && Seq(p.TCP.Seq) != s.baseSeq
}

// connState is the connection-wide part of what a late packet's analysis
// needs: the handshake's progress and the RTT estimate.
type connState struct {
	firstSYN int64 // first SYN, for the handshake state
	mruSYN   int64 // most recent SYN (Wireshark's ts_mru_syn)
	synAck   bool
	// firstRTT is SYN → first ACK (Wireshark's ts_first_rtt): the
	// out-of-order window, and 0 until measured. A late packet needs it:
	// without it the first ACK after a burial would measure it again,
	// from the SYN to that ACK.
	firstRTT int64

	srtt, rttvar float64 // ns, RFC 6298
	hasRTT       bool    // srtt and rttvar hold an estimate
}

type conn struct {
	stream    uint64 // the flow table's stream id, for events
	h         [2]half
	addr      [2]netip.Addr // sender of direction i
	port      [2]uint16
	initiator int
	connState

	// handshook: firstRTT timed a round trip (handshake_rtt_ms).
	handshook bool

	rtt    *metrics.Hist
	newRTT int64 // the sample the packet being analysed gave, ns; -1 for none
	// closedQueued: the connection is in Analyzer.closed; recorded: its
	// record was written when it was buried (it resumed from its grave).
	closedQueued, recorded bool

	tl *timeline // from the first payload or RTT sample on

	retrans, loss uint64
	counts        [event.NumTypes]uint32

	seen metrics.Seen // the traffic metrics' addresses this connection counted
}

// Packet analyses one decoded TCP packet. It reports whether the packet
// came from the connection's initiator, whether it started a new stream, and
// the connection's record of the addresses the traffic metrics counted for
// it (valid until the next call).
func (a *Analyzer) Packet(p *decode.Packet) (fromInitiator, opened bool, seen *metrics.Seen) {
	a.Stats.Packets++
	a.finishClosed(p.TS)
	k, fwd := flow.MakeKey(p.Src, p.Dst, p.SrcPort, p.DstPort, 6)
	d := 0
	if !fwd {
		d = 1
	}
	e := a.flows.Find(k, p.TS)
	created, reused := false, false
	if e == nil {
		e, created, reused = a.open(k, p, d)
	}
	if !created && e.State.h[d].reusedBy(p) {
		e = a.flows.Replace(e, p.TS)
		created, reused = true, true
	}
	c := &e.State
	if created {
		a.Stats.Connections++
		c.init(p, d)
		c.stream = e.Stream
	}
	a.analyse(e, c, p, d, reused)
	return c.initiator == d, created, &c.seen
}

func (c *conn) init(p *decode.Packet, d int) {
	c.addr[d], c.port[d] = p.Src, p.SrcPort
	c.addr[1-d], c.port[1-d] = p.Dst, p.DstPort
	c.initiator = d
	if p.TCP.Flags&(decode.FlagSYN|decode.FlagACK) == decode.FlagSYN|decode.FlagACK {
		c.initiator = 1 - d
	}
	for i := range c.h {
		c.h[i].winScale = -1
		c.h[i].window = 0xffffffff
	}
	c.newRTT = -1
}

// analyse analyses p, sent by side d of c; reused says that p, a SYN,
// started c as a new conversation on the port pair.
func (a *Analyzer) analyse(e *flow.Entry[flow.Key, conn], c *conn, p *decode.Packet, d int, reused bool) {
	t := &p.TCP
	f, r := &c.h[d], &c.h[1-d]
	seq, ack := Seq(t.Seq), Seq(t.Ack)
	seglen := p.PayloadLen
	flags := t.Flags
	hasACK := flags&decode.FlagACK != 0
	now := p.TS

	f.packets++
	f.bytes += uint64(p.OrigLen)
	f.payload += uint64(seglen)

	// An ACK stall shows on the first packet after it, before that
	// packet's ACK (which may end it) is applied.
	a.checkStall(c, p, d)

	synOnly := flags&(decode.FlagSYN|decode.FlagACK) == decode.FlagSYN
	synAck := flags&(decode.FlagSYN|decode.FlagACK) == decode.FlagSYN|decode.FlagACK
	// Relative sequence bases (Wireshark shows the first non-SYN as 1).
	switch {
	case !f.baseSet:
		f.baseSet = true
		f.baseSeq = seq
		if flags&decode.FlagSYN == 0 {
			f.baseSeq = seq - 1
		}
	case synOnly && seq == f.baseSeq:
		// A retransmitted SYN: Wireshark rewinds nextseq so that the
		// checks below see it as a retransmission.
		f.nextSeq = f.maxToAck
	case synAck && seq != f.baseSeq:
		f.baseSeq = seq
		reused = true
	}
	if !r.baseSet && hasACK {
		r.baseSet = true
		r.baseSeq = ack - 1
	}

	fl := a.classify(c, f, r, seq, ack, seglen, flags, uint32(t.Window), p.Frame, now)
	if reused {
		fl |= FReusedPorts
	}

	// Remember what this segment tells about the flow (Wireshark steps M–P).
	nextSeq := seq.Add(seglen)
	if (seglen > 0 || flags&(decode.FlagSYN|decode.FlagFIN) != 0) && flags&(decode.FlagSYN|decode.FlagFIN) != 0 {
		nextSeq++
	}
	advanced := false
	if (nextSeq.GT(f.nextSeq) || f.nextSeq == 0) && fl&FZeroWindowProbe == 0 {
		advanced = true
		f.nextSeq, f.nextSeqTime = nextSeq, now
	}
	if (seq == f.maxToAck || f.maxToAck == 0) && fl&FZeroWindowProbe == 0 {
		f.maxToAck = f.nextSeq
	}
	f.window = uint32(t.Window)
	f.lastAck = ack
	f.lastAckTime = now
	f.lastFlags = fl

	a.trackSegments(c, f, r, seq, nextSeq, fl, advanced, seglen > 0 || flags&(decode.FlagSYN|decode.FlagFIN) != 0,
		flags&decode.FlagSYN != 0 && seglen == 0, now)
	if hasACK {
		a.ackSegments(c, r, f, ack, now)
	}
	a.count(fl)
	a.emitFlags(e, c, p, d, fl)
	// Options are applied after the analysis, as Wireshark does.
	a.handshake(c, p, d)
	a.inferLoss(e, c, p, d, fl)
	a.teardown(e, c, p, d)
	a.noteTimeline(c, p, d, fl)
	a.noteClosed(e, c)
}

func (a *Analyzer) count(fl Flags) {
	for i := 0; fl != 0; i++ {
		if fl&1 != 0 {
			a.Stats.Flags[i]++
		}
		fl >>= 1
	}
}

// classify decides the Wireshark analysis flags of one segment, in the order
// and with the conditions of tcp_analyze_sequence_number (Wireshark 4.0,
// steps A–L of docs/wireshark-tcp.md). It updates the dup-ACK counters.
func (a *Analyzer) classify(c *conn, f, r *half, seq, ack Seq, seglen int, flags uint8, win uint32, frame uint64, now int64) Flags {
	var fl Flags
	sfr := flags&(decode.FlagSYN|decode.FlagFIN|decode.FlagRST) != 0
	if seglen == 1 && seq == f.nextSeq && r.window == 0 {
		fl |= FZeroWindowProbe
	} else {
		if win == 0 && !sfr {
			fl |= FZeroWindow
		}
		if f.nextSeq != 0 && seq.GT(f.nextSeq) && flags&decode.FlagRST == 0 {
			fl |= FLostSegment
		}
		if seglen <= 1 && seq == f.nextSeq-1 && !sfr {
			fl |= FKeepAlive
		}
		same := seglen == 0 && seq == f.nextSeq && ack == f.lastAck && !sfr
		if same && win != 0 && win != f.window {
			fl |= FWindowUpdate
		}
		if seglen > 0 && r.winScale != -1 && !sfr {
			shift := uint(0)
			if !r.isFirstAck && r.winScale >= 0 {
				shift = uint(r.winScale)
			}
			if seq.Add(seglen) == r.lastAck+Seq(r.window<<shift) {
				fl |= FWindowFull
			}
		}
		switch {
		case same && win != 0 && win == f.window && r.lastFlags&FKeepAlive != 0:
			fl |= FKeepAliveAck
		case same && win == 0 && win == f.window && r.lastFlags&FZeroWindowProbe != 0:
			fl |= FZeroWindowProbeAck
		case same && win != 0 && win == f.window:
			if f.dupAcks == 0xffffffff {
				f.dupAcks = 1
			} else {
				f.dupAcks++
			}
			fl |= FDupAck
		}
	}
	if ack != f.lastAck {
		f.lastNonDupAck = frame
		f.dupAcks = 0
	}
	if r.maxToAck != 0 && ack.GT(r.maxToAck) && flags&decode.FlagACK != 0 {
		if r.maxToAck.LT(r.nextSeq) {
			r.maxToAck = r.nextSeq
			fl |= FAckLostSegment
		} else {
			if r.dupAcks == 0 {
				fl |= FAckLostSegment
			}
			r.dupAcks = 0xffffffff
		}
	}
	if (seglen > 0 || flags&(decode.FlagSYN|decode.FlagFIN) != 0) && fl&FKeepAlive == 0 {
		notAdvanced := f.nextSeq != 0 && seq.LT(f.nextSeq)
		if seglen > 1 && f.nextSeq-1 == seq {
			notAdvanced = false
		}
		end := seq.Add(seglen)
		if flags&(decode.FlagSYN|decode.FlagFIN) != 0 {
			end++
		}
		// Time differences are compared unsigned, as Wireshark does: a
		// timestamp going backwards never counts as "within".
		thr := uint64(oooDefault)
		if c.firstRTT != 0 {
			thr = uint64(c.firstRTT)
		}
		switch {
		case seglen > 0 && r.lastAck != 0 && seq.Add(seglen).LE(r.lastAck):
			fl |= FSpuriousRetransmission | FRetransmission
		case notAdvanced && r.dupAcks >= 2 && r.lastAck == seq && uint64(now-r.lastAckTime) < uint64(fastRetransWindow):
			fl |= FFastRetransmission | FRetransmission
		case notAdvanced && uint64(now-f.nextSeqTime) < thr && f.nextSeq != end:
			fl |= FOutOfOrder
		case notAdvanced:
			fl |= FRetransmission
		}
	}
	return fl
}

// handshake applies what SYNs and options say, after the analysis of the
// packet as Wireshark does: window scaling, MSS, the initial RTT, SYN retries.
func (a *Analyzer) handshake(c *conn, p *decode.Packet, d int) {
	t := &p.TCP
	f, r := &c.h[d], &c.h[1-d]
	syn := t.Flags&decode.FlagSYN != 0
	hasACK := t.Flags&decode.FlagACK != 0
	if t.WScale >= 0 {
		f.winScale = t.WScale
	}
	if syn {
		f.isFirstAck = true
		// Wireshark's verify_tcp_window_scaling: a SYN without the
		// option means neither side scales; a SYN/ACK with it after a
		// SYN without it means the same.
		if f.winScale == -1 {
			f.winScale, r.winScale = -2, -2
		} else if hasACK && r.winScale == -2 {
			f.winScale = -2
		}
		if t.MSS != 0 {
			f.mss = t.MSS
		}
	} else if hasACK {
		f.isFirstAck = false
		if c.mruSYN != 0 && c.firstRTT == 0 {
			c.firstRTT = p.TS - c.mruSYN
			// firstRTT is Wireshark's ts_first_rtt, set by the first
			// ACK after a SYN from either side. It times a round trip
			// (the handshake's, or a refusal's) unless the SYN's own
			// side sent it as an RST: that one gives up on SYNs nobody
			// answered (nDPI's alexa-app.pcapng: an RST/ACK a minute
			// after the last SYN, where tshark shows no initial RTT).
			giveUp := t.Flags&decode.FlagRST != 0 && d == c.initiator
			if c.firstRTT > 0 && !giveUp {
				c.handshook = true
				a.Stats.HandshakeMs.Add(c.firstRTT)
			}
		}
	}
	if !syn {
		return
	}
	if hasACK {
		c.synAck = true
		return
	}
	c.mruSYN = p.TS
	if c.firstSYN == 0 {
		c.firstSYN = p.TS
	}
	seq := Seq(t.Seq)
	if f.synSeen && seq == f.isn && !c.synAck {
		f.synRetries++
		a.emit(c, p, d, event.HandshakeAnomaly, event.Warn, func(x *event.Extra) {
			x.Reason = "syn_retry"
			x.Retry = f.synRetries
		})
	}
	f.synSeen, f.isn = true, seq
}

// segRing is a FIFO of sent segments in sequence order.
type segRing struct {
	s       [ringSize]seg
	head, n int
}

func (r *segRing) push(sg seg) {
	if r.n == ringSize {
		// Full: forget the oldest; it just gives no RTT sample.
		r.head = (r.head + 1) % ringSize
		r.n--
	}
	r.s[(r.head+r.n)%ringSize] = sg
	r.n++
}

// outstanding is the number of data segments of h awaiting an ACK.
func (h *half) outstanding() int {
	if h.ring == nil {
		return 0
	}
	return h.ring.n
}

// trackSegments keeps the sent, not yet acknowledged segments of f for RTT
// measurement and marks retransmitted ones (Karn's rule). A SYN is kept
// apart from the ring.
func (a *Analyzer) trackSegments(c *conn, f, r *half, seq, nextSeq Seq, fl Flags, advanced, occupies, isSYN bool, now int64) {
	if !occupies {
		return
	}
	if fl&(FRetransmission|FOutOfOrder) != 0 || !advanced {
		if f.synPending && f.syn.end.GT(seq) {
			f.syn.retrans = true
		}
		if f.ring != nil {
			for i := 0; i < f.ring.n; i++ {
				s := &f.ring.s[(f.ring.head+i)%ringSize]
				if s.end.GT(seq) {
					s.retrans = true
				}
			}
		}
		return
	}
	if isSYN {
		f.syn, f.synPending = seg{end: nextSeq, ts: now}, true
		return
	}
	if f.ring == nil {
		if c.recorded {
			return // no more RTT samples once the record is written
		}
		f.ring = a.rings.get()
	}
	f.ring.push(seg{end: nextSeq, ts: now})
	if f.waitSince == 0 {
		f.waitSince = now
	}
}

// ackSegments removes the segments of s that ack covers and takes an RTT
// sample from the newest of them unless it was retransmitted.
func (a *Analyzer) ackSegments(c *conn, s, acker *half, ack Seq, now int64) {
	var newest *seg
	if s.synPending && s.syn.end.LE(ack) {
		newest = &s.syn
		s.synPending = false
	}
	if r := s.ring; r != nil {
		for r.n > 0 {
			sg := &r.s[r.head]
			if sg.end.GT(ack) {
				break
			}
			newest = sg
			r.head = (r.head + 1) % ringSize
			r.n--
		}
		if newest != nil && newest != &s.syn {
			s.waitSince = now
			s.stallPending = false
		}
		if r.n == 0 {
			s.waitSince = 0
		}
	}
	if newest != nil && !newest.retrans {
		a.addRTT(c, now-newest.ts)
		a.Stats.RTT.Add(now - newest.ts)
	}
}

func (a *Analyzer) addRTT(c *conn, ns int64) {
	if ns < 0 {
		return
	}
	if !c.recorded {
		if c.rtt == nil {
			c.rtt = a.hists.get()
		}
		c.rtt.Add(ns)
		c.newRTT = ns
	}
	// RFC 6298 §2.2 and §2.3 with alpha 1/8, beta 1/4.
	v := float64(ns)
	if !c.hasRTT {
		c.srtt, c.rttvar, c.hasRTT = v, v/2, true
		return
	}
	diff := c.srtt - v
	if diff < 0 {
		diff = -diff
	}
	c.rttvar = 0.75*c.rttvar + 0.25*diff
	c.srtt = 0.875*c.srtt + 0.125*v
}

// emitFlags turns analysis flags into events.
func (a *Analyzer) emitFlags(e *flow.Entry[flow.Key, conn], c *conn, p *decode.Packet, d int, fl Flags) {
	if fl == 0 {
		return
	}
	switch {
	case fl&FFastRetransmission != 0:
		c.retrans++
		a.emit(c, p, d, event.FastRetransmission, event.Warn, nil)
	case fl&FSpuriousRetransmission != 0:
		c.retrans++
		a.emit(c, p, d, event.SpuriousRetransmission, event.Warn, nil)
	case fl&FRetransmission != 0:
		c.retrans++
		a.emit(c, p, d, event.Retransmission, event.Warn, nil)
	}
	if fl&FOutOfOrder != 0 {
		a.emit(c, p, d, event.OutOfOrder, event.Warn, nil)
	}
	if fl&FDupAck != 0 {
		f := &c.h[d]
		a.emit(c, p, d, event.DupAck, event.Info, func(x *event.Extra) {
			x.DupAckCount = int(f.dupAcks)
			x.DupAckOfFrame = f.lastNonDupAck
		})
	}
	if fl&FLostSegment != 0 {
		a.emit(c, p, d, event.LostSegment, event.Warn, nil)
	}
	if fl&FAckLostSegment != 0 {
		a.emit(c, p, d, event.AckUnseen, event.Info, nil)
	}
	if fl&FZeroWindow != 0 {
		a.emit(c, p, d, event.ZeroWindow, event.Warn, nil)
	}
	if fl&FZeroWindowProbe != 0 {
		a.emit(c, p, d, event.ZeroWindowProbe, event.Info, nil)
	}
	if fl&FWindowFull != 0 {
		a.emit(c, p, d, event.WindowFull, event.Warn, nil)
	}
	if fl&FKeepAlive != 0 {
		a.emit(c, p, d, event.KeepAlive, event.Info, nil)
	}
}

// inferLoss raises loss_infer: a third dup ACK (once per ACK value), a
// retransmission no dup ACK asked for, and an ACK stall.
func (a *Analyzer) inferLoss(e *flow.Entry[flow.Key, conn], c *conn, p *decode.Packet, d int, fl Flags) {
	f, r := &c.h[d], &c.h[1-d]
	if fl&FDupAck != 0 && f.dupAcks >= 3 && f.dupAcks != 0xffffffff && !(f.tripleSet && f.tripleFor == f.lastAck) {
		f.tripleFor, f.tripleSet = f.lastAck, true
		c.loss++
		a.emit(c, p, d, event.LossInfer, event.Warn, func(x *event.Extra) {
			x.Reason = "triple_dup_ack"
			x.DupAckCount = int(f.dupAcks)
			x.DupAckOfFrame = f.lastNonDupAck
		})
	}
	if fl&FRetransmission != 0 && fl&(FFastRetransmission|FSpuriousRetransmission) == 0 && (r.dupAcks == 0 || r.dupAcks == 0xffffffff) &&
		p.TCP.Flags&decode.FlagSYN == 0 {
		c.loss++
		a.emit(c, p, d, event.LossInfer, event.Warn, func(x *event.Extra) {
			x.Reason = "retransmission_without_dup_acks"
		})
	}
}

// checkStall raises loss_infer/ack_stall when data of either direction has
// been outstanding with no ACK progress for longer than max(StallMin,
// StallRTTFactor × SRTT): once per stall. A SYN nobody answered is a
// handshake anomaly, not a stall.
func (a *Analyzer) checkStall(c *conn, p *decode.Packet, d int) {
	if c.firstSYN != 0 && !c.synAck {
		return
	}
	thr := float64(a.cfg.StallMin)
	if v := a.cfg.StallRTTFactor * c.srtt; v > thr {
		thr = v
	}
	for i := range c.h {
		s := &c.h[i]
		// The ring (another cache line) last: most packets stop earlier.
		if s.waitSince == 0 || s.stallPending || s.outstanding() == 0 {
			continue
		}
		if stall := float64(p.TS - s.waitSince); stall > thr {
			s.stallPending = true
			c.loss++
			a.emit(c, p, d, event.LossInfer, event.Critical, func(x *event.Extra) {
				x.Reason = "ack_stall"
				x.StallMs = stall / 1e6
				x.ThresholdMs = thr / 1e6
			})
		}
	}
}

// teardown raises teardown_anomaly for RST storms: RSTStormCount RSTs within
// RSTStormWindow, once per storm.
func (a *Analyzer) teardown(e *flow.Entry[flow.Key, conn], c *conn, p *decode.Packet, d int) {
	flags := p.TCP.Flags
	if flags&decode.FlagFIN != 0 {
		c.h[d].finSeen = true
	}
	if flags&decode.FlagRST == 0 {
		return
	}
	c.h[d].rstSeen = true
	if len(a.rsts) == 0 {
		return
	}
	// The ring holds the last RSTStormCount RST times; after writing this
	// one, the next slot is the oldest of them.
	a.rsts[a.rstNext] = p.TS
	a.rstNext = (a.rstNext + 1) % len(a.rsts)
	oldest := a.rsts[a.rstNext]
	inWindow := oldest != 0 && p.TS-oldest <= int64(a.cfg.RSTStormWindow)
	if !inWindow {
		a.rstStorm = false
		return
	}
	if a.rstStorm {
		return
	}
	a.rstStorm = true
	a.emit(c, p, d, event.TeardownAnomaly, event.Critical, func(x *event.Extra) {
		x.Reason = "rst_storm"
		x.Count = len(a.rsts)
		x.ThresholdMs = float64(a.cfg.RSTStormWindow) / 1e6
	})
}

// emit fills the analyzer's event with the packet's fields and hands it to
// the sink. fill, if not nil, sets the type-specific extra figures.
func (a *Analyzer) emit(c *conn, p *decode.Packet, d int, typ event.Type, sev event.Severity, fill func(*event.Extra)) {
	if int(typ) < len(c.counts) {
		c.counts[typ]++
	}
	if a.sink == nil {
		return
	}
	f, r := &c.h[d], &c.h[1-d]
	ev := &a.ev
	*ev = event.Event{
		TS: p.TS, Frame: p.Frame, Type: typ, Severity: sev, Proto: event.TCP, Stream: c.stream,
		Src: p.Src, Dst: p.Dst, SrcPort: p.SrcPort, DstPort: p.DstPort,
		Seq: p.TCP.Seq - uint32(f.baseSeq), Len: p.PayloadLen,
	}
	if p.TCP.Flags&decode.FlagACK != 0 && r.baseSet {
		ev.Ack = p.TCP.Ack - uint32(r.baseSeq)
	}
	x := &ev.Extra
	x.HasAbs, x.AbsSeq, x.AbsAck = true, p.TCP.Seq, p.TCP.Ack
	if c.hasRTT {
		x.HasRTT, x.SRTTms, x.RTTVARms = true, c.srtt/1e6, c.rttvar/1e6
	}
	if r.lastAck != 0 && f.nextSeq != 0 {
		x.HasBIF, x.BytesInFlight = true, int64(f.nextSeq.Diff(r.lastAck))
		if x.BytesInFlight < 0 {
			x.BytesInFlight = 0
		}
	}
	x.HasWindow = true
	x.Window = int64(p.TCP.Window)
	if f.winScale >= 0 && p.TCP.Flags&decode.FlagSYN == 0 {
		x.Window <<= uint(f.winScale)
	}
	for i := 0; i < int(p.TCP.NSACK); i++ {
		x.SACK[i] = [2]uint32{p.TCP.SACK[i].Left - uint32(r.baseSeq), p.TCP.SACK[i].Right - uint32(r.baseSeq)}
	}
	x.NSACK = p.TCP.NSACK
	if fill != nil {
		fill(x)
	}
	a.sink.Event(ev)
}

// Name returns Wireshark's name for a single flag bit (tcp.analysis.NAME).
func (f Flags) Name() string {
	switch f {
	case FRetransmission:
		return "retransmission"
	case FFastRetransmission:
		return "fast_retransmission"
	case FSpuriousRetransmission:
		return "spurious_retransmission"
	case FOutOfOrder:
		return "out_of_order"
	case FDupAck:
		return "duplicate_ack"
	case FLostSegment:
		return "lost_segment"
	case FAckLostSegment:
		return "ack_lost_segment"
	case FZeroWindow:
		return "zero_window"
	case FZeroWindowProbe:
		return "zero_window_probe"
	case FZeroWindowProbeAck:
		return "zero_window_probe_ack"
	case FWindowFull:
		return "window_full"
	case FKeepAlive:
		return "keep_alive"
	case FKeepAliveAck:
		return "keep_alive_ack"
	case FWindowUpdate:
		return "window_update"
	case FReusedPorts:
		return "reused_ports"
	}
	return "unknown"
}
