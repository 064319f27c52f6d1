package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/pipeline"
)

// BenchmarkPipelineFile runs what parse-pcap runs (read, decode, flows, TCP
// analysis, metrics, events and flow records encoded as JSON, the summary)
// over the capture in $GENBENCH_PCAP, with $GENBENCH_WORKERS decoders
// (default 1), so a CPU profile shows where tcpviz spends its time on a
// realistic mix. make bench-profile runs it:
//
//	GENBENCH_PCAP=bench/tcpmix-....pcap go test ./scripts/genbench -run '^$' \
//	    -bench PipelineFile -benchtime 1x -cpuprofile bench/cpu.prof
func BenchmarkPipelineFile(b *testing.B) {
	path := os.Getenv("GENBENCH_PCAP")
	if path == "" {
		b.Skip("set GENBENCH_PCAP to a capture (make bench-profile does)")
	}
	workers := 1
	if v := os.Getenv("GENBENCH_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("GENBENCH_WORKERS must be a count >= 1, got %q", v)
		}
		workers = n
	}
	b.ReportAllocs()
	var packets, size uint64
	for i := 0; i < b.N; i++ {
		r, err := capture.Open(path, nil)
		if err != nil {
			b.Fatal(err)
		}
		opts := pipeline.DefaultOptions()
		opts.Workers = workers
		events := event.NewWriter(io.Discard)
		flows := json.NewEncoder(io.Discard)
		pl := pipeline.New(opts, events, func(f *event.FlowRecord) {
			if err := flows.Encode(f); err != nil {
				b.Fatal(err)
			}
		})
		readErr := pl.Run(context.Background(), r)
		pl.Finish()
		if err := events.Flush(); err != nil {
			b.Fatal(err)
		}
		sum := pl.Summary(path, r.Info(), readErr)
		if _, err := json.Marshal(sum); err != nil {
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
	b.ReportMetric(float64(packets)/b.Elapsed().Seconds(), "pkts/s")
}
