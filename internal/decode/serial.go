package decode

import (
	"encoding/binary"
	"errors"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// What routers and WAN taps capture: PPP and Cisco HDLC on serial lines,
// and FDDI rings (tcpdump.org linktypes). gopacket v1.1.19 has no Cisco
// HDLC layer, and its PPP layer reads neither the HDLC-like framing nor a
// compressed protocol field; both are a few bytes in front of IP.
const (
	LinkPPP     = 9   // PPP, with or without HDLC-like framing (or Cisco HDLC)
	LinkFDDI    = 10  // FDDI, with 802.2 LLC/SNAP
	LinkPPPHDLC = 50  // PPP in HDLC-like framing, or Cisco PPP with HDLC framing
	LinkCHDLC   = 104 // Cisco HDLC
)

const (
	layerTypeSerial = gopacket.LayerType(1279)
	layerTypeCHDLC  = gopacket.LayerType(1280)
	layerTypeFDDI   = gopacket.LayerType(1281)
)

var (
	errSerialShort = errors.New("serial link header cut short")
	errFDDIShort   = errors.New("fddi header cut short")
)

// serial decodes the header of a frame on a serial line, which one of
// three framings begins (Wireshark tells them apart the same way on
// LINKTYPE_PPP and LINKTYPE_PPP_HDLC):
//   - Cisco HDLC: address 0x0f (unicast) or 0x8f (broadcast), control 0,
//     and an EtherType;
//   - PPP in HDLC-like framing (RFC 1662): address 0xff, control 0x03, then
//     the PPP protocol field;
//   - bare PPP (RFC 1661): the protocol field first.
//
// The PPP protocol field is one byte when its first byte is odd (protocol
// field compression, RFC 1661 §6.5). IPv4, IPv6 and MPLS go on to their
// decoders; anything else (LCP, IPCP, Cisco SLARP, …) ends the frame as
// "other". ciscoOnly (LINKTYPE_C_HDLC) takes every frame as Cisco HDLC.
type serial struct {
	layers.BaseLayer
	Proto     layers.EthernetType // of the network layer; 0 for none we decode
	ciscoOnly bool
	class     gopacket.LayerType
}

func (s *serial) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	s.Proto = 0
	if len(data) < 2 {
		return truncated(df, errSerialShort)
	}
	if s.ciscoOnly || (data[0] == 0x0f || data[0] == 0x8f) && data[1] == 0x00 {
		if len(data) < 4 {
			return truncated(df, errSerialShort)
		}
		s.Proto = layers.EthernetType(binary.BigEndian.Uint16(data[2:4]))
		s.BaseLayer = layers.BaseLayer{Contents: data[:4], Payload: data[4:]}
		return nil
	}
	off := 0
	if data[0] == 0xff && data[1] == 0x03 {
		off = 2
	}
	if len(data) < off+1 {
		return truncated(df, errSerialShort)
	}
	proto := uint16(data[off])
	if proto&1 == 0 { // not compressed: two bytes
		if len(data) < off+2 {
			return truncated(df, errSerialShort)
		}
		proto = binary.BigEndian.Uint16(data[off : off+2])
		off += 2
	} else {
		off++
	}
	switch proto {
	case 0x0021:
		s.Proto = layers.EthernetTypeIPv4
	case 0x0057:
		s.Proto = layers.EthernetTypeIPv6
	case 0x0281:
		s.Proto = layers.EthernetTypeMPLSUnicast
	case 0x0283:
		s.Proto = layers.EthernetTypeMPLSMulticast
	}
	s.BaseLayer = layers.BaseLayer{Contents: data[:off], Payload: data[off:]}
	return nil
}

func (s *serial) CanDecode() gopacket.LayerClass { return s.class }

func (s *serial) NextLayerType() gopacket.LayerType { return nextByEtherType(s.Proto) }

// nextByEtherType is the layer after a link header naming t; 0 names none.
// Types without a decoder here (Cisco SLARP, CDP, …) end the frame quietly.
func nextByEtherType(t layers.EthernetType) gopacket.LayerType {
	if t == 0 {
		return gopacket.LayerTypeZero
	}
	return t.LayerType()
}

// fddi decodes an FDDI frame header (frame control, destination and source
// addresses: 13 bytes) and the 802.2 LLC/SNAP header IP travels in (DSAP
// and SSAP 0xaa, control 0x03, an OUI and an EtherType: 8 bytes). Frames
// without SNAP (station management, other LLC users) end as "other".
type fddi struct {
	layers.BaseLayer
	Type layers.EthernetType // 0 without SNAP
}

func (f *fddi) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	f.Type = 0
	if len(data) < 13 {
		return truncated(df, errFDDIShort)
	}
	llc := data[13:]
	if len(llc) >= 3 && llc[0] == 0xaa && llc[1] == 0xaa && llc[2] == 0x03 {
		if len(llc) < 8 {
			return truncated(df, errFDDIShort)
		}
		f.Type = layers.EthernetType(binary.BigEndian.Uint16(llc[6:8]))
		f.BaseLayer = layers.BaseLayer{Contents: data[:21], Payload: data[21:]}
		return nil
	}
	f.BaseLayer = layers.BaseLayer{Contents: data[:13], Payload: llc}
	return nil
}

func (f *fddi) CanDecode() gopacket.LayerClass { return layerTypeFDDI }

func (f *fddi) NextLayerType() gopacket.LayerType { return nextByEtherType(f.Type) }
