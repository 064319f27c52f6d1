package decode

import (
	"encoding/binary"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// The fast path decodes the frames nearly every capture is made of —
// Ethernet (with up to two VLAN tags) or raw IP, then IPv4 without options or
// IPv6 without extension headers, then a whole TCP or UDP header — straight
// from the bytes, without gopacket's per-layer interface calls, decoded-layer
// list and panic guard (a third of the time of a whole TCP analysis). It
// accepts a frame only when every layer is complete and plain; anything else
// (truncation, fragments, IP options, extension headers, tunnels, odd
// lengths) goes to the general decoder, which stays the reference: the fuzz
// and corpus tests check that both decode every frame identically.
//
// A frame the snapshot length cut inside the transport payload (`tcpdump -s
// 128` keeps only headers, a common way to capture for TCP analysis) still
// has every header whole, so it takes the fast path too, marked Truncated
// as the general decoder marks it.

// maxFastVLANs is how many 802.1Q/802.1ad tags the fast path walks.
const maxFastVLANs = 2

// fastPath decodes data into p (already reset by Decode) and reports whether
// it could; when it could not, p's decoded fields are untouched and Decode
// falls back to the general decoder.
func (d *Decoder) fastPath(linkType uint32, origLen int, data []byte, p *Packet) bool {
	var off int
	var etherType uint16
	var src, dst *[6]byte
	vlans := uint8(0)
	switch linkType {
	case LinkEthernet:
		if len(data) < 14 {
			return false
		}
		dst, src = (*[6]byte)(data[0:6]), (*[6]byte)(data[6:12])
		etherType = binary.BigEndian.Uint16(data[12:14])
		off = 14
		for etherType == uint16(layers.EthernetTypeDot1Q) || etherType == uint16(layers.EthernetTypeQinQ) {
			if vlans == maxFastVLANs || len(data) < off+4 {
				return false
			}
			etherType = binary.BigEndian.Uint16(data[off+2 : off+4])
			off += 4
			vlans++
		}
	case LinkRaw, LinkRawBSD, LinkRawOpen, LinkIPv4, LinkIPv6:
		// parserFor picks the IP version from the first nibble on the
		// raw links and trusts the link type on the others; here the
		// nibble must agree with the link type, else the general decoder
		// reports the mismatch.
		if len(data) == 0 {
			return false
		}
		switch {
		case data[0]>>4 == 4 && linkType != LinkIPv6:
			etherType = uint16(layers.EthernetTypeIPv4)
		case data[0]>>4 == 6 && linkType != LinkIPv4:
			etherType = uint16(layers.EthernetTypeIPv6)
		default:
			return false
		}
	default:
		return false
	}

	// The network layer: ip is the IP packet as its length field bounds
	// it (total bytes) and as far as it was captured, hdr its fixed
	// header's length.
	var ip []byte
	var hdr, total int
	var proto uint8
	ipData := data[off:]
	switch etherType {
	case uint16(layers.EthernetTypeIPv4):
		if len(ipData) < 20 || ipData[0] != 0x45 { // version 4, no options
			return false
		}
		total = int(binary.BigEndian.Uint16(ipData[2:4]))
		flagsFrag := binary.BigEndian.Uint16(ipData[6:8])
		// Total length 0 (TSO) and fragments take the general path.
		if total < 20 || flagsFrag&0x3fff != 0 {
			return false
		}
		hdr, proto = 20, ipData[9]
	case uint16(layers.EthernetTypeIPv6):
		if len(ipData) < 40 || ipData[0]>>4 != 6 {
			return false
		}
		plen := int(binary.BigEndian.Uint16(ipData[4:6]))
		// Length 0 (a jumbogram) takes the general path.
		if plen == 0 {
			return false
		}
		total, hdr, proto = 40+plen, 40, ipData[6]
	default:
		return false
	}
	cut := total > len(ipData)
	ip = ipData[:min(total, len(ipData))]
	seg := ip[hdr:]

	switch proto {
	case 6:
		if len(seg) < 20 {
			return false
		}
		hl := int(seg[12]>>4) * 4
		// A header cut inside its options takes the general path.
		if hl < 20 || hl > len(seg) {
			return false
		}
		if !fillTCP(&p.TCP, seg[:hl], false) {
			d.Stats.Add(ReasonBadTCP)
		}
		p.Transport = TransTCP
		p.PayloadLen = segmentLen(origLen, off+total, off+hdr+hl)
		p.Payload = seg[hl:]
	case 17:
		if len(seg) < 8 {
			return false
		}
		ulen := int(binary.BigEndian.Uint16(seg[4:6]))
		// A UDP length beyond the IP packet's takes the general path
		// (which marks it cut when the frame holds the IP packet whole).
		if ulen < 8 || ulen > total-hdr {
			return false
		}
		// A UDP port that names a tunnel the general decoder opens
		// (VXLAN, GTP-U, Geneve) takes the general path; gopacket picks
		// the layer by the destination port first, then the source.
		lt := layers.UDPPort(binary.BigEndian.Uint16(seg[2:4])).LayerType()
		if lt == gopacket.LayerTypePayload {
			lt = layers.UDPPort(binary.BigEndian.Uint16(seg[0:2])).LayerType()
		}
		if _, ok := d.known.Decoder(lt); ok {
			return false
		}
		p.Transport = TransUDP
		p.PayloadLen = ulen - 8
		p.Payload = seg[8:min(ulen, len(seg))]
	default:
		return false
	}
	if cut {
		p.Truncated = true
		d.Stats.Truncated++
	}

	if src != nil {
		p.HasMAC = true
		p.SrcMAC, p.DstMAC = *src, *dst
	}
	p.EtherType = etherType
	p.VLANs = vlans
	p.SrcPort = binary.BigEndian.Uint16(seg[0:2])
	p.DstPort = binary.BigEndian.Uint16(seg[2:4])
	p.IPProto = proto
	if hdr == 20 {
		p.Net = NetIPv4
		p.Src = netip.AddrFrom4([4]byte(ip[12:16]))
		p.Dst = netip.AddrFrom4([4]byte(ip[16:20]))
	} else {
		p.Net = NetIPv6
		p.Src = netip.AddrFrom16([16]byte(ip[8:24]))
		p.Dst = netip.AddrFrom16([16]byte(ip[24:40]))
	}
	return true
}
