package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/decode"
	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/metrics"
)

// The benchmarks in this file run over a real capture file, make bench's
// generated one (scripts/genbench): what parse-pcap does as a whole, and each
// stage of a parallel run alone, so that the balance of the two stages is
// measured rather than guessed. They read the file named by $GENBENCH_PCAP
// (an absolute path: go test runs in the package's directory) and skip
// without it; make bench and make bench-profile set it.

// benchFile returns $GENBENCH_PCAP, or skips b.
func benchFile(b *testing.B) string {
	path := os.Getenv("GENBENCH_PCAP")
	if path == "" {
		b.Skip("set GENBENCH_PCAP to a capture (make bench and make bench-profile do)")
	}
	return path
}

// envCount returns the count in the environment variable name, or def.
func envCount(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s must be a count >= 1, got %q", name, v)
	}
	return n
}

// encodeFlows returns an onFlow that encodes flow records as parse-pcap
// does, to nowhere.
func encodeFlows() func(*event.FlowRecord) {
	return event.NewFlowWriter(io.Discard).Write
}

// reportPackets adds packets/s and ns/packet for packets analysed in all.
func reportPackets(b *testing.B, packets uint64) {
	b.ReportMetric(float64(packets)/b.Elapsed().Seconds(), "pkts/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(packets), "ns/pkt")
}

// BenchmarkPipelineFile runs what parse-pcap runs (read, decode, flows, TCP
// analysis, metrics, events and flow records encoded as JSON, the summary)
// over the capture, with $GENBENCH_WORKERS workers (default 1), so that a CPU
// profile shows where tcpviz spends its time on a realistic mix
// (make bench-profile).
func BenchmarkPipelineFile(b *testing.B) {
	path := benchFile(b)
	workers := envCount(b, "GENBENCH_WORKERS", 1)
	b.ReportAllocs()
	var packets, size uint64
	for i := 0; i < b.N; i++ {
		r, err := capture.Open(path, nil)
		if err != nil {
			b.Fatal(err)
		}
		opts := DefaultOptions()
		opts.Workers = workers
		events := event.NewWriter(io.Discard)
		pl := New(opts, events, encodeFlows())
		readErr := pl.Run(context.Background(), r)
		pl.Finish()
		if err := events.Flush(); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(pl.Summary(path, r.Info(), readErr)); err != nil {
			b.Fatal(err)
		}
		if readErr != nil {
			b.Fatal(readErr)
		}
		packets += pl.Frames()
		size += uint64(r.Offset())
		r.Close()
	}
	b.SetBytes(int64(size / uint64(b.N)))
	reportPackets(b, packets)
}

// BenchmarkReadStage times the first stage of a parallel run alone over the
// whole capture: reading records, decoding them and keeping the payload
// bytes the analysis reads (the stage's fill, without the hand-over).
func BenchmarkReadStage(b *testing.B) {
	path := benchFile(b)
	b.ReportAllocs()
	bt := &batch{arena: make([]byte, 0, batchBytes+capture.MaxRecord)}
	var packets uint64
	for i := 0; i < b.N; i++ {
		r, err := capture.Open(path, nil)
		if err != nil {
			b.Fatal(err)
		}
		p := New(DefaultOptions(), nil, nil)
		var frame uint64
		for {
			p.fill(context.Background(), r, bt, &frame)
			packets += uint64(bt.n)
			if bt.last {
				break
			}
		}
		if bt.err != nil {
			b.Fatal(bt.err)
		}
		r.Close()
	}
	reportPackets(b, packets)
}

// BenchmarkAnalyseStage times the second stage of a parallel run alone —
// flows, TCP and RTP analysis, traffic metrics, events and flow records as
// JSON — over the first $STAGE_PACKETS (default 1,000,000: all of make
// bench's capture) packets of the capture, decoded beforehand as the first
// stage hands them over.
func BenchmarkAnalyseStage(b *testing.B) {
	path := benchFile(b)
	pkts, apps := decodeFile(b, path, envCount(b, "STAGE_PACKETS", 1000000))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := New(DefaultOptions(), event.NewWriter(io.Discard), encodeFlows())
		for j := range pkts {
			p.analyse(&pkts[j], apps[j])
		}
		p.Finish()
	}
	reportPackets(b, uint64(b.N)*uint64(len(pkts)))
}

// decodeFile decodes and classifies up to limit records of path as the
// first stage does, each packet with its own copy of the payload bytes the
// analysis reads.
func decodeFile(b *testing.B, path string, limit int) ([]decode.Packet, []metrics.Proto) {
	r, err := capture.Open(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	dec := decode.New()
	pkts := make([]decode.Packet, 0, limit)
	apps := make([]metrics.Proto, 0, limit)
	var rec capture.Record
	for len(pkts) < limit {
		if err := r.Next(&rec); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			b.Fatal(err)
		}
		pkts = append(pkts, decode.Packet{})
		pk := &pkts[len(pkts)-1]
		dec.Decode(uint64(len(pkts)), rec.Timestamp, rec.LinkType, rec.OrigLen, rec.Data, pk)
		apps = append(apps, metrics.App(pk))
		keepPayload(pk, nil)
	}
	return pkts, apps
}
