package main

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Side names one end of a TCP connection.
type Side int

const (
	Client Side = 0
	Server Side = 1
)

func (s Side) peer() Side { return 1 - s }

// Fate says what happens to a data segment relative to the capture point.
type Fate int

const (
	// Delivered: captured and delivered to the receiver.
	Delivered Fate = iota
	// LostBefore: dropped upstream of the capture point (never captured).
	LostBefore
	// LostAfter: captured, then dropped before the receiving TCP got it.
	LostAfter
)

// ExtKind selects an IPv6 extension header for the next emitted segments.
type ExtKind int

const (
	ExtNone ExtKind = iota
	ExtHopByHop
	ExtDestOpts
)

type span struct{ l, r uint32 }

// seqLT etc. compare sequence numbers modulo 2^32.
func seqLT(a, b uint32) bool { return int32(a-b) < 0 }
func seqLE(a, b uint32) bool { return int32(a-b) <= 0 }

// recvState is a receiver's reassembly state for one direction.
type recvState struct {
	nxt    uint32
	ooo    []span // out-of-order data above nxt, sorted, disjoint
	recent uint32 // left edge of the most recently received out-of-order block
}

type arrival int

const (
	arrInOrder arrival = iota
	arrFilled          // in order and it (partially) filled a hole
	arrOOO             // beyond a hole
	arrOld             // entirely duplicate data
)

func (r *recvState) add(seq, n uint32) arrival {
	end := seq + n
	if seqLE(end, r.nxt) {
		return arrOld
	}
	if seqLE(seq, r.nxt) {
		had := len(r.ooo) > 0
		r.nxt = end
		for len(r.ooo) > 0 && seqLE(r.ooo[0].l, r.nxt) {
			if seqLT(r.nxt, r.ooo[0].r) {
				r.nxt = r.ooo[0].r
			}
			r.ooo = r.ooo[1:]
		}
		if had {
			return arrFilled
		}
		return arrInOrder
	}
	// out of order: insert and merge
	nl := append([]span(nil), r.ooo...)
	nl = append(nl, span{seq, end})
	// sort by left edge (relative to nxt)
	for i := len(nl) - 1; i > 0 && seqLT(nl[i].l, nl[i-1].l); i-- {
		nl[i], nl[i-1] = nl[i-1], nl[i]
	}
	var merged []span
	for _, s := range nl {
		if len(merged) > 0 && seqLE(s.l, merged[len(merged)-1].r) {
			if seqLT(merged[len(merged)-1].r, s.r) {
				merged[len(merged)-1].r = s.r
			}
			continue
		}
		merged = append(merged, s)
	}
	r.ooo = merged
	r.recent = seq
	return arrOOO
}

// sackBlocks returns up to max SACK blocks, the most recent first.
func (r *recvState) sackBlocks(max int) []span {
	var first *span
	var rest []span
	for i := range r.ooo {
		s := r.ooo[i]
		if first == nil && seqLE(s.l, r.recent) && seqLT(r.recent, s.r) {
			first = &s
			continue
		}
		rest = append(rest, s)
	}
	var out []span
	if first != nil {
		out = append(out, *first)
	}
	for i := len(rest) - 1; i >= 0; i-- {
		out = append(out, rest[i])
	}
	if len(out) > max {
		out = out[:max]
	}
	return out
}

// Conn is a scripted TCP connection. Side Client opened it.
type Conn struct {
	cap      *Capture
	ep       [2]Endpoint
	isn      [2]uint32
	nxt      [2]uint32 // next new sequence number to send
	rcv      [2]recvState
	synWin   [2]uint16
	win      [2]uint16 // raw window field after the handshake
	wscale   [2]int    // -1: no window-scale option
	mss      [2]uint16
	sack     bool
	ts       bool
	tsRecent [2]uint32
	ipid     [2]uint16
	local    Side // side the capture is taken on (for SLL packet types)

	// AutoAck[s]: side s acknowledges received data by itself (every
	// second full segment, immediately on out-of-order data or when a hole
	// is filled) AckLag after the data was captured.
	AutoAck [2]bool
	AckLag  time.Duration
	pending [2]int

	// Ext, if set, adds an IPv6 extension header to emitted packets.
	Ext ExtKind
	// VLANs/QinQ/Iface are copied onto every packet.
	VLANs []uint16
	QinQ  bool
	Iface int

	synSent bool
}

// ConnOpts configures a new connection.
type ConnOpts struct {
	ISN    [2]uint32
	SynWin [2]uint16
	Win    [2]uint16 // raw window after handshake
	WScale [2]int    // -1 for none
	MSS    [2]uint16
	SACK   bool
	TS     bool
	Local  Side
}

func defaultOpts() ConnOpts {
	return ConnOpts{
		ISN:    [2]uint32{0x1a2b3c4d, 0x5e6f7081},
		SynWin: [2]uint16{64240, 65160},
		Win:    [2]uint16{2048, 2048},
		WScale: [2]int{7, 7},
		MSS:    [2]uint16{1460, 1460},
		SACK:   true,
		Local:  Client,
	}
}

func (c *Capture) NewConn(cli, srv Endpoint, o ConnOpts) *Conn {
	cn := &Conn{
		cap:    c,
		ep:     [2]Endpoint{cli, srv},
		isn:    o.ISN,
		nxt:    o.ISN,
		synWin: o.SynWin,
		win:    o.Win,
		wscale: o.WScale,
		mss:    o.MSS,
		sack:   o.SACK,
		ts:     o.TS,
		local:  o.Local,
		AckLag: ms(0.03),
		ipid:   [2]uint16{uint16(o.ISN[0] >> 7), uint16(o.ISN[1] >> 9)},
	}
	cn.AutoAck[o.Local] = true
	return cn
}

// SegSize is the payload size of a full-sized segment sent by s.
func (c *Conn) SegSize(s Side) int {
	n := int(c.mss[s.peer()])
	if c.ts {
		n -= 12
	}
	return n
}

// Next returns the next new sequence number side s would send.
func (c *Conn) Next(s Side) uint32 { return c.nxt[s] }

// RcvNxt returns what side s currently acknowledges.
func (c *Conn) RcvNxt(s Side) uint32 { return c.rcv[s].nxt }

// SetWindowBytes sets the window side s advertises, in bytes.
func (c *Conn) SetWindowBytes(s Side, bytes int) {
	sh := 0
	if c.wscale[0] >= 0 && c.wscale[1] >= 0 {
		sh = c.wscale[s]
	}
	if bytes%(1<<sh) != 0 || bytes>>sh > 0xffff {
		panic(fmt.Sprintf("window %d not representable with scale %d", bytes, sh))
	}
	c.win[s] = uint16(bytes >> sh)
}

const payloadPattern = "tcpviz generated sample payload: the quick brown fox jumps over the lazy dog 0123456789\n"

// payload returns the bytes side s sends at [seq, seq+n).
func (c *Conn) payload(s Side, seq uint32, n int) []byte {
	off := int(seq - (c.isn[s] + 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = payloadPattern[(off+i)%len(payloadPattern)]
	}
	// make each direction distinguishable
	if s == Server {
		for i := range b {
			if b[i] >= 'a' && b[i] <= 'z' {
				b[i] -= 'a' - 'A'
			}
		}
	}
	return b
}

func (c *Conn) tsval(s Side, t time.Time) uint32 {
	base := uint32(1000000)
	if s == Server {
		base = 3000000000
	}
	return base + uint32(t.Sub(baseTime).Milliseconds())
}

func optNOP() layers.TCPOption { return layers.TCPOption{OptionType: layers.TCPOptionKindNop} }

func (c *Conn) tsOpt(s Side, t time.Time) layers.TCPOption {
	d := make([]byte, 8)
	binary.BigEndian.PutUint32(d, c.tsval(s, t))
	binary.BigEndian.PutUint32(d[4:], c.tsRecent[s])
	return layers.TCPOption{OptionType: layers.TCPOptionKindTimestamps, OptionData: d}
}

func (c *Conn) synOptions(s Side, t time.Time) []layers.TCPOption {
	mss := make([]byte, 2)
	binary.BigEndian.PutUint16(mss, c.mss[s])
	opts := []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionData: mss}}
	sackPerm := layers.TCPOption{OptionType: layers.TCPOptionKindSACKPermitted}
	if c.ts {
		// Linux order: MSS, SACK_PERM, TS, NOP, WS
		if c.sack {
			opts = append(opts, sackPerm)
		} else {
			opts = append(opts, optNOP(), optNOP())
		}
		opts = append(opts, c.tsOpt(s, t))
	} else if c.sack {
		opts = append(opts, optNOP(), optNOP(), sackPerm)
	}
	if c.wscale[s] >= 0 {
		opts = append(opts, optNOP(), layers.TCPOption{OptionType: layers.TCPOptionKindWindowScale, OptionData: []byte{byte(c.wscale[s])}})
	}
	return opts
}

// seg describes one TCP segment to emit.
type seg struct {
	syn, fin, rst, psh, noACK bool
	seq                       uint32
	ack                       uint32
	win                       uint16
	payload                   []byte
	opts                      []layers.TCPOption
	rawOpts                   bool // opts already complete (SYN)
	sack                      []span
}

func (c *Conn) ext() gopacket.SerializableLayer {
	switch c.Ext {
	case ExtHopByHop:
		h := &layers.IPv6HopByHop{}
		// RFC 4727 experimental option 0x1e (skip if unknown), 4 bytes data.
		h.Options = []*layers.IPv6HopByHopOption{{OptionType: 0x1e, OptionData: []byte("tcpv")}}
		return h
	case ExtDestOpts:
		d := &layers.IPv6Destination{}
		// PadN with 4 zero bytes.
		d.Options = []*layers.IPv6DestinationOption{{OptionType: 1, OptionData: []byte{0, 0, 0, 0}}}
		return d
	}
	return nil
}

// emit builds and (unless lost before the capture point) records a segment
// sent by side s at time t. Delivery to the peer is handled by the caller.
func (c *Conn) emit(s Side, t time.Time, g seg, fate Fate) *Packet {
	if fate == LostBefore {
		return nil
	}
	src, dst := c.ep[s], c.ep[s.peer()]
	tcp := &layers.TCP{
		SrcPort: layers.TCPPort(src.Port),
		DstPort: layers.TCPPort(dst.Port),
		Seq:     g.seq,
		SYN:     g.syn,
		FIN:     g.fin,
		RST:     g.rst,
		PSH:     g.psh,
		ACK:     !g.noACK,
		Window:  g.win,
	}
	if !g.noACK {
		tcp.Ack = g.ack
	}
	if g.rawOpts {
		tcp.Options = g.opts
	} else {
		if c.ts && !g.rst {
			tcp.Options = append(tcp.Options, optNOP(), optNOP(), c.tsOpt(s, t))
		}
		if len(g.sack) > 0 {
			d := make([]byte, 8*len(g.sack))
			for i, b := range g.sack {
				binary.BigEndian.PutUint32(d[8*i:], b.l)
				binary.BigEndian.PutUint32(d[8*i+4:], b.r)
			}
			tcp.Options = append(tcp.Options, optNOP(), optNOP(), layers.TCPOption{OptionType: layers.TCPOptionKindSACK, OptionData: d})
		}
	}
	upper := []gopacket.SerializableLayer{tcp}
	if len(g.payload) > 0 {
		upper = append(upper, gopacket.Payload(g.payload))
	}
	var ext gopacket.SerializableLayer
	if src.IP.Is6() {
		ext = c.ext()
	}
	l3, v6 := buildIP(src, dst, c.ipid[s], layers.IPProtocolTCP, ext, tcp.SetNetworkLayerForChecksum, upper...)
	c.ipid[s]++
	p := &Packet{
		TS: t, L3: l3, V6: v6, SrcMAC: src.MAC, DstMAC: dst.MAC,
		VLANs: c.VLANs, QinQ: c.QinQ, Iface: c.Iface,
		Outgoing: s == c.local, Conn: c,
	}
	c.cap.add(p)
	if fate == Delivered && c.ts && !g.rst {
		c.tsRecent[s.peer()] = c.tsval(s, t)
	}
	return p
}

// SYN emits the client's SYN (again, if called repeatedly).
func (c *Conn) SYN(t time.Time) *Packet {
	if !c.synSent {
		c.nxt[Client] = c.isn[Client] + 1
		c.synSent = true
	}
	return c.emit(Client, t, seg{syn: true, noACK: true, seq: c.isn[Client], win: c.synWin[Client],
		opts: c.synOptions(Client, t), rawOpts: true}, Delivered)
}

// SYNACK emits the server's SYN-ACK.
func (c *Conn) SYNACK(t time.Time) *Packet {
	c.rcv[Server].nxt = c.isn[Client] + 1
	c.nxt[Server] = c.isn[Server] + 1
	return c.emit(Server, t, seg{syn: true, seq: c.isn[Server], ack: c.rcv[Server].nxt, win: c.synWin[Server],
		opts: c.synOptions(Server, t), rawOpts: true}, Delivered)
}

// Handshake emits SYN, SYN-ACK and the client's ACK at the given times.
func (c *Conn) Handshake(tSyn, tSynAck, tAck time.Time) {
	c.SYN(tSyn)
	c.SYNACK(tSynAck)
	c.rcv[Client].nxt = c.isn[Server] + 1
	c.Ack(Client, tAck)
}

// Ack emits a pure ACK from side s reflecting its receive state (with SACK
// blocks when it has out-of-order data).
func (c *Conn) Ack(s Side, t time.Time) *Packet {
	c.pending[s] = 0
	g := seg{seq: c.nxt[s], ack: c.rcv[s].nxt, win: c.win[s]}
	if c.sack {
		max := 4
		if c.ts {
			max = 3
		}
		g.sack = c.rcv[s].sackBlocks(max)
	}
	return c.emit(s, t, g, Delivered)
}

// Segment sends [seq, seq+n) from side s at time t. If the receiver
// auto-acknowledges, its ACK (if any) is returned too.
func (c *Conn) Segment(s Side, t time.Time, seq uint32, n int, psh bool, fate Fate) (data, ack *Packet) {
	end := seq + uint32(n)
	if seqLT(c.nxt[s], end) {
		c.nxt[s] = end
	}
	g := seg{seq: seq, ack: c.rcv[s].nxt, win: c.win[s], psh: psh, payload: c.payload(s, seq, n)}
	data = c.emit(s, t, g, fate)
	if fate != Delivered {
		return data, nil
	}
	r := s.peer()
	kind := c.rcv[r].add(seq, uint32(n))
	if !c.AutoAck[r] {
		return data, nil
	}
	switch kind {
	case arrInOrder:
		c.pending[r]++
		if c.pending[r] >= 2 {
			ack = c.Ack(r, t.Add(c.AckLag))
		}
	default:
		ack = c.Ack(r, t.Add(c.AckLag))
	}
	return data, ack
}

// Send sends n new bytes from side s.
func (c *Conn) Send(s Side, t time.Time, n int, fate Fate) (data, ack *Packet) {
	return c.Segment(s, t, c.nxt[s], n, n < c.SegSize(s), fate)
}

// Skip advances side s's send sequence by n bytes without emitting anything
// (data lost upstream of the capture point). Returns the first skipped seq.
func (c *Conn) Skip(s Side, n int) uint32 {
	seq := c.nxt[s]
	c.nxt[s] += uint32(n)
	return seq
}

// Flush makes side r acknowledge pending in-order data, if any.
func (c *Conn) Flush(r Side, t time.Time) *Packet {
	if c.pending[r] == 0 {
		return nil
	}
	return c.Ack(r, t)
}

// FlightResult reports what a Flight emitted.
type FlightResult struct {
	Data     []*Packet // nil entries for segments lost before capture
	Seqs     []uint32
	Acks     []*Packet
	FirstAck time.Time
	End      time.Time
}

// Flight sends n full-sized segments from s, gap apart, starting at t.
// fates optionally overrides the fate of segment i (0-based).
// The auto-acking receiver's ACKs are collected; any pending data is
// acknowledged AckLag after the last segment.
func (c *Conn) Flight(s Side, t time.Time, n int, gap time.Duration, fates map[int]Fate) FlightResult {
	var fr FlightResult
	sz := c.SegSize(s)
	for i := 0; i < n; i++ {
		ts := t.Add(time.Duration(i) * gap)
		f := fates[i]
		seq := c.nxt[s]
		d, a := c.Segment(s, ts, seq, sz, i == n-1, f)
		fr.Data = append(fr.Data, d)
		fr.Seqs = append(fr.Seqs, seq)
		fr.End = ts
		if a != nil {
			fr.Acks = append(fr.Acks, a)
			if fr.FirstAck.IsZero() {
				fr.FirstAck = a.TS
			}
			fr.End = a.TS
		}
	}
	if a := c.Flush(s.peer(), fr.End.Add(c.AckLag)); a != nil {
		fr.Acks = append(fr.Acks, a)
		if fr.FirstAck.IsZero() {
			fr.FirstAck = a.TS
		}
		fr.End = a.TS
	}
	if fr.FirstAck.IsZero() {
		fr.FirstAck = fr.End
	}
	return fr
}

// Fin sends a FIN (with ACK) from side s; the peer's receive state consumes it.
func (c *Conn) Fin(s Side, t time.Time) *Packet {
	seq := c.nxt[s]
	c.nxt[s]++
	p := c.emit(s, t, seg{fin: true, seq: seq, ack: c.rcv[s].nxt, win: c.win[s]}, Delivered)
	c.rcv[s.peer()].add(seq, 1)
	c.pending[s.peer()] = 0
	return p
}

// Close runs an orderly FIN/FIN/ACK teardown initiated by side a.
func (c *Conn) Close(a Side, t time.Time, peerDelay, finalDelay time.Duration) time.Time {
	c.Fin(a, t)
	t = t.Add(peerDelay)
	c.Fin(a.peer(), t)
	t = t.Add(finalDelay)
	c.Ack(a, t)
	return t
}

// Raw emits the segment g from side s exactly as given (no state changes,
// nothing delivered): used for zero-window probes and similar oddities.
func (c *Conn) Raw(s Side, t time.Time, g seg) *Packet {
	return c.emit(s, t, g, Delivered)
}

// KeepAlive emits a keep-alive from side s (seq = nxt-1) carrying n (0 or 1) bytes.
func (c *Conn) KeepAlive(s Side, t time.Time, n int) *Packet {
	seq := c.nxt[s] - 1
	g := seg{seq: seq, ack: c.rcv[s].nxt, win: c.win[s]}
	if n > 0 {
		g.payload = c.payload(s, seq, n)
	}
	return c.emit(s, t, g, Delivered)
}

// RST emits a reset from side s. withAck sets the ACK flag.
func (c *Conn) RST(s Side, t time.Time, seq uint32, withAck bool) *Packet {
	g := seg{rst: true, seq: seq, noACK: !withAck, ack: c.rcv[s].nxt}
	return c.emit(s, t, g, Delivered)
}
