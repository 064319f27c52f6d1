package main

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// wire turns frames into bytes: one set of gopacket layers held by value and
// one serialize buffer, reused for every frame (SerializeLayers writes the
// whole frame into the buffer, which stays valid until the next frame).
type wire struct {
	pw      *pcapgo.Writer
	buf     gopacket.SerializeBuffer
	so      gopacket.SerializeOptions
	snaplen int
	ipid    uint16

	eth layers.Ethernet
	ip4 layers.IPv4
	ip6 layers.IPv6
	tcp layers.TCP
	udp layers.UDP
	dns layers.DNS
	pl  gopacket.Payload
	ls  [4]gopacket.SerializableLayer

	opts    [8]layers.TCPOption
	mssOpt  [2]byte
	wsOpt   [1]byte
	tsOpt   [8]byte
	sackOpt [32]byte
	dnsQ    [1]layers.DNSQuestion
	dnsA    [1]layers.DNSResourceRecord
	rtpBuf  [12 + 160]byte
	seg     [65536]byte // one segment's payload

	// payload is random bytes (encrypted-looking application data); each
	// segment takes a slice of it chosen by its sequence number.
	payload []byte
}

const payloadSpan = 64 << 10

func newWire(out io.Writer, snaplen int, rng *rand.Rand) (*wire, error) {
	w := &wire{
		pw:      pcapgo.NewWriter(out),
		buf:     gopacket.NewSerializeBufferExpectedSize(128, 1600),
		so:      gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		snaplen: snaplen,
		payload: make([]byte, payloadSpan+2048),
	}
	for i := 0; i+8 <= len(w.payload); i += 8 {
		binary.LittleEndian.PutUint64(w.payload[i:], rng.Uint64())
	}
	fileSnap := uint32(262144)
	if snaplen > 0 {
		fileSnap = uint32(snaplen)
	}
	if err := w.pw.WriteFileHeader(fileSnap, layers.LinkTypeEthernet); err != nil {
		return nil, err
	}
	return w, nil
}

// l3 fills the Ethernet and IP layers for a frame from src to dst and
// returns the IP layer. Hosts beyond the gateway are a dozen hops away.
func (w *wire) l3(v6 bool, src, dst *host, local bool, proto layers.IPProtocol) gopacket.NetworkLayer {
	ttl := uint8(52)
	if local {
		ttl = 64
	}
	w.eth = layers.Ethernet{SrcMAC: src.mac, DstMAC: dst.mac, EthernetType: layers.EthernetTypeIPv4}
	if v6 {
		w.eth.EthernetType = layers.EthernetTypeIPv6
		w.ip6 = layers.IPv6{Version: 6, NextHeader: proto, HopLimit: ttl, SrcIP: src.ip, DstIP: dst.ip}
		return &w.ip6
	}
	w.ipid++
	w.ip4 = layers.IPv4{Version: 4, Id: w.ipid, Flags: layers.IPv4DontFragment, TTL: ttl, Protocol: proto, SrcIP: src.ip, DstIP: dst.ip}
	return &w.ip4
}

// write serializes the prepared layers and writes the frame at ts.
func (w *wire) write(g *gen, ts int64, n int, v6 bool) error {
	if err := gopacket.SerializeLayers(w.buf, w.so, w.ls[:n]...); err != nil {
		return err
	}
	data := w.buf.Bytes()
	ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, baseNs+ts), CaptureLength: len(data), Length: len(data)}
	if w.snaplen > 0 && len(data) > w.snaplen {
		data = data[:w.snaplen]
		ci.CaptureLength = w.snaplen
	}
	if err := w.pw.WritePacket(ci, data); err != nil {
		return err
	}
	st := &g.st
	if st.Packets == 0 {
		st.First = baseNs + ts
	}
	st.Last = max(st.Last, baseNs+ts)
	g.now = max(g.now, ts)
	st.Packets++
	st.Bytes += int64(ci.Length)
	if v6 {
		st.IPv6++
	}
	return nil
}

func (w *wire) opt(kind layers.TCPOptionKind, data []byte) {
	w.tcp.Options = append(w.tcp.Options, layers.TCPOption{OptionType: kind, OptionLength: uint8(2 + len(data)), OptionData: data})
}

func (w *wire) nop() {
	w.tcp.Options = append(w.tcp.Options, layers.TCPOption{OptionType: layers.TCPOptionKindNop, OptionLength: 1})
}

// conn writes one frame of a TCP connection (or of its DNS lookup).
func (w *wire) conn(g *gen, c *conn, p *pkt) error {
	if p.kind != kTCP {
		return w.dnsFrame(g, c, p)
	}
	side := 0
	src, dst, sp, dp := c.cli, c.srv, c.cport, c.sport
	if !p.fromClient {
		side = 1
		src, dst, sp, dp = dst, src, dp, sp
	}
	ip := w.l3(c.v6, src, dst, p.fromClient, layers.IPProtocolTCP)
	t := &w.tcp
	*t = layers.TCP{
		SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Seq: p.seq, Ack: p.ack, Window: p.win,
		FIN: p.flags&fFIN != 0, SYN: p.flags&fSYN != 0, RST: p.flags&fRST != 0, PSH: p.flags&fPSH != 0, ACK: p.flags&fACK != 0,
		Options: w.opts[:0],
	}
	if c.tsOK && p.flags&fRST == 0 {
		tsval := uint32(p.ts/1e6) + c.tsOff[side]
		var tsecr uint32
		if !(p.synOpts && side == 0) {
			tsecr = uint32((p.ts-c.rtt()/2)/1e6) + c.tsOff[1-side]
		}
		binary.BigEndian.PutUint32(w.tsOpt[:4], tsval)
		binary.BigEndian.PutUint32(w.tsOpt[4:], tsecr)
	}
	switch {
	case p.synOpts:
		// Linux's SYN layout: MSS, SACK permitted, timestamps, NOP, scale.
		t.Window = 64240
		if side == 1 {
			t.Window = 65160
		}
		binary.BigEndian.PutUint16(w.mssOpt[:], uint16(1460-20*btoi(c.v6)))
		w.opt(layers.TCPOptionKindMSS, w.mssOpt[:])
		switch {
		case c.sackOK && c.tsOK:
			w.opt(layers.TCPOptionKindSACKPermitted, nil)
			w.opt(layers.TCPOptionKindTimestamps, w.tsOpt[:])
		case c.sackOK:
			w.nop()
			w.nop()
			w.opt(layers.TCPOptionKindSACKPermitted, nil)
		case c.tsOK:
			w.nop()
			w.nop()
			w.opt(layers.TCPOptionKindTimestamps, w.tsOpt[:])
		}
		if c.ws[side] >= 0 {
			w.nop()
			w.wsOpt[0] = byte(c.ws[side])
			w.opt(layers.TCPOptionKindWindowScale, w.wsOpt[:])
		}
	case p.flags&fRST == 0:
		if c.tsOK {
			w.nop()
			w.nop()
			w.opt(layers.TCPOptionKindTimestamps, w.tsOpt[:])
		}
		if p.nsack > 0 {
			for i := 0; i < int(p.nsack); i++ {
				binary.BigEndian.PutUint32(w.sackOpt[8*i:], p.sack[i][0])
				binary.BigEndian.PutUint32(w.sackOpt[8*i+4:], p.sack[i][1])
			}
			w.nop()
			w.nop()
			w.opt(layers.TCPOptionKindSACK, w.sackOpt[:8*int(p.nsack)])
		}
	}
	if err := t.SetNetworkLayerForChecksum(ip); err != nil {
		return err
	}
	w.ls[0], w.ls[1], w.ls[2] = &w.eth, ip.(gopacket.SerializableLayer), t
	n := 3
	if p.plen > 0 {
		off := int(p.seq % payloadSpan)
		seg := w.seg[:p.plen]
		copy(seg, w.payload[off:])
		c.dress(side, p.seq, seg)
		w.pl = seg
		w.ls[3] = &w.pl
		n = 4
	}
	if err := w.write(g, p.ts, n, c.v6); err != nil {
		return err
	}
	st := &g.st
	st.TCP++
	if p.flags&fSYN != 0 && side == 0 && !p.retx {
		st.Conns++
	}
	if p.retx {
		st.Retransmissions++
	}
	if p.dup {
		st.DupAcks++
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// dnsFrame writes the A (or AAAA) lookup of the connection's server name.
func (w *wire) dnsFrame(g *gen, c *conn, p *pkt) error {
	query := p.kind == kDNSQuery
	src, dst, sp, dp := c.cli, c.resolver, c.dnsPort, uint16(53)
	if !query {
		src, dst, sp, dp = dst, src, dp, sp
	}
	ip := w.l3(c.v6, src, dst, query, layers.IPProtocolUDP)
	qt := layers.DNSTypeA
	if c.v6 {
		qt = layers.DNSTypeAAAA
	}
	w.dnsQ[0] = layers.DNSQuestion{Name: c.srv.name, Type: qt, Class: layers.DNSClassIN}
	w.dns = layers.DNS{ID: c.dnsID, RD: true, OpCode: layers.DNSOpCodeQuery, Questions: w.dnsQ[:]}
	if !query {
		w.dns.QR, w.dns.RA = true, true
		w.dnsA[0] = layers.DNSResourceRecord{Name: c.srv.name, Type: qt, Class: layers.DNSClassIN, TTL: 300, IP: c.srv.ip}
		w.dns.Answers = w.dnsA[:]
	}
	return w.udpFrame(g, ip, sp, dp, p.ts, &w.dns, c.v6, func(st *Stats) { st.DNS++ })
}

func (w *wire) udpFrame(g *gen, ip gopacket.NetworkLayer, sp, dp uint16, ts int64, payload gopacket.SerializableLayer, v6 bool, count func(*Stats)) error {
	w.udp = layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}
	if err := w.udp.SetNetworkLayerForChecksum(ip); err != nil {
		return err
	}
	w.ls[0], w.ls[1], w.ls[2], w.ls[3] = &w.eth, ip.(gopacket.SerializableLayer), &w.udp, payload
	if err := w.write(g, ts, 4, v6); err != nil {
		return err
	}
	g.st.UDP++
	count(&g.st)
	return nil
}

// rtp writes the stream's next RTP packet (RFC 3550 §5.1 header, PCMU).
func (w *wire) rtp(g *gen, s *rtpStream) error {
	ip := w.l3(false, s.src, s.dst, !s.fromRemote, layers.IPProtocolUDP)
	b := w.rtpBuf[:]
	b[0] = 0x80 // version 2
	b[1] = 0    // payload type 0: PCMU
	if s.marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], s.seq)
	binary.BigEndian.PutUint32(b[4:], s.ts)
	binary.BigEndian.PutUint32(b[8:], s.ssrc)
	off := int(s.ts % (payloadSpan - 160))
	copy(b[12:], w.payload[off:off+160])
	w.pl = b
	return w.udpFrame(g, ip, s.sport, s.dport, s.arrive, &w.pl, false, func(st *Stats) { st.RTP++ })
}
