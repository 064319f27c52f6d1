package main

import (
	"encoding/binary"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Common addresses (documentation ranges). MAC ...:01 is the client's
// default gateway, so packets from remote hosts carry it as source MAC.
var (
	cli4 = ep("192.0.2.10", 50100, 0x0a, 64)
	srv4 = ep("198.51.100.20", 5201, 0x01, 52)
	cli6 = ep("2001:db8::10", 50600, 0x0a, 64)
	srv6 = ep("2001:db8:1::20", 5201, 0x01, 52)
)

func withPort(e Endpoint, port uint16) Endpoint { e.Port = port; return e }

const serverPushGap = 0.12 // ms between back-to-back full segments (~100 Mbit/s)

// rounds runs ACK-clocked flights of the given sizes from side s. Each flight
// starts one rtt after the first ACK of the previous one. Returns the time
// the last ACK was captured.
func rounds(c *Conn, s Side, t time.Time, rtt time.Duration, sizes ...int) time.Time {
	for _, n := range sizes {
		fr := c.Flight(s, t, n, ms(serverPushGap), nil)
		t = fr.FirstAck.Add(rtt)
	}
	return t
}

// fastRetxRound: a flight of n segments whose first segment is lost upstream of
// the capture point. The receiver sends a duplicate ACK (with SACK) for each
// of the n-1 following segments; the sender fast-retransmits the hole one
// rtt after the last duplicate ACK. Returns the time for the next flight.
func fastRetxRound(c *Conn, s Side, t time.Time, rtt time.Duration, n int) time.Time {
	fr := c.Flight(s, t, n, ms(serverPushGap), map[int]Fate{0: LostBefore})
	fr.Data[1].Want("lost_segment")
	if len(fr.Acks) != n-1 {
		panic("fastRetxRound: unexpected ack count")
	}
	for _, a := range fr.Acks {
		a.Want("duplicate_ack")
	}
	last := fr.Acks[len(fr.Acks)-1].TS
	d, a := c.Segment(s, last.Add(rtt), fr.Seqs[0], c.SegSize(s), false, Delivered)
	d.Want("retransmission", "fast_retransmission")
	return a.TS.Add(rtt)
}

// reorderRound: a flight of 4 segments where the 4th overtakes the 3rd,
// which arrives 1 ms later. The receiver sends one duplicate ACK.
func reorderRound(c *Conn, s Side, t time.Time, rtt time.Duration) time.Time {
	sz := c.SegSize(s)
	gap := ms(serverPushGap)
	c.Send(s, t, sz, Delivered)
	_, a2 := c.Send(s, t.Add(gap), sz, Delivered)
	first := a2.TS
	seq3 := c.Skip(s, sz) // sent, but delayed in the network
	d4, dup := c.Segment(s, t.Add(2*gap), c.Next(s), sz, true, Delivered)
	d4.Want("lost_segment")
	dup.Want("duplicate_ack")
	d3, _ := c.Segment(s, d4.TS.Add(ms(1)), seq3, sz, false, Delivered)
	d3.Want("out_of_order")
	return first.Add(rtt)
}

// rtoRound: a flight of n segments whose last one is captured but lost
// before the receiver; the receiver ACKs the rest; the sender retransmits
// the tail after rto. Returns the time for the next flight.
func rtoRound(c *Conn, s Side, t time.Time, rtt, rto time.Duration, n int) time.Time {
	fr := c.Flight(s, t, n, ms(serverPushGap), map[int]Fate{n - 1: LostAfter})
	lost := fr.Data[n-1]
	d, a := c.Segment(s, lost.TS.Add(rto), fr.Seqs[n-1], c.SegSize(s), true, Delivered)
	d.Want("retransmission")
	if a == nil {
		a = c.Ack(s.peer(), d.TS.Add(c.AckLag))
	}
	return a.TS.Add(rtt)
}

// request sends a small request from the client and returns when the
// server's response can start (one rtt later, capture on the client).
func request(c *Conn, t time.Time, n int, rtt time.Duration) time.Time {
	c.Send(Client, t, n, Delivered)
	return t.Add(rtt)
}

// ---------------------------------------------------------------------------

// 1. Bulk download, one upstream loss repaired by fast retransmit after three
// SACK duplicate ACKs, later a tail loss repaired by an RTO retransmission.
// Capture on the receiving client; RTT 10 ms.
func scenLossFastRetx() *Capture {
	cp := &Capture{}
	c := cp.NewConn(cli4, srv4, defaultOpts())
	rtt := ms(10)
	t0 := baseTime
	c.Handshake(t0, t0.Add(rtt), t0.Add(rtt+ms(0.03)))
	t := request(c, t0.Add(rtt+ms(0.1)), 120, rtt)
	t = rounds(c, Server, t, rtt, 4, 6, 8, 10)
	t = fastRetxRound(c, Server, t, rtt, 4)
	t = rounds(c, Server, t, rtt, 6, 8, 10)
	t = rtoRound(c, Server, t, rtt, ms(300), 5)
	t = rounds(c, Server, t, rtt, 4, 6, 8)
	c.Close(Server, t, ms(0.5), rtt)
	return cp
}

// 2. Two segments swapped in the network (1 ms apart), one duplicate ACK.
func scenReorder() *Capture {
	cp := &Capture{}
	o := defaultOpts()
	o.TS = true
	c := cp.NewConn(withPort(cli4, 50200), srv4, o)
	rtt := ms(20)
	t0 := baseTime
	c.Handshake(t0, t0.Add(rtt), t0.Add(rtt+ms(0.03)))
	t := request(c, t0.Add(rtt+ms(0.1)), 96, rtt)
	t = rounds(c, Server, t, rtt, 4, 6, 8)
	t = reorderRound(c, Server, t, rtt)
	t = rounds(c, Server, t, rtt, 8, 10, 6)
	c.Close(Server, t, ms(0.5), rtt)
	return cp
}

// 3. Duplicate ACKs without any loss: a peer that repeats its last ACK.
func scenDupAck() *Capture {
	cp := &Capture{}
	c := cp.NewConn(withPort(cli4, 50250), srv4, defaultOpts())
	rtt := ms(15)
	t0 := baseTime
	c.Handshake(t0, t0.Add(rtt), t0.Add(rtt+ms(0.03)))
	t := request(c, t0.Add(rtt+ms(0.1)), 80, rtt)
	t = rounds(c, Server, t, rtt, 4, 6)
	// The client repeats its last ACK three times (e.g. a buggy stack /
	// ACK-duplicating middlebox on its side); no data is outstanding.
	for i := 0; i < 3; i++ {
		c.Ack(Client, t.Add(time.Duration(i+1)*ms(25))).Want("duplicate_ack")
	}
	t = t.Add(ms(120))
	// Client uploads a little; server ACKs it and then repeats that ACK twice.
	c.Send(Client, t, 600, Delivered)
	t = t.Add(rtt)
	c.Ack(Server, t)
	c.Ack(Server, t.Add(ms(40))).Want("duplicate_ack")
	c.Ack(Server, t.Add(ms(80))).Want("duplicate_ack")
	t = t.Add(ms(100))
	t = request(c, t, 80, rtt)
	t = rounds(c, Server, t, rtt, 4)
	c.Close(Server, t, ms(0.5), rtt)
	return cp
}

// 4. Upload into a receiver whose application stops reading: the window
// shrinks to zero, the last segment fills it exactly, the sender probes twice,
// then a window update reopens the window. Capture on the sender (client).
func scenZeroWindow() *Capture {
	cp := &Capture{}
	o := defaultOpts()
	o.WScale = [2]int{7, 2}
	o.SynWin = [2]uint16{64240, 8760}
	o.Win = [2]uint16{502, 2190}
	c := cp.NewConn(withPort(cli4, 50300), srv4, o)
	c.AutoAck = [2]bool{false, false}
	rtt := ms(20)
	t0 := baseTime
	c.Handshake(t0, t0.Add(rtt), t0.Add(rtt+ms(0.03)))
	sz := c.SegSize(Client)
	const bufSize = 8760
	t := t0.Add(rtt + ms(0.1))
	start := c.Next(Client)
	// three rounds of two segments; the receiver's right edge stays fixed
	for r := 0; r < 3; r++ {
		c.Send(Client, t, sz, Delivered)
		d, _ := c.Send(Client, t.Add(ms(serverPushGap)), sz, Delivered)
		if r == 2 {
			d.Want("window_full")
		}
		t = t.Add(rtt + ms(0.2))
		used := int(c.RcvNxt(Server) - start)
		c.SetWindowBytes(Server, bufSize-used)
		a := c.Ack(Server, t)
		if r == 2 {
			a.Want("zero_window")
		}
		t = t.Add(ms(0.05))
	}
	// persist timer: zero-window probes (1 byte at the next sequence number)
	probe := func(at time.Time) {
		seq := c.Next(Client)
		c.Raw(Client, at, seg{seq: seq, ack: c.RcvNxt(Client), win: c.win[Client], payload: c.payload(Client, seq, 1)}).
			Want("zero_window_probe")
		c.Ack(Server, at.Add(rtt)).Want("zero_window", "zero_window_probe_ack")
	}
	probe(t.Add(ms(230)))
	probe(t.Add(ms(230 + 460)))
	// application drains the buffer: window update
	t = t.Add(ms(1100))
	c.SetWindowBytes(Server, bufSize)
	c.Ack(Server, t).Want("window_update")
	t = t.Add(ms(0.05))
	start = c.Next(Client)
	for r := 0; r < 4; r++ {
		c.Send(Client, t, sz, Delivered)
		c.Send(Client, t.Add(ms(serverPushGap)), sz, Delivered)
		t = t.Add(rtt + ms(0.2))
		c.Ack(Server, t)
		t = t.Add(ms(0.05))
	}
	c.Close(Client, t, rtt, ms(0.05))
	return cp
}

// 5. Idle connection kept alive: Linux-style (len 0) keep-alives from the
// client, Windows-style (len 1) keep-alives from the server, all ACKed.
func scenKeepAlive() *Capture {
	cp := &Capture{}
	c := cp.NewConn(withPort(cli4, 50400), srv4, defaultOpts())
	rtt := ms(12)
	t0 := baseTime
	c.Handshake(t0, t0.Add(rtt), t0.Add(rtt+ms(0.03)))
	t := request(c, t0.Add(rtt+ms(0.1)), 64, rtt)
	c.Send(Server, t, 300, Delivered)
	c.Flush(Client, t.Add(ms(0.03)))
	t = t.Add(ms(0.03))
	for i := 0; i < 3; i++ {
		t = t.Add(10 * time.Second)
		c.KeepAlive(Client, t, 0).Want("keep_alive")
		c.Ack(Server, t.Add(rtt)).Want("keep_alive_ack")
	}
	for i := 0; i < 2; i++ {
		t = t.Add(5 * time.Second)
		c.KeepAlive(Server, t, 1).Want("keep_alive")
		c.Ack(Client, t.Add(ms(0.03))).Want("keep_alive_ack")
	}
	t = t.Add(2 * time.Second)
	t = request(c, t, 64, rtt)
	c.Send(Server, t, 200, Delivered)
	c.Flush(Client, t.Add(ms(0.03)))
	c.Close(Client, t.Add(ms(50)), rtt, ms(0.03))
	return cp
}

// 6. A SYN retransmitted three times (1 s, 2 s, 4 s) without answer, then a
// second connection that succeeds after one SYN retransmission.
func scenSynRetries() *Capture {
	cp := &Capture{}
	c1 := cp.NewConn(withPort(cli4, 50500), srv4, defaultOpts())
	t0 := baseTime
	c1.SYN(t0)
	c1.SYN(t0.Add(1 * time.Second)).Want("retransmission")
	c1.SYN(t0.Add(3 * time.Second)).Want("retransmission")
	c1.SYN(t0.Add(7 * time.Second)).Want("retransmission")

	o := defaultOpts()
	o.ISN = [2]uint32{0x7c01d00d, 0x2badf00d}
	c2 := cp.NewConn(withPort(cli4, 50501), srv4, o)
	rtt := ms(25)
	t := t0.Add(15 * time.Second)
	c2.SYN(t)
	t = t.Add(1 * time.Second)
	c2.SYN(t).Want("retransmission")
	c2.SYNACK(t.Add(rtt))
	c2.rcv[Client].nxt = c2.isn[Server] + 1
	c2.Ack(Client, t.Add(rtt+ms(0.03)))
	t = request(c2, t.Add(rtt+ms(0.1)), 100, rtt)
	t = rounds(c2, Server, t, rtt, 3)
	c2.Close(Server, t, ms(0.5), rtt)
	return cp
}

// 7. RST storm: a connection aborted by the server, which then answers each
// in-flight client segment with another RST (10 RSTs), followed by a port
// scan from one host answered by 40 RST/ACKs, all within one second.
func scenRstStorm() *Capture {
	cp := &Capture{}
	c := cp.NewConn(withPort(cli4, 50700), srv4, defaultOpts())
	c.AutoAck = [2]bool{false, false}
	rtt := ms(8)
	t0 := baseTime
	c.Handshake(t0, t0.Add(rtt), t0.Add(rtt+ms(0.03)))
	t := t0.Add(rtt + ms(0.1))
	// client streams an upload; the server application crashes
	for i := 0; i < 4; i++ {
		c.Send(Client, t, c.SegSize(Client), Delivered)
		t = t.Add(ms(serverPushGap))
	}
	c.Ack(Server, t.Add(rtt))
	t = t.Add(rtt + ms(0.1))
	for i := 0; i < 10; i++ {
		c.Send(Client, t, c.SegSize(Client), Delivered)
		t = t.Add(ms(serverPushGap))
	}
	// server aborts: first RST, then one RST per further segment still arriving
	rt := t.Add(rtt - ms(1.1))
	for i := 0; i < 10; i++ {
		c.RST(Server, rt, c.Next(Server), false)
		rt = rt.Add(ms(serverPushGap))
	}

	// port scan: 40 SYNs from one host/port to closed ports, each answered by RST/ACK
	scanner := ep("192.0.2.66", 41000, 0x0a, 64)
	t = rt.Add(ms(100))
	for i := 0; i < 40; i++ {
		o := defaultOpts()
		o.ISN = [2]uint32{0x40000000 + uint32(i)*0x10001, 0}
		o.WScale = [2]int{-1, -1}
		o.SACK = false
		o.SynWin = [2]uint16{1024, 0}
		target := withPort(srv4, uint16(1000+i*7))
		s := cp.NewConn(scanner, target, o)
		s.SYN(t)
		s.rcv[Server].nxt = s.isn[Client] + 1
		s.RST(Server, t.Add(rtt), 0, true)
		t = t.Add(ms(15))
	}
	return cp
}

// 8. Sequence numbers wrapping 2^32 in both directions, with a fast
// retransmission and an out-of-order segment after the wrap.
func scenSeqWrap() *Capture {
	cp := &Capture{}
	o := defaultOpts()
	o.ISN = [2]uint32{0xffffffcd, 0xffffec77} // client wraps in its request, server after ~3 segments
	c := cp.NewConn(withPort(cli4, 50800), srv4, o)
	rtt := ms(10)
	t0 := baseTime
	c.Handshake(t0, t0.Add(rtt), t0.Add(rtt+ms(0.03)))
	t := request(c, t0.Add(rtt+ms(0.1)), 120, rtt)
	t = rounds(c, Server, t, rtt, 4, 6)
	t = fastRetxRound(c, Server, t, rtt, 4)
	t = rounds(c, Server, t, rtt, 6)
	t = reorderRound(c, Server, t, rtt)
	t = rounds(c, Server, t, rtt, 6)
	c.Close(Server, t, ms(0.5), rtt)
	return cp
}

// 9. IPv6 transfer with hop-by-hop options on the client's handshake packets
// and destination options on some server segments; one RTO retransmission.
func scenIPv6() *Capture {
	cp := &Capture{}
	o := defaultOpts()
	o.MSS = [2]uint16{1440, 1440}
	c := cp.NewConn(cli6, srv6, o)
	rtt := ms(18)
	t0 := baseTime
	c.Ext = ExtHopByHop
	c.SYN(t0)
	c.Ext = ExtNone
	c.SYNACK(t0.Add(rtt))
	c.rcv[Client].nxt = c.isn[Server] + 1
	c.Ext = ExtHopByHop
	c.Ack(Client, t0.Add(rtt+ms(0.03)))
	c.Ext = ExtNone
	t := request(c, t0.Add(rtt+ms(0.1)), 110, rtt)
	t = rounds(c, Server, t, rtt, 4)
	c.Ext = ExtDestOpts
	t = rounds(c, Server, t, rtt, 6)
	c.Ext = ExtNone
	t = rtoRound(c, Server, t, rtt, ms(250), 5)
	c.Ext = ExtDestOpts
	t = rounds(c, Server, t, rtt, 4)
	c.Ext = ExtNone
	c.Close(Server, t, ms(0.5), rtt)
	return cp
}

// smallExchange: handshake, request, a response in three flights with an RTO
// retransmission of a tail segment, and a FIN teardown. Capture on the client.
func smallExchange(c *Conn, t0 time.Time, rtt time.Duration) time.Time {
	c.Handshake(t0, t0.Add(rtt), t0.Add(rtt+ms(0.03)))
	t := request(c, t0.Add(rtt+ms(0.1)), 100, rtt)
	t = rounds(c, Server, t, rtt, 2, 4)
	t = rtoRound(c, Server, t, rtt, ms(220), 3)
	t = rounds(c, Server, t, rtt, 2)
	return c.Close(Server, t, ms(0.5), rtt)
}

// 10. 802.1Q-tagged and QinQ (802.1ad + 802.1Q) transfers.
func scenVLAN() *Capture {
	cp := &Capture{}
	a := cp.NewConn(ep("192.0.2.11", 51000, 0x0b, 64), ep("198.51.100.21", 5201, 0x01, 52), defaultOpts())
	a.VLANs = []uint16{100}
	t := smallExchange(a, baseTime, ms(6))
	o := defaultOpts()
	o.ISN = [2]uint32{0x0badcafe, 0x600dd00d}
	b := cp.NewConn(ep("192.0.2.12", 51001, 0x0c, 64), ep("198.51.100.22", 5201, 0x01, 52), o)
	b.VLANs = []uint16{200, 300}
	b.QinQ = true
	smallExchange(b, t.Add(ms(500)), ms(6))
	return cp
}

// Link-type variants: one IPv4 (and optionally one IPv6) small exchange.
func linkVariant(v6 bool, t0 time.Time, rtt time.Duration) func() *Capture {
	return func() *Capture {
		cp := &Capture{}
		c := cp.NewConn(withPort(cli4, 51100), srv4, defaultOpts())
		t := smallExchange(c, t0, rtt)
		if v6 {
			o := defaultOpts()
			o.ISN = [2]uint32{0x11223344, 0x55667788}
			o.MSS = [2]uint16{1440, 1440}
			d := cp.NewConn(withPort(cli6, 51101), srv6, o)
			smallExchange(d, t.Add(ms(200)), rtt)
		}
		return cp
	}
}

// pcapng with two interfaces: Ethernet/IPv4 (µs) and raw IPv6 (ns),
// connections interleaved in time.
func scenMultiIf() *Capture {
	a := &Capture{}
	ca := a.NewConn(withPort(cli4, 51200), srv4, defaultOpts())
	smallExchange(ca, baseTime, ms(10))

	b := &Capture{}
	o := defaultOpts()
	o.ISN = [2]uint32{0x99887766, 0x12345678}
	o.MSS = [2]uint16{1440, 1440}
	cb := b.NewConn(withPort(cli6, 51201), srv6, o)
	cb.Iface = 1
	// start at an odd nanosecond offset so the ns resolution matters
	smallExchange(cb, baseTime.Add(3*time.Millisecond+457*time.Nanosecond), 7*time.Millisecond+333*time.Nanosecond)
	a.Merge(b)
	return a
}

// Snaplen 64: handshake without window scaling so the options fit.
func scenSnaplen() *Capture {
	cp := &Capture{}
	o := defaultOpts()
	o.WScale = [2]int{-1, -1}
	o.Win = [2]uint16{64240, 65160}
	c := cp.NewConn(withPort(cli4, 51300), srv4, o)
	smallExchange(c, baseTime, ms(10))
	return cp
}

// nanosecond timestamps that are not multiples of a microsecond
func scenNanosec() *Capture {
	cp := &Capture{}
	c := cp.NewConn(withPort(cli4, 51400), srv4, defaultOpts())
	c.AckLag = ms(0.030011)
	smallExchange(c, baseTime.Add(ms(1000.000123)), ms(10.000000777))
	return cp
}

// 12. UDP: DNS queries/responses and a 20 ms RTP (PCMU) stream with one
// lost sequence number.
func scenUDPMix() *Capture {
	cp := &Capture{}
	resolver := ep("198.51.100.53", 53, 0x01, 60)
	t := baseTime
	type q struct {
		name  string
		typ   layers.DNSType
		rcode layers.DNSResponseCode
	}
	qs := []q{
		{"www.example.com", layers.DNSTypeA, layers.DNSResponseCodeNoErr},
		{"www.example.com", layers.DNSTypeAAAA, layers.DNSResponseCodeNoErr},
		{"media.example.net", layers.DNSTypeA, layers.DNSResponseCodeNoErr},
		{"nonexistent.example.org", layers.DNSTypeA, layers.DNSResponseCodeNXDomain},
	}
	for i, qq := range qs {
		u := cp.NewUDP(withPort(cli4, uint16(53001+i)), resolver, uint16(0x2000+i), uint16(0x6000+i), true)
		id := uint16(0x1000 + 0x111*i)
		query := &layers.DNS{ID: id, RD: true, OpCode: layers.DNSOpCodeQuery,
			Questions: []layers.DNSQuestion{{Name: []byte(qq.name), Type: qq.typ, Class: layers.DNSClassIN}}}
		u.Send(t, true, query)
		resp := &layers.DNS{ID: id, QR: true, RD: true, RA: true, OpCode: layers.DNSOpCodeQuery, ResponseCode: qq.rcode,
			Questions: []layers.DNSQuestion{{Name: []byte(qq.name), Type: qq.typ, Class: layers.DNSClassIN}}}
		if qq.rcode == layers.DNSResponseCodeNoErr {
			rr := layers.DNSResourceRecord{Name: []byte(qq.name), Type: qq.typ, Class: layers.DNSClassIN, TTL: 300}
			if qq.typ == layers.DNSTypeA {
				rr.IP = []byte{203, 0, 113, byte(10 + i)}
			} else {
				rr.IP = []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, byte(0x10 + i)}
			}
			resp.Answers = []layers.DNSResourceRecord{rr}
		}
		u.Send(t.Add(ms(4.2)), false, resp)
		t = t.Add(ms(30))
	}

	// RTP: 50 packets of 20 ms PCMU, seq 1000.., ts += 160, seq 1020 lost.
	rtp := cp.NewUDP(ep("192.0.2.30", 5004, 0x1e, 64), ep("198.51.100.40", 5004, 0x01, 60), 0x3000, 0x7000, true)
	const ssrc = 0x5eed1234
	t = t.Add(ms(50))
	for i := 0; i < 50; i++ {
		seq := uint16(1000 + i)
		if seq == 1020 {
			continue
		}
		h := make([]byte, 12+160)
		h[0] = 0x80 // V=2
		h[1] = 0    // PT 0 (PCMU)
		if i == 0 {
			h[1] |= 0x80 // marker on the first packet of the talkspurt
		}
		binary.BigEndian.PutUint16(h[2:], seq)
		binary.BigEndian.PutUint32(h[4:], uint32(160000+160*i))
		binary.BigEndian.PutUint32(h[8:], ssrc)
		for j := 12; j < len(h); j++ {
			// a quiet deterministic waveform in µ-law-ish bytes
			h[j] = 0xf0 | byte((i+j)%16)
		}
		rtp.Send(t.Add(time.Duration(i)*ms(20)), true, gopacket.Payload(h))
	}
	return cp
}
