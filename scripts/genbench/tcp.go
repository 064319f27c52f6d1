package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// TCP flag bits as on the wire.
const (
	fFIN = 1 << 0
	fSYN = 1 << 1
	fRST = 1 << 2
	fPSH = 1 << 3
	fACK = 1 << 4
)

type pktKind uint8

const (
	kTCP pktKind = iota
	kDNSQuery
	kDNSResp
)

// pkt is one frame a connection will write, kept small: its bytes are only
// built when it is written.
type pkt struct {
	ts         int64
	seq, ack   uint32
	plen       int32
	win        uint16
	kind       pktKind
	flags      uint8
	nsack      uint8
	fromClient bool
	synOpts    bool // SYN options (MSS, SACK permitted, timestamps, window scale)
	retx       bool // repeats sequence space the capture saw: for Stats
	dup        bool // duplicate ACK: for Stats
	sack       [3][2]uint32
}

// seqLT compares sequence numbers modulo 2^32 (RFC 793 §3.3).
func seqLT(a, b uint32) bool { return int32(a-b) < 0 }

type span struct{ lo, hi uint32 }

type hole struct {
	seq     uint32
	ln      int
	retries int
}

// stream is one direction's byte stream, with both ends' state: the
// sender's (nxt, cwnd, recovery) and the receiver's (rcvNxt, out-of-order
// data). Losses are decided as segments pass, so the sender's SACK
// scoreboard is simply the receiver's state.
type stream struct {
	isn, nxt, end uint32
	capMax        uint32 // highest seq+len the capture saw from this sender
	capSeen       bool
	cwnd          int
	ssthresh      int
	recovering    bool
	resend        int // holes to retransmit at the start of the next round
	backoff       uint
	lastSend      int64
	pUp, pDown    float64 // loss before / after the capture point
	rcvNxt        uint32
	ooo           []span // received above rcvNxt, sorted
	newest        int    // index in ooo of the range last extended
	holes         []hole // sent, not received, in sequence order
	delack        int    // segments received, not yet ACKed
	// The current message's first sequence number and, on port 80, its
	// HTTP head (the rest of each message is opaque bytes).
	msgStart uint32
	httpHead []byte
}

type connKind uint8

const (
	ckWeb      connKind = iota // keep-alive request/response
	ckBulk                     // one request, a large download
	ckUpload                   // a large upload, a small answer
	ckShort                    // one exchange, then the server resets
	ckRefused                  // SYN answered by RST
	ckNoAnswer                 // SYN retried, never answered
)

type phase uint8

const (
	phStart phase = iota
	phMessage
	phRound
	phClose
	phDone
)

// conn is one TCP connection (with the DNS lookup before it), simulated a
// step at a time: the handshake, each round trip of each message, the
// teardown. A step appends the frames it causes to buf, in time order.
type conn struct {
	kind       connKind
	phase      phase
	at         int64 // when the next step starts
	buf        []pkt
	head       int
	cli, srv   *host
	resolver   *host
	v6         bool
	cport      uint16
	sport      uint16
	legC, legS int64 // capture↔client and capture↔server round trips
	gap        int64 // bottleneck time of one full segment
	mss        int
	sackOK     bool
	tsOK       bool
	ws         [2]int8   // window scale shift per side (-1: not negotiated)
	win        [2]uint16 // advertised window field per side
	rwnd       [2]int    // receive window in bytes per side
	tsOff      [2]uint32
	s          [2]stream // 0: client→server, 1: server→client
	lastAck    [2]uint32 // last ACK value each side sent
	synRetries int
	// message plan
	txLeft   int
	inResp   bool // the next message is the response of a transaction
	dir      int  // sender of the current message
	piggy    bool // the current message's last ACK rides on the answer
	lastData int64
	// dns
	dnsPort uint16
	dnsID   uint16
	dnsLost bool
}

func newConn(g *gen, at int64) *conn {
	c := &conn{at: at}
	r := g.rng.Float64()
	switch {
	case r < 0.72:
		c.kind = ckWeb
	case r < 0.84:
		c.kind = ckBulk
	case r < 0.88:
		c.kind = ckUpload
	case r < 0.92:
		c.kind = ckShort
	case r < 0.97:
		c.kind = ckRefused
	default:
		c.kind = ckNoAnswer
	}
	p := &g.plan
	c.v6 = g.chance(0.12)
	if c.v6 {
		c.cli, c.srv, c.resolver = &p.cli6[g.rng.IntN(len(p.cli6))], &p.srv6[g.rng.IntN(len(p.srv6))], &p.dns6
	} else {
		c.cli, c.srv, c.resolver = &p.cli4[g.rng.IntN(len(p.cli4))], &p.srv4[g.rng.IntN(len(p.srv4))], &p.dns4
	}
	c.cport = c.cli.ephemeral()
	switch c.kind {
	case ckWeb:
		c.sport = 443
		if g.chance(0.15) {
			c.sport = 80
		}
		// Mostly short keep-alive sessions, some long ones.
		c.txLeft = 1 + int(g.rng.ExpFloat64()*5)
	case ckUpload:
		c.sport, c.txLeft = 443, 1
	case ckRefused:
		c.sport = []uint16{25, 3389, 5432, 8443}[g.rng.IntN(4)]
	case ckNoAnswer:
		c.sport = []uint16{443, 8080}[g.rng.IntN(2)]
	default:
		c.sport, c.txLeft = 443, 1
	}
	// The capture sits near the clients: a short LAN/Wi-Fi leg, a longer
	// and more varied WAN leg.
	c.legC = us(g.uniform(80, 1500))
	c.legS = ms(g.logNormal(22, 0.9, 1.5, 300))
	rate := g.logNormal(60e6, 1, 4e6, 900e6) // bottleneck, bit/s
	c.mss = 1448
	if c.v6 {
		c.mss = 1428
	}
	c.gap = int64(float64(c.mss+52) * 8 / rate * 1e9)
	c.sackOK = g.chance(0.95)
	c.tsOK = g.chance(0.85)
	if c.tsOK {
		c.mss -= 12
	}
	c.ws = [2]int8{-1, -1}
	if !g.chance(0.05) {
		c.ws = [2]int8{int8(7 + g.rng.IntN(3)), int8(7 + g.rng.IntN(4))}
	}
	c.rwnd[0] = int(g.logNormal(2<<20, 0.6, 256<<10, 6<<20))   // client receives
	c.rwnd[1] = int(g.logNormal(512<<10, 0.6, 128<<10, 3<<20)) // server receives
	for i := range c.win {
		if c.ws[i] < 0 {
			c.rwnd[i] = 65535
			c.win[i] = 65535
			continue
		}
		raw := min(c.rwnd[i]>>c.ws[i], 65535)
		c.win[i] = uint16(raw)
		c.rwnd[i] = raw << c.ws[i]
	}
	// Loss per segment: most paths clean, some lossy, a few bad.
	var loss float64
	switch r := g.rng.Float64(); {
	case r < 0.25:
		loss = g.logNormal(0.003, 0.8, 0.0005, 0.01)
	case r < 0.35:
		loss = g.logNormal(0.015, 0.6, 0.005, 0.05)
	}
	for d := range c.s {
		s := &c.s[d]
		s.isn = g.rng.Uint32()
		s.nxt, s.end, s.rcvNxt = s.isn, s.isn, s.isn
		s.cwnd, s.ssthresh = 10, math.MaxInt32
	}
	c.s[0].pUp, c.s[0].pDown = loss*0.1, loss*0.9 // client→server: mostly beyond the capture
	c.s[1].pUp, c.s[1].pDown = loss*0.6, loss*0.4 // server→client: mostly on the WAN
	c.tsOff = [2]uint32{g.rng.Uint32(), g.rng.Uint32()}
	if g.chance(0.5) {
		c.dnsPort = c.cli.ephemeral()
		c.dnsID = uint16(g.rng.Uint32())
		c.dnsLost = g.chance(0.02)
	}
	return c
}

func (c *conn) next(g *gen) (int64, bool) {
	for c.head >= len(c.buf) {
		if c.phase == phDone {
			return 0, false
		}
		c.buf, c.head = c.buf[:0], 0
		c.step(g)
		// Frames of one step are generated per cause; sort them by time
		// (insertion sort: they are nearly ordered; stable, so frames of
		// one side keep their order).
		b := c.buf
		for i := 1; i < len(b); i++ {
			for j := i; j > 0 && b[j].ts < b[j-1].ts; j-- {
				b[j], b[j-1] = b[j-1], b[j]
			}
		}
	}
	return c.buf[c.head].ts, true
}

func (c *conn) emit(g *gen) error {
	p := &c.buf[c.head]
	c.head++
	return g.w.conn(g, c, p)
}

func (c *conn) rtt() int64 { return c.legC + c.legS }

// leg is the round trip between the capture point and side's host.
func (c *conn) leg(side int) int64 {
	if side == 0 {
		return c.legC
	}
	return c.legS
}

func (c *conn) rto() int64 {
	return max(ms(200), c.rtt()*3) << min(c.s[c.dir].backoff, 6)
}

// add appends a TCP frame from side.
func (c *conn) add(ts int64, side int, flags uint8, seq uint32, plen int) *pkt {
	ack := c.s[1-side].rcvNxt
	if flags&fSYN != 0 && side == 0 {
		ack = 0
	}
	if flags&fACK != 0 {
		c.lastAck[side] = ack
		c.s[1-side].delack = 0 // any ACK covers what was pending
	}
	c.buf = append(c.buf, pkt{ts: ts, fromClient: side == 0, flags: flags, seq: seq, ack: ack, plen: int32(plen), win: c.win[side]})
	return &c.buf[len(c.buf)-1]
}

// step generates the frames of the connection's next step.
func (c *conn) step(g *gen) {
	switch c.phase {
	case phStart:
		c.handshake(g)
	case phMessage:
		c.startMessage(g)
	case phRound:
		c.round(g, c.at)
	case phClose:
		c.teardown(g)
	}
}

func (c *conn) handshake(g *gen) {
	t := c.at
	if c.dnsPort != 0 {
		c.buf = append(c.buf, pkt{ts: t, kind: kDNSQuery, fromClient: true})
		if c.dnsLost { // the resolver's answer never came: retry after 1 s
			t += int64(time.Second)
			c.buf = append(c.buf, pkt{ts: t, kind: kDNSQuery, fromClient: true})
		}
		t += ms(g.logNormal(6, 1, 0.3, 150))
		c.buf = append(c.buf, pkt{ts: t, kind: kDNSResp})
		t += us(g.uniform(50, 400))
	}
	c0, c1 := &c.s[0], &c.s[1]
	syn := func(t int64, retx bool) {
		p := c.add(t, 0, fSYN, c0.isn, 0)
		p.synOpts, p.retx = true, retx
		if !retx {
			c0.capMax, c0.capSeen = c0.isn+1, true
		}
	}
	syn(t, false)
	c0.nxt, c0.end, c0.rcvNxt = c0.isn+1, c0.isn+1, c0.isn+1
	switch c.kind {
	case ckRefused:
		c.add(t+c.legS, 1, fRST|fACK, 0, 0)
		c.phase = phDone
		return
	case ckNoAnswer:
		// Linux retries after 1 s, then 2 s more; this client gives up.
		syn(t+int64(time.Second), true)
		syn(t+3*int64(time.Second), true)
		c.phase = phDone
		return
	}
	if g.chance(0.015) { // the first SYN dies beyond the capture
		t += int64(time.Second)
		syn(t, true)
	}
	sa := c.add(t+c.legS, 1, fSYN|fACK, c1.isn, 0)
	sa.synOpts = true
	c1.nxt, c1.end, c1.rcvNxt = c1.isn+1, c1.isn+1, c1.isn+1
	c1.capMax, c1.capSeen = c1.isn+1, true
	t += c.legS + c.legC
	c.add(t, 0, fACK, c0.nxt, 0)
	c.lastData = t
	c.phase = phMessage
	c.at = t + us(g.uniform(20, 300))
	c.inResp = false
}

// startMessage picks the next message of the connection's plan, or its
// teardown, and runs its first round.
func (c *conn) startMessage(g *gen) {
	var size int
	var delay int64
	if c.inResp {
		c.dir = 1
		delay = ms(g.logNormal(3, 1.2, 0.1, 60)) // server think time
		switch c.kind {
		case ckBulk:
			size = int(g.logNormal(3e6, 1, 200e3, 40e6))
		case ckUpload:
			size = 200 + g.rng.IntN(400)
		default:
			size = int(g.logNormal(6e3, 1.4, 150, 4e6))
		}
		c.inResp = false
		c.txLeft--
	} else {
		if c.txLeft <= 0 {
			c.phase = phClose
			c.teardown(g)
			return
		}
		c.dir = 0
		if c.s[1].nxt != c.s[1].isn+1 { // not the first request
			delay = ms(g.logNormal(150, 1.5, 1, 5000)) // user think time
		}
		size = 200 + g.rng.IntN(1200)
		if c.kind == ckUpload {
			size = int(g.logNormal(1e6, 1, 100e3, 20e6))
		}
		c.inResp = true
	}
	s := &c.s[c.dir]
	s.msgStart = s.nxt
	s.end = s.nxt + uint32(size)
	if c.sport == 80 {
		s.httpHead = c.httpHead(s.httpHead[:0], size)
	}
	// Small requests are answered within the delayed-ACK time, so their
	// ACK rides on the first answer segment.
	c.piggy = c.dir == 0 && c.kind != ckUpload && g.chance(0.8)
	t := c.lastData + c.leg(c.dir) + delay
	t = max(t, c.at)
	// Slow-start restart after an idle period (RFC 5681 §4.1).
	if s.lastSend != 0 && t-s.lastSend > c.rto() {
		s.cwnd = min(s.cwnd, 10)
	}
	c.phase = phRound
	c.round(g, t)
}

// cwndCap bounds the window by the receiver's window and by about two
// bandwidth-delay products (the bottleneck queue would drop beyond).
func (c *conn) cwndCap() int {
	bdp := int(2*c.rtt()/max(c.gap, 1)) + 4
	return max(2, min(c.rwnd[1-c.dir]/c.mss, bdp, 400))
}

// round sends one window of the current message starting at t0, with the
// receiver's ACKs, and decides when and how the next round starts.
func (c *conn) round(g *gen, t0 int64) {
	d := c.dir
	s := &c.s[d]
	ackLeg, sendLeg := c.leg(1-d), c.leg(d)
	t := t0
	last := t0
	var lastRecv, third int64 = -1, -1
	dups := 0
	budget := max(s.cwnd, 1)

	send := func(seq uint32, ln int) (received bool) {
		r := g.rng.Float64()
		up := r < s.pUp
		down := !up && r < s.pUp+s.pDown
		if !up {
			flags := uint8(fACK)
			if seq+uint32(ln) == s.end {
				flags |= fPSH
			}
			p := c.add(t, d, flags, seq, ln)
			if s.capSeen && seqLT(seq, s.capMax) {
				p.retx = true
			}
			if end := seq + uint32(ln); !s.capSeen || seqLT(s.capMax, end) {
				s.capMax, s.capSeen = end, true
			}
			last = max(last, t)
		}
		s.lastSend = t
		if up || down {
			g.st.Lost++
			return false
		}
		at := t + ackLeg
		lastRecv = max(lastRecv, t)
		if c.receive(s, d, seq, ln, at) {
			dups++
			if dups == 3 {
				third = at
			}
		}
		last = max(last, at)
		return true
	}
	pace := func(ln int) { t += max(c.gap*int64(ln)/int64(c.mss), 1000) }

	// Retransmissions first.
	n := min(s.resend, len(s.holes), budget)
	for i := 0; i < n; {
		h := s.holes[i]
		if send(h.seq, h.ln) {
			s.holes = append(s.holes[:i], s.holes[i+1:]...)
			n--
		} else {
			s.holes[i].retries++
			i++
		}
		pace(h.ln)
		budget--
	}
	s.resend = 0
	// New data.
	for ; budget > 0 && s.nxt != s.end; budget-- {
		ln := min(c.mss, int(s.end-s.nxt))
		seq := s.nxt
		s.nxt += uint32(ln)
		if !send(seq, ln) {
			s.holes = append(s.holes, hole{seq: seq, ln: ln})
		}
		pace(ln)
	}
	// A pending delayed ACK goes out at the end of the burst, unless the
	// answer carries it.
	if s.delack > 0 && lastRecv >= 0 && !(c.piggy && s.nxt == s.end && len(s.holes) == 0) {
		at := lastRecv + ackLeg + us(40)
		c.pureAck(at, 1-d, s)
		last = max(last, at)
	}
	if lastRecv >= 0 {
		c.lastData = max(c.lastData, lastRecv)
	}

	rtt := c.rtt()
	next := max(t0+rtt, last+1000)
	switch {
	case len(s.holes) == 0:
		s.recovering, s.backoff = false, 0
		if s.cwnd < s.ssthresh {
			s.cwnd *= 2
		} else {
			s.cwnd++
		}
		s.cwnd = min(s.cwnd, c.cwndCap())
		if s.nxt == s.end { // message done
			c.phase = phMessage
			c.at = last + 1000
			return
		}
	case !anyRetried(s.holes) && (s.recovering || dups >= 3):
		if !s.recovering {
			g.st.Recovery++
			s.ssthresh = max(s.cwnd/2, 2)
			s.cwnd = s.ssthresh
			s.recovering = true
			if third >= 0 {
				next = max(third+sendLeg, last+1000)
			}
		}
		s.resend = len(s.holes)
	default: // too few dup ACKs, or a retransmission was lost: time out
		g.st.RTOs++
		next = max(s.lastSend+c.rto(), last+1000)
		s.backoff++
		s.ssthresh = max(s.cwnd/2, 2)
		s.cwnd = 1
		s.recovering = true
		s.resend = 1
	}
	c.at = next
}

func anyRetried(hs []hole) bool {
	for _, h := range hs {
		if h.retries > 0 {
			return true
		}
	}
	return false
}

// receive delivers a segment to the receiver of s (side 1-d) at the time
// its ACK would pass the capture, sending the ACKs a Linux receiver would:
// every second in-order segment, at once for out-of-order data (with SACK)
// and when a hole is filled. It reports whether it sent a duplicate ACK.
func (c *conn) receive(s *stream, d int, seq uint32, ln int, at int64) bool {
	end := seq + uint32(ln)
	switch {
	case seq == s.rcvNxt:
		hadOOO := len(s.ooo) > 0
		s.rcvNxt = end
		for len(s.ooo) > 0 && !seqLT(s.rcvNxt, s.ooo[0].lo) {
			if seqLT(s.rcvNxt, s.ooo[0].hi) {
				s.rcvNxt = s.ooo[0].hi
			}
			s.ooo = s.ooo[1:]
			s.newest--
		}
		s.delack++
		if hadOOO || s.delack >= 2 {
			c.pureAck(at, 1-d, s)
		}
		return false
	case seqLT(s.rcvNxt, seq):
		s.insertOOO(seq, end)
		return c.pureAck(at, 1-d, s)
	default: // already had it
		c.pureAck(at, 1-d, s)
		return false
	}
}

// insertOOO adds [lo, hi) to the out-of-order ranges.
func (s *stream) insertOOO(lo, hi uint32) {
	i := 0
	for i < len(s.ooo) && seqLT(s.ooo[i].hi, lo) {
		i++
	}
	if i < len(s.ooo) && !seqLT(hi, s.ooo[i].lo) { // touches range i
		if seqLT(lo, s.ooo[i].lo) {
			s.ooo[i].lo = lo
		}
		if seqLT(s.ooo[i].hi, hi) {
			s.ooo[i].hi = hi
		}
		for i+1 < len(s.ooo) && !seqLT(s.ooo[i].hi, s.ooo[i+1].lo) {
			if seqLT(s.ooo[i].hi, s.ooo[i+1].hi) {
				s.ooo[i].hi = s.ooo[i+1].hi
			}
			s.ooo = append(s.ooo[:i+1], s.ooo[i+2:]...)
		}
		s.newest = i
		return
	}
	s.ooo = append(s.ooo, span{})
	copy(s.ooo[i+1:], s.ooo[i:])
	s.ooo[i] = span{lo, hi}
	s.newest = i
}

// pureAck appends an ACK from side for stream s, with SACK blocks (the
// newest range first, RFC 2018 §4), and reports whether it is a duplicate.
func (c *conn) pureAck(at int64, side int, s *stream) bool {
	dup := s.rcvNxt == c.lastAck[side]
	p := c.add(at, side, fACK, c.s[side].nxt, 0)
	s.delack = 0
	if c.sackOK && len(s.ooo) > 0 {
		maxBlocks := 4
		if c.tsOK {
			maxBlocks = 3
		}
		maxBlocks = min(maxBlocks, len(p.sack))
		nw := min(max(s.newest, 0), len(s.ooo)-1)
		p.sack[0] = [2]uint32{s.ooo[nw].lo, s.ooo[nw].hi}
		p.nsack = 1
		for i := len(s.ooo) - 1; i >= 0 && int(p.nsack) < maxBlocks; i-- {
			if i != nw {
				p.sack[p.nsack] = [2]uint32{s.ooo[i].lo, s.ooo[i].hi}
				p.nsack++
			}
		}
	}
	p.dup = dup
	return dup
}

// teardown closes the connection: a FIN exchange started by either side, or
// a RST (browsers aborting, servers timing out).
func (c *conn) teardown(g *gen) {
	closer, abort := 0, false
	switch r := g.rng.Float64(); {
	case c.kind == ckShort:
		closer, abort = 1, true
	case r < 0.60:
	case r < 0.80:
		closer = 1
	case r < 0.95:
		abort = true
	default:
		closer, abort = 1, true
	}
	idle := ms(g.logNormal(50, 1.5, 0.2, 8000))
	if closer == 1 {
		idle = ms(g.logNormal(5, 1.5, 0.1, 2000))
	}
	t := max(c.lastData+c.leg(closer)+idle, c.at)
	c.phase = phDone
	a, b := &c.s[closer], &c.s[1-closer]
	if abort {
		c.add(t, closer, fRST|fACK, a.nxt, 0)
		return
	}
	fin := func(t int64, s *stream, side int) {
		c.add(t, side, fFIN|fACK, s.nxt, 0)
		s.nxt++
		s.end, s.capMax = s.nxt, s.nxt
	}
	fin(t, a, closer)
	a.rcvNxt = a.nxt // the peer got the FIN
	t += c.leg(1-closer) + us(g.uniform(10, 300))
	fin(t, b, 1-closer)
	b.rcvNxt = b.nxt
	t += c.leg(closer) + us(g.uniform(10, 300))
	c.add(t, closer, fACK, a.nxt, 0)
}

// httpHead returns a port-80 message's head for a message of size bytes: a
// whole GET request (padded with a header to size), or a response head
// whose Content-Length makes the message size bytes.
func (c *conn) httpHead(b []byte, size int) []byte {
	if c.dir == 0 {
		b = fmt.Appendf(b, "GET /obj/%d HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\nUser-Agent: genbench/1\r\nX-Pad: ", c.s[0].nxt%100000, c.srv.name)
		for len(b) < size-4 {
			b = append(b, 'a')
		}
		return append(b, "\r\n\r\n"...)[:size]
	}
	const head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n"
	n := size
	for i := 0; i < 3; i++ { // the length's digits count towards the size
		n = size - len(fmt.Sprintf(head, n))
	}
	return fmt.Appendf(b, head, max(n, 0))
}

// tlsRecord is the wire size of a full TLS 1.3 application-data record:
// 5 header bytes, 16384 data bytes, the content type byte and a 16-byte tag.
const tlsRecord = 5 + 16384 + 1 + 16

// dress writes the application framing into a segment's opaque payload:
// the HTTP head on port 80, else TLS record headers every tlsRecord bytes
// of the message (the last record takes what is left, up to 5 bytes more).
func (c *conn) dress(side int, seq uint32, b []byte) {
	s := &c.s[side]
	off := int(seq - s.msgStart)
	size := int(s.end - s.msgStart)
	if off < 0 || off >= size {
		return
	}
	if c.sport == 80 {
		if off < len(s.httpHead) {
			copy(b, s.httpHead[off:])
		}
		return
	}
	for r := max(off-4, 0) / tlsRecord * tlsRecord; r < off+len(b); r += tlsRecord {
		rest := size - r
		if rest < 6 { // absorbed by the record before
			break
		}
		n := rest
		if rest >= tlsRecord+6 {
			n = tlsRecord
		}
		hdr := [5]byte{23, 3, 3}
		binary.BigEndian.PutUint16(hdr[3:], uint16(n-5))
		for j := range hdr {
			if i := r + j - off; i >= 0 && i < len(b) {
				b[i] = hdr[j]
			}
		}
	}
}
