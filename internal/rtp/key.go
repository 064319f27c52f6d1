package rtp

import "net/netip"

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
