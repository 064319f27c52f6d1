package capture

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// These tests write captures with gopacket's pcapgo, an implementation
// independent of ours, and check that Reader returns exactly what was
// written, and that pcapgo's own readers agree with Reader on the same bytes.

// genPacket is one packet to write, with the interface it belongs to.
type genPacket struct {
	ts    time.Time
	iface int
	data  []byte
	orig  int
}

// genPackets makes n packets spread over ifaces interfaces, with timestamps
// down to the nanosecond, sizes from empty to 64 KiB, and, where snaplen is
// not 0, data cut to snaplen with a longer original length.
func genPackets(seed uint64, n, ifaces, snaplen int) []genPacket {
	rng := rand.New(rand.NewPCG(seed, 0x7c97))
	sizes := []int{0, 1, 54, 60, 1514, 9014, 65535}
	ts := time.Date(2024, 2, 29, 23, 59, 59, 999_999_000, time.UTC)
	pkts := make([]genPacket, n)
	for i := range pkts {
		var size int
		if i < len(sizes) {
			size = sizes[i]
		} else {
			size = rng.IntN(1600)
		}
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		orig := size + rng.IntN(3)*rng.IntN(100) // sometimes longer on the wire
		if snaplen > 0 && size > snaplen {
			data = data[:snaplen]
		}
		pkts[i] = genPacket{ts: ts, iface: rng.IntN(ifaces), data: data, orig: orig}
		ts = ts.Add(time.Duration(rng.Int64N(int64(2 * time.Second))))
	}
	// Edge timestamps: the epoch's first second and the last second a
	// 32-bit pcap seconds field holds.
	if n >= 2 {
		pkts[n-2].ts = time.Unix(1, 1).UTC()
		pkts[n-1].ts = time.Unix(1<<32-1, 999_999_999).UTC()
	}
	return pkts
}

func ci(p genPacket) gopacket.CaptureInfo {
	return gopacket.CaptureInfo{Timestamp: p.ts, CaptureLength: len(p.data), Length: p.orig, InterfaceIndex: p.iface}
}

func TestRoundTripPcap(t *testing.T) {
	tests := []struct {
		name    string
		nanos   bool
		link    layers.LinkType
		snaplen int // 0: 262144 in the header, nothing cut
		n       int
	}{
		{name: "microseconds ethernet", link: layers.LinkTypeEthernet, n: 300},
		{name: "nanoseconds raw", nanos: true, link: layers.LinkTypeRaw, n: 300},
		{name: "microseconds linux sll cut to snaplen", link: layers.LinkTypeLinuxSLL, snaplen: 96, n: 300},
		{name: "nanoseconds null cut to snaplen", nanos: true, link: layers.LinkTypeNull, snaplen: 1500, n: 300},
		{name: "header only", link: layers.LinkTypeEthernet},
	}
	for _, tt := range tests {
		pkts := genPackets(uint64(len(tt.name)), tt.n, 1, tt.snaplen)
		var buf bytes.Buffer
		var w *pcapgo.Writer
		if tt.nanos {
			w = pcapgo.NewWriterNanos(&buf)
		} else {
			w = pcapgo.NewWriter(&buf)
		}
		snap := uint32(tt.snaplen)
		if snap == 0 {
			snap = MaxRecord
		}
		if err := w.WriteFileHeader(snap, tt.link); err != nil {
			t.Fatal(err)
		}
		var want []rec
		for _, p := range pkts {
			if err := w.WritePacket(ci(p), p.data); err != nil {
				t.Fatal(err)
			}
			ts := p.ts.UnixNano()
			if !tt.nanos {
				ts -= int64(p.ts.Nanosecond() % 1000) // the µs writer truncates
			}
			want = append(want, rec{TS: ts, Link: uint32(tt.link), Orig: p.orig, Data: p.data})
		}
		plain := buf.Bytes()

		for _, compressed := range []bool{false, true} {
			name := tt.name
			file := plain
			if compressed {
				name += " gzip"
				file = gzipped(t, plain, gzip.DefaultCompression)
			}
			t.Run(name, func(t *testing.T) {
				got := readBytes(t, file)
				if got.err != nil {
					t.Fatalf("read: %v", got.err)
				}
				if d := diffRecs(want, got.recs); d != "" {
					t.Errorf("records (-want +got):\n%s", d)
				}
				wantInfo := Info{Format: FormatPcap, Compressed: compressed, Nanosecond: tt.nanos, LinkTypes: []uint32{uint32(tt.link)}, Snaplen: snap}
				if d := diff(wantInfo, got.info); d != "" {
					t.Errorf("Info (-want +got):\n%s", d)
				}
				if !compressed && got.r.Offset() != int64(len(file)) {
					t.Errorf("Offset() = %d at the end, want the file size %d", got.r.Offset(), len(file))
				}
				// pcapgo reads gzip itself.
				if d := diffRecs(got.recs, readPcapgo(t, file)); d != "" {
					t.Errorf("pcapgo disagrees (-ours +pcapgo):\n%s", d)
				}
			})
		}
	}
}

func TestRoundTripPcapNG(t *testing.T) {
	type iface struct {
		link    layers.LinkType
		snaplen uint32
		offset  uint64 // if_tsoffset, seconds
		named   bool   // write name, description, filter and OS options
	}
	tests := []struct {
		name   string
		ifaces []iface
		stats  bool // write an Interface Statistics Block every 50 packets
		n      int
	}{
		{name: "one ethernet interface", ifaces: []iface{{link: layers.LinkTypeEthernet}}, n: 300},
		{
			name: "three interfaces three link types",
			ifaces: []iface{
				{link: layers.LinkTypeEthernet, named: true},
				{link: layers.LinkTypeRaw, snaplen: 1500},
				{link: layers.LinkTypeLinuxSLL, snaplen: 128, named: true},
			},
			stats: true,
			n:     400,
		},
		{
			name: "two ethernet interfaces one with if_tsoffset",
			ifaces: []iface{
				{link: layers.LinkTypeEthernet, snaplen: 65535},
				{link: layers.LinkTypeEthernet, offset: 3600},
			},
			n: 200,
		},
		{name: "no packets", ifaces: []iface{{link: layers.LinkTypeIPv4}}},
	}
	for _, tt := range tests {
		ngIface := func(i iface) pcapgo.NgInterface {
			n := pcapgo.NgInterface{LinkType: i.link, SnapLength: i.snaplen, TimestampOffset: i.offset}
			if i.named {
				n.Name, n.Description, n.Filter, n.OS = "eth9", "a test interface", "tcp port 80", "plan9"
			}
			return n
		}
		var buf bytes.Buffer
		w, err := pcapgo.NewNgWriterInterface(&buf, ngIface(tt.ifaces[0]), pcapgo.NgWriterOptions{
			SectionInfo: pcapgo.NgSectionInfo{Hardware: "test", OS: "test", Application: "tcpviz", Comment: "round trip"},
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range tt.ifaces[1:] {
			if _, err := w.AddInterface(ngIface(i)); err != nil {
				t.Fatal(err)
			}
		}
		pkts := genPackets(uint64(len(tt.name)), tt.n, len(tt.ifaces), 0)
		var want []rec
		for k, p := range pkts {
			i := tt.ifaces[p.iface]
			if i.snaplen != 0 && len(p.data) > int(i.snaplen) {
				p.data = p.data[:i.snaplen]
			}
			if err := w.WritePacket(ci(p), p.data); err != nil {
				t.Fatal(err)
			}
			if tt.stats && k%50 == 0 {
				st := pcapgo.NgInterfaceStatistics{LastUpdate: p.ts, PacketsReceived: uint64(k), PacketsDropped: pcapgo.NgNoValue64}
				if err := w.WriteInterfaceStats(p.iface, st); err != nil {
					t.Fatal(err)
				}
			}
			// pcapgo writes UnixNano unchanged and a reader adds
			// if_tsoffset (pcapng §4.2, if_tsoffset).
			ts := p.ts.UnixNano() + int64(i.offset)*1e9
			want = append(want, rec{TS: ts, Link: uint32(i.link), Iface: p.iface, Orig: p.orig, Data: p.data})
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		plain := buf.Bytes()
		var wantLinks []uint32
		for _, i := range tt.ifaces {
			if !slices.Contains(wantLinks, uint32(i.link)) {
				wantLinks = append(wantLinks, uint32(i.link))
			}
		}

		for _, compressed := range []bool{false, true} {
			name := tt.name
			file := plain
			if compressed {
				name += " gzip"
				file = gzipped(t, plain, gzip.BestSpeed)
			}
			t.Run(name, func(t *testing.T) {
				got := readBytes(t, file)
				if got.err != nil {
					t.Fatalf("read: %v", got.err)
				}
				if d := diffRecs(want, got.recs); d != "" {
					t.Errorf("records (-want +got):\n%s", d)
				}
				wantInfo := Info{Format: FormatPcapNG, Compressed: compressed, Nanosecond: true, LinkTypes: wantLinks, Snaplen: tt.ifaces[0].snaplen}
				if d := diff(wantInfo, got.info); d != "" {
					t.Errorf("Info (-want +got):\n%s", d)
				}
				if !compressed && got.r.Offset() != int64(len(file)) {
					t.Errorf("Offset() = %d at the end, want the file size %d", got.r.Offset(), len(file))
				}
				if d := diffRecs(got.recs, readPcapgoNG(t, file)); d != "" {
					t.Errorf("pcapgo disagrees (-ours +pcapgo):\n%s", d)
				}
			})
		}
	}
}

// readPcapgo reads a classic pcap file, plain or gzip, with pcapgo.
func readPcapgo(t testing.TB, file []byte) []rec {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatalf("pcapgo.NewReader: %v", err)
	}
	var out []rec
	for {
		data, ci, err := r.ZeroCopyReadPacketData()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("pcapgo read after %d packets: %v", len(out), err)
		}
		out = append(out, rec{TS: ci.Timestamp.UnixNano(), Link: uint32(r.LinkType()), Iface: ci.InterfaceIndex, Orig: ci.Length, Data: append([]byte(nil), data...)})
	}
}

// readPcapgoNG reads a pcapng file, plain or gzip, with pcapgo's NgReader.
func readPcapgoNG(t testing.TB, file []byte) []rec {
	t.Helper()
	var src io.Reader = bytes.NewReader(file)
	if len(file) > 2 && file[0] == 0x1f && file[1] == 0x8b {
		zr, err := gzip.NewReader(src)
		if err != nil {
			t.Fatal(err)
		}
		src = zr
	}
	r, err := pcapgo.NewNgReader(src, pcapgo.NgReaderOptions{WantMixedLinkType: true})
	if err != nil {
		t.Fatalf("pcapgo.NewNgReader: %v", err)
	}
	var out []rec
	for {
		data, ci, err := r.ZeroCopyReadPacketData()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("pcapgo read after %d packets: %v", len(out), err)
		}
		link := ci.AncillaryData[0].(layers.LinkType)
		ts := ci.Timestamp.UnixNano()
		if ci.Timestamp.IsZero() {
			ts = 0 // a Simple Packet Block has no timestamp
		}
		out = append(out, rec{TS: ts, Link: uint32(link), Iface: ci.InterfaceIndex, Orig: ci.Length, Data: append([]byte(nil), data...)})
	}
}
