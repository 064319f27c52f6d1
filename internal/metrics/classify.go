package metrics

import "github.com/tcpviz/tcpviz/internal/decode"

// App classifies a packet's application protocol from its ports and the
// first bytes of its payload. It looks at captured bytes only and never
// reads past them.
func App(p *decode.Packet) Proto {
	switch p.Transport {
	case decode.TransTCP:
		if p.SrcPort == 53 || p.DstPort == 53 {
			return PDNS
		}
		if isTLSRecord(p.Payload) {
			return PTLS
		}
	case decode.TransUDP:
		if p.SrcPort == 53 || p.DstPort == 53 || p.SrcPort == 5353 || p.DstPort == 5353 {
			return PDNS
		}
		if isQUIC(p) {
			return PQUIC
		}
	}
	return NumProtos
}

// isTLSRecord recognises a TLS record header (RFC 8446 §5.1): content type
// change_cipher_spec(20)..heartbeat(24), legacy version 3.x, length ≤ 2^14+2048.
func isTLSRecord(b []byte) bool {
	if len(b) < 5 {
		return false
	}
	if b[0] < 20 || b[0] > 24 || b[1] != 3 || b[2] > 4 {
		return false
	}
	return int(b[3])<<8|int(b[4]) <= 1<<14+2048
}

// isQUIC recognises QUIC on UDP (RFC 9000 §17): a long header (form and
// fixed bits set, a known version) on any port, or a short header (fixed
// bit set) on port 443.
func isQUIC(p *decode.Packet) bool {
	b := p.Payload
	if len(b) < 5 {
		return false
	}
	if b[0]&0xc0 == 0xc0 {
		v := uint32(b[1])<<24 | uint32(b[2])<<16 | uint32(b[3])<<8 | uint32(b[4])
		// Version 1 (RFC 9000), version 2 (RFC 9369), drafts 0xff0000xx,
		// and version negotiation (0).
		return v == 1 || v == 0x6b3343cf || v>>8 == 0xff0000 || v == 0
	}
	return b[0]&0x40 != 0 && (p.SrcPort == 443 || p.DstPort == 443)
}
