package decode

import (
	"encoding/binary"
	"errors"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// layerTypeNFLOG names the LINKTYPE_NFLOG header (tcpdump.org
// linktypes/LINKTYPE_NFLOG): a 4-byte header, then TLVs whose type 9
// (NFULA_PAYLOAD) holds the IP packet.
const layerTypeNFLOG = gopacket.LayerType(1278)

type nflog struct {
	layers.BaseLayer
	next gopacket.LayerType
}

var errNFLOG = errors.New("nflog frame without a payload TLV")

func (n *nflog) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 4 {
		return truncated(df, errNFLOG)
	}
	switch data[0] { // address family
	case 2:
		n.next = layers.LayerTypeIPv4
	case 10:
		n.next = layers.LayerTypeIPv6
	default:
		return errNFLOG
	}
	for off := 4; off+4 <= len(data); {
		// TLV lengths and types are in the capturing host's byte order,
		// little-endian on every platform that writes these files.
		l := int(binary.LittleEndian.Uint16(data[off : off+2]))
		typ := binary.LittleEndian.Uint16(data[off+2:off+4]) & 0x7fff
		if l < 4 {
			return errNFLOG
		}
		if typ == 9 {
			end := off + l
			if end > len(data) {
				df.SetTruncated()
				end = len(data)
			}
			n.BaseLayer = layers.BaseLayer{Contents: data[:off+4], Payload: data[off+4 : end]}
			return nil
		}
		off += (l + 3) &^ 3
	}
	return errNFLOG
}

func (n *nflog) CanDecode() gopacket.LayerClass { return layerTypeNFLOG }

func (n *nflog) NextLayerType() gopacket.LayerType { return n.next }
