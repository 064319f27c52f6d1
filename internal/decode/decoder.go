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
	case LinkNull, LinkEthernet, LinkRawBSD, LinkRawOpen, LinkRaw, LinkLoop, LinkSLL, LinkIPv4, LinkIPv6, LinkSLL2, LinkNFLOG:
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
	ip4   layers.IPv4
	ip6   layers.IPv6
	ext   layers.IPv6ExtensionSkipper
	tcp   layers.TCP
	udp   layers.UDP
	icmp4 layers.ICMPv4
	icmp6 layers.ICMPv6
	gre   gre
	aruba arubaWLAN
	gtp   layers.GTPv1U
	vxlan layers.VXLAN
	nflog nflog

	// One parser per first layer; all share the layer values above.
	pEth, pSLL, pSLL2, pLoop, pIP4, pIP6, pNFLOG *gopacket.DecodingLayerParser
	decoded                                      []gopacket.LayerType

	// Stats counts frames that did not decode fully, by reason.
	Stats Stats
}

// New returns a ready Decoder.
func New() *Decoder {
	d := &Decoder{decoded: make([]gopacket.LayerType, 0, 16)}
	all := []gopacket.DecodingLayer{&d.eth, &d.dot1q, &d.sll, &d.sll2, &d.loop, &d.ip4, &d.ip6, &d.ext, &d.tcp, &d.udp, &d.icmp4, &d.icmp6,
		&d.gre, &d.aruba, &d.gtp, &d.vxlan, &d.nflog}
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
	case LinkRaw, LinkRawBSD, LinkRawOpen:
		if len(data) > 0 && data[0]>>4 == 6 {
			return d.pIP6
		}
		return d.pIP4
	}
	return nil
}

// offset is where sub starts inside frame. Every layer slice is cut from the
// frame with two-index slicing, so it shares the frame's end of capacity.
func offset(frame, sub []byte) int { return cap(frame) - cap(sub) }

// Decode decodes data (a frame of the given link type) into p. It returns
// false when the frame did not decode as far as a transport header; the reason
// is counted in d.Stats.
func (d *Decoder) Decode(frame uint64, ts int64, linkType uint32, origLen int, data []byte, p *Packet) bool {
	*p = Packet{Frame: frame, TS: ts, OrigLen: origLen, CapLen: len(data), LinkType: linkType}
	d.Stats.Frames++
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
	for _, lt := range d.decoded {
		switch lt {
		case layers.LayerTypeGRE, layers.LayerTypeGTPv1U, layers.LayerTypeVXLAN:
			// The inner packet replaces the outer one.
			p.Tunnelled = true
			p.Transport = TransNone
			p.VLANs = 0
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
			if d.ip6.HopByHop != nil {
				p.IPProto = uint8(d.ip6.HopByHop.NextHeader)
			}
			ipEnd = offset(data, d.ip6.Contents) + 40 + int(d.ip6.Length)
		case layers.LayerTypeIPv6Fragment:
			p.Fragment = true
		case layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination, layers.LayerTypeIPv6HopByHop:
			p.IPProto = uint8(d.ext.NextHeader)
		case layers.LayerTypeTCP:
			p.Transport = TransTCP
			p.SrcPort, p.DstPort = uint16(d.tcp.SrcPort), uint16(d.tcp.DstPort)
			d.fillTCP(&p.TCP)
			// Segment length as Wireshark computes it: the frame's
			// length on the wire, trimmed to the IP total length.
			start := offset(data, d.tcp.Contents) + int(d.tcp.DataOffset)*4
			end := origLen
			if ipEnd >= 0 && ipEnd < end {
				end = ipEnd
			}
			p.PayloadLen = end - start
			if p.PayloadLen < 0 {
				p.PayloadLen = 0
			}
			p.Payload = d.tcp.Payload
		case layers.LayerTypeUDP:
			p.Transport = TransUDP
			p.SrcPort, p.DstPort = uint16(d.udp.SrcPort), uint16(d.udp.DstPort)
			if d.udp.Length >= 8 {
				p.PayloadLen = int(d.udp.Length) - 8
			} else {
				p.PayloadLen = ipEnd - offset(data, d.udp.Contents) - 8
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
		d.Stats.Add(d.failureReason(data, parser.Truncated))
		if p.Transport == TransTCP || p.Transport == TransUDP {
			return true
		}
		return false
	}
	if p.Net != NetNone && p.Transport == TransNone && (p.IPProto == 6 || p.IPProto == 17) {
		// The IP header named TCP/UDP but nothing was decoded.
		d.Stats.Add(ReasonBadOther)
	}
	if p.Transport == TransNone && p.Net != NetNone && p.Net != NetARP && p.Net != NetOther {
		p.Transport = TransOther
	}
	return p.Transport == TransTCP || p.Transport == TransUDP
}

// failureReason names the layer that failed: the one after the last decoded.
func (d *Decoder) failureReason(data []byte, truncated bool) Reason {
	if len(d.decoded) == 0 {
		return ReasonBadLink
	}
	switch last := d.decoded[len(d.decoded)-1]; last {
	case layers.LayerTypeIPv4, layers.LayerTypeIPv6, layers.LayerTypeIPv6Destination, layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6HopByHop:
		proto := uint8(d.ip4.Protocol)
		if last != layers.LayerTypeIPv4 {
			proto = uint8(d.ip6.NextHeader)
			if d.ip6.HopByHop != nil {
				proto = uint8(d.ip6.HopByHop.NextHeader)
			}
			if last != layers.LayerTypeIPv6 {
				proto = uint8(d.ext.NextHeader)
			}
		}
		switch {
		case proto == 6 && truncated:
			return ReasonTruncatedTCP
		case proto == 6:
			return ReasonBadTCP
		case proto == 17 && truncated:
			return ReasonTruncatedUDP
		case proto == 17:
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

func (d *Decoder) fillTCP(t *TCP) {
	h := &d.tcp
	t.Seq, t.Ack = h.Seq, h.Ack
	t.Window = h.Window
	t.HeaderLen = h.DataOffset * 4
	t.WScale = -1
	if len(h.Contents) >= 14 {
		t.Flags = h.Contents[13]
	}
	for i := range h.Options {
		o := &h.Options[i]
		switch o.OptionType {
		case layers.TCPOptionKindMSS:
			if len(o.OptionData) == 2 {
				t.MSS = binary.BigEndian.Uint16(o.OptionData)
			}
		case layers.TCPOptionKindWindowScale:
			if len(o.OptionData) == 1 {
				ws := o.OptionData[0]
				// RFC 7323 §2.3: a shift above 14 is used as 14.
				if ws > 14 {
					ws = 14
				}
				t.WScale = int8(ws)
			}
		case layers.TCPOptionKindSACKPermitted:
			t.SACKPerm = true
		case layers.TCPOptionKindSACK:
			for b := o.OptionData; len(b) >= 8 && t.NSACK < 4; b = b[8:] {
				t.SACK[t.NSACK] = SACKBlock{binary.BigEndian.Uint32(b[0:4]), binary.BigEndian.Uint32(b[4:8])}
				t.NSACK++
			}
		case layers.TCPOptionKindTimestamps:
			if len(o.OptionData) == 8 {
				t.HasTS = true
				t.TSVal = binary.BigEndian.Uint32(o.OptionData[0:4])
				t.TSEcr = binary.BigEndian.Uint32(o.OptionData[4:8])
			}
		}
	}
}
