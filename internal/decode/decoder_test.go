package decode_test

import (
	"encoding/binary"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tcpviz/tcpviz/internal/decode"
)

type decodeCase struct {
	name     string
	link     uint32
	frame    []byte
	origLen  int // length on the wire; 0 means len(frame)
	wantOK   bool
	want     decode.Packet // Frame, TS, OrigLen, CapLen and LinkType are filled in
	wantFail map[string]uint64
	// wantTrunc is the Stats.Truncated count: 1 when the frame is shorter
	// than its headers declare.
	wantTrunc uint64
}

// decodeCases are the hand-built frames and their expected decoding. They
// also seed FuzzDecode.
func decodeCases(t testing.TB) []decodeCase {
	var cases []decodeCase
	add := func(c ...decodeCase) { cases = append(cases, c...) }

	// Link types.
	add(
		decodeCase{name: "ethernet ipv4 tcp", link: decode.LinkEthernet, frame: tcp4(t), wantOK: true, want: wantTCP4()},
		decodeCase{name: "ethernet ipv6 tcp", link: decode.LinkEthernet, frame: tcp6(t), wantOK: true, want: wantTCP6()},
		decodeCase{name: "null ipv4 (host order family 2)", link: decode.LinkNull,
			frame: cat([]byte{2, 0, 0, 0}, ip4Packet(t)), wantOK: true, want: noMAC(wantTCP4())},
		decodeCase{name: "null ipv6 (darwin family 30)", link: decode.LinkNull,
			frame: cat([]byte{30, 0, 0, 0}, ip6Packet(t)), wantOK: true, want: noMAC(wantTCP6())},
		decodeCase{name: "null ipv6 (bsd family 24)", link: decode.LinkNull,
			frame: cat([]byte{24, 0, 0, 0}, ip6Packet(t)), wantOK: true, want: noMAC(wantTCP6())},
		decodeCase{name: "loop ipv4 (network order family 2)", link: decode.LinkLoop,
			frame: cat([]byte{0, 0, 0, 2}, ip4Packet(t)), wantOK: true, want: noMAC(wantTCP4())},
		decodeCase{name: "raw bsd (12) ipv4", link: decode.LinkRawBSD, frame: ip4Packet(t), wantOK: true, want: noMAC(wantTCP4())},
		decodeCase{name: "raw openbsd (14) ipv6", link: decode.LinkRawOpen, frame: ip6Packet(t), wantOK: true, want: noMAC(wantTCP6())},
		decodeCase{name: "raw (101) ipv4", link: decode.LinkRaw, frame: ip4Packet(t), wantOK: true, want: noMAC(wantTCP4())},
		decodeCase{name: "raw (101) ipv6", link: decode.LinkRaw, frame: ip6Packet(t), wantOK: true, want: noMAC(wantTCP6())},
		decodeCase{name: "ipv4 (228)", link: decode.LinkIPv4, frame: ip4Packet(t), wantOK: true, want: noMAC(wantTCP4())},
		decodeCase{name: "ipv6 (229)", link: decode.LinkIPv6, frame: ip6Packet(t), wantOK: true, want: noMAC(wantTCP6())},
		decodeCase{name: "linux sll ipv4", link: decode.LinkSLL, frame: cat(sllHeader(0x0800), ip4Packet(t)), wantOK: true, want: noMAC(wantTCP4())},
		decodeCase{name: "linux sll2 ipv4", link: decode.LinkSLL2, frame: cat(sll2Header(0x0800), ip4Packet(t)), wantOK: true, want: noMAC(wantTCP4())},
		decodeCase{name: "linux sll2 ipv6", link: decode.LinkSLL2, frame: cat(sll2Header(0x86dd), ip6Packet(t)), wantOK: true, want: noMAC(wantTCP6())},
		decodeCase{name: "nflog ipv4", link: decode.LinkNFLOG, frame: nflogFrame(2, ip4Packet(t)), wantOK: true, want: noMAC(wantTCP4())},
		decodeCase{name: "nflog ipv6", link: decode.LinkNFLOG, frame: nflogFrame(10, ip6Packet(t)), wantOK: true, want: noMAC(wantTCP6())},
		decodeCase{name: "nflog without payload tlv", link: decode.LinkNFLOG, frame: []byte{2, 0, 0, 0, 8, 0, 1, 0, 8, 0, 3, 0},
			wantFail: map[string]uint64{"bad_link_header": 1}},
		decodeCase{name: "unsupported link type (radiotap)", link: 127, frame: tcp4(t),
			wantFail: map[string]uint64{"unsupported_link_type": 1}},
	)

	// Serial lines and FDDI. On LINKTYPE_PPP and _PPP_HDLC the first bytes
	// tell Cisco HDLC (address 0x0f/0x8f), PPP in HDLC-like framing
	// (0xff 0x03) and bare PPP apart; a PPP protocol field with an odd
	// first byte is one byte long (compressed).
	slarp := decode.Packet{EtherType: 0x8035, Net: decode.NetOther}
	add(
		decodeCase{name: "ppp hdlc-like framing ipv4", link: decode.LinkPPP, frame: cat([]byte{0xff, 0x03, 0x00, 0x21}, ip4Packet(t)),
			wantOK: true, want: noMAC(wantTCP4())},
		decodeCase{name: "ppp bare ipv6", link: decode.LinkPPP, frame: cat([]byte{0x00, 0x57}, ip6Packet(t)),
			wantOK: true, want: noMAC(wantTCP6())},
		decodeCase{name: "ppp compressed protocol field ipv4", link: decode.LinkPPP, frame: cat([]byte{0x21}, ip4Packet(t)),
			wantOK: true, want: noMAC(wantTCP4())},
		decodeCase{name: "ppp lcp", link: decode.LinkPPP, frame: []byte{0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 4},
			want: decode.Packet{Net: decode.NetOther}},
		decodeCase{name: "cisco hdlc on the ppp link type (ndpi BGP_Cisco_hdlc_slarp)", link: decode.LinkPPP,
			frame: cat([]byte{0x0f, 0x00, 0x08, 0x00}, ip4Packet(t)), wantOK: true, want: noMAC(wantTCP4())},
		decodeCase{name: "ppp hdlc (50) ipv4", link: decode.LinkPPPHDLC, frame: cat([]byte{0xff, 0x03, 0x00, 0x21}, ip4Packet(t)),
			wantOK: true, want: noMAC(wantTCP4())},
		decodeCase{name: "cisco hdlc ipv6", link: decode.LinkCHDLC, frame: cat([]byte{0x8f, 0x00, 0x86, 0xdd}, ip6Packet(t)),
			wantOK: true, want: noMAC(wantTCP6())},
		decodeCase{name: "cisco hdlc slarp", link: decode.LinkCHDLC, frame: []byte{0x8f, 0x00, 0x80, 0x35, 0, 0, 0, 2, 0, 0, 0, 1},
			want: slarp},
		decodeCase{name: "cisco hdlc cut", link: decode.LinkCHDLC, frame: []byte{0x0f, 0x00, 0x08},
			wantTrunc: 1, wantFail: map[string]uint64{"bad_link_header": 1}},
		decodeCase{name: "ppp header cut", link: decode.LinkPPP, frame: []byte{0xff, 0x03, 0x00},
			wantTrunc: 1, wantFail: map[string]uint64{"bad_link_header": 1}},
		decodeCase{name: "ppp mpls ipv6", link: decode.LinkPPP, frame: cat([]byte{0xff, 0x03, 0x02, 0x81}, mplsStack(2), ip6Packet(t)),
			wantOK: true, want: noMAC(wantTCP6())},
		decodeCase{name: "fddi llc/snap ipv4 (zeek llc.pcap)", link: decode.LinkFDDI, frame: cat(fddiHeader(0x0800), ip4Packet(t)),
			wantOK: true, want: noMAC(wantTCP4())},
		decodeCase{name: "fddi llc without snap", link: decode.LinkFDDI, frame: cat(fddiHeader(0)[:13], []byte{0x42, 0x42, 0x03, 0, 0}),
			want: decode.Packet{Net: decode.NetOther}},
		decodeCase{name: "fddi snap cut", link: decode.LinkFDDI, frame: fddiHeader(0x0800)[:17],
			wantTrunc: 1, wantFail: map[string]uint64{"bad_link_header": 1}},
	)

	// VLAN tags.
	vlan := wantTCP4()
	vlan.VLANs = 1
	qinq := wantTCP4()
	qinq.VLANs = 2
	add(
		decodeCase{name: "802.1q", link: decode.LinkEthernet, wantOK: true, want: vlan, frame: build(t,
			ether(macCli, macSrv, layers.EthernetTypeDot1Q), &layers.Dot1Q{VLANIdentifier: 100, Type: layers.EthernetTypeIPv4},
			ipv4(cli4, srv4, layers.IPProtocolTCP), segment(pshAck), hello)},
		decodeCase{name: "qinq 0x88a8 outer", link: decode.LinkEthernet, wantOK: true, want: qinq, frame: build(t,
			ether(macCli, macSrv, layers.EthernetTypeQinQ), &layers.Dot1Q{VLANIdentifier: 10, Type: layers.EthernetTypeDot1Q},
			&layers.Dot1Q{VLANIdentifier: 20, Type: layers.EthernetTypeIPv4},
			ipv4(cli4, srv4, layers.IPProtocolTCP), segment(pshAck), hello)},
	)

	// MPLS label stacks: IP after the bottom label is told by its version.
	mplsWant := wantTCP4()
	mplsOther := decode.Packet{HasMAC: true, SrcMAC: macCli, DstMAC: macSrv, EtherType: 0x8847, Net: decode.NetOther}
	mplsBad := mplsOther
	mplsBad.Net = decode.NetNone
	add(
		decodeCase{name: "mpls two labels ipv4", link: decode.LinkEthernet, wantOK: true, want: mplsWant,
			frame: cat(ethHeader(macCli, macSrv, 0x8847), mplsStack(2), ip4Packet(t))},
		decodeCase{name: "mpls pseudowire control word", link: decode.LinkEthernet, want: mplsOther,
			frame: cat(ethHeader(macCli, macSrv, 0x8847), mplsStack(1), []byte{0, 0, 0, 0}, tcp4(t))},
		decodeCase{name: "mpls stack cut", link: decode.LinkEthernet, want: mplsBad,
			frame: cat(ethHeader(macCli, macSrv, 0x8847), mplsStack(3)[:10]), wantTrunc: 1,
			wantFail: map[string]uint64{"truncated_ip_header": 1}},
		decodeCase{name: "mpls stack without bottom", link: decode.LinkEthernet, want: mplsBad,
			frame:    cat(ethHeader(macCli, macSrv, 0x8847), mplsStack(17)[:68], ip4Packet(t)),
			wantFail: map[string]uint64{"bad_ip_header": 1}},
	)

	// IP headers.
	withOpts := ipv4(cli4, srv4, layers.IPProtocolTCP)
	withOpts.Options = []layers.IPv4Option{
		{OptionType: 148, OptionLength: 4, OptionData: []byte{0, 0}}, // router alert (RFC 2113)
		{OptionType: 1}, {OptionType: 1}, {OptionType: 1}, {OptionType: 0},
	}
	frag := func(flags layers.IPv4Flag, off uint16) *layers.IPv4 {
		ip := ipv4(cli4, srv4, layers.IPProtocolTCP)
		ip.Flags, ip.FragOffset = flags, off
		return ip
	}
	fragWant := wantTCP4()
	fragWant.Fragment, fragWant.Transport, fragWant.SrcPort, fragWant.DstPort = true, decode.TransNone, 0, 0
	fragWant.TCP, fragWant.PayloadLen, fragWant.Payload = decode.TCP{}, 0, nil
	frag6Want := fragWant
	frag6Want.EtherType, frag6Want.Net, frag6Want.Src, frag6Want.Dst = 0x86dd, decode.NetIPv6, cli6, srv6
	// IPv6 extension headers, made by hand: next header, length in 8-byte
	// units after the first 8, options.
	hopByHop := []byte{60, 0, 5, 2, 0, 0, 1, 0}        // router alert, PadN; next: destination options
	destOpts := []byte{6, 0, 1, 4, 0, 0, 0, 0}         // PadN; next: TCP
	fragHdr := func(offset uint16, more bool) []byte { // next: TCP, identification 1
		fo := offset << 3
		if more {
			fo |= 1
		}
		return []byte{6, 0, byte(fo >> 8), byte(fo), 0, 0, 0, 1}
	}
	ip6ext := func(next layers.IPProtocol, ext ...gopacket.SerializableLayer) []byte {
		ls := []gopacket.SerializableLayer{ether(macCli, macSrv, layers.EthernetTypeIPv6), ipv6(cli6, srv6, next)}
		return build(t, append(ls, ext...)...)
	}
	add(
		decodeCase{name: "ipv4 with options", link: decode.LinkEthernet, wantOK: true, want: wantTCP4(), frame: build(t,
			ether(macCli, macSrv, layers.EthernetTypeIPv4), withOpts, segment(pshAck), hello)},
		decodeCase{name: "ipv6 hop-by-hop and destination options", link: decode.LinkEthernet, wantOK: true, want: wantTCP6(),
			frame: ip6ext(layers.IPProtocolIPv6HopByHop, gopacket.Payload(hopByHop), gopacket.Payload(destOpts), segment(pshAck), hello)},
		decodeCase{name: "ipv4 first fragment", link: decode.LinkEthernet, want: fragWant,
			wantFail: map[string]uint64{"ip_fragment": 1},
			frame:    build(t, ether(macCli, macSrv, layers.EthernetTypeIPv4), frag(layers.IPv4MoreFragments, 0), segment(pshAck), hello)},
		decodeCase{name: "ipv4 later fragment", link: decode.LinkEthernet, want: fragWant,
			wantFail: map[string]uint64{"ip_fragment": 1},
			frame:    build(t, ether(macCli, macSrv, layers.EthernetTypeIPv4), frag(0, 185), gopacket.Payload("the rest of the segment"))},
		decodeCase{name: "ipv6 first fragment", link: decode.LinkEthernet, want: frag6Want,
			wantFail: map[string]uint64{"ip_fragment": 1},
			frame:    ip6ext(layers.IPProtocolIPv6Fragment, gopacket.Payload(fragHdr(0, true)), segment(pshAck), hello)},
		decodeCase{name: "ipv6 later fragment", link: decode.LinkEthernet, want: frag6Want,
			wantFail: map[string]uint64{"ip_fragment": 1},
			frame:    ip6ext(layers.IPProtocolIPv6Fragment, gopacket.Payload(fragHdr(185, false)), gopacket.Payload("the rest of the segment"))},
		// RFC 6946 §4: an atomic fragment is a whole packet.
		decodeCase{name: "ipv6 atomic fragment", link: decode.LinkEthernet, wantOK: true, want: wantTCP6(),
			frame: ip6ext(layers.IPProtocolIPv6Fragment, gopacket.Payload(fragHdr(0, false)), segment(pshAck), hello)},
	)

	// Tunnels: the inner packet's addresses and ports win.
	tunnelled := wantTCP4()
	tunnelled.Tunnelled, tunnelled.SrcMAC, tunnelled.DstMAC = true, macOuter, macTEP
	vxlanWant := wantTCP4()
	vxlanWant.Tunnelled = true
	innerARP := decode.Packet{HasMAC: true, SrcMAC: macCli, DstMAC: [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		EtherType: 0x0806, Tunnelled: true, Net: decode.NetARP}
	// A tunnel with nothing inside stays the UDP datagram that carries it.
	gtpEcho := decode.Packet{HasMAC: true, SrcMAC: macOuter, DstMAC: macTEP, EtherType: 0x0800,
		Net: decode.NetIPv4, Src: tep1, Dst: tep2, IPProto: 17, Transport: decode.TransUDP,
		SrcPort: 2152, DstPort: 2152, PayloadLen: 12,
		// Echo request (TS 29.281 §7.2.1): sequence number flag, length 4.
		Payload: []byte{0x32, 1, 0, 4, 0, 0, 0, 0, 0, 7, 0, 0}}
	add(
		decodeCase{name: "gre ipv4 tcp", link: decode.LinkEthernet, wantOK: true, want: tunnelled,
			frame: greFrame(t, &layers.GRE{Protocol: layers.EthernetTypeIPv4}, ip4Packet(t))},
		decodeCase{name: "gre with key and sequence", link: decode.LinkEthernet, wantOK: true, want: tunnelled,
			frame: greFrame(t, &layers.GRE{KeyPresent: true, Key: 7, SeqPresent: true, Seq: 9, Protocol: layers.EthernetTypeIPv4}, ip4Packet(t))},
		// RFC 1701 source routing: checksum and offset, one entry of
		// 4 bytes, then the NULL entry.
		decodeCase{name: "gre with source route", link: decode.LinkEthernet, wantOK: true, want: tunnelled,
			frame: build(t, ether(macOuter, macTEP, layers.EthernetTypeIPv4), ipv4(tep1, tep2, layers.IPProtocolGRE),
				gopacket.Payload{0x40, 0, 0x08, 0, 0, 0, 0, 0, 0x08, 0x00, 0, 4, 198, 51, 100, 2, 0, 0, 0, 0}, gopacket.Payload(ip4Packet(t)))},
		decodeCase{name: "gre ipv6 tcp", link: decode.LinkEthernet, wantOK: true,
			want: func() decode.Packet {
				p := wantTCP6()
				p.Tunnelled, p.SrcMAC, p.DstMAC = true, macOuter, macTEP
				return p
			}(),
			frame: greFrame(t, &layers.GRE{Protocol: layers.EthernetTypeIPv6}, ip6Packet(t))},
		decodeCase{name: "aruba 802.11 in gre", link: decode.LinkEthernet, wantOK: true, want: tunnelled,
			frame: greFrame(t, &layers.GRE{Protocol: 0x8200}, cat(wlanHeader(0x0800), ip4Packet(t)))},
		decodeCase{name: "gtp-u ipv4 tcp", link: decode.LinkEthernet, wantOK: true, want: tunnelled,
			frame: gtpFrame(t, 255, false, ip4Packet(t))},
		decodeCase{name: "gtp-u with extension header", link: decode.LinkEthernet, wantOK: true, want: tunnelled,
			frame: gtpFrame(t, 255, true, ip4Packet(t))},
		decodeCase{name: "gtp-u echo request", link: decode.LinkEthernet, wantOK: true, want: gtpEcho,
			frame: build(t, ether(macOuter, macTEP, layers.EthernetTypeIPv4), ipv4(tep1, tep2, layers.IPProtocolUDP),
				&layers.UDP{SrcPort: 2152, DstPort: 2152}, gopacket.Payload(gtpEcho.Payload))},
		decodeCase{name: "vxlan ethernet ipv4 tcp", link: decode.LinkEthernet, wantOK: true, want: vxlanWant,
			frame: vxlanFrame(t, tcp4(t))},
		decodeCase{name: "vxlan arp", link: decode.LinkEthernet, want: innerARP, frame: vxlanFrame(t, arpFrame(t))},
		decodeCase{name: "geneve ethernet ipv4 tcp", link: decode.LinkEthernet, wantOK: true, want: vxlanWant,
			frame: geneveFrame(t, tcp4(t))},
	)

	// TCP options and flags.
	opt := func(kind layers.TCPOptionKind, data ...byte) layers.TCPOption {
		return layers.TCPOption{OptionType: kind, OptionData: data}
	}
	nop := layers.TCPOption{OptionType: layers.TCPOptionKindNop}
	be32 := func(v ...uint32) []byte {
		b := make([]byte, 4*len(v))
		for i, x := range v {
			binary.BigEndian.PutUint32(b[4*i:], x)
		}
		return b
	}
	ethTCP := func(tcp *layers.TCP, payload ...gopacket.SerializableLayer) []byte {
		ls := []gopacket.SerializableLayer{ether(macCli, macSrv, layers.EthernetTypeIPv4), ipv4(cli4, srv4, layers.IPProtocolTCP), tcp}
		return build(t, append(ls, payload...)...)
	}
	synOpts := []layers.TCPOption{opt(layers.TCPOptionKindMSS, 0x05, 0xb4), opt(layers.TCPOptionKindSACKPermitted),
		opt(layers.TCPOptionKindTimestamps, be32(111, 0)...), nop, opt(layers.TCPOptionKindWindowScale, 7)}
	syn := wantTCP4()
	syn.TCP = decode.TCP{Seq: 1000, Flags: decode.FlagSYN, Window: 1000, HeaderLen: 40, MSS: 1460, WScale: 7, SACKPerm: true,
		HasTS: true, TSVal: 111}
	syn.PayloadLen, syn.Payload = 0, nil
	wsClamped := syn
	wsClamped.TCP = decode.TCP{Seq: 1000, Flags: decode.FlagSYN | decode.FlagECE | decode.FlagCWR, Window: 1000, HeaderLen: 24, WScale: 14}
	sack4 := wantTCP4()
	sack4.TCP.HeaderLen, sack4.TCP.NSACK = 56, 4
	sack4.TCP.SACK = [4]decode.SACKBlock{{3000, 3100}, {3200, 3300}, {3400, 3500}, {3600, 3700}}
	sack3ts := wantTCP4()
	sack3ts.TCP.HeaderLen, sack3ts.TCP.NSACK, sack3ts.TCP.HasTS, sack3ts.TCP.TSVal, sack3ts.TCP.TSEcr = 60, 3, true, 5, 6
	sack3ts.TCP.SACK = [4]decode.SACKBlock{{3000, 3100}, {3200, 3300}, {3400, 3500}}
	// An option with length 1 ends the list: the MSS before it counts,
	// the segment is analysed, and the header is counted as bad.
	badOpt := syn
	badOpt.TCP = decode.TCP{Seq: 1000, Flags: decode.FlagSYN, Window: 1000, HeaderLen: 28, MSS: 1460, WScale: -1}
	badOptFrame := ethTCP(segment(decode.FlagSYN, opt(layers.TCPOptionKindMSS, 0x05, 0xb4), nop, nop, nop, nop))
	badOptFrame[14+20+20+4] = 30 // MPTCP
	badOptFrame[14+20+20+5] = 1  // ... of length 1
	add(
		decodeCase{name: "syn with mss, sack-permitted, timestamps, window scale", link: decode.LinkEthernet, wantOK: true, want: syn,
			frame: ethTCP(segment(decode.FlagSYN, synOpts...))},
		decodeCase{name: "window scale 15 clamped to 14", link: decode.LinkEthernet, wantOK: true, want: wsClamped,
			frame: ethTCP(segment(decode.FlagSYN|decode.FlagECE|decode.FlagCWR, opt(layers.TCPOptionKindWindowScale, 15), nop))},
		decodeCase{name: "four sack blocks", link: decode.LinkEthernet, wantOK: true, want: sack4,
			frame: ethTCP(segment(pshAck, nop, nop, opt(layers.TCPOptionKindSACK, be32(3000, 3100, 3200, 3300, 3400, 3500, 3600, 3700)...)), hello)},
		decodeCase{name: "three sack blocks and timestamps", link: decode.LinkEthernet, wantOK: true, want: sack3ts,
			frame: ethTCP(segment(pshAck, nop, nop, opt(layers.TCPOptionKindTimestamps, be32(5, 6)...), nop, nop,
				opt(layers.TCPOptionKindSACK, be32(3000, 3100, 3200, 3300, 3400, 3500)...)), hello)},
		decodeCase{name: "malformed option", link: decode.LinkEthernet, wantOK: true, want: badOpt, frame: badOptFrame,
			wantFail: map[string]uint64{"bad_tcp_header": 1}},
	)

	// Lengths: padding, snapshot length, TSO.
	bare := wantTCP4()
	bare.TCP.Flags, bare.PayloadLen, bare.Payload = decode.FlagACK, 0, nil
	padded := ethTCP(segment(decode.FlagACK))
	padded = append(padded, make([]byte, 60-len(padded))...)
	big := ethTCP(segment(pshAck), gopacket.Payload(make([]byte, 100)))
	cutAfterTCP := wantTCP4()
	cutAfterTCP.PayloadLen, cutAfterTCP.Payload, cutAfterTCP.Truncated = 100, nil, true
	cutInPayload := cutAfterTCP
	cutInPayload.Payload = make([]byte, 26)
	tso := append([]byte(nil), big...)
	binary.BigEndian.PutUint16(tso[14+2:], 0) // IPv4 total length 0
	tsoWant := wantTCP4()
	tsoWant.PayloadLen, tsoWant.Payload = 100, nil
	synFrame := ethTCP(segment(decode.FlagSYN, synOpts...))
	cutOpts := syn
	cutOpts.TCP.HasTS, cutOpts.TCP.TSVal, cutOpts.TCP.WScale, cutOpts.Truncated = false, 0, -1, true
	ipOnly := wantTCP4()
	ipOnly.Transport, ipOnly.SrcPort, ipOnly.DstPort, ipOnly.TCP, ipOnly.PayloadLen, ipOnly.Payload = decode.TransNone, 0, 0, decode.TCP{}, 0, nil
	ipOnlyCut := ipOnly
	ipOnlyCut.Truncated = true
	badOffset := append([]byte(nil), tcp4(t)...)
	badOffset[14+20+12] = 4 << 4
	jumbo := build(t, ether(macCli, macSrv, layers.EthernetTypeIPv6), ipv6(cli6, srv6, layers.IPProtocolIPv6HopByHop),
		gopacket.Payload([]byte{6, 0, 0xc2, 4, 0, 1, 0x11, 0x70}), // jumbo payload length 70000 (RFC 2675)
		segment(pshAck))
	binary.BigEndian.PutUint16(jumbo[14+4:], 0)
	jumboWant := wantTCP6()
	jumboWant.PayloadLen, jumboWant.Payload, jumboWant.Truncated = 70000-8-20, nil, true
	noJumbo := append([]byte(nil), tcp6(t)...)
	binary.BigEndian.PutUint16(noJumbo[14+4:], 0)
	add(
		decodeCase{name: "ethernet padding", link: decode.LinkEthernet, wantOK: true, want: bare, frame: padded},
		decodeCase{name: "snaplen cut after tcp header", link: decode.LinkEthernet, wantOK: true, want: cutAfterTCP,
			frame: big[:54], origLen: len(big), wantTrunc: 1},
		decodeCase{name: "snaplen cut in payload", link: decode.LinkEthernet, wantOK: true, want: cutInPayload,
			frame: big[:80], origLen: len(big), wantTrunc: 1},
		decodeCase{name: "ipv4 total length 0 (tso)", link: decode.LinkEthernet, wantOK: true, want: tsoWant,
			frame: tso[:54], origLen: len(tso)},
		decodeCase{name: "tcp header cut mid-options", link: decode.LinkEthernet, wantOK: true, want: cutOpts,
			frame: synFrame[:14+20+26], origLen: len(synFrame), wantTrunc: 1, wantFail: map[string]uint64{"truncated_tcp_header": 1}},
		decodeCase{name: "tcp header cut in fixed part", link: decode.LinkEthernet, want: ipOnlyCut,
			frame: big[:14+20+10], origLen: len(big), wantTrunc: 1, wantFail: map[string]uint64{"truncated_tcp_header": 1}},
		decodeCase{name: "frame cut after ip header", link: decode.LinkEthernet, want: ipOnlyCut,
			frame: big[:14+20], origLen: len(big), wantTrunc: 1, wantFail: map[string]uint64{"truncated_tcp_header": 1}},
		decodeCase{name: "tcp data offset below 5", link: decode.LinkEthernet, want: ipOnly, frame: badOffset,
			wantFail: map[string]uint64{"bad_tcp_header": 1}},
		decodeCase{name: "ipv6 jumbogram cut after tcp header", link: decode.LinkEthernet, wantOK: true, want: jumboWant,
			frame: jumbo, origLen: 14 + 40 + 70000, wantTrunc: 1},
		decodeCase{name: "ipv6 payload length 0 without jumbo option", link: decode.LinkEthernet,
			want:     decode.Packet{HasMAC: true, SrcMAC: macCli, DstMAC: macSrv, EtherType: 0x86dd},
			frame:    noJumbo,
			wantFail: map[string]uint64{"bad_ip_header": 1}},
	)

	// Other protocols and garbage.
	udpWant := wantTCP4()
	udpWant.IPProto, udpWant.Transport, udpWant.SrcPort, udpWant.DstPort = 17, decode.TransUDP, 53000, 53
	udpWant.TCP, udpWant.PayloadLen, udpWant.Payload = decode.TCP{}, 12, []byte("query bytes!")
	icmpWant := ipOnly
	icmpWant.IPProto, icmpWant.Transport = 1, decode.TransICMP
	icmp6Want := wantTCP6()
	icmp6Want.IPProto, icmp6Want.Transport, icmp6Want.SrcPort, icmp6Want.DstPort = 58, decode.TransICMPv6, 0, 0
	icmp6Want.TCP, icmp6Want.PayloadLen, icmp6Want.Payload = decode.TCP{}, 0, nil
	ethOnly := func(et uint16) decode.Packet {
		return decode.Packet{HasMAC: true, SrcMAC: macCli, DstMAC: macSrv, EtherType: et}
	}
	other := ethOnly(0x88cc)
	other.Net = decode.NetOther
	arpWant := innerARP
	arpWant.Tunnelled = false
	// A bad header inside a tunnel leaves the outer packet as it was.
	badInner := append(ip4Packet(t), 0)
	badInner[0] = 0x44 // IHL 4
	badInnerWant := decode.Packet{HasMAC: true, SrcMAC: macOuter, DstMAC: macTEP, EtherType: 0x0800,
		Net: decode.NetIPv4, Src: tep1, Dst: tep2, IPProto: 47}
	add(
		decodeCase{name: "udp", link: decode.LinkEthernet, wantOK: true, want: udpWant, frame: build(t,
			ether(macCli, macSrv, layers.EthernetTypeIPv4), ipv4(cli4, srv4, layers.IPProtocolUDP),
			&layers.UDP{SrcPort: 53000, DstPort: 53}, gopacket.Payload("query bytes!"))},
		decodeCase{name: "icmp echo", link: decode.LinkEthernet, want: icmpWant, frame: build(t,
			ether(macCli, macSrv, layers.EthernetTypeIPv4), ipv4(cli4, srv4, layers.IPProtocolICMPv4),
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0), Id: 1, Seq: 1}, gopacket.Payload("ping"))},
		decodeCase{name: "icmpv6 echo", link: decode.LinkEthernet, want: icmp6Want, frame: build(t,
			ether(macCli, macSrv, layers.EthernetTypeIPv6), ipv6(cli6, srv6, layers.IPProtocolICMPv6),
			&layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(128, 0)}, gopacket.Payload("ping"))},
		decodeCase{name: "arp", link: decode.LinkEthernet, want: arpWant, frame: arpFrame(t)},
		decodeCase{name: "linux sll2 arp", link: decode.LinkSLL2, want: decode.Packet{EtherType: 0x0806, Net: decode.NetARP},
			frame: cat(sll2Header(0x0806), arpFrame(t)[14:])},
		decodeCase{name: "unknown ethertype", link: decode.LinkEthernet, want: other,
			frame: build(t, ether(macCli, macSrv, 0x88cc), gopacket.Payload("lldp tlvs"))},
		decodeCase{name: "garbage after ethernet", link: decode.LinkEthernet, want: ethOnly(0x0800),
			frame:    build(t, ether(macCli, macSrv, layers.EthernetTypeIPv4), gopacket.Payload("this is not an IPv4 header at all")),
			wantFail: map[string]uint64{"bad_ip_header": 1}},
		decodeCase{name: "ipv4 total length below 20", link: decode.LinkEthernet, want: ethOnly(0x0800),
			frame:    build(t, ether(macCli, macSrv, layers.EthernetTypeIPv4), gopacket.Payload(cat([]byte{0x45, 0, 0, 10}, make([]byte, 30)))),
			wantFail: map[string]uint64{"bad_ip_header": 1}},
		decodeCase{name: "ipv4 header cut", link: decode.LinkEthernet, want: ethOnly(0x0800), frame: tcp4(t)[:24],
			origLen: len(tcp4(t)), wantTrunc: 1, wantFail: map[string]uint64{"truncated_ip_header": 1}},
		decodeCase{name: "short ethernet", link: decode.LinkEthernet, want: decode.Packet{}, frame: tcp4(t)[:10],
			wantFail: map[string]uint64{"bad_link_header": 1}},
		decodeCase{name: "empty raw frame", link: decode.LinkRaw, want: decode.Packet{}, frame: []byte{},
			wantTrunc: 1, wantFail: map[string]uint64{"truncated_ip_header": 1}},
		decodeCase{name: "raw frame of ip version 5", link: decode.LinkRaw, want: decode.Packet{},
			frame: cat([]byte{0x55}, ip4Packet(t)[1:]), wantFail: map[string]uint64{"bad_ip_header": 1}},
		decodeCase{name: "bad ipv4 header inside gre", link: decode.LinkEthernet, want: badInnerWant,
			frame:    greFrame(t, &layers.GRE{Protocol: layers.EthernetTypeIPv4}, badInner),
			wantFail: map[string]uint64{"bad_ip_header": 1}},
		decodeCase{name: "gre header cut", link: decode.LinkEthernet, want: badInnerWant, origLen: 80,
			frame:     greFrame(t, &layers.GRE{Protocol: layers.EthernetTypeIPv4}, nil)[:14+20+2],
			wantTrunc: 1, wantFail: map[string]uint64{"bad_header": 1}},
	)

	return cases
}

func TestDecode(t *testing.T) {
	shared := decode.New()
	for _, tc := range decodeCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			orig := tc.origLen
			if orig == 0 {
				orig = len(tc.frame)
			}
			want := tc.want
			want.Frame, want.TS, want.OrigLen, want.CapLen, want.LinkType = 7, 42, orig, len(tc.frame), tc.link
			// Packet.Truncated and Stats.Truncated say the same thing.
			want.Truncated = tc.wantTrunc > 0

			d := decode.New()
			var p decode.Packet
			ok := d.Decode(7, 42, tc.link, orig, tc.frame, &p)
			if ok != tc.wantOK {
				t.Errorf("Decode returned %v, want %v", ok, tc.wantOK)
			}
			if diff := diffValues(want, p); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
			wantFail := tc.wantFail
			if wantFail == nil {
				wantFail = map[string]uint64{}
			}
			wantStats := stats{Frames: 1, Truncated: tc.wantTrunc, ByReason: wantFail}
			gotStats := stats{Frames: d.Stats.Frames, Truncated: d.Stats.Truncated, ByReason: d.Stats.ByReason()}
			if diff := diffValues(wantStats, gotStats); diff != "" {
				t.Errorf("Stats mismatch (-want +got):\n%s", diff)
			}

			// The same frame through a Decoder that has decoded
			// every earlier case: nothing may leak between frames.
			var p2 decode.Packet
			if ok := shared.Decode(7, 42, tc.link, orig, tc.frame, &p2); ok != tc.wantOK {
				t.Errorf("reused Decoder: Decode returned %v, want %v", ok, tc.wantOK)
			}
			if diff := diffValues(want, p2); diff != "" {
				t.Errorf("reused Decoder: Decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// stats is the comparable view of decode.Stats the tests check.
type stats struct {
	Frames, Truncated uint64
	ByReason          map[string]uint64
}

func TestStatsAccumulate(t *testing.T) {
	d := decode.New()
	var p decode.Packet
	frames := []struct {
		link  uint32
		frame []byte
	}{
		{decode.LinkEthernet, tcp4(t)},
		{decode.LinkEthernet, tcp4(t)[:10]},
		{decode.LinkEthernet, tcp4(t)[:10]},
		{127, tcp4(t)},
		{decode.LinkRaw, []byte{0x45}},
	}
	for i, f := range frames {
		d.Decode(uint64(i+1), 0, f.link, len(f.frame), f.frame, &p)
	}
	want := stats{Frames: 5, Truncated: 1, ByReason: map[string]uint64{
		"bad_link_header": 2, "unsupported_link_type": 1, "truncated_ip_header": 1,
	}}
	got := stats{Frames: d.Stats.Frames, Truncated: d.Stats.Truncated, ByReason: d.Stats.ByReason()}
	if diff := diffValues(want, got); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
	if got, want := d.Stats.Total(), uint64(4); got != want {
		t.Errorf("Stats.Total() = %d, want %d", got, want)
	}
}

func TestSupported(t *testing.T) {
	for _, tc := range []struct {
		link uint32
		want bool
	}{
		{0, true}, {1, true}, {12, true}, {14, true}, {101, true}, {108, true}, {113, true},
		{228, true}, {229, true}, {239, true}, {276, true},
		{9, true}, {10, true}, {50, true}, {104, true},
		{105, false}, {107, false}, {127, false}, {192, false},
	} {
		if got := decode.Supported(tc.link); got != tc.want {
			t.Errorf("Supported(%d) = %v, want %v", tc.link, got, tc.want)
		}
	}
}
