package tcpanalysis

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/decode"
	"github.com/tcpviz/tcpviz/internal/event"
)

// benchCaptures are the samples with the most TCP analysis to do: real
// congested and lossy transfers recorded between namespaces, and scripted
// fast retransmissions, reordering and sequence-number wraparound.
var benchCaptures = []string{
	"rec_tbf_bulk.pcapng", "rec_nft_loss.pcapng", "rec_small_rtt.pcapng",
	"gen_loss_fast_retx.pcap", "gen_reorder.pcap", "gen_seq_wrap.pcap",
}

// decodeTCP reads a sample and returns its decoded TCP packets. The
// packets' Payload would alias the reader's buffer, which the next record
// overwrites; the analyzer reads only PayloadLen, so Payload is dropped.
func decodeTCP(tb testing.TB, path string) (pkts []decode.Packet, bytes int) {
	tb.Helper()
	r, err := capture.Open(path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	d := decode.New()
	var rec capture.Record
	var p decode.Packet
	for frame := uint64(1); ; frame++ {
		err := r.Next(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatalf("read %s: %v", path, err)
		}
		if d.Decode(frame, rec.Timestamp, rec.LinkType, rec.OrigLen, rec.Data, &p) && p.IsTCP() {
			p.Payload = nil
			pkts = append(pkts, p)
			bytes += rec.OrigLen
		}
	}
	return pkts, bytes
}

// BenchmarkAnalyzer measures TCP analysis alone (flow lookup, sequence
// state, detectors, RTT, events handed to a sink), one packet per
// operation, over the decoded TCP packets of benchCaptures. Each capture is
// replayed into a fresh Analyzer, so every pass sees each connection from
// its start; the cost of that Analyzer and of its flows' state is included,
// spread over the packets. Flow records are built, as parse-pcap builds
// them, and discarded.
func BenchmarkAnalyzer(b *testing.B) {
	var caps [][]decode.Packet
	var packets, size int
	for _, name := range benchCaptures {
		pkts, n := decodeTCP(b, filepath.Join("..", "..", "samples", name))
		if len(pkts) == 0 {
			b.Fatalf("%s: no TCP packets", name)
		}
		caps = append(caps, pkts)
		packets += len(pkts)
		size += n
	}
	var events int
	sink := event.SinkFunc(func(*event.Event) { events++ })
	onFlow := func(*event.FlowRecord) {}
	b.ReportAllocs()
	b.SetBytes(int64(size / packets)) // bytes on the wire per packet
	var a *Analyzer
	c, i := 0, 0
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if i == 0 {
			a = New(DefaultConfig(), sink, onFlow)
		}
		a.Packet(&caps[c][i])
		if i++; i == len(caps[c]) {
			a.Flush()
			c, i = (c+1)%len(caps), 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
	if b.N >= packets && events == 0 {
		b.Fatal("no events raised: the detectors were not exercised")
	}
}
