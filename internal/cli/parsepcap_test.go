package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/pipeline"
)

// conversationEvents are the events of conversation(), as Wireshark 4.0
// flags its frames (tshark: 8 and 9 duplicate ACK, 10 fast retransmission,
// 13 retransmission) plus tcpviz's loss inference for the retransmission
// that no dup ACK announced. Sequence numbers are relative.
var conversationEvents = []eventLine{
	{Frame: 8, Type: "dup_ack", Severity: "info", Flow: conversationReverseFlow, Seq: 1, Ack: 101},
	{Frame: 9, Type: "dup_ack", Severity: "info", Flow: conversationReverseFlow, Seq: 1, Ack: 101},
	{Frame: 10, Type: "fast_retransmission", Severity: "warn", Flow: conversationFlow, Seq: 101, Ack: 1, Len: 100},
	{Frame: 13, Type: "retransmission", Severity: "warn", Flow: conversationFlow, Seq: 301, Ack: 1, Len: 100},
	{Frame: 13, Type: "loss_infer", Severity: "warn", Flow: conversationFlow, Seq: 301, Ack: 1, Len: 100},
}

// parseFlags is the part of parseOptions that flags set.
type parseFlags struct {
	In, OutDir, Artifacts string
	Interval, IdleTimeout time.Duration
	MaxFlows              int
	RTPPorts              string
	JitterMs              float64
	NoRTPHeur             bool
}

func flagsOf(o *parseOptions) parseFlags {
	return parseFlags{In: o.In, OutDir: o.OutDir, Artifacts: o.Artifacts, Interval: o.Interval, IdleTimeout: o.IdleTimeout, MaxFlows: o.MaxFlows,
		RTPPorts: fmt.Sprint(o.RTPPorts), JitterMs: o.JitterMs, NoRTPHeur: o.NoRTPHeur}
}

func TestNewParsePcapCmd(t *testing.T) {
	def := pipeline.DefaultOptions()
	defaults := parseFlags{Artifacts: "artifacts", Interval: def.Interval, IdleTimeout: def.TCP.IdleTimeout, MaxFlows: def.TCP.MaxFlows,
		RTPPorts: "[]", JitterMs: def.RTP.JitterThresholdMs}
	// The README's documented defaults, so a change to pipeline's shows here.
	if defaults.Interval != time.Second || defaults.IdleTimeout != 15*time.Minute || defaults.MaxFlows != 1048576 || defaults.JitterMs != 30 {
		t.Errorf("pipeline defaults %+v differ from the README's (1s, 15m, 1048576, 30 ms)", defaults)
	}
	with := func(f func(*parseFlags)) parseFlags {
		p := defaults
		p.In = "c.pcap"
		f(&p)
		return p
	}
	for _, tc := range []struct {
		name string
		args []string
		want parseFlags
	}{
		{"defaults", []string{"--in", "c.pcap"}, with(func(*parseFlags) {})},
		{"stdin", []string{"--in", "-"}, with(func(p *parseFlags) { p.In = "-" })},
		{"in with equals", []string{"--in=dir/c.pcapng.gz"}, with(func(p *parseFlags) { p.In = "dir/c.pcapng.gz" })},
		{"out", []string{"--in", "c.pcap", "--out", "o/s1"}, with(func(p *parseFlags) { p.OutDir = "o/s1" })},
		{"artifacts", []string{"--in", "c.pcap", "--artifacts", "/var/tmp/a"}, with(func(p *parseFlags) { p.Artifacts = "/var/tmp/a" })},
		{"interval", []string{"--in", "c.pcap", "--interval", "250ms"}, with(func(p *parseFlags) { p.Interval = 250 * time.Millisecond })},
		{"idle timeout", []string{"--in", "c.pcap", "--idle-timeout", "2h"}, with(func(p *parseFlags) { p.IdleTimeout = 2 * time.Hour })},
		{"max flows", []string{"--in", "c.pcap", "--max-flows", "64"}, with(func(p *parseFlags) { p.MaxFlows = 64 })},
		{"rtp ports", []string{"--in", "c.pcap", "--rtp-port", "5004,5006", "--rtp-port", "40000"}, with(func(p *parseFlags) { p.RTPPorts = "[5004 5006 40000]" })},
		{"jitter threshold", []string{"--in", "c.pcap", "--jitter-threshold", "12.5"}, with(func(p *parseFlags) { p.JitterMs = 12.5 })},
		{"no rtp heuristic", []string{"--in", "c.pcap", "--no-rtp-heuristic"}, with(func(p *parseFlags) { p.NoRTPHeur = true })},
		// Values are checked by runParsePcap, not by parsing.
		{"negative interval parses", []string{"--in", "c.pcap", "--interval=-1s"}, with(func(p *parseFlags) { p.Interval = -time.Second })},
		{"all", []string{"--max-flows", "7", "--idle-timeout", "1m", "--interval", "10s", "--artifacts", "a", "--out", "o", "--in", "x"},
			parseFlags{In: "x", OutDir: "o", Artifacts: "a", Interval: 10 * time.Second, IdleTimeout: time.Minute, MaxFlows: 7, RTPPorts: "[]", JitterMs: 30}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, io, out, errOut := parseWith(t, tc.args, newParsePcapCmd)
			if g := flagsOf(got); g != tc.want {
				t.Errorf("options (-want +got):\n- %+v\n+ %+v", tc.want, g)
			}
			if got.IO != io {
				t.Errorf("options IO %+v, want the command's %+v", got.IO, io)
			}
			if got.Now == nil {
				t.Errorf("options Now is nil, want a clock")
			}
			if out.Len()+errOut.Len() != 0 {
				t.Errorf("parsing printed stdout %q stderr %q", out.String(), errOut.String())
			}
		})
	}
}

func TestParseOptionsValidate(t *testing.T) {
	ok := parseOptions{In: "c.pcap", Interval: time.Second, IdleTimeout: time.Minute, MaxFlows: 1}
	for _, tc := range []struct {
		name string
		mod  func(*parseOptions)
		want string // "" for valid
	}{
		{"valid", func(*parseOptions) {}, ""},
		{"no in", func(o *parseOptions) { o.In = "" }, "--in is required: the capture file to analyse"},
		{"interval", func(o *parseOptions) { o.Interval = -time.Second }, "--interval must be > 0, got -1s"},
		{"idle timeout", func(o *parseOptions) { o.IdleTimeout = 0 }, "--idle-timeout must be > 0, got 0s"},
		{"max flows", func(o *parseOptions) { o.MaxFlows = -1 }, "--max-flows must be > 0, got -1"},
		{"jitter threshold", func(o *parseOptions) { o.JitterMs = -1 }, "--jitter-threshold must be a number of ms >= 0, got -1"},
		{"jitter threshold NaN", func(o *parseOptions) { o.JitterMs = math.NaN() }, "--jitter-threshold must be a number of ms >= 0, got NaN"},
		{"rtp port 0", func(o *parseOptions) { o.RTPPorts = []uint{5004, 0} }, "--rtp-port must be 1-65535, got 0"},
		{"rtp port too big", func(o *parseOptions) { o.RTPPorts = []uint{70000} }, "--rtp-port must be 1-65535, got 70000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := ok
			tc.mod(&o)
			err := o.validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("validate: %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("validate = %v, want %q", err, tc.want)
			}
			if c := codeOf(err); c != ExitUsage {
				t.Errorf("exit code %d, want %d", c, ExitUsage)
			}
		})
	}
}

// fixedNow is the clock of the run tests: session directories are named
// from it.
var fixedNow = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

const fixedSession = "session_20250314_150926"

// newParseRun returns options for runParsePcap on in with buffer writers,
// artifacts in a temporary directory and the fixed clock.
func newParseRun(t *testing.T, in string) (*parseOptions, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var out, errOut bytes.Buffer
	def := pipeline.DefaultOptions()
	return &parseOptions{
		IO:          IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		In:          in,
		Artifacts:   filepath.Join(t.TempDir(), "artifacts"),
		Interval:    def.Interval,
		IdleTimeout: def.TCP.IdleTimeout,
		MaxFlows:    def.TCP.MaxFlows,
		JitterMs:    def.RTP.JitterThresholdMs,
		Now:         func() time.Time { return fixedNow },
	}, &out, &errOut
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return z.Bytes()
}

func TestRunParsePcap(t *testing.T) {
	frames := ethernetFrames(t, conversation())
	pcap := pcapBytes(t, 1, frames)
	ng := pcapngBytes(t, frames)
	for _, tc := range []struct {
		name       string
		file       string
		data       []byte
		format     string
		compressed bool
	}{
		{"pcap", "conv.pcap", pcap, "pcap", false},
		{"pcapng", "conv.pcapng", ng, "pcapng", false},
		{"gzip pcap", "conv.pcap.gz", gzipped(t, pcap), "pcap", true},
		{"gzip pcapng misnamed", "conv.txt", gzipped(t, ng), "pcapng", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := writeFile(t, tc.file, tc.data)
			o, out, errOut := newParseRun(t, in)
			if err := runParsePcap(context.Background(), o); err != nil {
				t.Fatalf("runParsePcap: %v", err)
			}
			if errOut.Len() != 0 {
				t.Errorf("stderr %q, want nothing", errOut.String())
			}
			dir := filepath.Join(o.Artifacts, fixedSession)
			checkWrittenPaths(t, out.String(), dir)
			checkConversationSession(t, dir)

			sum := readSummary(t, dir)
			c := sum.Capture
			if c.File != in || c.Format != tc.format || c.Compressed != tc.compressed || !c.Complete || c.Error != "" {
				t.Errorf("summary.json capture = %+v, want file %s, format %s, compressed %t, complete", c, in, tc.format, tc.compressed)
			}
			bench, err := os.ReadFile(filepath.Join(dir, "benchmark.log"))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"reader=" + tc.format + "\n", fmt.Sprintf("packets=%d\n", conversationFrames), "wall_s=", "peak_rss_kb="} {
				if !strings.Contains(string(bench), want) {
					t.Errorf("benchmark.log has no %q:\n%s", want, bench)
				}
			}
		})
	}
}

// checkConversationSession checks the files parse-pcap wrote for
// conversation() into dir.
func checkConversationSession(t *testing.T, dir string) {
	t.Helper()
	evs := readEvents(t, filepath.Join(dir, "events.jsonl"))
	want, got := make([]string, 0), make([]string, 0)
	for _, e := range conversationEvents {
		want = append(want, fmt.Sprintf("%+v", e))
	}
	for _, e := range evs {
		got = append(got, fmt.Sprintf("%+v", e))
	}
	if diff := diffLines(want, got); diff != "" {
		t.Errorf("events.jsonl (-want +got):\n%s", diff)
	}
	checkEventDetail(t, filepath.Join(dir, "events.jsonl"))
	checkConversationFlow(t, filepath.Join(dir, "flows.jsonl"))

	sum := readSummary(t, dir)
	counts := map[string]uint64{}
	for _, e := range evs {
		counts[e.Type]++
	}
	if fmt.Sprint(sum.EventCounts) != fmt.Sprint(counts) {
		t.Errorf("summary.json event_counts %v, events.jsonl has %v", sum.EventCounts, counts)
	}
	if sum.Schema != 1 || sum.Capture.Packets != uint64(conversationFrames) || sum.Flows.TCP != 1 {
		t.Errorf("summary.json schema %d, capture.packets %d, flows.tcp %d; want 1, %d, 1", sum.Schema, sum.Capture.Packets, sum.Flows.TCP, conversationFrames)
	}
	if sum.Capture.FirstTS != "2024-01-01T00:00:00Z" || sum.Capture.LastTS != "2024-01-01T00:00:00.4Z" {
		t.Errorf("summary.json capture first/last %s %s", sum.Capture.FirstTS, sum.Capture.LastTS)
	}
	if p := sum.Protocols["tcp"].Packets; p != uint64(conversationFrames) {
		t.Errorf("summary.json protocols.tcp.packets = %d, want %d", p, conversationFrames)
	}
	if tp := sum.Throughput; tp.IntervalS != 1 || len(tp.Packets) != 1 || tp.Packets[0] != uint64(conversationFrames) {
		t.Errorf("summary.json throughput = %+v, want one 1 s interval of %d packets", tp, conversationFrames)
	}
}

// readSummary reads dir/summary.json, checking it has every top-level field
// the README lists.
func readSummary(t *testing.T, dir string) *event.Summary {
	t.Helper()
	p := filepath.Join(dir, "summary.json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	for _, f := range []string{"schema", "capture", "event_counts", "decode_errors", "protocols", "throughput", "flows", "tcp", "unique_ips", "unique_macs"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("%s: no %q field", p, f)
		}
	}
	var capFields map[string]json.RawMessage
	if err := json.Unmarshal(fields["capture"], &capFields); err != nil {
		t.Fatalf("%s: capture: %v", p, err)
	}
	for _, f := range []string{"file", "format", "byte_order", "ts_resolution", "link_types", "snaplen", "packets", "bytes", "complete"} {
		if _, ok := capFields[f]; !ok {
			t.Errorf("%s: capture has no %q field", p, f)
		}
	}
	var s event.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return &s
}

// checkEventDetail checks the fields of the first event line beyond those
// eventLine compares.
func checkEventDetail(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	var e struct {
		TS      string         `json:"ts"`
		TSEpoch float64        `json:"ts_epoch"`
		Stream  uint64         `json:"stream"`
		Proto   string         `json:"proto"`
		SrcIP   string         `json:"src_ip"`
		SrcPort uint16         `json:"src_port"`
		DstIP   string         `json:"dst_ip"`
		DstPort uint16         `json:"dst_port"`
		Extra   map[string]any `json:"extra"`
	}
	if err := json.Unmarshal([]byte(first), &e); err != nil {
		t.Fatal(err)
	}
	// Frame 8, from the server, 41 ms into the capture.
	if e.TS != "2024-01-01T00:00:00.041000000Z" || e.TSEpoch != 1704067200.041 {
		t.Errorf("first event ts %q ts_epoch %v, want 2024-01-01T00:00:00.041000000Z 1704067200.041", e.TS, e.TSEpoch)
	}
	if e.Stream != 0 || e.Proto != "tcp" || e.SrcIP != "10.0.0.2" || e.SrcPort != serverPort || e.DstIP != "10.0.0.1" || e.DstPort != clientPort {
		t.Errorf("first event endpoints %+v", e)
	}
	if e.Extra["abs_seq"] != float64(serverISN+1) || e.Extra["abs_ack"] != float64(clientISN+101) {
		t.Errorf("first event extra abs_seq/abs_ack = %v/%v, want %d/%d", e.Extra["abs_seq"], e.Extra["abs_ack"], serverISN+1, clientISN+101)
	}
	if e.Extra["dup_ack_count"] != float64(1) || e.Extra["dup_ack_of_frame"] != float64(7) {
		t.Errorf("first event extra dup_ack_count/of_frame = %v/%v, want 1/7", e.Extra["dup_ack_count"], e.Extra["dup_ack_of_frame"])
	}
}

// flowContractFields are the fields of every TCP flows.jsonl line (README,
// parse-pcap, "Files written").
var flowContractFields = []string{"proto", "stream", "src_ip", "src_port", "dst_ip", "dst_port", "first_ts", "last_ts",
	"fwd_packets", "rev_packets", "fwd_bytes", "rev_bytes", "fwd_payload_bytes", "rev_payload_bytes", "state",
	"retransmissions", "loss_events", "rtt_ms", "handshake_rtt_ms", "window_scale", "events", "end"}

func checkConversationFlow(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("%s has %d lines, want 1 flow:\n%s", path, len(lines), b)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(lines[0]), &fields); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, f := range flowContractFields {
		if _, ok := fields[f]; !ok {
			t.Errorf("%s: no %q field", path, f)
		}
	}
	var r event.FlowRecord
	if err := json.Unmarshal([]byte(lines[0]), &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	got := fmt.Sprintf("%s %d %s:%d -> %s:%d pkts %d/%d payload %d/%d state %s retrans %d loss %d end %s",
		r.Proto, r.Stream, r.SrcIP, r.SrcPort, r.DstIP, r.DstPort, r.FwdPackets, r.RevPackets,
		r.FwdPayload, r.RevPayload, r.State, r.Retransmissions, r.LossEvents, r.End)
	want := fmt.Sprintf("tcp 0 %s pkts 10/7 payload %d/0 state closed retrans 2 loss 1 end capture_end", conversationFlow, conversationPayloadClient)
	if got != want {
		t.Errorf("flow record (-want +got):\n- %s\n+ %s", want, got)
	}
	if r.FirstTS != 1704067200 || r.LastTS != 1704067200.4 {
		t.Errorf("flow first_ts/last_ts %v/%v, want 1704067200/1704067200.4", r.FirstTS, r.LastTS)
	}
	if r.HandshakeRTTms == nil || *r.HandshakeRTTms != 20 {
		t.Errorf("flow handshake_rtt_ms = %v, want 20", r.HandshakeRTTms)
	}
	if r.RTTms == nil || r.RTTms.Samples == 0 {
		t.Errorf("flow rtt_ms = %+v, want samples", r.RTTms)
	}
	if fmt.Sprint(r.Events) != "map[dup_ack:2 fast_retransmission:1 loss_infer:1 retransmission:1]" {
		t.Errorf("flow events = %v", r.Events)
	}
}

func TestRunParsePcapSessionDirectories(t *testing.T) {
	in := writeFile(t, "conv.pcap", conversationPcap(t))
	o, out, _ := newParseRun(t, in)

	// Two runs in the same second get distinct directories.
	var dirs []string
	for range 3 {
		out.Reset()
		if err := runParsePcap(context.Background(), o); err != nil {
			t.Fatalf("runParsePcap: %v", err)
		}
		first, _, _ := strings.Cut(out.String(), "\n")
		dirs = append(dirs, filepath.Dir(first))
	}
	want := []string{
		filepath.Join(o.Artifacts, fixedSession),
		filepath.Join(o.Artifacts, fixedSession+"_2"),
		filepath.Join(o.Artifacts, fixedSession+"_3"),
	}
	if diff := diffLines(want, dirs); diff != "" {
		t.Errorf("session directories (-want +got):\n%s", diff)
	}
	for _, d := range dirs {
		if !sessionDirRE.MatchString(filepath.Base(d)) {
			t.Errorf("%s is not named session_YYYYmmdd_HHMMSS", d)
		}
		checkConversationSession(t, d)
	}

	// The clock's zone does not change the name: it is UTC.
	o.Now = func() time.Time { return fixedNow.In(time.FixedZone("UTC+5", 5*3600)).Add(time.Second) }
	out.Reset()
	if err := runParsePcap(context.Background(), o); err != nil {
		t.Fatalf("runParsePcap: %v", err)
	}
	checkWrittenPaths(t, out.String(), filepath.Join(o.Artifacts, "session_20250314_150927"))

	// --out is used as given, created with its parents, and overrides
	// --artifacts.
	o.OutDir = filepath.Join(t.TempDir(), "a", "b", "mine")
	out.Reset()
	if err := runParsePcap(context.Background(), o); err != nil {
		t.Fatalf("runParsePcap --out: %v", err)
	}
	checkWrittenPaths(t, out.String(), o.OutDir)
	checkConversationSession(t, o.OutDir)
}

func TestRunParsePcapStdin(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"pcap", conversationPcap(t)},
		{"gzip pcapng", gzipped(t, pcapngBytes(t, ethernetFrames(t, conversation())))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, out, _ := newParseRun(t, "-")
			o.IO.In = bytes.NewReader(tc.data)
			if err := runParsePcap(context.Background(), o); err != nil {
				t.Fatalf("runParsePcap: %v", err)
			}
			dir := filepath.Join(o.Artifacts, fixedSession)
			checkWrittenPaths(t, out.String(), dir)
			checkConversationSession(t, dir)
			if f := readSummary(t, dir).Capture.File; f != "stdin" {
				t.Errorf("summary.json capture.file = %q, want stdin", f)
			}
		})
	}

}

func TestRunParsePcapFlagsReachPipeline(t *testing.T) {
	in := writeFile(t, "conv.pcap", conversationPcap(t))
	o, _, _ := newParseRun(t, in)
	o.Interval = 100 * time.Millisecond
	o.IdleTimeout = 100 * time.Millisecond // frame 13 comes 300 ms after 12
	if err := runParsePcap(context.Background(), o); err != nil {
		t.Fatalf("runParsePcap: %v", err)
	}
	dir := filepath.Join(o.Artifacts, fixedSession)
	sum := readSummary(t, dir)
	if sum.Throughput.IntervalS != 0.1 || len(sum.Throughput.Packets) < 4 {
		t.Errorf("--interval 100ms: throughput %+v, want 0.1 s intervals over 0.4 s", sum.Throughput)
	}
	if sum.Flows.EvictedIdle == 0 {
		t.Errorf("--idle-timeout 100ms: flows %+v, want the flow ended as idle", sum.Flows)
	}
}

// TestRunParsePcapRTPFlags checks --rtp-port, --no-rtp-heuristic and
// --jitter-threshold on a recorded PCMU call (one stream to port 5004).
func TestRunParsePcapRTPFlags(t *testing.T) {
	in, err := filepath.Abs("../../samples/rec_rtp_pcmu.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		mod     func(*parseOptions)
		streams uint64
		jitter  bool // rtp_jitter events expected
	}{
		{"heuristic", func(*parseOptions) {}, 1, false},
		{"no heuristic", func(o *parseOptions) { o.NoRTPHeur = true }, 0, false},
		{"forced port only", func(o *parseOptions) { o.NoRTPHeur, o.RTPPorts = true, []uint{5004} }, 1, false},
		{"other port forced", func(o *parseOptions) { o.NoRTPHeur, o.RTPPorts = true, []uint{5006} }, 0, false},
		{"low jitter threshold", func(o *parseOptions) { o.JitterMs = 0.001 }, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, _, _ := newParseRun(t, in)
			tc.mod(o)
			if err := runParsePcap(context.Background(), o); err != nil {
				t.Fatalf("runParsePcap: %v", err)
			}
			sum := readSummary(t, filepath.Join(o.Artifacts, fixedSession))
			if sum.RTP.Streams != tc.streams || sum.Flows.RTP != tc.streams {
				t.Errorf("rtp streams %d (flows %d), want %d", sum.RTP.Streams, sum.Flows.RTP, tc.streams)
			}
			if got := sum.EventCounts["rtp_jitter"] > 0; got != tc.jitter {
				t.Errorf("rtp_jitter events %d, want some: %t", sum.EventCounts["rtp_jitter"], tc.jitter)
			}
			if tc.streams > 0 && (sum.RTP.Packets != 238 || sum.RTP.Lost != 12 || sum.Protocols["rtp"].Packets != 238) {
				t.Errorf("rtp %+v, mix %+v: want 238 packets, 12 lost as tshark counts", sum.RTP, sum.Protocols["rtp"])
			}
		})
	}
}

// parseWith builds a command with newCmd, executes it on args with a run
// function that only keeps the options, and returns them, the IO the
// command was given, and what parsing wrote to stdout and stderr.
func parseWith[O any](t *testing.T, args []string, newCmd func(IO, func(context.Context, *O) error) *cobra.Command) (got *O, io IO, out, errOut *bytes.Buffer) {
	t.Helper()
	out, errOut = new(bytes.Buffer), new(bytes.Buffer)
	io = IO{In: strings.NewReader(""), Out: out, ErrOut: errOut}
	cmd := newCmd(io, func(_ context.Context, o *O) error {
		got = o
		return nil
	})
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if got == nil {
		t.Fatal("run function not called")
	}
	return got, io, out, errOut
}
