package decode

import (
	"encoding/binary"
	"errors"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// IP layers. gopacket's IPv4 and IPv6 decoders are wrapped or replaced where
// they disagree with the RFCs (and Wireshark) or allocate per packet.

var (
	errIPVersion  = errors.New("ip header with the wrong version")
	errIPv6Short  = errors.New("ipv6 header shorter than 40 bytes")
	errIPv6Length = errors.New("ipv6 payload length 0 without a jumbo payload option")
	errFrag6Short = errors.New("ipv6 fragment header shorter than 8 bytes")
)

// ip4 is gopacket's IPv4 with a version check, which keeps the previous
// header's values when decoding fails.
//
// Fixes: gopacket decodes any first nibble as IPv4, so garbage behind an
// IPv4 EtherType (or a raw-IP frame of another version) was decoded into
// bogus addresses and ports; Wireshark stops at "Bogus IP version". And
// gopacket fills the fields before it finds a header bad: the Decoder's layer
// values are shared by the outer and inner packet of a tunnel, so a bad
// inner header replaced the outer packet's addresses with garbage.
type ip4 struct{ layers.IPv4 }

func (ip *ip4) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) > 0 && data[0]>>4 != 4 {
		return errIPVersion
	}
	saved := ip.IPv4 // a struct copy, no allocation
	if err := ip.IPv4.DecodeFromBytes(data, df); err != nil {
		ip.IPv4 = saved
		return err
	}
	return nil
}

// ip6 decodes the fixed IPv6 header (RFC 8200 §3) itself and leaves every
// extension header, hop-by-hop included, to the IPv6ExtensionSkipper.
//
// Fixes over gopacket's IPv6:
//   - gopacket decodes the hop-by-hop header inline, allocating one option
//     value per TLV on every packet; the skipper allocates nothing.
//   - After that inline hop-by-hop header, gopacket compares the payload
//     length with the bytes left behind it, so every packet with hop-by-hop
//     options (MLD, router alert) was flagged as cut by the snapshot length.
//   - For a jumbogram (RFC 2675: payload length 0, Jumbo Payload option in
//     hop-by-hop) gopacket hands the hop-by-hop bytes to the next decoder as
//     if they were the TCP header, so BIG TCP captures showed bogus ports.
//   - It checks the version nibble, like ip4.
type ip6 struct {
	layers.IPv6
	// plen is the payload length the header declares: Length, or the
	// jumbo payload length of a jumbogram (both exclude the fixed header).
	plen int
}

func (ip *ip6) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 40 {
		return truncated(df, errIPv6Short)
	}
	if data[0]>>4 != 6 {
		return errIPVersion
	}
	// Everything is checked before a field is set, so a bad inner header
	// leaves the outer one in place (see ip4).
	length, next := binary.BigEndian.Uint16(data[4:6]), layers.IPProtocol(data[6])
	plen := int(length)
	if length == 0 {
		n, ok := jumboLength(data[40:], next)
		if !ok {
			return errIPv6Length
		}
		plen = n
	}
	ip.Version = 6
	ip.TrafficClass = uint8(binary.BigEndian.Uint16(data[0:2]) >> 4)
	ip.FlowLabel = binary.BigEndian.Uint32(data[0:4]) & 0x000fffff
	ip.Length = length
	ip.NextHeader = next
	ip.HopLimit = data[7]
	ip.SrcIP = data[8:24]
	ip.DstIP = data[24:40]
	ip.HopByHop = nil
	ip.plen = plen
	end := 40 + ip.plen
	if end > len(data) {
		df.SetTruncated()
		end = len(data)
	}
	ip.BaseLayer = layers.BaseLayer{Contents: data[:40], Payload: data[40:end]}
	return nil
}

// jumboLength returns the Jumbo Payload Length (RFC 2675 §2) from the
// hop-by-hop header at the start of b, when next says there is one.
func jumboLength(b []byte, next layers.IPProtocol) (int, bool) {
	if next != layers.IPProtocolIPv6HopByHop || len(b) < 2 {
		return 0, false
	}
	hl := (int(b[1]) + 1) * 8
	if hl > len(b) {
		return 0, false
	}
	for opts := b[2:hl]; len(opts) > 0; {
		if opts[0] == 0 { // Pad1
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || len(opts) < 2+int(opts[1]) {
			return 0, false
		}
		if opts[0] == 0xc2 && opts[1] == 4 {
			n := binary.BigEndian.Uint32(opts[2:6])
			// RFC 2675 §2: a jumbo length must exceed 65535.
			if n <= 65535 {
				return 0, false
			}
			return int(n), true
		}
		opts = opts[2+int(opts[1]):]
	}
	return 0, false
}

// frag6 decodes the IPv6 Fragment header (RFC 8200 §4.5). It is registered
// after the IPv6ExtensionSkipper and takes over LayerTypeIPv6Fragment.
//
// Fix: the skipper decoded on through the fragment header, so a later
// fragment's data was decoded as a transport header, and an atomic fragment
// (offset 0, M clear; RFC 6946 §4: to be processed as a whole packet, as
// Wireshark does) was dropped as a fragment.
type frag6 struct {
	layers.BaseLayer
	NextHeader layers.IPProtocol
	Offset     uint16 // in 8-byte units
	More       bool
}

func (f *frag6) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 8 {
		return truncated(df, errFrag6Short)
	}
	f.NextHeader = layers.IPProtocol(data[0])
	fo := binary.BigEndian.Uint16(data[2:4])
	f.Offset, f.More = fo>>3, fo&1 != 0
	f.BaseLayer = layers.BaseLayer{Contents: data[:8], Payload: data[8:]}
	return nil
}

// Atomic reports whether this is an atomic fragment: a whole packet.
func (f *frag6) Atomic() bool { return f.Offset == 0 && !f.More }

func (f *frag6) CanDecode() gopacket.LayerClass { return layers.LayerTypeIPv6Fragment }

// NextLayerType stops at a real fragment: fragments are not reassembled.
func (f *frag6) NextLayerType() gopacket.LayerType {
	if !f.Atomic() {
		return gopacket.LayerTypeFragment
	}
	return f.NextHeader.LayerType()
}
