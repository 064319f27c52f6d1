package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// makeSession runs parse-pcap on capture (written to a file named name) and
// returns the session directory and the capture's path. want is the exit
// code expected of the run.
func makeSession(t *testing.T, name string, capture []byte, want int) (dir, in string) {
	t.Helper()
	in = writeFile(t, name, capture)
	o, _, _ := newParseRun(t, in)
	o.OutDir = filepath.Join(t.TempDir(), "session")
	if code := codeOf(runParsePcap(context.Background(), o)); code != want {
		t.Fatalf("parse-pcap %s: exit code %d, want %d", name, code, want)
	}
	return o.OutDir, in
}

// legacyEvents is an events.jsonl of the Python tcpviz.
const legacyEvents = `{"event":"retransmission","flow_id":"3","src":"10.0.0.1","dst":"10.0.0.2","sport":443,"dport":51000,"ts":1700000000.25,"severity":"WARNING"}
{"event":"duplicate_ack","flow_id":"3","src":"10.0.0.2","dst":"10.0.0.1","sport":51000,"dport":443,"ts":1700000000.26,"severity":"INFO"}
{"event":"duplicate_ack","flow_id":"3","src":"10.0.0.2","dst":"10.0.0.1","sport":51000,"dport":443,"ts":1700000000.27,"severity":"INFO"}

{"event":"out_of_order","flow_id":"3","src":"10.0.0.1","dst":"10.0.0.2","sport":443,"dport":51000,"ts":1700000000.3,"severity":"WARNING"}
{"event":"packet_loss","flow_id":"4","src":"10.0.0.3","dst":"10.0.0.4","sport":8080,"dport":40000,"ts":1700000001.5,"severity":"CRITICAL"}
{"event":"zero_window","flow_id":"4","src":"10.0.0.4","dst":"10.0.0.3","sport":40000,"dport":8080,"ts":1700000001.75,"severity":"WARNING"}
{"event":"retransmit","flow_id":5,"src":"10.0.0.5","dst":"10.0.0.6","sport":22,"dport":60000,"ts":"1700000002.0","severity":"WARNING"}
`

// legacySession writes legacyEvents as the only file of a directory.
func legacySession(t *testing.T) string {
	t.Helper()
	return filepath.Dir(writeFile(t, "events.jsonl", []byte(legacyEvents)))
}

func TestNewSummaryCmd(t *testing.T) {
	type flags struct {
		In   string
		JSON bool
		Top  int
	}
	for _, tc := range []struct {
		name string
		args []string
		want flags
	}{
		{"defaults", []string{"--in", "s"}, flags{In: "s", Top: 10}},
		{"events file", []string{"--in", "s/events.jsonl"}, flags{In: "s/events.jsonl", Top: 10}},
		{"json", []string{"--in", "s", "--json"}, flags{In: "s", JSON: true, Top: 10}},
		{"json false", []string{"--in", "s", "--json=false"}, flags{In: "s", Top: 10}},
		{"top", []string{"--top", "3", "--in", "s"}, flags{In: "s", Top: 3}},
		{"top zero", []string{"--in", "s", "--top=0"}, flags{In: "s", Top: 0}},
		{"negative top parses", []string{"--in", "s", "--top=-1"}, flags{In: "s", Top: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, io, _, _ := parseWith(t, tc.args, newSummaryCmd)
			if g := (flags{In: got.In, JSON: got.JSON, Top: got.Top}); g != tc.want {
				t.Errorf("options (-want +got):\n- %+v\n+ %+v", tc.want, g)
			}
			if got.IO != io {
				t.Errorf("options IO %+v, want the command's %+v", got.IO, io)
			}
		})
	}
}

// summarise runs runSummary and returns its stdout.
func summarise(t *testing.T, in string, json bool, top int) string {
	t.Helper()
	var out, errOut bytes.Buffer
	o := &summaryOptions{IO: IO{Out: &out, ErrOut: &errOut}, In: in, JSON: json, Top: top}
	if err := runSummary(context.Background(), o); err != nil {
		t.Fatalf("runSummary %s: %v", in, err)
	}
	if errOut.Len() != 0 {
		t.Errorf("stderr %q, want nothing", errOut.String())
	}
	return out.String()
}

// checkRows checks that text has a line matching each pattern; patterns
// separate columns with single spaces, matched as runs of spaces.
func checkRows(t *testing.T, text string, rows ...string) {
	t.Helper()
	for _, row := range rows {
		parts := strings.Split(row, " ")
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		re := regexp.MustCompile(`(?m)^` + strings.Join(parts, ` +`) + ` *$`)
		if !re.MatchString(text) {
			t.Errorf("no row %q in:\n%s", row, text)
		}
	}
}

func TestRunSummaryText(t *testing.T) {
	dir, in := makeSession(t, "conv.pcap", conversationPcap(t), ExitOK)
	text := summarise(t, dir, false, 10)
	checkRows(t, text,
		"capture "+in+" (pcap, 17 packets, 1584 bytes, 0.400 s)",
		"session "+dir,
		"EVENT TYPE COUNT",
		"dup_ack 2",
		"fast_retransmission 1",
		"loss_infer 1",
		"retransmission 1",
		"total 5",
		"TOP FLOWS BY PROBLEMS",
		"STREAM FLOW PROBLEMS RETRANS DUP ACK OOO LOST RTT p50 ms",
		"tcp/0 "+conversationFlow+" 3 2 2 0 0 10.000",
		"RTT (ms) SAMPLES MIN MEAN P50 P95 MAX",
		"ack rtt 5 10.000 10.000 10.000 10.000 10.000",
		"handshake 1 20.000 20.000 20.000 20.000 20.000",
	)
	if strings.Contains(text, "warning") || strings.Contains(text, "Python") {
		t.Errorf("complete native session printed a warning or legacy note:\n%s", text)
	}
}

func TestRunSummaryJSON(t *testing.T) {
	dir, _ := makeSession(t, "conv.pcap", conversationPcap(t), ExitOK)
	var s SessionSummary
	if err := json.Unmarshal([]byte(summarise(t, dir, true, 10)), &s); err != nil {
		t.Fatalf("--json output: %v", err)
	}
	counts := map[string]uint64{}
	evs := readEvents(t, filepath.Join(dir, "events.jsonl"))
	for _, e := range evs {
		counts[e.Type]++
	}
	if fmt.Sprint(s.EventCounts) != fmt.Sprint(counts) || s.Events != uint64(len(evs)) {
		t.Errorf("--json event_counts %v (events %d), events.jsonl has %v (%d)", s.EventCounts, s.Events, counts, len(evs))
	}
	if fmt.Sprint(s.Severity) != "map[info:2 warn:3]" {
		t.Errorf("--json severity_counts = %v, want map[info:2 warn:3]", s.Severity)
	}
	if s.Session != dir || s.Legacy || s.Capture == nil || s.Capture.Packets != uint64(conversationFrames) {
		t.Errorf("--json session %q legacy %t capture %+v", s.Session, s.Legacy, s.Capture)
	}
	if len(s.TopFlows) != 1 {
		t.Fatalf("--json top_flows = %+v, want one flow", s.TopFlows)
	}
	f := s.TopFlows[0]
	if f.Proto != "tcp" || f.Stream != 0 || f.Flow != conversationFlow || f.Problems != 3 || f.RTTms == nil || f.RTTms.P50 != 10 {
		t.Errorf("--json top_flows[0] = %+v", f)
	}
	if s.RTTms == nil || s.RTTms.Samples != 5 || s.Handshake == nil || s.Handshake.Samples != 1 {
		t.Errorf("--json rtt_ms %+v handshake_rtt_ms %+v", s.RTTms, s.Handshake)
	}
}

func TestRunSummaryInForms(t *testing.T) {
	dir, _ := makeSession(t, "conv.pcap", conversationPcap(t), ExitOK)
	for _, asJSON := range []bool{false, true} {
		want := summarise(t, dir, asJSON, 10)
		got := summarise(t, filepath.Join(dir, "events.jsonl"), asJSON, 10)
		if got != want {
			t.Errorf("--json=%t: --in DIR/events.jsonl (-want +got):\n%s", asJSON, diffLines(strings.Split(want, "\n"), strings.Split(got, "\n")))
		}
	}
	// Through the command line as well.
	r := runCLI(t, context.Background(), nil, "summary", "--in", filepath.Join(dir, "events.jsonl"), "--json")
	if r.code != ExitOK || r.stderr != "" || !json.Valid([]byte(r.stdout)) {
		t.Errorf("summary --in events.jsonl --json: exit %d, stderr %q, stdout valid JSON %t", r.code, r.stderr, json.Valid([]byte(r.stdout)))
	}
}

func TestRunSummaryLegacy(t *testing.T) {
	dir := legacySession(t)
	var s SessionSummary
	if err := json.Unmarshal([]byte(summarise(t, dir, true, 10)), &s); err != nil {
		t.Fatalf("--json output: %v", err)
	}
	if !s.Legacy {
		t.Errorf("legacy_format false for the Python tool's events")
	}
	if got, want := fmt.Sprint(s.EventCounts), "map[dup_ack:2 loss_infer:1 out_of_order:1 retransmission:2 zero_window:1]"; got != want || s.Events != 7 {
		t.Errorf("event_counts (-want +got):\n- %s\n+ %s (events %d, want 7)", want, got, s.Events)
	}
	if got, want := fmt.Sprint(s.Severity), "map[critical:1 info:2 warn:4]"; got != want {
		t.Errorf("severity_counts (-want +got):\n- %s\n+ %s", want, got)
	}
	var rows []string
	for _, f := range s.TopFlows {
		rows = append(rows, fmt.Sprintf("%s/%d %s %d", f.Proto, f.Stream, f.Flow, f.Problems))
	}
	want := []string{
		"tcp/3 10.0.0.1:443 -> 10.0.0.2:51000 2",
		"tcp/4 10.0.0.3:8080 -> 10.0.0.4:40000 2",
		"tcp/5 10.0.0.5:22 -> 10.0.0.6:60000 1",
	}
	if diff := diffLines(want, rows); diff != "" {
		t.Errorf("top_flows (-want +got):\n%s", diff)
	}
	if s.Capture != nil || s.RTTms != nil {
		t.Errorf("capture %+v rtt %+v from a session with no summary.json", s.Capture, s.RTTms)
	}

	// --top limits the rows; the text names the format.
	if err := json.Unmarshal([]byte(summarise(t, dir, true, 2)), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.TopFlows) != 2 || s.TopFlows[1].Stream != 4 {
		t.Errorf("--top 2: top_flows %+v, want streams 3 and 4", s.TopFlows)
	}
	text := summarise(t, filepath.Join(dir, "events.jsonl"), false, 10)
	checkRows(t, text,
		"format events of the Python tcpviz, mapped onto schema 1",
		"retransmission 2",
		"dup_ack 2",
		"zero_window 1",
		"total 7",
		"tcp/3 10.0.0.1:443 -> 10.0.0.2:51000 2 1 2 1 0 -",
		"ack rtt 0 - - - - -",
	)
}

func TestRunSummaryBadInput(t *testing.T) {
	native, _ := makeSession(t, "conv.pcap", conversationPcap(t), ExitOK)
	nativeEvents, err := os.ReadFile(filepath.Join(native, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	firstLine, _, _ := strings.Cut(string(nativeEvents), "\n")
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) (in string, named string) // --in, and the file the message must name
		want  []string
	}{
		{"malformed json line", func(t *testing.T) (string, string) {
			p := writeFile(t, "events.jsonl", []byte(firstLine+"\n{not json\n"))
			return filepath.Dir(p), p + ":2"
		}, []string{"not an event line"}},
		{"line of neither format", func(t *testing.T) (string, string) {
			p := writeFile(t, "events.jsonl", []byte(legacyEvents+`{"kind":"retransmission"}`+"\n"))
			return p, p + ":9"
		}, []string{"neither \"type\" nor \"event\""}},
		{"wrong field type", func(t *testing.T) (string, string) {
			p := writeFile(t, "events.jsonl", []byte(`{"schema":1,"type":"dup_ack","frame":"eight"}`+"\n"))
			return p, p + ":1"
		}, []string{"not an event line"}},
		{"truncated last line", func(t *testing.T) (string, string) {
			p := writeFile(t, "events.jsonl", nativeEvents[:len(nativeEvents)-40])
			return p, fmt.Sprintf("%s:%d", p, strings.Count(string(nativeEvents), "\n"))
		}, []string{"not an event line"}},
		{"missing", func(t *testing.T) (string, string) {
			p := filepath.Join(t.TempDir(), "gone")
			return p, p
		}, []string{"no such file or directory"}},
		{"directory without events", func(t *testing.T) (string, string) {
			d := t.TempDir()
			return d, d
		}, []string{"no events.jsonl"}},
		{"corrupt summary.json", func(t *testing.T) (string, string) {
			d := filepath.Dir(writeFile(t, "events.jsonl", []byte(firstLine+"\n")))
			p := filepath.Join(d, "summary.json")
			if err := os.WriteFile(p, []byte(`{"schema":`), 0o644); err != nil {
				t.Fatal(err)
			}
			return d, p
		}, nil},
		{"corrupt flows.jsonl", func(t *testing.T) (string, string) {
			d := filepath.Dir(writeFile(t, "events.jsonl", []byte(firstLine+"\n")))
			p := filepath.Join(d, "flows.jsonl")
			if err := os.WriteFile(p, []byte("[1,2]\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return d, p
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, named := tc.setup(t)
			for _, args := range [][]string{{"summary", "--in", in}, {"summary", "--json", "--in", in}} {
				r := runCLI(t, context.Background(), nil, args...)
				if r.code != ExitInput {
					t.Errorf("%v: exit code %d, want %d (stderr %q)", args, r.code, ExitInput, r.stderr)
				}
				if r.stdout != "" {
					t.Errorf("%v: stdout %q, want nothing", args, r.stdout)
				}
				checkErrLine(t, r.stderr, []string{in, named}, append([]string{named}, tc.want...)...)
			}
		})
	}
}

// normalise replaces the temporary paths in a summary with fixed names.
func normalise(text string, paths map[string]string) string {
	// Longest first, so a directory does not eat the start of a file in it.
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if len(keys[j]) > len(keys[i]) {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	for _, k := range keys {
		text = strings.ReplaceAll(text, k, paths[k])
	}
	return text
}

// TestSummaryGolden compares summary's text output for fixed inputs with
// testdata/golden; go test ./internal/cli -update rewrites the files.
func TestSummaryGolden(t *testing.T) {
	truncated := func() []byte {
		b := conversationPcap(t)
		return b[:pcapRecordOffsets(t, b)[11]+16+20]
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) (dir string, paths map[string]string)
	}{
		{"summary_conversation", func(t *testing.T) (string, map[string]string) {
			dir, in := makeSession(t, "conv.pcap", conversationPcap(t), ExitOK)
			return dir, map[string]string{dir: "SESSION", in: "CAPTURE"}
		}},
		{"summary_truncated", func(t *testing.T) (string, map[string]string) {
			dir, in := makeSession(t, "conv.pcap", truncated(), ExitPartial)
			return dir, map[string]string{dir: "SESSION", in: "CAPTURE"}
		}},
		{"summary_rtp", func(t *testing.T) (string, map[string]string) {
			b, err := os.ReadFile("../../samples/rtp_dynamic.pcap")
			if err != nil {
				t.Fatal(err)
			}
			dir, in := makeSession(t, "rtp_dynamic.pcap", b, ExitOK)
			return dir, map[string]string{dir: "SESSION", in: "CAPTURE"}
		}},
		{"summary_legacy", func(t *testing.T) (string, map[string]string) {
			dir := legacySession(t)
			return dir, map[string]string{dir: "SESSION"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, paths := tc.setup(t)
			got := normalise(summarise(t, dir, false, 10), paths)
			golden := filepath.Join("testdata", "golden", tc.name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/cli -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s (-want +got):\n%s", golden, diffLines(strings.Split(string(want), "\n"), strings.Split(got, "\n")))
			}
		})
	}
}

// failingWriter fails every write, like a closed pipe.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestRunSummaryWriteError(t *testing.T) {
	dir := legacySession(t)
	for _, args := range [][]string{{"summary", "--in", dir}, {"summary", "--in", dir, "--json"}} {
		var errOut bytes.Buffer
		code := run(context.Background(), args, IO{In: strings.NewReader(""), Out: failingWriter{}, ErrOut: &errOut})
		if code != ExitFailure {
			t.Errorf("%v to a failing stdout: exit code %d, want %d", args, code, ExitFailure)
		}
		checkErrLine(t, errOut.String(), nil, "write summary", "file already closed")
	}
}
