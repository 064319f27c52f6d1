package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/decode"
)

// TestMix checks, without tshark, that a capture has what make bench
// promises: mostly TCP with losses recovered both by fast retransmission
// and by timeout, many connections, some RTP, DNS and IPv6; and that it is a
// well-formed pcap in time order whose frames decode as the generator
// counted them.
func TestMix(t *testing.T) {
	const packets = 100000
	data, st := generate(t, 5, packets)
	if st.Bytes <= 0 || st.Last <= st.First {
		t.Fatalf("implausible totals: %s", st)
	}
	if share := float64(st.TCP) / packets; share < 0.95 {
		t.Errorf("TCP is %.1f%% of the frames, want a TCP-heavy mix (>= 95%%)", 100*share)
	}
	if st.TCP+st.UDP != packets {
		t.Errorf("tcp %d + udp %d frames != %d", st.TCP, st.UDP, packets)
	}
	for name, n := range map[string]int64{
		"rtp": st.RTP, "dns": st.DNS, "ipv6": st.IPv6, "retransmissions": st.Retransmissions,
		"dup acks": st.DupAcks, "lost segments": st.Lost, "timeouts": st.RTOs, "fast recoveries": st.Recovery,
	} {
		if n == 0 {
			t.Errorf("no %s in %d packets", name, packets)
		}
	}
	// DefaultConfig keeps 400 connections open; a short capture already
	// sees several times that many start and end.
	if st.Conns < int64(DefaultConfig().Conns) {
		t.Errorf("%d TCP connections, want at least %d", st.Conns, DefaultConfig().Conns)
	}

	r, err := capture.NewReader("mix", bytes.NewReader(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	d := decode.New()
	var rec capture.Record
	var p decode.Packet
	var n, tcp, udp, v6 int64
	last := int64(0)
	for {
		err := r.Next(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("frame %d: %v", n+1, err)
		}
		n++
		if rec.Timestamp < last {
			t.Fatalf("frame %d goes back in time", n)
		}
		last = rec.Timestamp
		if !d.Decode(uint64(n), rec.Timestamp, rec.LinkType, rec.OrigLen, rec.Data, &p) {
			t.Fatalf("frame %d does not decode", n)
		}
		switch {
		case p.IsTCP():
			tcp++
		case p.IsUDP():
			udp++
		}
		if p.Net == decode.NetIPv6 {
			v6++
		}
	}
	if n != packets || tcp != st.TCP || udp != st.UDP || v6 != st.IPv6 {
		t.Errorf("read %d frames (tcp %d, udp %d, ipv6 %d), the generator counted %d (tcp %d, udp %d, ipv6 %d)",
			n, tcp, udp, v6, packets, st.TCP, st.UDP, st.IPv6)
	}
}

// TestSnaplen checks that -snaplen cuts frames but keeps their original
// length, as a capture with a snapshot length does.
func TestSnaplen(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Packets, cfg.Snaplen = 2000, 96
	var buf bytes.Buffer
	if _, err := Generate(&buf, cfg); err != nil {
		t.Fatal(err)
	}
	r, err := capture.NewReader("snap", bytes.NewReader(buf.Bytes()), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Info().Snaplen; got != 96 {
		t.Errorf("file snaplen %d, want 96", got)
	}
	var rec capture.Record
	cut := 0
	for {
		err := r.Next(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Data) > 96 {
			t.Fatalf("a frame of %d bytes beyond snaplen 96", len(rec.Data))
		}
		if rec.OrigLen > len(rec.Data) {
			cut++
		}
	}
	if cut == 0 {
		t.Error("no frame was cut at the snapshot length")
	}
}

// TestRun covers the command: flag errors exit 2 and name the flag; a run
// writes the file under its final name only, readable by everyone.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-packets", "1G", "-out", "x"}, "-packets must be a count"},
		{[]string{"-repeat", "0", "-out", "x"}, "-repeat must be >= 1"},
		{[]string{"-packets", "10"}, "-out is required"},
		{[]string{"-conns", "0", "-out", "x"}, "-conns must be >= 1"},
	} {
		var stderr bytes.Buffer
		if code := run(tt.args, &stderr); code != 2 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("run %q: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr.String(), tt.want)
		}
	}

	out := filepath.Join(dir, "sub", "mix.pcap")
	var stderr bytes.Buffer
	if code := run([]string{"-seed", "9", "-packets", "3k", "-repeat", "2", "-out", out}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "6000 packets") {
		t.Errorf("report %q does not say 6000 packets (3k × 2)", stderr.String())
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	want, _ := generate(t, 9, 6000)
	if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
		t.Error("the file differs from Generate's output for the same seed and size")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "sub", "*.tmp*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}
