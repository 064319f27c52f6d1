package decode_test

import (
	"path/filepath"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tcpviz/tcpviz/internal/decode"
)

// benchMix is a traffic mix weighted towards what parse-pcap sees most:
// plain TCP over Ethernet, then IPv6, cooked captures, VLANs, tunnels and
// the odd non-TCP frame.
func benchMix(tb testing.TB) []capFrame {
	tb.Helper()
	syn := syn4(tb)
	data := build(tb, ether(macCli, macSrv, layers.EthernetTypeIPv4), ipv4(cli4, srv4, layers.IPProtocolTCP),
		segment(pshAck), make(gopacket.Payload, 1448))
	eth := func(b []byte) capFrame { return capFrame{linkType: decode.LinkEthernet, origLen: len(b), data: b} }
	mix := []capFrame{
		eth(tcp4(tb)), eth(tcp4(tb)), eth(data), eth(data), eth(syn), eth(tcp6(tb)),
		{linkType: decode.LinkSLL2, data: cat(sll2Header(0x0800), ip4Packet(tb))},
		{linkType: decode.LinkSLL, data: cat(sllHeader(0x86dd), ip6Packet(tb))},
		eth(build(tb, ether(macCli, macSrv, layers.EthernetTypeDot1Q), &layers.Dot1Q{VLANIdentifier: 100, Type: layers.EthernetTypeIPv4},
			ipv4(cli4, srv4, layers.IPProtocolTCP), segment(pshAck), hello)),
		eth(vxlanFrame(tb, tcp4(tb))),
		eth(gtpFrame(tb, 255, true, ip4Packet(tb))),
		eth(greFrame(tb, &layers.GRE{Protocol: layers.EthernetTypeIPv4}, ip4Packet(tb))),
		eth(build(tb, ether(macCli, macSrv, layers.EthernetTypeIPv4), ipv4(cli4, srv4, layers.IPProtocolUDP),
			&layers.UDP{SrcPort: 53000, DstPort: 53}, hello)),
		eth(arpFrame(tb)),
	}
	for i := range mix {
		mix[i].origLen = len(mix[i].data)
	}
	return mix
}

func benchDecode(b *testing.B, d *decode.Decoder, frames []capFrame) {
	var bytes int
	for _, f := range frames {
		bytes += len(f.data)
	}
	var p decode.Packet
	b.ReportAllocs()
	b.SetBytes(int64(bytes / len(frames)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := &frames[i%len(frames)]
		d.Decode(uint64(i), 0, f.linkType, f.origLen, f.data, &p)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
}

// BenchmarkDecode decodes one frame per operation: a hand-built mix, plain
// Ethernet/IPv4/TCP data segments (with the fast path and with the general
// decoder alone), and the first frames of the real-capture corpus when it is
// present.
func BenchmarkDecode(b *testing.B) {
	b.Run("mix", func(b *testing.B) { benchDecode(b, decode.New(), benchMix(b)) })
	tcp := func(b *testing.B) []capFrame {
		data := build(b, ether(macCli, macSrv, layers.EthernetTypeIPv4), ipv4(cli4, srv4, layers.IPProtocolTCP),
			segment(pshAck), make(gopacket.Payload, 1448))
		return []capFrame{{linkType: decode.LinkEthernet, origLen: len(data), data: data}}
	}
	b.Run("tcp", func(b *testing.B) { benchDecode(b, decode.New(), tcp(b)) })
	b.Run("tcp-general", func(b *testing.B) { benchDecode(b, decode.NewGeneral(), tcp(b)) })
	// The same segment as `tcpdump -s 128` keeps it: headers whole,
	// payload cut.
	snapped := func(b *testing.B) []capFrame {
		f := tcp(b)
		f[0].data = f[0].data[:128]
		return f
	}
	b.Run("tcp-snapped", func(b *testing.B) { benchDecode(b, decode.New(), snapped(b)) })
	b.Run("corpus", func(b *testing.B) {
		var frames []capFrame
		for _, path := range corpusFiles(b) {
			fs, err := readCapture(path, 2000)
			if err != nil {
				b.Fatalf("read %s: %v", filepath.Base(path), err)
			}
			frames = append(frames, fs...)
		}
		if len(frames) == 0 {
			b.Skip("no frames in the corpus")
		}
		benchDecode(b, decode.New(), frames)
	})
}
