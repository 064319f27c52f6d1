package rtp

import "encoding/binary"

// Header is the part of an RTP header (RFC 3550 §5.1) the analysis uses.
type Header struct {
	Marker    bool
	Padding   bool
	Extension bool
	CC        uint8 // CSRC count
	PT        uint8 // payload type, 0-127
	Seq       Seq
	TS        uint32
	SSRC      uint32
	// Len is the header's length in bytes: 12, the CSRC list and the
	// header extension. It is 0 when the extension's length field was
	// not captured.
	Len int
	// PayloadLen is the payload's length on the wire without padding, or
	// -1 when it cannot be told (extension length or padding count not
	// captured).
	PayloadLen int
}

// Problem says why bytes are not a valid RTP or RTCP packet.
type Problem uint8

// Problems found by ParseHeader. A packet with a problem is counted by
// reason and left out of every stream.
const (
	OK            Problem = iota
	ProbShort             // fewer than 12 bytes
	ProbVersion           // version is not 2
	ProbRTCPType          // payload type 72-76: the low bits of an RTCP packet type (RFC 5761 §4)
	ProbCSRC              // the CSRC list runs past the end of the packet
	ProbExtension         // the header extension runs past the end of the packet
	ProbPadding           // a padding count of 0 or longer than the payload
	ProbRTCP              // looks like RTCP (packet type 200-204) but its lengths do not add up
	NumProblems
)

func (p Problem) String() string {
	switch p {
	case OK:
		return "ok"
	case ProbShort:
		return "rtp_short"
	case ProbVersion:
		return "rtp_version"
	case ProbRTCPType:
		return "rtp_rtcp_payload_type"
	case ProbCSRC:
		return "rtp_csrc_overrun"
	case ProbExtension:
		return "rtp_extension_overrun"
	case ProbPadding:
		return "rtp_bad_padding"
	case ProbRTCP:
		return "rtcp_bad_length"
	}
	return "unknown"
}

// ParseHeader parses the RTP header at the start of b, the captured part of
// a UDP payload whose length on the wire is wireLen (wireLen >= len(b);
// a snapshot length may have cut b). It reads only b and keeps nothing.
// Lengths are checked against wireLen, and against b where b holds the
// bytes needed.
func ParseHeader(b []byte, wireLen int, h *Header) Problem {
	if wireLen < len(b) {
		wireLen = len(b)
	}
	if len(b) < 12 {
		return ProbShort
	}
	if b[0]>>6 != 2 {
		return ProbVersion
	}
	pt := b[1] & 0x7f
	if pt >= 72 && pt <= 76 {
		return ProbRTCPType
	}
	*h = Header{
		Padding:   b[0]&0x20 != 0,
		Extension: b[0]&0x10 != 0,
		CC:        b[0] & 0x0f,
		Marker:    b[1]&0x80 != 0,
		PT:        pt,
		Seq:       Seq(binary.BigEndian.Uint16(b[2:])),
		TS:        binary.BigEndian.Uint32(b[4:]),
		SSRC:      binary.BigEndian.Uint32(b[8:]),
	}
	n := 12 + 4*int(h.CC)
	if n > wireLen {
		return ProbCSRC
	}
	if h.Extension {
		if n+4 > wireLen {
			return ProbExtension
		}
		if n+4 > len(b) {
			// The extension's length was cut by the snapshot length:
			// the fixed header is all the analysis needs.
			h.PayloadLen = -1
			return OK
		}
		n += 4 + 4*int(binary.BigEndian.Uint16(b[n+2:]))
		if n > wireLen {
			return ProbExtension
		}
	}
	h.Len = n
	h.PayloadLen = wireLen - n
	if h.Padding {
		if len(b) < wireLen {
			h.PayloadLen = -1 // the padding count is in the last byte, not captured
			return OK
		}
		pad := int(b[len(b)-1])
		if pad == 0 || pad > wireLen-n {
			return ProbPadding
		}
		h.PayloadLen -= pad
	}
	return OK
}

// RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1, RFC 3611 §2).
const (
	rtcpSR    = 200
	rtcpRR    = 201
	rtcpXR    = 207
	rtcpFirst = 192 // the range RFC 5761 §4 reserves for RTCP
	rtcpLast  = 223
)

// srtcpTrailer bounds what may follow the last RTCP packet of an SRTCP
// compound: the 4-byte E flag and index, an optional MKI and an
// authentication tag (RFC 3711 §3.4; 80-bit tags are usual).
const srtcpTrailer = 4 + 4 + 16

// IsRTCP reports whether b (captured UDP payload, wireLen bytes on the wire)
// is an RTCP compound packet: version 2, a first packet type of 200-207 (SR,
// RR, SDES, BYE, APP, RTPFB, PSFB, XR), each packet's length field within
// the datagram and every further packet of version 2 and type 192-223, the
// lengths adding up to the datagram (or leaving room for an SRTCP trailer).
// RFC 3550 Appendix A.2 has the stricter check for known sessions; this one
// must also accept reduced-size RTCP (RFC 5506), which starts with any type.
func IsRTCP(b []byte, wireLen int) bool {
	if wireLen < len(b) {
		wireLen = len(b)
	}
	if len(b) < 8 || b[0]>>6 != 2 || b[1] < rtcpSR || b[1] > rtcpXR {
		return false
	}
	off := 0
	for off+4 <= len(b) {
		if b[off]>>6 != 2 || b[off+1] < rtcpFirst || b[off+1] > rtcpLast {
			return false
		}
		n := 4 * (int(binary.BigEndian.Uint16(b[off+2:])) + 1)
		if off+n > wireLen {
			return false
		}
		off += n
		if off == wireLen {
			return true
		}
		if r := wireLen - off; r >= 4 && r <= srtcpTrailer && !rtcpHeaderAt(b, off) {
			return true // an SRTCP trailer (or bytes the snapshot length cut) follows
		}
	}
	// The snapshot length cut the compound after valid headers.
	return off > 0 && len(b) < wireLen
}

// rtcpHeaderAt reports whether a plausible RTCP header starts at off.
func rtcpHeaderAt(b []byte, off int) bool {
	return off+2 <= len(b) && b[off]>>6 == 2 && b[off+1] >= rtcpFirst && b[off+1] <= rtcpLast
}
