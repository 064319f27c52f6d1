// Command gensamples writes small, deterministic, scripted TCP/UDP captures
// with known impairments, plus a <file>.expect.tsv per capture listing the
// Wireshark TCP analysis flags each frame is designed to carry:
//
//	frame<TAB>tcp_stream<TAB>flag[,flag...]
//
// (1-based frame numbers, 0-based tcp.stream in order of first appearance).
//
// Usage:
//
//	go run ./scripts/gensamples -out samples
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func ether() []Iface { return []Iface{{Link: LinkEthernet}} }

// specs lists every generated file.
func specs() []FileSpec {
	return []FileSpec{
		{Name: "gen_loss_fast_retx.pcap", Format: PcapMicro, Ifaces: ether(), Build: scenLossFastRetx},
		{Name: "gen_reorder.pcap", Format: PcapMicro, Ifaces: ether(), Build: scenReorder},
		{Name: "gen_dup_ack.pcap", Format: PcapMicro, Ifaces: ether(), Build: scenDupAck},
		{Name: "gen_zero_window.pcap", Format: PcapMicro, Ifaces: ether(), Build: scenZeroWindow},
		{Name: "gen_keepalive.pcap", Format: PcapMicro, Ifaces: ether(), Build: scenKeepAlive},
		{Name: "gen_syn_retries.pcap", Format: PcapMicro, Ifaces: ether(), Build: scenSynRetries},
		{Name: "gen_rst_storm.pcap", Format: PcapMicro, Ifaces: ether(), Build: scenRstStorm},
		{Name: "gen_seq_wrap.pcap", Format: PcapMicro, Ifaces: ether(), Build: scenSeqWrap},
		{Name: "gen_ipv6.pcap", Format: PcapMicro, Ifaces: ether(), Build: scenIPv6},
		{Name: "gen_vlan.pcap", Format: PcapMicro, Ifaces: ether(), Build: scenVLAN},
		{Name: "gen_sll.pcap", Format: PcapMicro, Ifaces: []Iface{{Link: LinkSLL}},
			Build: linkVariant(false, baseTime, ms(10))},
		{Name: "gen_sll2.pcap", Format: PcapMicro, Ifaces: []Iface{{Link: LinkSLL2}},
			Build: linkVariant(true, baseTime, ms(10))},
		{Name: "gen_raw_ip.pcap", Format: PcapMicro, Ifaces: []Iface{{Link: LinkRaw}},
			Build: linkVariant(true, baseTime, ms(10))},
		{Name: "gen_null.pcap", Format: PcapMicro, Ifaces: []Iface{{Link: LinkNull}},
			Build: linkVariant(true, baseTime, ms(10))},
		{Name: "gen_nanosec.pcap", Format: PcapNano, Ifaces: ether(), Build: scenNanosec},
		{Name: "gen_bigendian.pcap", Format: PcapBigEnd, Ifaces: ether(),
			Build: linkVariant(false, baseTime, ms(10))},
		{Name: "gen_multi_if.pcapng", Format: PcapNG, Ifaces: []Iface{
			{Link: LinkEthernet, Name: "eth0"},
			{Link: LinkRaw, Name: "tun0", NanoT: true},
		}, Build: scenMultiIf},
		{Name: "gen_gzip.pcap.gz", Format: PcapGzip, Ifaces: ether(), Build: linkVariant(false, baseTime, ms(10))},
		{Name: "gen_snaplen.pcap", Format: PcapMicro, Ifaces: ether(), Snaplen: 64, Build: scenSnaplen},
		{Name: "gen_udp_mix.pcap", Format: PcapMicro, Ifaces: ether(), Build: scenUDPMix},
	}
}

// generate writes every capture and its expectation file into dir and
// returns the written file names.
func generate(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var names []string
	for _, fs := range specs() {
		c := fs.Build()
		data := fs.Encode(c)
		if len(data) > 2<<20 {
			return nil, fmt.Errorf("%s: %d bytes exceeds 2 MiB", fs.Name, len(data))
		}
		if err := os.WriteFile(filepath.Join(dir, fs.Name), data, 0o644); err != nil {
			return nil, err
		}
		exp := fs.Name + ".expect.tsv"
		if err := os.WriteFile(filepath.Join(dir, exp), Expect(c), 0o644); err != nil {
			return nil, err
		}
		names = append(names, fs.Name, exp)
	}
	return names, nil
}

func main() {
	out := flag.String("out", "samples", "output directory")
	flag.Parse()
	names, err := generate(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gensamples:", err)
		os.Exit(1)
	}
	for _, n := range names {
		st, err := os.Stat(filepath.Join(*out, n))
		if err != nil {
			fmt.Fprintln(os.Stderr, "gensamples:", err)
			os.Exit(1)
		}
		fmt.Printf("%8d  %s\n", st.Size(), filepath.Join(*out, n))
	}
}
