package pipeline

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/event"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// bulkFrames builds an Ethernet/IPv4/TCP bulk transfer of n data segments
// from several concurrent connections, each data segment followed by an
// ACK, with every 50th segment of each connection lost and retransmitted.
func bulkFrames(tb testing.TB, n int) []capture.Record {
	tb.Helper()
	const conns = 8
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	seqs := make([]uint32, conns)
	acks := make([]uint32, conns)
	var recs []capture.Record
	buf := gopacket.NewSerializeBuffer()
	frame := func(c int, fromClient bool, seq, ackNo uint32, payload int, flags func(*layers.TCP)) {
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{10, 0, 1, byte(c)}}
		tcp := &layers.TCP{SrcPort: layers.TCPPort(40000 + c), DstPort: 443, Seq: seq, Ack: ackNo, ACK: true, Window: 1024}
		if !fromClient {
			ip.SrcIP, ip.DstIP = ip.DstIP, ip.SrcIP
			tcp.SrcPort, tcp.DstPort = tcp.DstPort, tcp.SrcPort
		}
		if flags != nil {
			flags(tcp)
		}
		tcp.SetNetworkLayerForChecksum(ip)
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, eth, ip, tcp, gopacket.Payload(make([]byte, payload))); err != nil {
			tb.Fatal(err)
		}
		ts += 20000 // 20 µs
		data := append([]byte(nil), buf.Bytes()...)
		recs = append(recs, capture.Record{Timestamp: ts, LinkType: 1, OrigLen: len(data), Data: data})
	}
	for c := 0; c < conns; c++ {
		seqs[c], acks[c] = 1000*uint32(c+1), 900000
		frame(c, true, seqs[c]-1, 0, 0, func(t *layers.TCP) { t.SYN, t.ACK = true, false })
		frame(c, false, acks[c]-1, seqs[c], 0, func(t *layers.TCP) { t.SYN = true })
		frame(c, true, seqs[c], acks[c], 0, nil)
	}
	for i := 0; i < n; i++ {
		c := i % conns
		if (i/conns)%50 == 49 {
			// Lost before the capture point, retransmitted 3 ms later.
			frame(c, true, seqs[c]+1448, acks[c], 1448, nil)
			frame(c, false, acks[c], seqs[c], 0, nil)
			frame(c, true, seqs[c], acks[c], 1448, nil)
			seqs[c] += 2 * 1448
			frame(c, false, acks[c], seqs[c], 0, nil)
			continue
		}
		frame(c, true, seqs[c], acks[c], 1448, nil)
		seqs[c] += 1448
		frame(c, false, acks[c], seqs[c], 0, nil)
	}
	return recs
}

// TestSteadyStateAllocatesNothing proves the per-packet path (decode, flow
// lookup, TCP analysis, metrics, event writing) allocates nothing once the
// connections exist and the buffers have grown.
func TestSteadyStateAllocatesNothing(t *testing.T) {
	steadyStateAllocs(t, bulkFrames(t, 40000))
}

// steadyStateAllocs runs the first half of recs through a pipeline writing
// events, then fails if a packet of the second half allocates, or if no
// event was written (the event path must be part of what is measured). It
// returns the pipeline.
func steadyStateAllocs(t *testing.T, recs []capture.Record) *Pipeline {
	t.Helper()
	w := event.NewWriter(io.Discard)
	pl := New(DefaultOptions(), w, nil)
	half := len(recs) / 2
	for i := 0; i < half; i++ {
		pl.Record(&recs[i])
	}
	i := half
	allocs := testing.AllocsPerRun(half-10, func() {
		pl.Record(&recs[i])
		i++
	})
	if allocs != 0 {
		t.Errorf("steady state allocates %.2f times per packet, want 0", allocs)
	}
	if w.Count == 0 {
		t.Errorf("the measured traffic raised no events: the event path was not exercised")
	}
	return pl
}

// pcapFile writes records as an in-memory pcap file.
func pcapFile(tb testing.TB, recs []capture.Record) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriterNanos(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		tb.Fatal(err)
	}
	for _, r := range recs {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, r.Timestamp), CaptureLength: len(r.Data), Length: r.OrigLen}
		if err := w.WritePacket(ci, r.Data); err != nil {
			tb.Fatal(err)
		}
	}
	return buf.Bytes()
}

// BenchmarkPipeline measures what parse-pcap does per packet: read a pcap
// record, decode, look up the flow, analyse TCP, count metrics and write
// events, over an in-memory capture of a multi-connection bulk transfer.
func BenchmarkPipeline(b *testing.B) {
	file := pcapFile(b, bulkFrames(b, 200000))
	b.ReportAllocs()
	b.SetBytes(int64(len(file)))
	var packets uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := capture.NewReader("bench", bytes.NewReader(file), nil)
		if err != nil {
			b.Fatal(err)
		}
		pl := New(DefaultOptions(), event.NewWriter(io.Discard), nil)
		if err := pl.Run(context.Background(), r); err != nil {
			b.Fatal(err)
		}
		pl.Finish()
		packets += pl.Frames()
	}
	b.ReportMetric(float64(packets)/b.Elapsed().Seconds(), "pkts/s")
}

// TestGoldenSamples runs every capture in samples/ and compares events and
// flow records with testdata/golden; go test -update rewrites them.
func TestGoldenSamples(t *testing.T) {
	files, _ := filepath.Glob("../../samples/*.pcap*")
	var caps []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".tsv") {
			caps = append(caps, f)
		}
	}
	sort.Strings(caps)
	if len(caps) == 0 {
		t.Fatal("no captures in samples/")
	}
	for _, path := range caps {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			got := runGolden(t, path)
			golden := filepath.Join("testdata", "golden", name+".jsonl")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/pipeline -update to create it)", err)
			}
			if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n")); diff != "" {
				t.Errorf("%s differs from %s (-want +got):\n%s", name, golden, diff)
			}
		})
	}
}

// runGolden returns the events, then the flow records, of one capture.
func runGolden(t *testing.T, path string) []byte {
	t.Helper()
	r, err := capture.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var evs, flows bytes.Buffer
	w := event.NewWriter(&evs)
	pl := New(DefaultOptions(), w, func(f *event.FlowRecord) {
		b, err := jsonLine(f)
		if err != nil {
			t.Fatal(err)
		}
		flows.Write(b)
	})
	if err := pl.Run(context.Background(), r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	pl.Finish()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return append(evs.Bytes(), flows.Bytes()...)
}
