package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func generate(t *testing.T, seed uint64, packets int64) ([]byte, Stats) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Seed, cfg.Packets = seed, packets
	var buf bytes.Buffer
	st, err := Generate(&buf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if st.Packets != packets {
		t.Fatalf("wrote %d packets, want %d", st.Packets, packets)
	}
	return buf.Bytes(), st
}

// TestDeterministic checks that a seed fixes every byte, that another seed
// gives other traffic, and that a longer capture continues the shorter one
// (what -repeat relies on).
func TestDeterministic(t *testing.T) {
	a, _ := generate(t, 7, 20000)
	b, _ := generate(t, 7, 20000)
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed gave different bytes")
	}
	c, _ := generate(t, 8, 20000)
	if bytes.Equal(a, c) {
		t.Fatal("seeds 7 and 8 gave the same bytes")
	}
	short, _ := generate(t, 7, 5000)
	if !bytes.HasPrefix(a, short) {
		t.Fatal("the 5000-packet capture is not a prefix of the 20000-packet one")
	}
}

func TestParseCount(t *testing.T) {
	for in, want := range map[string]int64{"20000": 20000, "20k": 20000, "1M": 1000000, "10M": 10000000} {
		if got, err := parseCount(in); err != nil || got != want {
			t.Errorf("parseCount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-5", "1G", "k"} {
		if _, err := parseCount(in); err == nil {
			t.Errorf("parseCount(%q) succeeded, want an error", in)
		}
	}
}

// TestTsharkAgrees has Wireshark count what the generator says it wrote:
// TCP, UDP, DNS and (with the RTP heuristic) RTP frames, retransmissions
// of every kind and duplicate ACKs, frame for frame.
func TestTsharkAgrees(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	data, st := generate(t, 3, 20000)
	path := filepath.Join(t.TempDir(), "mix.pcap")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	filters := []string{
		"tcp", "udp", "dns", "rtp", "ipv6",
		"tcp.analysis.retransmission || tcp.analysis.fast_retransmission || tcp.analysis.out_of_order || tcp.analysis.spurious_retransmission",
		"tcp.analysis.fast_retransmission",
		"tcp.analysis.duplicate_ack",
		"tcp.analysis.lost_segment",
		"tcp.flags.syn == 1 && tcp.flags.ack == 0 && !tcp.analysis.retransmission",
	}
	got := tsharkCounts(t, path, filters)
	want := map[string]int64{
		"tcp": st.TCP, "udp": st.UDP, "dns": st.DNS, "rtp": st.RTP, "ipv6": st.IPv6,
		filters[5]: st.Retransmissions, filters[7]: st.DupAcks, filters[9]: st.Conns,
	}
	for f, w := range want {
		if got[f] != w {
			t.Errorf("tshark counts %d frames matching %q, the generator wrote %d", got[f], f, w)
		}
	}
	for _, f := range []string{"rtp", filters[5], filters[6], filters[7], filters[8]} {
		if got[f] == 0 {
			t.Errorf("no frame matches %q: the mix lacks it", f)
		}
	}
	if st.RTOs == 0 || st.Recovery == 0 {
		t.Errorf("want both timeouts and fast recoveries, got %d and %d", st.RTOs, st.Recovery)
	}
	t.Logf("%s", st)
}

// tsharkCounts runs one two-pass tshark over path and returns how many
// frames match each display filter (from its io,stat table).
func tsharkCounts(t *testing.T, path string, filters []string) map[string]int64 {
	t.Helper()
	stat := "io,stat,0," + strings.Join(filters, ",") // no filter may hold a comma
	cmd := exec.Command("tshark", "-2", "-n", "--enable-heuristic", "rtp_udp", "-r", path, "-q", "-z", stat)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, stderr.Bytes())
	}
	for _, line := range strings.Split(string(out), "\n") {
		if !strings.Contains(line, "<>") {
			continue
		}
		cells := strings.Split(line, "|")
		// | interval | frames | bytes | frames | bytes | ...
		if len(cells) < 2+2*len(filters) {
			break
		}
		got := map[string]int64{}
		for i, f := range filters {
			n, err := strconv.ParseInt(strings.TrimSpace(cells[2+2*i]), 10, 64)
			if err != nil {
				t.Fatalf("tshark io,stat cell %q: %v", cells[2+2*i], err)
			}
			got[f] = n
		}
		return got
	}
	t.Fatalf("no io,stat row in tshark's output:\n%s", out)
	return nil
}
