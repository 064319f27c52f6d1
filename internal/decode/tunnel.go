package decode

import (
	"encoding/binary"
	"errors"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Tunnels: GRE, GTP-U and VXLAN carry whole IP packets (or frames). The
// parsers decode through them; the inner IP and TCP layers overwrite the
// outer ones in the shared layer values, so the analysis sees the inner
// conversation, as Wireshark's does.

// ethertypeArubaWLAN is the GRE protocol Aruba controllers use to tunnel
// 802.11 frames from access points.
const ethertypeArubaWLAN = 0x8200

// layerTypeArubaWLAN names the 802.11 data frame + LLC/SNAP inside Aruba GRE.
const layerTypeArubaWLAN = gopacket.LayerType(1277)

// gre is gopacket's GRE value with its own decoding, and routes Aruba's
// 802.11 payload to arubaWLAN.
type gre struct{ layers.GRE }

var errGREShort = errors.New("gre header longer than the packet")

// DecodeFromBytes decodes a GRE header: RFC 2784 with the key and sequence
// fields of RFC 2890, the acknowledgment of PPTP's version 1 (RFC 2637 §4.1)
// and RFC 1701's source routing.
//
// Fix: gopacket's GRE reads its fields without checking the length, so a
// short header panicked (recovered by the parser into an error, at the cost
// of an allocated message), and it allocated a GRERouting value per source
// route entry on every packet. This one checks every length and skips the
// routing entries without keeping them.
func (g *gre) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 4 {
		return truncated(df, errGREShort)
	}
	g.ChecksumPresent = data[0]&0x80 != 0
	g.RoutingPresent = data[0]&0x40 != 0
	g.KeyPresent = data[0]&0x20 != 0
	g.SeqPresent = data[0]&0x10 != 0
	g.StrictSourceRoute = data[0]&0x08 != 0
	g.RecursionControl = data[0] & 0x7
	g.AckPresent = data[1]&0x80 != 0
	g.Flags = data[1] >> 3
	g.Version = data[1] & 0x7
	g.Protocol = layers.EthernetType(binary.BigEndian.Uint16(data[2:4]))
	g.GRERouting = nil
	g.Checksum, g.Offset, g.Key, g.Seq, g.Ack = 0, 0, 0, 0, 0
	n := 4
	field := func() (uint32, bool) {
		if len(data) < n+4 {
			return 0, false
		}
		v := binary.BigEndian.Uint32(data[n : n+4])
		n += 4
		return v, true
	}
	ok := true
	var v uint32
	if g.ChecksumPresent || g.RoutingPresent {
		v, ok = field()
		g.Checksum, g.Offset = uint16(v>>16), uint16(v)
	}
	if ok && g.KeyPresent {
		g.Key, ok = field()
	}
	if ok && g.SeqPresent {
		g.Seq, ok = field()
	}
	if ok && g.AckPresent && g.Version == 1 {
		g.Ack, ok = field()
	}
	for ok && g.RoutingPresent {
		// Source Route Entries: address family, offset, length, then
		// length bytes; a NULL entry (family 0, length 0) ends the list.
		if len(data) < n+4 {
			ok = false
			break
		}
		af, l := binary.BigEndian.Uint16(data[n:n+2]), int(data[n+3])
		n += 4 + l
		ok = n <= len(data)
		if af == 0 && l == 0 {
			break
		}
	}
	if !ok {
		return truncated(df, errGREShort)
	}
	g.BaseLayer = layers.BaseLayer{Contents: data[:n], Payload: data[n:]}
	return nil
}

func (g *gre) NextLayerType() gopacket.LayerType {
	if g.Protocol == ethertypeArubaWLAN {
		return layerTypeArubaWLAN
	}
	return g.GRE.NextLayerType()
}

// arubaWLAN decodes an 802.11 data frame header (IEEE 802.11-2020 §9.2.4)
// followed by an LLC/SNAP header, and hands on by the SNAP EtherType.
// gopacket's Dot11 allocates a layer per packet; this reads only the lengths.
type arubaWLAN struct {
	layers.BaseLayer
	EtherType layers.EthernetType
}

var errNotWLANData = errors.New("not an 802.11 data frame with LLC/SNAP")

func (w *arubaWLAN) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 24 {
		return truncated(df, errNotWLANData)
	}
	fc0, fc1 := data[0], data[1]
	if (fc0>>2)&3 != 2 { // type 2: data
		return errNotWLANData
	}
	n := 24
	if fc1&3 == 3 { // ToDS and FromDS: a fourth address
		n += 6
	}
	if fc0&0x80 != 0 { // QoS subtypes carry a QoS control field
		n += 2
		if fc1&0x80 != 0 { // +HTC
			n += 4
		}
	}
	if fc1&0x40 != 0 { // protected: payload is encrypted
		return errNotWLANData
	}
	if len(data) < n+8 {
		return truncated(df, errNotWLANData)
	}
	llc := data[n : n+8]
	if llc[0] != 0xaa || llc[1] != 0xaa || llc[2] != 0x03 {
		return errNotWLANData
	}
	w.EtherType = layers.EthernetType(binary.BigEndian.Uint16(llc[6:8]))
	w.BaseLayer = layers.BaseLayer{Contents: data[:n+8], Payload: data[n+8:]}
	return nil
}

func (w *arubaWLAN) CanDecode() gopacket.LayerClass { return layerTypeArubaWLAN }

func (w *arubaWLAN) NextLayerType() gopacket.LayerType { return w.EtherType.LayerType() }

// gtpU decodes a GTPv1-U header (3GPP TS 29.281 §5) into gopacket's GTPv1U
// value.
//
// Fix: gopacket's GTPv1U appends each packet's extension headers to
// GTPExtensionHeaders without ever resetting it, so a long 5G capture (every
// N3 packet carries a PDU session container) grew that slice without bound;
// it also printed to stdout on a malformed extension header, and decoded the
// payload of any message type as IP. Only a G-PDU (message type 255) carries
// a user packet (TS 29.281 §6.1), as Wireshark decodes it.
type gtpU struct{ layers.GTPv1U }

var errGTPU = errors.New("not a gtpv1-u header")

func (g *gtpU) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 8 {
		return truncated(df, errGTPU)
	}
	g.Version = data[0] >> 5
	g.ProtocolType = (data[0] >> 4) & 1
	if g.Version != 1 || g.ProtocolType != 1 {
		return errGTPU
	}
	g.Reserved = (data[0] >> 3) & 1
	g.ExtensionHeaderFlag = data[0]&0x04 != 0
	g.SequenceNumberFlag = data[0]&0x02 != 0
	g.NPDUFlag = data[0]&0x01 != 0
	g.MessageType = data[1]
	g.MessageLength = binary.BigEndian.Uint16(data[2:4])
	g.TEID = binary.BigEndian.Uint32(data[4:8])
	g.SequenceNumber, g.NPDU = 0, 0
	g.GTPExtensionHeaders = nil
	end := 8 + int(g.MessageLength)
	if end > len(data) {
		df.SetTruncated()
		end = len(data)
	}
	n := 8
	if g.ExtensionHeaderFlag || g.SequenceNumberFlag || g.NPDUFlag {
		// The optional fields are present together when any flag is set.
		if end < 12 {
			return errGTPU
		}
		g.SequenceNumber = binary.BigEndian.Uint16(data[8:10])
		g.NPDU = data[10]
		next := data[11]
		n = 12
		for g.ExtensionHeaderFlag && next != 0 {
			// An extension header is length*4 bytes: length, content,
			// next extension header type (TS 29.281 §5.2.1).
			if n >= end || data[n] == 0 {
				return errGTPU
			}
			l := int(data[n]) * 4
			if n+l > end {
				return errGTPU
			}
			next = data[n+l-1]
			n += l
		}
	}
	g.BaseLayer = layers.BaseLayer{Contents: data[:n], Payload: data[n:end]}
	return nil
}

func (g *gtpU) NextLayerType() gopacket.LayerType {
	if g.MessageType != 255 || len(g.Payload) == 0 {
		return gopacket.LayerTypeZero
	}
	switch g.Payload[0] >> 4 {
	case 4:
		return layers.LayerTypeIPv4
	case 6:
		return layers.LayerTypeIPv6
	}
	return gopacket.LayerTypeZero
}

// geneve decodes a Geneve header (RFC 8926 §3.4): version and option
// length, flags, protocol type, VNI, then options, which are skipped.
// gopacket's Geneve copies every option into a list that grows across
// packets; this keeps nothing but the protocol.
type geneve struct {
	layers.BaseLayer
	Protocol layers.EthernetType
}

var errGeneve = errors.New("geneve header too short or not version 0")

func (g *geneve) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 8 {
		return truncated(df, errGeneve)
	}
	if data[0]>>6 != 0 {
		return errGeneve
	}
	n := 8 + int(data[0]&0x3f)*4
	if len(data) < n {
		return truncated(df, errGeneve)
	}
	g.Protocol = layers.EthernetType(binary.BigEndian.Uint16(data[2:4]))
	g.BaseLayer = layers.BaseLayer{Contents: data[:n], Payload: data[n:]}
	return nil
}

func (g *geneve) CanDecode() gopacket.LayerClass { return layers.LayerTypeGeneve }

// NextLayerType maps Transparent Ethernet Bridging (0x6558) to Ethernet
// through gopacket's EtherType table, and IPv4/IPv6 likewise.
func (g *geneve) NextLayerType() gopacket.LayerType { return g.Protocol.LayerType() }
