package decode

import (
	"encoding/binary"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Link types tcpviz decodes (tcpdump.org link-layer header types).
const (
	LinkNull     = 0
	LinkEthernet = 1
	LinkRawBSD   = 12 // DLT_RAW on most BSDs
	LinkRawOpen  = 14 // DLT_RAW on OpenBSD
	LinkRaw      = 101
	LinkLoop     = 108
	LinkSLL      = 113
	LinkIPv4     = 228
	LinkIPv6     = 229
	LinkSLL2     = 276
	LinkNFLOG    = 239
)

// Supported reports whether Decode understands frames of this link type.
func Supported(linkType uint32) bool {
	switch linkType {
	case LinkNull, LinkEthernet, LinkRawBSD, LinkRawOpen, LinkRaw, LinkLoop, LinkSLL, LinkIPv4, LinkIPv6, LinkSLL2, LinkNFLOG,
		LinkPPP, LinkPPPHDLC, LinkCHDLC, LinkFDDI:
		return true
	}
	return false
}

// Decoder decodes frames into Packets. Its parsers point at its own layer
// values, so a Decoder must not be copied; create it with New.
type Decoder struct {
	eth   layers.Ethernet
	dot1q layers.Dot1Q
	sll   layers.LinuxSLL
	sll2  sll2
	loop  layers.Loopback
	ip4   ip4
	ip6   ip6
	ext   layers.IPv6ExtensionSkipper
	frag6 frag6
	tcp   tcp
	udp   layers.UDP
	icmp4 layers.ICMPv4
	icmp6 layers.ICMPv6
	gre   gre
	aruba arubaWLAN
	gtp   gtpU
	gnv   geneve
	vxlan layers.VXLAN
	nflog nflog
	ppp   serial // PPP, or Cisco HDLC told by its address byte
	chdlc serial // Cisco HDLC only
	fddi  fddi
	mpls  mpls

	// One parser per first layer; all share the layer values above.
	pEth, pSLL, pSLL2, pLoop, pIP4, pIP6, pNFLOG *gopacket.DecodingLayerParser
	pPPP, pCHDLC, pFDDI                          *gopacket.DecodingLayerParser
	decoded                                      []gopacket.LayerType
	// known holds every layer decoder by type: the fast path asks it
	// whether a UDP port names a tunnel the general decoder would open.
	known gopacket.DecodingLayerSparse
	// generalOnly turns the fast path off (tests compare the two).
	generalOnly bool

	// Stats counts frames that did not decode fully, by reason.
	Stats Stats
}

// New returns a ready Decoder.
func New() *Decoder {
	d := &Decoder{decoded: make([]gopacket.LayerType, 0, 16)}
	d.ppp.class = layerTypeSerial
	d.chdlc.class, d.chdlc.ciscoOnly = layerTypeCHDLC, true
	// frag6 comes after ext: it takes LayerTypeIPv6Fragment over from
	// the skipper.
	all := []gopacket.DecodingLayer{&d.eth, &d.dot1q, &d.sll, &d.sll2, &d.loop, &d.ip4, &d.ip6, &d.ext, &d.frag6, &d.tcp, &d.udp, &d.icmp4, &d.icmp6,
		&d.gre, &d.aruba, &d.gtp, &d.gnv, &d.vxlan, &d.nflog, &d.ppp, &d.chdlc, &d.fddi, &d.mpls}
	for _, l := range all {
		d.known = d.known.Put(l).(gopacket.DecodingLayerSparse)
	}
	mk := func(first gopacket.LayerType) *gopacket.DecodingLayerParser {
		p := gopacket.NewDecodingLayerParser(first)
		// A sparse container indexes decoders by layer type: one slice
		// lookup per layer instead of a map lookup.
		p.SetDecodingLayerContainer(gopacket.DecodingLayerSparse(nil))
		for _, l := range all {
			p.AddDecodingLayer(l)
		}
		// Layers we do not decode (ARP, DNS, ...) end decoding quietly.
		p.IgnoreUnsupported = true
		return p
	}
	d.pEth = mk(layers.LayerTypeEthernet)
	d.pSLL = mk(layers.LayerTypeLinuxSLL)
	d.pSLL2 = mk(layerTypeSLL2)
	d.pLoop = mk(layers.LayerTypeLoopback)
	d.pIP4 = mk(layers.LayerTypeIPv4)
	d.pIP6 = mk(layers.LayerTypeIPv6)
	d.pNFLOG = mk(layerTypeNFLOG)
	d.pPPP = mk(layerTypeSerial)
	d.pCHDLC = mk(layerTypeCHDLC)
	d.pFDDI = mk(layerTypeFDDI)
	return d
}

func (d *Decoder) parserFor(linkType uint32, data []byte) *gopacket.DecodingLayerParser {
	switch linkType {
	case LinkEthernet:
		return d.pEth
	case LinkSLL:
		return d.pSLL
	case LinkSLL2:
		return d.pSLL2
	case LinkNull, LinkLoop:
		return d.pLoop
	case LinkIPv4:
		return d.pIP4
	case LinkIPv6:
		return d.pIP6
	case LinkNFLOG:
		return d.pNFLOG
	case LinkPPP, LinkPPPHDLC:
		return d.pPPP
	case LinkCHDLC:
		return d.pCHDLC
	case LinkFDDI:
		return d.pFDDI
	case LinkRaw, LinkRawBSD, LinkRawOpen:
		if len(data) > 0 && data[0]>>4 == 6 {
			return d.pIP6
		}
		return d.pIP4
	}
	return nil
}

// truncated tells the parser that the frame ended inside a header, and
// returns err, the layer's error for it.
func truncated(df gopacket.DecodeFeedback, err error) error {
	df.SetTruncated()
	return err
}

// offset is where sub starts inside frame. Every layer slice is cut from the
// frame with two-index slicing, so it shares the frame's end of capacity.
func offset(frame, sub []byte) int { return cap(frame) - cap(sub) }

// Decode decodes data (a frame of the given link type) into p. It returns
// false when the frame did not decode as far as a transport header; the reason
// is counted in d.Stats.
func (d *Decoder) Decode(frame uint64, ts int64, linkType uint32, origLen int, data []byte, p *Packet) bool {
	// Zeroed in place, then set: a composite literal would be built on
	// the stack and copied over, a fifth of Decode's time on the fast
	// path (BenchmarkDecode/tcp).
	*p = Packet{}
	p.Frame, p.TS, p.OrigLen, p.CapLen, p.LinkType = frame, ts, origLen, len(data), linkType
	d.Stats.Frames++
	if !d.generalOnly && d.fastPath(linkType, origLen, data, p) {
		return true
	}
	parser := d.parserFor(linkType, data)
	if parser == nil {
		d.Stats.Add(ReasonUnsupportedLink)
		return false
	}
	err := parser.DecodeLayers(data, &d.decoded)
	if parser.Truncated {
		p.Truncated = true
		d.Stats.Truncated++
	}
	ipEnd := -1
	inner, cut, badOpts := false, false, false
	for _, lt := range d.decoded {
		if inner {
			// The inner packet replaces the outer one from its first
			// layer on. Fix: this used to happen at the tunnel header
			// itself, so a tunnel with nothing decodable inside (a
			// GTP-U echo, VXLAN carrying ARP) lost its outer UDP, kept
			// stale outer ports, and was counted as bad_header.
			inner = false
			p.Tunnelled = true
			p.VLANs = 0
			p.Net, p.Src, p.Dst, p.IPProto = NetNone, netip.Addr{}, netip.Addr{}, 0
			p.Transport, p.SrcPort, p.DstPort = TransNone, 0, 0
			p.PayloadLen, p.Payload = 0, nil
			ipEnd = -1
		}
		switch lt {
		case layers.LayerTypeGRE, layers.LayerTypeGTPv1U, layers.LayerTypeVXLAN, layers.LayerTypeGeneve:
			inner = true
		case layers.LayerTypeEthernet:
			p.HasMAC = true
			copy(p.SrcMAC[:], d.eth.SrcMAC)
			copy(p.DstMAC[:], d.eth.DstMAC)
			p.EtherType = uint16(d.eth.EthernetType)
		case layers.LayerTypeDot1Q:
			p.VLANs++
			p.EtherType = uint16(d.dot1q.Type)
		case layers.LayerTypeLinuxSLL:
			p.EtherType = uint16(d.sll.EthernetType)
		case layerTypeSLL2:
			p.EtherType = uint16(d.sll2.Protocol)
		case layerTypeSerial:
			p.EtherType = uint16(d.ppp.Proto)
		case layerTypeCHDLC:
			p.EtherType = uint16(d.chdlc.Proto)
		case layerTypeFDDI:
			p.EtherType = uint16(d.fddi.Type)
		case layerTypeArubaWLAN:
			// Fix: the SNAP EtherType was not recorded, so ARP inside
			// Aruba GRE kept the outer IPv4 EtherType.
			p.EtherType = uint16(d.aruba.EtherType)
		case layers.LayerTypeIPv4:
			p.Net = NetIPv4
			p.EtherType = uint16(layers.EthernetTypeIPv4)
			p.Src = netip.AddrFrom4([4]byte(d.ip4.SrcIP))
			p.Dst = netip.AddrFrom4([4]byte(d.ip4.DstIP))
			p.IPProto = uint8(d.ip4.Protocol)
			ipEnd = offset(data, d.ip4.Contents) + int(d.ip4.Length)
			if binary.BigEndian.Uint16(d.ip4.Contents[2:4]) == 0 {
				// Total length 0 (TSO on the capturing host): the
				// frame's length is the packet's length.
				ipEnd = origLen
			}
			if d.ip4.Flags&layers.IPv4MoreFragments != 0 || d.ip4.FragOffset != 0 {
				p.Fragment = true
			}
		case layers.LayerTypeIPv6:
			p.Net = NetIPv6
			p.EtherType = uint16(layers.EthernetTypeIPv6)
			p.Src = netip.AddrFrom16([16]byte(d.ip6.SrcIP))
			p.Dst = netip.AddrFrom16([16]byte(d.ip6.DstIP))
			p.IPProto = uint8(d.ip6.NextHeader)
			ipEnd = offset(data, d.ip6.Contents) + 40 + d.ip6.plen
		case layers.LayerTypeIPv6Fragment:
			p.IPProto = uint8(d.frag6.NextHeader)
			if !d.frag6.Atomic() {
				p.Fragment = true
			}
		case layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination, layers.LayerTypeIPv6HopByHop:
			// The skipper's value holds the last extension header,
			// whose next header is the one that counts.
			p.IPProto = uint8(d.ext.NextHeader)
		case layers.LayerTypeTCP:
			p.Transport = TransTCP
			p.SrcPort, p.DstPort = uint16(d.tcp.SrcPort), uint16(d.tcp.DstPort)
			badOpts = !fillTCP(&p.TCP, d.tcp.Contents, d.tcp.cut)
			cut = d.tcp.cut
			p.PayloadLen = segmentLen(origLen, ipEnd, offset(data, d.tcp.Contents)+int(d.tcp.DataOffset)*4)
			p.Payload = d.tcp.Payload
		case layers.LayerTypeUDP:
			p.Transport = TransUDP
			p.SrcPort, p.DstPort = uint16(d.udp.SrcPort), uint16(d.udp.DstPort)
			if d.udp.Length >= 8 {
				p.PayloadLen = int(d.udp.Length) - 8
			} else {
				p.PayloadLen = ipEnd - offset(data, d.udp.Contents) - 8
			}
			if p.PayloadLen < 0 {
				// Fix: a UDP length of 0 (jumbogram) behind an IP
				// length that leaves no room made this negative.
				p.PayloadLen = 0
			}
			p.Payload = d.udp.Payload
		case layers.LayerTypeICMPv4:
			p.Transport = TransICMP
		case layers.LayerTypeICMPv6:
			p.Transport = TransICMPv6
		}
	}
	if p.Net == NetNone && p.EtherType == uint16(layers.EthernetTypeARP) {
		p.Net = NetARP
	} else if p.Net == NetNone && len(d.decoded) > 0 && err == nil {
		p.Net = NetOther
	}
	if p.Fragment {
		// IP fragments are not reassembled: the transport header of a
		// first fragment is not trusted, later fragments have none.
		p.Transport = TransNone
		d.Stats.Add(ReasonIPFragment)
		return false
	}
	if err != nil {
		d.Stats.Add(d.failureReason(p, linkType, parser.Truncated))
		if p.Transport == TransTCP || p.Transport == TransUDP {
			return true
		}
		return false
	}
	switch {
	case cut:
		// The fixed header was decoded but its options were cut; the
		// segment is still analysed, as Wireshark does.
		d.Stats.Add(ReasonTruncatedTCP)
	case badOpts:
		d.Stats.Add(ReasonBadTCP)
	}
	if p.Net != NetNone && p.Transport == TransNone && (p.IPProto == 6 || p.IPProto == 17) {
		// The IP header named TCP/UDP but its payload was empty: cut
		// by the snapshot length, or an IP length with no room left.
		// Fix: this was counted as bad_header whatever the cause, and
		// the transport reported as TransOther.
		d.Stats.Add(d.failureReason(p, linkType, parser.Truncated))
		return false
	}
	if p.Transport == TransNone && p.Net != NetNone && p.Net != NetARP && p.Net != NetOther {
		p.Transport = TransOther
	}
	return p.Transport == TransTCP || p.Transport == TransUDP
}

// segmentLen is a TCP segment's length as Wireshark computes it: from start,
// where the payload begins in the frame, to the frame's end on the wire
// (origLen), trimmed to the IP packet's end (ipEnd; -1 when unknown).
func segmentLen(origLen, ipEnd, start int) int {
	end := origLen
	if ipEnd >= 0 && ipEnd < end {
		end = ipEnd
	}
	return max(end-start, 0)
}

// failureReason names the layer that failed: the one after the last decoded.
// p.IPProto is the protocol the last IP header (or extension header) named.
func (d *Decoder) failureReason(p *Packet, linkType uint32, truncated bool) Reason {
	if len(d.decoded) == 0 {
		switch linkType {
		case LinkRaw, LinkRawBSD, LinkRawOpen, LinkIPv4, LinkIPv6:
			// Fix: on raw-IP links the first header is the IP
			// header; its failure was counted as bad_link_header.
			if truncated {
				return ReasonTruncatedIP
			}
			return ReasonBadIP
		}
		return ReasonBadLink
	}
	switch d.decoded[len(d.decoded)-1] {
	case layers.LayerTypeIPv4, layers.LayerTypeIPv6, layers.LayerTypeIPv6Destination, layers.LayerTypeIPv6Routing,
		layers.LayerTypeIPv6HopByHop, layers.LayerTypeIPv6Fragment:
		switch {
		case p.IPProto == 6 && truncated:
			return ReasonTruncatedTCP
		case p.IPProto == 6:
			return ReasonBadTCP
		case p.IPProto == 17 && truncated:
			return ReasonTruncatedUDP
		case p.IPProto == 17:
			return ReasonBadUDP
		}
		return ReasonBadOther
	case layers.LayerTypeTCP, layers.LayerTypeUDP:
		return ReasonBadOther
	}
	if truncated {
		return ReasonTruncatedIP
	}
	return ReasonBadIP
}

// fillTCP copies the header fields and reads the options (RFC 9293 §3.1)
// from hdr, the header's bytes as far as they were captured (at least the
// fixed 20). An option that does not fit ends the list, as in Wireshark;
// fillTCP then reports false unless the capture, not the option, ended early
// (cut).
func fillTCP(t *TCP, hdr []byte, cut bool) bool {
	t.Seq = binary.BigEndian.Uint32(hdr[4:8])
	t.Ack = binary.BigEndian.Uint32(hdr[8:12])
	t.Window = binary.BigEndian.Uint16(hdr[14:16])
	t.HeaderLen = hdr[12] >> 4 * 4
	t.WScale = -1
	t.Flags = hdr[13]
	opts := hdr[20:]
	if len(opts) > int(t.HeaderLen)-20 {
		opts = opts[:int(t.HeaderLen)-20]
	}
	for len(opts) > 0 {
		kind := opts[0]
		if kind == 0 { // end of option list
			break
		}
		if kind == 1 { // no-operation
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || opts[1] < 2 || int(opts[1]) > len(opts) {
			return cut
		}
		data := opts[2:opts[1]]
		opts = opts[opts[1]:]
		switch layers.TCPOptionKind(kind) {
		case layers.TCPOptionKindMSS:
			if len(data) == 2 {
				t.MSS = binary.BigEndian.Uint16(data)
			}
		case layers.TCPOptionKindWindowScale:
			if len(data) == 1 {
				ws := data[0]
				// RFC 7323 §2.3: a shift above 14 is used as 14.
				if ws > 14 {
					ws = 14
				}
				t.WScale = int8(ws)
			}
		case layers.TCPOptionKindSACKPermitted:
			t.SACKPerm = true
		case layers.TCPOptionKindSACK:
			for b := data; len(b) >= 8 && t.NSACK < 4; b = b[8:] {
				t.SACK[t.NSACK] = SACKBlock{binary.BigEndian.Uint32(b[0:4]), binary.BigEndian.Uint32(b[4:8])}
				t.NSACK++
			}
		case layers.TCPOptionKindTimestamps:
			if len(data) == 8 {
				t.HasTS = true
				t.TSVal = binary.BigEndian.Uint32(data[0:4])
				t.TSEcr = binary.BigEndian.Uint32(data[4:8])
			}
		}
	}
	return true
}
