package decode_test

import (
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/tcpviz/tcpviz/internal/decode"
)

// sameAsGeneral decodes one frame with the fast path on (fast) and off
// (general) and reports where the packets, the results or the counts differ:
// the fast path must be invisible.
func sameAsGeneral(t *testing.T, fast, general *decode.Decoder, linkType uint32, origLen int, data []byte) {
	t.Helper()
	var pf, pg decode.Packet
	sf, sg := fast.Stats, general.Stats
	okF := fast.Decode(7, 42, linkType, origLen, data, &pf)
	okG := general.Decode(7, 42, linkType, origLen, data, &pg)
	if diff := diffValues(pg, pf); diff != "" || okF != okG {
		t.Fatalf("link %d frame %x: fast path differs (ok %v, general %v) (-general +fast):\n%s", linkType, data, okF, okG, diff)
	}
	// The payload must alias the same bytes of the frame, not a copy.
	if cap(pf.Payload) != cap(pg.Payload) {
		t.Fatalf("link %d frame %x: payload starts at %d, general decoder %d", linkType, data, len(data)-cap(pf.Payload), len(data)-cap(pg.Payload))
	}
	df, dg := fast.Stats, general.Stats
	df.Frames -= sf.Frames
	dg.Frames -= sg.Frames
	df.Truncated -= sf.Truncated
	dg.Truncated -= sg.Truncated
	for i := range df.Failures {
		df.Failures[i] -= sf.Failures[i]
		dg.Failures[i] -= sg.Failures[i]
	}
	if df != dg {
		t.Fatalf("link %d frame %x: counted %+v, general decoder %+v", linkType, data, df, dg)
	}
}

// TestFastPathAgrees decodes every frame of the hand-built cases, the
// shipped samples, the real-capture corpus and tcpdump's malformed captures
// both ways.
func TestFastPathAgrees(t *testing.T) {
	fast, general := decode.New(), decode.NewGeneral()
	for _, tc := range decodeCases(t) {
		for _, orig := range []int{len(tc.frame), len(tc.frame) + 100, len(tc.frame) - 1} {
			sameAsGeneral(t, fast, general, tc.link, orig, tc.frame)
		}
	}
	var files []string
	for _, pattern := range []string{"../../samples/*.pcap*", filepath.Join(corpusDir, "*"), filepath.Join(wildDir, "*")} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	sort.Strings(files)
	frames, fastFrames := 0, 0
	for _, path := range files {
		if filepath.Ext(path) == ".tsv" || filepath.Ext(path) == ".md" {
			continue
		}
		caps, err := readCapture(path, 0)
		if err != nil {
			continue // damaged at the start: the reader tests cover these
		}
		for _, f := range caps {
			before := general.Stats.Frames
			sameAsGeneral(t, fast, general, f.linkType, f.origLen, f.data)
			frames += int(general.Stats.Frames - before)
			if fast.TakesFastPath(f.linkType, f.origLen, f.data) {
				fastFrames++
			}
		}
	}
	t.Logf("%d frames of %d files decoded identically both ways, %d of them by the fast path", frames, len(files), fastFrames)
	if frames == 0 || fastFrames == 0 {
		t.Fatalf("%d frames compared, %d by the fast path: the fast path is not exercised", frames, fastFrames)
	}
	// The plain frames it exists for do take it.
	for name, f := range map[string][]byte{"tcp4": tcp4(t), "tcp6": tcp6(t), "raw ip4": ip4Packet(t)} {
		link := uint32(decode.LinkEthernet)
		if name == "raw ip4" {
			link = decode.LinkRaw
		}
		if !fast.TakesFastPath(link, len(f), f) {
			t.Errorf("%s frame %x: not decoded by the fast path", name, f)
		}
	}
}

// TestFastPathAgreesOnEveryCut cuts frames the fast path takes at every
// length, as a snapshot length would, and decodes each cut both ways. A cut
// that leaves every header whole (only the payload shortened) must still
// take the fast path: header-only captures (`tcpdump -s 96`) are common.
func TestFastPathAgreesOnEveryCut(t *testing.T) {
	fast, general := decode.New(), decode.NewGeneral()
	syn := syn4(t, make(gopacket.Payload, 100))
	bulk := make(gopacket.Payload, 1448)
	for _, tc := range []struct {
		name    string
		link    uint32
		frame   []byte
		headers int // bytes up to the end of the transport header
	}{
		{"ipv4 tcp", decode.LinkEthernet, build(t, ether(macCli, macSrv, layers.EthernetTypeIPv4), ipv4(cli4, srv4, layers.IPProtocolTCP), segment(pshAck), bulk), 14 + 20 + 20},
		{"ipv4 tcp with options", decode.LinkEthernet, syn, 14 + 20 + 40},
		{"ipv6 tcp", decode.LinkEthernet, build(t, ether(macCli, macSrv, layers.EthernetTypeIPv6), ipv6(cli6, srv6, layers.IPProtocolTCP), segment(pshAck), bulk), 14 + 40 + 20},
		{"vlan ipv4 tcp", decode.LinkEthernet, build(t, ether(macCli, macSrv, layers.EthernetTypeDot1Q), &layers.Dot1Q{VLANIdentifier: 7, Type: layers.EthernetTypeIPv4},
			ipv4(cli4, srv4, layers.IPProtocolTCP), segment(pshAck), bulk), 14 + 4 + 20 + 20},
		{"raw ipv4 udp", decode.LinkRaw, build(t, ipv4(cli4, srv4, layers.IPProtocolUDP), &layers.UDP{SrcPort: 40000, DstPort: 5004}, make(gopacket.Payload, 172)), 20 + 8},
		{"ipv6 udp", decode.LinkEthernet, build(t, ether(macCli, macSrv, layers.EthernetTypeIPv6), ipv6(cli6, srv6, layers.IPProtocolUDP), &layers.UDP{SrcPort: 40000, DstPort: 5004}, make(gopacket.Payload, 172)), 14 + 40 + 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for n := 0; n <= len(tc.frame); n++ {
				cut := tc.frame[:n:n]
				sameAsGeneral(t, fast, general, tc.link, len(tc.frame), cut)
				if takes := fast.TakesFastPath(tc.link, len(tc.frame), cut); takes != (n >= tc.headers) {
					t.Errorf("cut at %d of %d bytes (headers end at %d): fast path taken = %v", n, len(tc.frame), tc.headers, takes)
				}
			}
		})
	}
}
