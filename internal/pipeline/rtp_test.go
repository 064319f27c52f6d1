package pipeline

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/event"
)

// readRecords returns every record of a capture, each with its own copy of
// the bytes (the reader reuses its buffer).
func readRecords(tb testing.TB, path string) []capture.Record {
	tb.Helper()
	r, err := capture.Open(path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	var recs []capture.Record
	for {
		var rec capture.Record
		if err := r.Next(&rec); err != nil {
			if errors.Is(err, io.EOF) {
				return recs
			}
			tb.Fatalf("%s: %v", path, err)
		}
		rec.Data = append([]byte(nil), rec.Data...)
		recs = append(recs, rec)
	}
}

// summarise runs a capture through a pipeline with opts and returns its
// summary and the events it raised.
func summarise(tb testing.TB, path string, opts Options) (*event.Summary, []event.Event) {
	tb.Helper()
	var evs []event.Event
	pl := New(opts, event.SinkFunc(func(e *event.Event) { evs = append(evs, *e) }), nil)
	r, err := capture.Open(path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	readErr := pl.Run(context.Background(), r)
	pl.Finish()
	return pl.Summary(path, r.Info(), readErr), evs
}

// TestRTPMixAgainstTshark counts RTP and RTCP packets in the protocol mix of
// every sample and compares them with the frames tshark dissects as rtp and
// rtcp with its RTP and RTCP heuristics on.
func TestRTPMixAgainstTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed (scripts/install-deps.sh installs it)")
	}
	files, _ := filepath.Glob("../../samples/*.pcap*")
	checked := 0
	for _, path := range files {
		if strings.HasSuffix(path, ".tsv") {
			continue
		}
		sum, _ := summarise(t, path, DefaultOptions())
		out, err := exec.Command("tshark", "-r", path, "-o", "rtp.heuristic_rtp:TRUE",
			"-o", "rtcp.heuristic_rtcp:TRUE", "-T", "fields", "-e", "frame.protocols").Output()
		if err != nil {
			t.Fatalf("tshark on %s: %v", path, err)
		}
		want := map[string]uint64{}
		for _, line := range strings.Split(string(out), "\n") {
			for _, layer := range strings.Split(line, ":") {
				if layer == "rtp" || layer == "rtcp" {
					want[layer]++
					break
				}
			}
		}
		for _, proto := range []string{"rtp", "rtcp"} {
			if got := sum.Protocols[proto].Packets; got != want[proto] {
				t.Errorf("%s: %s packets = %d, tshark dissects %d", filepath.Base(path), proto, got, want[proto])
			}
			if want[proto] > 0 {
				checked++
			}
		}
	}
	if checked < 8 {
		t.Errorf("only %d sample/protocol pairs had RTP or RTCP: the samples lost their RTP captures", checked)
	}
}

// TestRTPSummary pins summary.json's rtp section and series on a recorded
// PCMU call with real drops (figures checked against tshark -z rtp,streams
// by internal/rtp's oracle test).
func TestRTPSummary(t *testing.T) {
	sum, evs := summarise(t, "../../samples/rec_rtp_pcmu.pcapng", DefaultOptions())
	r := sum.RTP
	if r.Streams != 1 || r.Packets != 238 || r.Expected != 250 || r.Lost != 12 || sum.Flows.RTP != 1 {
		t.Fatalf("rtp summary = %+v, want 1 stream, 238 packets, 250 expected, 12 lost", r)
	}
	if r.LossPct != 4.8 {
		t.Errorf("loss_pct = %v, want 4.8", r.LossPct)
	}
	if r.JitterMs == nil || r.JitterMs.Max < 0.036 || r.JitterMs.Max > 0.037 {
		t.Errorf("jitter_ms = %+v, want max 0.036 ms as tshark reports", r.JitterMs)
	}
	var lost int64
	for _, n := range sum.Throughput.RTPLost {
		lost += n
	}
	var lossEvents int64
	for _, e := range evs {
		if e.Type == event.RTPLoss {
			lossEvents += e.Extra.Lost
		}
	}
	if lost != 12 || lossEvents != 12 {
		t.Errorf("lost per interval adds up to %d and rtp_loss events to %d, want 12", lost, lossEvents)
	}
	n := len(sum.Throughput.Start)
	if len(sum.Throughput.RTPJitterMaxMs) != n || len(sum.Throughput.RTPJitterMeanMs) != n || len(sum.Throughput.RTPLost) != n {
		t.Fatalf("rtp series lengths differ from the %d intervals", n)
	}
	var seen bool
	for i, m := range sum.Throughput.RTPJitterMaxMs {
		if m > r.JitterMs.Max+1e-6 || sum.Throughput.RTPJitterMeanMs[i] > m {
			t.Errorf("interval %d: jitter max %v mean %v inconsistent with stream max %v", i, m, sum.Throughput.RTPJitterMeanMs[i], r.JitterMs.Max)
		}
		seen = seen || m > 0
	}
	if !seen {
		t.Error("no interval has jitter")
	}
}

// TestRTPFlowTimeline: each RTP record carries its stream over time, adding
// up to the record's packets and lost packets.
func TestRTPFlowTimeline(t *testing.T) {
	for _, f := range []string{"rec_rtp_pcmu.pcapng", "rec_rtp_video.pcapng", "rtp_wrap.pcap"} {
		var recs []event.FlowRecord
		pl := New(DefaultOptions(), nil, func(r *event.FlowRecord) {
			if r.RTPFields != nil {
				recs = append(recs, r.Clone())
			}
		})
		for _, rec := range readRecords(t, "../../samples/"+f) {
			pl.Record(&rec)
		}
		pl.Finish()
		if len(recs) == 0 {
			t.Fatalf("%s: no RTP record", f)
		}
		for _, r := range recs {
			var pkts, lost uint64
			for i := range r.Timeline.Packets {
				pkts += uint64(r.Timeline.Packets[i])
				lost += uint64(r.Timeline.Lost[i])
			}
			if pkts != r.Packets || int64(lost) != r.Lost && r.Events["rtp_seq_error"] == 0 || len(r.Timeline.Packets) > 64 || r.Timeline.StepS < 0.01 {
				t.Errorf("%s stream %d: timeline %d packets, %d lost, step %v s; record %d packets, %d lost",
					f, r.Stream, pkts, lost, r.Timeline.StepS, r.Packets, r.Lost)
			}
		}
	}
}

// TestProtoRTPFilter keeps RTP sessions only: RTP and RTCP packets, no TCP,
// no other UDP, and says so in the summary.
func TestProtoRTPFilter(t *testing.T) {
	opts := DefaultOptions()
	opts.Filter.Proto = "rtp"
	for _, f := range []string{"rtp_rtcp.pcap", "gen_udp_mix.pcap"} {
		path := "../../samples/" + f
		all, _ := summarise(t, path, DefaultOptions())
		sum, evs := summarise(t, path, opts)
		if sum.Filter != "proto rtp" {
			t.Errorf("%s: filter = %q", f, sum.Filter)
		}
		for proto, c := range sum.Protocols {
			switch proto {
			case "tcp", "dns", "tls", "quic", "icmp", "icmpv6", "arp":
				t.Errorf("%s: --proto rtp let %d %s packets through", f, c.Packets, proto)
			}
		}
		if diff := cmp.Diff(all.RTP, sum.RTP); diff != "" {
			t.Errorf("%s: --proto rtp changed the RTP analysis (-all +filtered):\n%s", f, diff)
		}
		// The heuristic's held packets count in their stream but were
		// filtered out as they passed.
		held := all.RTP.Streams * 3
		kept := sum.Protocols["rtp"].Packets + sum.Protocols["rtcp"].Packets - held
		if kept+sum.Capture.FilteredOut != sum.Capture.Packets {
			t.Errorf("%s: %d RTP/RTCP kept + %d filtered out != %d frames", f, kept, sum.Capture.FilteredOut, sum.Capture.Packets)
		}
		for _, e := range evs {
			if e.Proto != event.RTP {
				t.Errorf("%s: --proto rtp raised a %s event %s", f, e.Proto, e.Type)
			}
		}
	}
}

// TestRTPSteadyStateAllocatesNothing is TestSteadyStateAllocatesNothing on
// RTP: detection, stream analysis, events and the jitter series.
func TestRTPSteadyStateAllocatesNothing(t *testing.T) {
	pl := steadyStateAllocs(t, readRecords(t, "../../samples/rec_rtp_video.pcapng"))
	if s := pl.rtp.Stats(); s.Packets == 0 {
		t.Error("no RTP packet was analysed")
	}
}
