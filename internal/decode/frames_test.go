package decode_test

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tcpviz/tcpviz/internal/decode"
)

// Builders for the small hand-made frames of the table tests, the fuzz seeds
// and the benchmark. Addresses come from the documentation ranges (RFC 5737,
// RFC 3849).

var (
	cli4 = netip.MustParseAddr("192.0.2.1")
	srv4 = netip.MustParseAddr("198.51.100.2")
	cli6 = netip.MustParseAddr("2001:db8::1")
	srv6 = netip.MustParseAddr("2001:db8::2")
	tep1 = netip.MustParseAddr("203.0.113.1") // tunnel endpoints
	tep2 = netip.MustParseAddr("203.0.113.2")

	macCli   = [6]byte{0x02, 0, 0, 0, 0, 0x01}
	macSrv   = [6]byte{0x02, 0, 0, 0, 0, 0x02}
	macOuter = [6]byte{0x02, 0, 0, 0, 0, 0x0a}
	macTEP   = [6]byte{0x02, 0, 0, 0, 0, 0x0b}
)

// build serialises layers with lengths and checksums fixed, as a capture of
// them would hold them. gopacket.Payload serves for hand-made headers.
func build(tb testing.TB, ls ...gopacket.SerializableLayer) []byte {
	tb.Helper()
	var nl gopacket.NetworkLayer
	for _, l := range ls {
		switch v := l.(type) {
		case *layers.IPv4:
			nl = v
		case *layers.IPv6:
			nl = v
		case *layers.TCP:
			if err := v.SetNetworkLayerForChecksum(nl); err != nil {
				tb.Fatal(err)
			}
		case *layers.UDP:
			if err := v.SetNetworkLayerForChecksum(nl); err != nil {
				tb.Fatal(err)
			}
		case *layers.ICMPv6:
			if err := v.SetNetworkLayerForChecksum(nl); err != nil {
				tb.Fatal(err)
			}
		}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		tb.Fatalf("serialize: %v", err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

func ether(src, dst [6]byte, t layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: src[:], DstMAC: dst[:], EthernetType: t}
}

func ipv4(src, dst netip.Addr, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, TTL: 64, Flags: layers.IPv4DontFragment, Protocol: proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
}

func ipv6(src, dst netip.Addr, next layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: next, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
}

// segment is the client's TCP header: 40000 -> 80, seq 1000, ack 2000,
// window 1000.
func segment(flags uint8, opts ...layers.TCPOption) *layers.TCP {
	t := &layers.TCP{SrcPort: 40000, DstPort: 80, Seq: 1000, Window: 1000, Options: opts}
	t.FIN, t.SYN, t.RST, t.PSH = flags&decode.FlagFIN != 0, flags&decode.FlagSYN != 0, flags&decode.FlagRST != 0, flags&decode.FlagPSH != 0
	t.ACK, t.URG, t.ECE, t.CWR = flags&decode.FlagACK != 0, flags&decode.FlagURG != 0, flags&decode.FlagECE != 0, flags&decode.FlagCWR != 0
	if t.ACK {
		t.Ack = 2000
	}
	return t
}

var hello = gopacket.Payload("hello")

const pshAck = decode.FlagPSH | decode.FlagACK

// synOptions are a typical SYN's options: MSS 1460, SACK permitted,
// timestamps, a NOP and window scale 7 (a 40-byte header with them).
func synOptions() []layers.TCPOption {
	return []layers.TCPOption{
		{OptionType: layers.TCPOptionKindMSS, OptionData: []byte{0x05, 0xb4}},
		{OptionType: layers.TCPOptionKindSACKPermitted},
		{OptionType: layers.TCPOptionKindTimestamps, OptionData: make([]byte, 8)},
		{OptionType: layers.TCPOptionKindNop},
		{OptionType: layers.TCPOptionKindWindowScale, OptionData: []byte{7}},
	}
}

// syn4 is an Ethernet/IPv4 SYN with synOptions, then payload.
func syn4(tb testing.TB, payload ...gopacket.SerializableLayer) []byte {
	return build(tb, append([]gopacket.SerializableLayer{ether(macCli, macSrv, layers.EthernetTypeIPv4),
		ipv4(cli4, srv4, layers.IPProtocolTCP), segment(decode.FlagSYN, synOptions()...)}, payload...)...)
}

// tcp4 is an Ethernet/IPv4/TCP frame carrying "hello"; wantTCP4 is its
// decoding.
func tcp4(tb testing.TB) []byte {
	return build(tb, ether(macCli, macSrv, layers.EthernetTypeIPv4), ipv4(cli4, srv4, layers.IPProtocolTCP), segment(pshAck), hello)
}

func wantTCP4() decode.Packet {
	return decode.Packet{
		HasMAC: true, SrcMAC: macCli, DstMAC: macSrv, EtherType: 0x0800,
		Net: decode.NetIPv4, Src: cli4, Dst: srv4, IPProto: 6,
		Transport: decode.TransTCP, SrcPort: 40000, DstPort: 80,
		TCP:        decode.TCP{Seq: 1000, Ack: 2000, Flags: pshAck, Window: 1000, HeaderLen: 20, WScale: -1},
		PayloadLen: 5, Payload: []byte("hello"),
	}
}

// ip4Packet and ip6Packet are the IP packets of tcp4 and its IPv6 twin,
// for link types without a MAC header.
func ip4Packet(tb testing.TB) []byte {
	return build(tb, ipv4(cli4, srv4, layers.IPProtocolTCP), segment(pshAck), hello)
}

func ip6Packet(tb testing.TB) []byte {
	return build(tb, ipv6(cli6, srv6, layers.IPProtocolTCP), segment(pshAck), hello)
}

func tcp6(tb testing.TB) []byte {
	return build(tb, ether(macCli, macSrv, layers.EthernetTypeIPv6), ipv6(cli6, srv6, layers.IPProtocolTCP), segment(pshAck), hello)
}

func wantTCP6() decode.Packet {
	p := wantTCP4()
	p.EtherType, p.Net, p.Src, p.Dst = 0x86dd, decode.NetIPv6, cli6, srv6
	return p
}

// noMAC is want as decoded from a link without MAC addresses.
func noMAC(p decode.Packet) decode.Packet {
	p.HasMAC, p.SrcMAC, p.DstMAC = false, [6]byte{}, [6]byte{}
	return p
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// sllHeader is a LINKTYPE_LINUX_SLL header (tcpdump.org): packet type,
// ARPHRD type, address length, 8 address bytes, protocol.
func sllHeader(proto uint16) []byte {
	h := []byte{0, 0, 0, 1, 0, 6, 0x02, 0, 0, 0, 0, 0x01, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(h[14:], proto)
	return h
}

// sll2Header is a LINKTYPE_LINUX_SLL2 header: protocol, reserved, interface
// index, ARPHRD type, packet type (4: outgoing), address length, 8 address
// bytes.
func sll2Header(proto uint16) []byte {
	h := []byte{0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 4, 6, 0x02, 0, 0, 0, 0, 0x01, 0, 0}
	binary.BigEndian.PutUint16(h[0:], proto)
	return h
}

// ethHeader is an Ethernet header: destination, source, EtherType.
func ethHeader(src, dst [6]byte, etherType uint16) []byte {
	h := append(append([]byte{}, dst[:]...), src[:]...)
	return binary.BigEndian.AppendUint16(h, etherType)
}

// mplsStack is n MPLS label entries (labels 16, 17, …; TTL 64), the last
// one marked the bottom of the stack.
func mplsStack(n int) []byte {
	var b []byte
	for i := range n {
		e := uint32(16+i)<<12 | 64
		if i == n-1 {
			e |= 1 << 8
		}
		b = binary.BigEndian.AppendUint32(b, e)
	}
	return b
}

// fddiHeader is an FDDI header (frame control 0x50: async LLC; destination,
// source) and an LLC/SNAP header for EtherType proto.
func fddiHeader(proto uint16) []byte {
	h := []byte{0x50, 0, 0, 0x5e, 0, 0, 1, 0, 0, 0x5e, 0, 0, 2, 0xaa, 0xaa, 0x03, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(h[19:], proto)
	return h
}

// nflogFrame wraps an IP packet in a LINKTYPE_NFLOG frame: family, version,
// resource id, then little-endian TLVs padded to 4 bytes: a packet header,
// a log prefix, the payload (type 9).
func nflogFrame(family byte, pkt []byte) []byte {
	b := []byte{family, 0, 0, 0}
	tlv := func(typ uint16, v []byte) {
		h := make([]byte, 4)
		binary.LittleEndian.PutUint16(h[0:], uint16(4+len(v)))
		binary.LittleEndian.PutUint16(h[2:], typ)
		b = append(append(b, h...), v...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	tlv(1, []byte{0x08, 0x00, 3, 0}) // NFULA_PACKET_HDR
	tlv(10, []byte("ab\x00"))        // NFULA_PREFIX, length 7: padded
	tlv(9, pkt)                      // NFULA_PAYLOAD
	return b
}

// wlanHeader is the 802.11 QoS data header (IEEE 802.11-2020 §9.3.2.1) and
// LLC/SNAP header Aruba controllers send inside GRE protocol 0x8200.
func wlanHeader(etherType uint16) []byte {
	h := make([]byte, 26, 34)
	h[0], h[1] = 0x88, 0x01 // QoS data, ToDS
	copy(h[4:], macTEP[:])
	copy(h[10:], macCli[:])
	copy(h[16:], macSrv[:])
	h = append(h, 0xaa, 0xaa, 0x03, 0, 0, 0, byte(etherType>>8), byte(etherType))
	return h
}

// gtpHeader is a GTPv1-U header (3GPP TS 29.281 §5.1) for payloadLen bytes.
// With ext, the optional fields and one PDU session container extension
// header (type 0x85) follow. gopacket's own serialiser appends the optional
// fields after the payload, so the header is made by hand.
func gtpHeader(msgType byte, payloadLen int, ext bool) []byte {
	h := []byte{0x30, msgType, 0, 0, 0, 0, 0x12, 0x34}
	if ext {
		h[0] |= 0x04 | 0x02
		h = append(h, 0x00, 0x07, 0, 0x85, // sequence 7, N-PDU, next: PDU session container
			1, 0x10, 0x09, 0) // length 1 (4 bytes), content, no next header
	}
	binary.BigEndian.PutUint16(h[2:], uint16(len(h)-8+payloadLen))
	return h
}

// gtpFrame is Ethernet/IPv4/UDP 2152/GTP-U carrying inner.
func gtpFrame(tb testing.TB, msgType byte, ext bool, inner []byte) []byte {
	return build(tb, ether(macOuter, macTEP, layers.EthernetTypeIPv4), ipv4(tep1, tep2, layers.IPProtocolUDP),
		&layers.UDP{SrcPort: 2152, DstPort: 2152}, gopacket.Payload(cat(gtpHeader(msgType, len(inner), ext), inner)))
}

// vxlanFrame is Ethernet/IPv4/UDP 4789/VXLAN carrying the inner frame.
func vxlanFrame(tb testing.TB, inner []byte) []byte {
	return build(tb, ether(macOuter, macTEP, layers.EthernetTypeIPv4), ipv4(tep1, tep2, layers.IPProtocolUDP),
		&layers.UDP{SrcPort: 49152, DstPort: 4789}, &layers.VXLAN{ValidIDFlag: true, VNI: 42}, gopacket.Payload(inner))
}

// greFrame is Ethernet/IPv4/GRE with the given protocol carrying inner.
func greFrame(tb testing.TB, g *layers.GRE, inner []byte) []byte {
	return build(tb, ether(macOuter, macTEP, layers.EthernetTypeIPv4), ipv4(tep1, tep2, layers.IPProtocolGRE), g, gopacket.Payload(inner))
}

func arpFrame(tb testing.TB) []byte {
	return build(tb, ether(macCli, [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, layers.EthernetTypeARP), &layers.ARP{
		AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
		Operation: layers.ARPRequest, SourceHwAddress: macCli[:], SourceProtAddress: cli4.AsSlice(),
		DstHwAddress: make([]byte, 6), DstProtAddress: srv4.AsSlice(),
	})
}

// geneveFrame is Ethernet/IPv4/UDP 6081/Geneve (one 8-byte option) carrying
// the inner Ethernet frame.
func geneveFrame(tb testing.TB, inner []byte) []byte {
	hdr := []byte{0x02, 0x00, 0x65, 0x58, 0, 0, 42, 0, // version 0, 2 option words, TEB, VNI 42
		0x01, 0x02, 0x03, 0x01, 0xde, 0xad, 0xbe, 0xef} // class, type, length 1 word, data
	return build(tb, ether(macOuter, macTEP, layers.EthernetTypeIPv4), ipv4(tep1, tep2, layers.IPProtocolUDP),
		&layers.UDP{SrcPort: 49152, DstPort: 6081}, gopacket.Payload(cat(hdr, inner)))
}
