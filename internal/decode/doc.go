// Package decode turns one captured frame into a Packet: link layer (Ethernet
// with 802.1Q/QinQ tags, Linux cooked SLL and SLL2, raw IPv4/IPv6, BSD
// loopback), IPv4/IPv6 (extension headers skipped), and TCP, UDP or ICMP.
//
// A Decoder owns one gopacket DecodingLayerParser per first layer, all sharing
// the same layer values held inside the Decoder, so decoding a packet
// allocates nothing. Decode fills a caller-owned Packet whose byte slices
// alias the frame; they are valid only as long as the frame's bytes are.
//
// Frames that cannot be decoded are not errors: they are counted by reason in
// Decoder.Stats and the Packet says how far decoding got.
package decode
