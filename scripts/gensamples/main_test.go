package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

func TestDeterministic(t *testing.T) {
	d1, d2 := t.TempDir(), t.TempDir()
	n1, err := generate(d1)
	if err != nil {
		t.Fatal(err)
	}
	n2, err := generate(d2)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(n1, ",") != strings.Join(n2, ",") {
		t.Fatalf("file lists differ: %v vs %v", n1, n2)
	}
	if len(n1) == 0 {
		t.Fatal("no files generated")
	}
	for _, n := range n1 {
		a, err := os.ReadFile(filepath.Join(d1, n))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(d2, n))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between runs", n)
		}
		if len(a) > 2<<20 {
			t.Errorf("%s is %d bytes (> 2 MiB)", n, len(a))
		}
		if !strings.HasSuffix(n, ".expect.tsv") && len(a) < 24 {
			t.Errorf("%s is suspiciously small (%d bytes)", n, len(a))
		}
	}
}

func TestExpectFormat(t *testing.T) {
	for _, fs := range specs() {
		exp := string(Expect(fs.Build()))
		for _, line := range strings.Split(strings.TrimSuffix(exp, "\n"), "\n") {
			if line == "" {
				continue
			}
			f := strings.Split(line, "\t")
			if len(f) != 3 || f[0] == "" || f[1] == "" || f[2] == "" {
				t.Errorf("%s: bad line %q", fs.Name, line)
				continue
			}
			fl := strings.Split(f[2], ",")
			if strings.Contains(f[2], "fast_retransmission") || strings.Contains(f[2], "spurious_retransmission") {
				if fl[0] != "retransmission" {
					t.Errorf("%s: %q: fast/spurious retransmission without retransmission", fs.Name, line)
				}
			}
		}
	}
}

// tsharkFlags runs tshark on file and renders its analysis flags in the
// .expect.tsv format.
func tsharkFlags(t *testing.T, file string) string {
	args := []string{"-n", "-r", file, "-T", "fields", "-e", "frame.number", "-e", "tcp.stream"}
	for _, f := range flagOrder {
		args = append(args, "-e", "tcp.analysis."+f)
	}
	args = append(args, "-Y", "tcp.analysis.flags")
	out, err := exec.Command("tshark", args...).Output()
	if err != nil {
		t.Fatalf("tshark %s: %v", file, err)
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		var fl []string
		for i, name := range flagOrder {
			if 2+i < len(f) && f[2+i] != "" {
				fl = append(fl, name)
			}
		}
		if len(fl) == 0 {
			continue // e.g. only flags outside our set
		}
		b.WriteString(f[0] + "\t" + f[1] + "\t" + strings.Join(fl, ",") + "\n")
	}
	return b.String()
}

// TestTsharkAgrees checks every capture against tshark 4.0.x, the oracle the
// expectations were tuned against. Skipped when tshark is absent or another
// version (its heuristics change between releases).
func TestTsharkAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	ver, err := exec.Command("tshark", "--version").Output()
	if err != nil {
		t.Skip("tshark not available")
	}
	if !strings.Contains(string(ver), "TShark (Wireshark) 4.0.") {
		t.Skipf("tshark version is not 4.0.x: %s", strings.SplitN(string(ver), "\n", 2)[0])
	}
	dir := t.TempDir()
	if _, err := generate(dir); err != nil {
		t.Fatal(err)
	}
	for _, fs := range specs() {
		fs := fs
		t.Run(fs.Name, func(t *testing.T) {
			t.Parallel()
			want, err := os.ReadFile(filepath.Join(dir, fs.Name+".expect.tsv"))
			if err != nil {
				t.Fatal(err)
			}
			got := tsharkFlags(t, filepath.Join(dir, fs.Name))
			if got != string(want) {
				t.Errorf("tshark disagrees for %s\n--- tshark\n%s--- expected\n%s", fs.Name, got, want)
			}
		})
	}
}

// TestReadBack reads every generated file with gopacket's pcapgo readers
// and checks record count, timestamps, lengths and link types.
func TestReadBack(t *testing.T) {
	for _, fs := range specs() {
		c := fs.Build()
		data := fs.Encode(c)
		var cis []gopacket.CaptureInfo
		var datas [][]byte
		if fs.Format == PcapNG {
			r, err := pcapgo.NewNgReader(bytes.NewReader(data), pcapgo.NgReaderOptions{WantMixedLinkType: true})
			if err != nil {
				t.Fatalf("%s: %v", fs.Name, err)
			}
			for {
				d, ci, err := r.ReadPacketData()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("%s: %v", fs.Name, err)
				}
				cis, datas = append(cis, ci), append(datas, d)
			}
		} else {
			r, err := pcapgo.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: %v", fs.Name, err)
			}
			// pcapgo keeps the link type in a uint8; check the raw header field.
			if fs.Format != PcapGzip {
				var lt uint32
				if fs.Format == PcapBigEnd {
					lt = binary.BigEndian.Uint32(data[20:24])
				} else {
					lt = binary.LittleEndian.Uint32(data[20:24])
				}
				if lt != uint32(fs.Ifaces[0].Link) {
					t.Errorf("%s: link type %d, want %d", fs.Name, lt, fs.Ifaces[0].Link)
				}
			}
			for {
				d, ci, err := r.ReadPacketData()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("%s: %v", fs.Name, err)
				}
				cis, datas = append(cis, ci), append(datas, d)
			}
		}
		if len(cis) != len(c.pkts) {
			t.Fatalf("%s: read %d packets, built %d", fs.Name, len(cis), len(c.pkts))
		}
		for i, p := range c.pkts {
			want := p.TS
			nano := fs.Format == PcapNano || (fs.Format == PcapNG && fs.Ifaces[p.Iface].NanoT)
			if !nano {
				want = want.Truncate(time.Microsecond)
			}
			if !cis[i].Timestamp.Equal(want) {
				t.Errorf("%s frame %d: ts %v want %v", fs.Name, i+1, cis[i].Timestamp, want)
			}
			if cis[i].CaptureLength != len(datas[i]) || cis[i].CaptureLength > cis[i].Length {
				t.Errorf("%s frame %d: bad lengths %+v", fs.Name, i+1, cis[i])
			}
			if fs.Snaplen != 0 && uint32(cis[i].CaptureLength) > fs.Snaplen {
				t.Errorf("%s frame %d: caplen %d > snaplen", fs.Name, i+1, cis[i].CaptureLength)
			}
			if p.Conn == nil {
				continue
			}
			var lt layers.LinkType
			switch fs.Ifaces[p.Iface].Link {
			case LinkEthernet:
				lt = layers.LinkTypeEthernet
			case LinkRaw:
				lt = layers.LinkTypeRaw
			case LinkNull:
				lt = layers.LinkTypeNull
			case LinkSLL:
				lt = layers.LinkTypeLinuxSLL
			default:
				continue // SLL2: no gopacket decoder
			}
			pkt := gopacket.NewPacket(datas[i], lt, gopacket.Default)
			if fs.Snaplen == 0 && pkt.Layer(layers.LayerTypeTCP) == nil {
				t.Errorf("%s frame %d: gopacket found no TCP layer: %v", fs.Name, i+1, pkt)
			}
		}
	}
}
