package decode

import "net/netip"

// Network-layer protocols a Packet can carry.
const (
	NetNone uint8 = iota
	NetIPv4
	NetIPv6
	NetARP
	NetOther
)

// Transport protocols a Packet can carry.
const (
	TransNone uint8 = iota
	TransTCP
	TransUDP
	TransICMP
	TransICMPv6
	TransOther
)

// TCP flag bits as they appear in byte 13 of the header.
const (
	FlagFIN uint8 = 1 << iota
	FlagSYN
	FlagRST
	FlagPSH
	FlagACK
	FlagURG
	FlagECE
	FlagCWR
)

// SACKBlock is one left/right edge pair of a SACK option (RFC 2018).
type SACKBlock struct{ Left, Right uint32 }

// TCP is the part of a TCP header the analysis needs, options included.
type TCP struct {
	Seq, Ack  uint32
	Flags     uint8
	Window    uint16 // as on the wire, not scaled
	HeaderLen uint8
	MSS       uint16
	WScale    int8 // window-scale shift from the option, -1 when absent
	SACKPerm  bool
	NSACK     uint8
	SACK      [4]SACKBlock
	HasTS     bool
	TSVal     uint32
	TSEcr     uint32
}

// Packet is one decoded frame. Its slices alias the frame's bytes.
type Packet struct {
	Frame    uint64 // 1-based, as Wireshark numbers frames
	TS       int64  // nanoseconds since the Unix epoch
	OrigLen  int    // length on the wire
	CapLen   int    // bytes captured
	LinkType uint32

	HasMAC    bool
	SrcMAC    [6]byte
	DstMAC    [6]byte
	EtherType uint16
	VLANs     uint8 // number of 802.1Q/QinQ tags
	Tunnelled bool  // decoded from inside GRE, GTP-U or VXLAN

	Net       uint8 // NetNone, NetIPv4, ...
	Src, Dst  netip.Addr
	IPProto   uint8
	Fragment  bool // an IP fragment: transport not decoded
	Transport uint8
	SrcPort   uint16
	DstPort   uint16
	TCP       TCP

	// PayloadLen is the transport payload length the IP and UDP length
	// fields declare (TCP's segment length); it is right even when the
	// snapshot length cut the frame.
	PayloadLen int
	// Payload is the captured part of the transport payload.
	Payload []byte
	// Truncated is set when the frame ends before the lengths say it should.
	Truncated bool
}

// IsTCP reports whether the packet's TCP header was decoded.
func (p *Packet) IsTCP() bool { return p.Transport == TransTCP }

// IsUDP reports whether the packet's UDP header was decoded.
func (p *Packet) IsUDP() bool { return p.Transport == TransUDP }
