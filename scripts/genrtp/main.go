// Command genrtp writes small, deterministic RTP edge-case captures for the
// tests of internal/rtp and for comparing tcpviz with tshark's RTP stream
// analysis (tshark -q -z rtp,streams --enable-heuristic rtp_udp -r FILE):
//
//   - rtp_wrap.pcap: sequence wraparound 65535 -> 0 (with and without loss
//     at the wrap), timestamp wraparound, IPv6;
//   - rtp_ssrc_change.pcap: a new SSRC on the same 5-tuple, overlapping;
//   - rtp_reorder_dups.pcap: swapped, duplicated, late and lost packets, a
//     talkspurt after silence, and a sequence jump of 30000;
//   - rtp_dynamic.pcap: dynamic payload types without signalling (90 kHz
//     video, 48 kHz Opus, RFC 4733 events, an absurd 50 MHz clock);
//   - rtp_rtcp.pcap: RTCP on the next ports and multiplexed on the RTP
//     ports (RFC 5761), compound, reduced-size and feedback packets.
//
// Every file is an Ethernet pcap with microsecond timestamps starting at
// 2024-01-01T00:00:00Z; arrival jitter comes from fixed-seed PCG sources, so
// two runs write identical bytes.
//
// Usage:
//
//	go run ./scripts/genrtp -out samples
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

// files lists every generated capture.
var files = []struct {
	name  string
	build func() *capture
}{
	{"rtp_wrap.pcap", scenWrap},
	{"rtp_ssrc_change.pcap", scenSSRCChange},
	{"rtp_reorder_dups.pcap", scenReorder},
	{"rtp_dynamic.pcap", scenDynamic},
	{"rtp_rtcp.pcap", scenRTCP},
}

// generate writes every capture into dir and returns their names.
func generate(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	var names []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.build().encode(), 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", p, err)
		}
		names = append(names, f.name)
	}
	return names, nil
}

func main() {
	out := flag.String("out", "samples", "directory to write the captures into")
	flag.Parse()
	names, err := generate(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genrtp:", err)
		os.Exit(1)
	}
	for _, n := range names {
		fmt.Println(filepath.Join(*out, n))
	}
}
