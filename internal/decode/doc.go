// Package decode turns one captured frame into a Packet: link layer
// (Ethernet with 802.1Q/QinQ tags, Linux cooked SLL and SLL2, raw IPv4/IPv6,
// BSD loopback, NFLOG, PPP, Cisco HDLC, FDDI; MPLS label stacks on top),
// IPv4/IPv6 (extension headers skipped, atomic
// fragments accepted), tunnels decoded through to the inner packet (GRE
// including Aruba's 802.11-in-GRE, GTP-U, VXLAN, Geneve), and TCP, UDP or ICMP.
//
// A Decoder owns one gopacket DecodingLayerParser per first layer, all sharing
// the same layer values held inside the Decoder, so decoding a packet
// allocates nothing; where a gopacket layer allocated, panicked or
// mis-measured lengths (IPv4/IPv6, TCP options, GRE, GTP-U), this package
// has its own DecodingLayer. Decode fills a caller-owned Packet whose byte
// slices alias the frame; they are valid only as long as the frame's bytes
// are.
//
// The frames nearly every capture is made of (Ethernet or raw IP, IPv4
// without options or IPv6 without extension headers, a whole TCP or UDP
// header, the payload whole or cut by the snapshot length) take a fast path that reads the bytes directly, three times faster
// than the parser; everything else falls back to the parser. The fuzz and
// corpus tests decode every frame both ways and require the same Packet.
//
// Frames that cannot be decoded are not errors: they are counted by reason in
// Decoder.Stats and the Packet says how far decoding got. A TCP header whose
// options the snapshot length cut still decodes as TCP, as in Wireshark.
package decode
