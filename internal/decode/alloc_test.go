package decode_test

import (
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tcpviz/tcpviz/internal/decode"
)

// TestDecodeAllocs proves the steady state allocates nothing per packet
// (house style §10): after one warm-up decode, which may size reusable
// buffers, decoding the same kind of frame again must not allocate.
func TestDecodeAllocs(t *testing.T) {
	opts := synOptions()
	for _, tc := range []struct {
		name  string
		link  uint32
		frame []byte
	}{
		{"ethernet ipv4 tcp", decode.LinkEthernet, tcp4(t)},
		{"ethernet ipv6 tcp", decode.LinkEthernet, tcp6(t)},
		{"sll2 ipv4 tcp", decode.LinkSLL2, cat(sll2Header(0x0800), ip4Packet(t))},
		{"vxlan ethernet ipv4 tcp", decode.LinkEthernet, vxlanFrame(t, tcp4(t))},
		{"gre ipv4 tcp", decode.LinkEthernet, greFrame(t, &layers.GRE{Protocol: layers.EthernetTypeIPv4}, ip4Packet(t))},
		{"gtp-u with extension header", decode.LinkEthernet, gtpFrame(t, 255, true, ip4Packet(t))},
		{"syn with options", decode.LinkEthernet, build(t, ether(macCli, macSrv, layers.EthernetTypeIPv4),
			ipv4(cli4, srv4, layers.IPProtocolTCP), segment(decode.FlagSYN, opts...))},
		{"ipv6 hop-by-hop", decode.LinkEthernet, build(t, ether(macCli, macSrv, layers.EthernetTypeIPv6),
			ipv6(cli6, srv6, layers.IPProtocolIPv6HopByHop), gopacket.Payload{60, 0, 5, 2, 0, 0, 1, 0}, gopacket.Payload{6, 0, 1, 4, 0, 0, 0, 0},
			segment(pshAck), hello)},
		{"nflog ipv4 tcp", decode.LinkNFLOG, nflogFrame(2, ip4Packet(t))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := decode.New()
			var p decode.Packet
			if !d.Decode(1, 0, tc.link, len(tc.frame), tc.frame, &p) || !p.IsTCP() {
				t.Fatalf("frame did not decode as TCP: %+v", p)
			}
			allocs := testing.AllocsPerRun(100, func() {
				d.Decode(1, 0, tc.link, len(tc.frame), tc.frame, &p)
			})
			if allocs != 0 {
				t.Errorf("Decode allocates %v times per frame, want 0", allocs)
			}
		})
	}
}
