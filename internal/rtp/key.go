package rtp

import (
	"encoding/binary"
	"net/netip"

	"github.com/tcpviz/tcpviz/internal/flow"
)

// tuple is a UDP 5-tuple in the direction of the packet (RTP streams are
// one-way). It is a comparable, fixed-size map key.
type tuple struct {
	src, dst     [16]byte
	sport, dport uint16
}

// key identifies a stream: Wireshark keys RTP streams by the 5-tuple and the
// SSRC.
type key struct {
	tuple
	ssrc uint32
}

func makeTuple(src, dst netip.Addr, sport, dport uint16) tuple {
	return tuple{src: src.As16(), dst: dst.As16(), sport: sport, dport: dport}
}

// Hash is k's hash under seed, for flow.Table.
func (k key) Hash(seed uint64) uint64 {
	be := binary.BigEndian
	return flow.Mix5(seed, be.Uint64(k.src[:8]), be.Uint64(k.src[8:]), be.Uint64(k.dst[:8]), be.Uint64(k.dst[8:]),
		uint64(k.sport)<<48|uint64(k.dport)<<32|uint64(k.ssrc))
}
