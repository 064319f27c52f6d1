package decode

import (
	"encoding/binary"
	"errors"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// layerTypeSLL2 identifies the Linux cooked v2 header inside this package's
// parsers. gopacket v1.1.19 has no SLL2 layer; the type is not registered
// globally because only our DecodingLayerParsers need to know it.
const layerTypeSLL2 = gopacket.LayerType(1276)

// sll2 decodes the 20-byte LINKTYPE_LINUX_SLL2 header (tcpdump.org
// linktypes/LINKTYPE_LINUX_SLL2): protocol type, reserved, interface index,
// ARPHRD type, packet type, address length, 8 address bytes.
type sll2 struct {
	layers.BaseLayer
	Protocol layers.EthernetType
	AddrLen  uint8
	Addr     [8]byte
}

var errSLL2Short = errors.New("linux sll2 header shorter than 20 bytes")

func (s *sll2) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 20 {
		return truncated(df, errSLL2Short)
	}
	s.Protocol = layers.EthernetType(binary.BigEndian.Uint16(data[0:2]))
	s.AddrLen = data[11]
	copy(s.Addr[:], data[12:20])
	s.BaseLayer = layers.BaseLayer{Contents: data[:20], Payload: data[20:]}
	return nil
}

func (s *sll2) CanDecode() gopacket.LayerClass { return layerTypeSLL2 }

func (s *sll2) NextLayerType() gopacket.LayerType { return s.Protocol.LayerType() }
