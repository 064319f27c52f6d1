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

// gre wraps gopacket's GRE to route Aruba's 802.11 payload to arubaWLAN.
type gre struct{ layers.GRE }

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
		df.SetTruncated()
		return errNotWLANData
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
		df.SetTruncated()
		return errNotWLANData
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
