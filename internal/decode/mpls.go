package decode

import (
	"errors"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// mpls decodes an MPLS label stack (RFC 3032), on Ethernet (EtherType
// 0x8847, 0x8848) or PPP (0x0281, 0x0283), as carrier links carry it:
// four-byte entries up to the one with the bottom-of-stack bit. What
// follows names no protocol; like Wireshark, IP is told by its version
// nibble, and anything else (a pseudowire's control word, an Ethernet
// frame) ends the frame as "other". gopacket v1.1.19's MPLS layer is not a
// DecodingLayer.
type mpls struct {
	layers.BaseLayer
	Labels int
	next   gopacket.LayerType
}

// maxLabels bounds the stack: 16 entries is far beyond any real one.
const maxLabels = 16

var (
	errMPLSShort = errors.New("mpls label stack cut short")
	errMPLSDeep  = errors.New("mpls label stack without a bottom")
)

func (m *mpls) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	m.next = gopacket.LayerTypeZero
	for m.Labels = 1; ; m.Labels++ {
		off := 4 * m.Labels
		if len(data) < off {
			return truncated(df, errMPLSShort)
		}
		if data[off-2]&1 == 0 { // not the bottom of the stack
			if m.Labels == maxLabels {
				return errMPLSDeep
			}
			continue
		}
		m.BaseLayer = layers.BaseLayer{Contents: data[:off], Payload: data[off:]}
		if len(data) > off {
			switch data[off] >> 4 {
			case 4:
				m.next = layers.LayerTypeIPv4
			case 6:
				m.next = layers.LayerTypeIPv6
			}
		}
		return nil
	}
}

func (m *mpls) CanDecode() gopacket.LayerClass { return layers.LayerTypeMPLS }

func (m *mpls) NextLayerType() gopacket.LayerType { return m.next }
