package capture

import (
	"bytes"
	"compress/gzip"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// genCapture writes n packets of typical sizes (TCP ACKs, full segments and
// in between) as pcap, or as pcapng on two interfaces, with pcapgo, each
// cut to snap bytes (0: whole).
func genCapture(tb testing.TB, ng bool, n, snap int) []byte {
	tb.Helper()
	sizes := []int{54, 66, 1514, 590, 1514, 66, 1200, 54}
	data := payload(7, 1514)
	var buf bytes.Buffer
	type writer interface {
		WritePacket(gopacket.CaptureInfo, []byte) error
	}
	var w writer
	var flush func() error
	if ng {
		nw, err := pcapgo.NewNgWriter(&buf, layers.LinkTypeEthernet)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := nw.AddInterface(pcapgo.NgInterface{LinkType: layers.LinkTypeRaw}); err != nil {
			tb.Fatal(err)
		}
		w, flush = nw, nw.Flush
	} else {
		pw := pcapgo.NewWriterNanos(&buf)
		if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
			tb.Fatal(err)
		}
		w, flush = pw, func() error { return nil }
	}
	ts := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 0; i < n; i++ {
		size := sizes[i%len(sizes)]
		ci := gopacket.CaptureInfo{Timestamp: ts.Add(time.Duration(i) * 37 * time.Microsecond), CaptureLength: size, Length: size}
		if snap > 0 && size > snap {
			ci.CaptureLength = snap
		}
		if ng {
			ci.InterfaceIndex = i % 2
		}
		if err := w.WritePacket(ci, data[:ci.CaptureLength]); err != nil {
			tb.Fatal(err)
		}
	}
	if err := flush(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestNextAllocatesNothing proves the steady state: once the buffer has grown
// to the largest record, Next allocates nothing per record, for either
// format. Compressed input is held to fewer than one allocation in 20
// records: compress/flate builds Huffman tables for each dynamic block, which
// this package does not control (AllocsPerRun, which truncates its average,
// would hide them).
func TestNextAllocatesNothing(t *testing.T) {
	const runs = 2000
	for _, tt := range []struct {
		name string
		ng   bool
		gz   bool
	}{
		{name: "pcap"},
		{name: "pcapng", ng: true},
		{name: "pcap gzip", gz: true},
		{name: "pcapng gzip", ng: true, gz: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := genCapture(t, tt.ng, runs+100, 0)
			if tt.gz {
				file = gzipped(t, file, gzip.DefaultCompression)
			}
			r, err := NewReader("alloc", bytes.NewReader(file), nil)
			if err != nil {
				t.Fatal(err)
			}
			var rc Record
			// Warm up past the first full-size packet and, for
			// pcapng, both interface blocks.
			for i := 0; i < 10; i++ {
				if err := r.Next(&rc); err != nil {
					t.Fatal(err)
				}
			}
			var nextErr error
			next := func() {
				if err := r.Next(&rc); err != nil {
					nextErr = err
				}
			}
			if tt.gz {
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				for i := 0; i < runs; i++ {
					next()
				}
				runtime.ReadMemStats(&after)
				if perRecord := float64(after.Mallocs-before.Mallocs) / runs; perRecord >= 0.05 {
					t.Errorf("Next allocates %.3f times per compressed record, want < 0.05", perRecord)
				}
			} else if allocs := testing.AllocsPerRun(runs, next); allocs != 0 {
				t.Errorf("Next allocates %v times per record, want 0", allocs)
			}
			if nextErr != nil {
				t.Fatalf("Next: %v", nextErr)
			}
		})
	}
}

func BenchmarkReadPcap(b *testing.B)   { benchmarkRead(b, false, false, 0) }
func BenchmarkReadPcapNG(b *testing.B) { benchmarkRead(b, true, false, 0) }

// Headers only (`tcpdump -s 128`): what each record costs beyond its bytes.
func BenchmarkReadPcapHeaders(b *testing.B)   { benchmarkRead(b, false, false, 128) }
func BenchmarkReadPcapNGHeaders(b *testing.B) { benchmarkRead(b, true, false, 128) }

func BenchmarkReadPcapGzip(b *testing.B)   { benchmarkRead(b, false, true, 0) }
func BenchmarkReadPcapNGGzip(b *testing.B) { benchmarkRead(b, true, true, 0) }

// benchmarkRead reads an in-memory capture of 100k packets (cut to snap
// bytes) per iteration; bytes/s count the (decompressed) capture, pkts/s the
// records.
func benchmarkRead(b *testing.B, ng, gz bool, snap int) {
	const packets = 100_000
	file := genCapture(b, ng, packets, snap)
	size := len(file)
	if gz {
		file = gzipped(b, file, gzip.DefaultCompression)
	}
	b.ReportAllocs()
	b.SetBytes(int64(size))
	var rc Record
	total := 0
	for b.Loop() {
		r, err := NewReader("bench", bytes.NewReader(file), nil)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			err := r.Next(&rc)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != packets {
			b.Fatalf("read %d packets, want %d", n, packets)
		}
		total += n
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "pkts/s")
}
