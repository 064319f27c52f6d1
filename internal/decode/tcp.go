package decode

import (
	"encoding/binary"
	"errors"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

var (
	errTCPShort      = errors.New("tcp header shorter than 20 bytes")
	errTCPDataOffset = errors.New("tcp data offset below 5")
)

// tcp decodes the fixed TCP header (RFC 9293 §3.1) into gopacket's TCP value;
// fillTCP reads the options straight from the header bytes.
//
// Fix: gopacket's TCP refuses a header whose options were cut by the snapshot
// length, or whose options are malformed, so such a segment (often a SYN: its
// options are the longest) was lost. Wireshark dissects the fixed header and
// the options that fit; so does this, and Decode counts the frame as
// truncated_tcp_header.
type tcp struct {
	layers.TCP
	// cut is set when the header (its options) is longer than the bytes
	// captured.
	cut bool
}

func (t *tcp) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	t.cut = false
	if len(data) < 20 {
		return truncated(df, errTCPShort)
	}
	t.SrcPort = layers.TCPPort(binary.BigEndian.Uint16(data[0:2]))
	t.DstPort = layers.TCPPort(binary.BigEndian.Uint16(data[2:4]))
	t.Seq = binary.BigEndian.Uint32(data[4:8])
	t.Ack = binary.BigEndian.Uint32(data[8:12])
	t.DataOffset = data[12] >> 4
	f := data[13]
	t.NS = data[12]&1 != 0
	t.FIN, t.SYN, t.RST, t.PSH = f&0x01 != 0, f&0x02 != 0, f&0x04 != 0, f&0x08 != 0
	t.ACK, t.URG, t.ECE, t.CWR = f&0x10 != 0, f&0x20 != 0, f&0x40 != 0, f&0x80 != 0
	t.Window = binary.BigEndian.Uint16(data[14:16])
	t.Checksum = binary.BigEndian.Uint16(data[16:18])
	t.Urgent = binary.BigEndian.Uint16(data[18:20])
	t.Options, t.Padding = t.Options[:0], nil
	if t.DataOffset < 5 {
		return errTCPDataOffset
	}
	hl := int(t.DataOffset) * 4
	if hl > len(data) {
		df.SetTruncated()
		t.cut = true
		t.BaseLayer = layers.BaseLayer{Contents: data}
		return nil
	}
	t.BaseLayer = layers.BaseLayer{Contents: data[:hl], Payload: data[hl:]}
	return nil
}

// NextLayerType ends decoding: nothing above TCP is decoded, and gopacket's
// port-based guesses would only cost lookups.
func (t *tcp) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }
