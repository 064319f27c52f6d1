package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// cliResult is what one run of the command line produced.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs tcpviz with args through run, as Main does, with stdin as
// standard input.
func runCLI(t *testing.T, ctx context.Context, stdin io.Reader, args ...string) cliResult {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errOut bytes.Buffer
	code := run(ctx, args, IO{In: stdin, Out: &out, ErrOut: &errOut})
	return cliResult{code: code, stdout: out.String(), stderr: errOut.String()}
}

// checkErrLine checks that stderr is exactly one line starting "tcpviz: ",
// holding every string of want, with no trace of a panic, and that the
// message starts lower-case once the paths in paths (which may hold capitals)
// are removed.
func checkErrLine(t *testing.T, stderr string, paths []string, want ...string) {
	t.Helper()
	if !strings.HasSuffix(stderr, "\n") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("stderr is not exactly one line:\n%s", stderr)
	}
	line := strings.TrimSuffix(stderr, "\n")
	msg, ok := strings.CutPrefix(line, "tcpviz: ")
	if !ok {
		t.Errorf("stderr %q does not start with %q", line, "tcpviz: ")
	}
	for _, w := range want {
		if !strings.Contains(line, w) {
			t.Errorf("stderr %q does not contain %q", line, w)
		}
	}
	for _, bad := range []string{"panic", "goroutine"} {
		if strings.Contains(line, bad) {
			t.Errorf("stderr %q mentions %q", line, bad)
		}
	}
	// Longest first, so a directory does not eat the start of a file in it.
	ps := append([]string(nil), paths...)
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			if len(ps[j]) > len(ps[i]) {
				ps[i], ps[j] = ps[j], ps[i]
			}
		}
	}
	for _, p := range ps {
		msg = strings.ReplaceAll(msg, p, "PATH")
	}
	// Our text starts the message (after any path); wrapped errors of the
	// standard library may name Go types, so only the start is checked.
	msg = strings.ReplaceAll(msg, "PATH", "")
	if i := strings.IndexFunc(msg, unicode.IsLetter); i >= 0 && unicode.IsUpper([]rune(msg[i:])[0]) {
		t.Errorf("stderr %q: message does not start lower-case (%q)", line, msg)
	}
}

// checkNoArtifacts fails if anything was created at path.
func checkNoArtifacts(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		t.Errorf("%s was created for a run that could not read its input", path)
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string // substrings of the one stderr line
	}{
		{"unknown flag", []string{"parse-pcap", "--in", "x.pcap", "--bogus"}, []string{"unknown flag: --bogus", "tcpviz parse-pcap --help"}},
		{"unknown shorthand", []string{"parse-pcap", "--in", "x.pcap", "-z"}, []string{"unknown shorthand flag: 'z'"}},
		{"missing --in", []string{"parse-pcap"}, []string{"--in is required"}},
		{"empty --in", []string{"parse-pcap", "--in", ""}, []string{"--in is required"}},
		{"--in without value", []string{"parse-pcap", "--in"}, []string{"flag needs an argument: --in"}},
		{"negative interval", []string{"parse-pcap", "--in", "x.pcap", "--interval", "-1s"}, []string{"--interval must be > 0, got -1s"}},
		{"zero interval", []string{"parse-pcap", "--in", "x.pcap", "--interval", "0s"}, []string{"--interval must be > 0, got 0s"}},
		{"interval not a duration", []string{"parse-pcap", "--in", "x.pcap", "--interval", "fast"}, []string{`--interval must be a duration such as 1s, 250ms or 15m, got "fast"`}},
		{"negative idle timeout", []string{"parse-pcap", "--in", "x.pcap", "--idle-timeout=-5m"}, []string{"--idle-timeout must be > 0, got -5m0s"}},
		{"zero max flows", []string{"parse-pcap", "--in", "x.pcap", "--max-flows", "0"}, []string{"--max-flows must be > 0, got 0"}},
		{"negative max flows", []string{"parse-pcap", "--in", "x.pcap", "--max-flows=-3"}, []string{"--max-flows must be > 0, got -3"}},
		{"max flows not a number", []string{"parse-pcap", "--in", "x.pcap", "--max-flows", "many"}, []string{`--max-flows must be a whole number, got "many"`}},
		{"stray argument", []string{"parse-pcap", "--in", "x.pcap", "extra"}, []string{`unexpected argument "extra": give the input with --in`}},
		{"summary missing --in", []string{"summary"}, []string{"--in is required", "tcpviz summary --help"}},
		{"summary negative top", []string{"summary", "--in", "s", "--top", "-1"}, []string{"--top must be >= 0, got -1"}},
		{"summary top not a number", []string{"summary", "--in", "s", "--top", "ten"}, []string{`--top must be a whole number, got "ten"`}},
		{"summary bad bool", []string{"summary", "--in", "s", "--json=maybe"}, []string{`--json must be true or false, got "maybe"`}},
		{"summary unknown flag", []string{"summary", "--in", "s", "--csv"}, []string{"unknown flag: --csv"}},
		{"summary stray argument", []string{"summary", "artifacts/s1"}, []string{`unexpected argument "artifacts/s1"`}},
		{"unknown command", []string{"parse"}, []string{`unknown command "parse" for "tcpviz"; did you mean parse-pcap?`, "(see 'tcpviz --help')"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			art := filepath.Join(t.TempDir(), "artifacts")
			args := tc.args
			if args[0] == "parse-pcap" {
				args = append(args[:1:1], append([]string{"--artifacts", art}, args[1:]...)...)
			}
			r := runCLI(t, context.Background(), nil, args...)
			if r.code != ExitUsage {
				t.Errorf("exit code %d, want %d (stderr %q)", r.code, ExitUsage, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			checkErrLine(t, r.stderr, nil, tc.want...)
			checkNoArtifacts(t, art)
		})
	}
}

func TestRunHelpGoesToStdout(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"parse-pcap", "--help"}, {"summary", "-h"}} {
		r := runCLI(t, context.Background(), nil, args...)
		if r.code != ExitOK || r.stderr != "" || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want 0, usage on stdout", args, r.code, r.stderr, r.stdout)
		}
	}
}

// TestRunBadInputUnreadable covers inputs that cannot be opened as a
// capture: exit 3 and no session directory.
func TestRunBadInputUnreadable(t *testing.T) {
	good := conversationPcap(t)
	for _, tc := range []struct {
		name  string
		input func(t *testing.T) string // returns --in
		want  []string
	}{
		{"missing file", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope.pcap") }, []string{"no such file or directory"}},
		{"directory", func(t *testing.T) string { return t.TempDir() }, []string{"is a directory"}},
		{"empty file", func(t *testing.T) string { return writeFile(t, "empty.pcap", nil) }, []string{"empty"}},
		{"not a capture", func(t *testing.T) string {
			return writeFile(t, "notes.pcap", []byte("these are my notes, not packets\n"))
		}, []string{"not a pcap or pcapng capture"}},
		{"magic cut short", func(t *testing.T) string { return writeFile(t, "two.pcap", good[:2]) }, []string{"truncated", "cut short"}},
		{"file header cut short", func(t *testing.T) string { return writeFile(t, "short.pcap", good[:10]) }, []string{"truncated", "file header cut short"}},
		{"pcapng section header cut short", func(t *testing.T) string {
			ng := pcapngBytes(t, ethernetFrames(t, conversation()))
			return writeFile(t, "short.pcapng", ng[:14])
		}, []string{"truncated", "section header"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.input(t)
			art := filepath.Join(t.TempDir(), "artifacts")
			r := runCLI(t, context.Background(), nil, "parse-pcap", "--in", in, "--artifacts", art)
			if r.code != ExitInput {
				t.Errorf("exit code %d, want %d (stderr %q)", r.code, ExitInput, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			checkErrLine(t, r.stderr, []string{in}, append([]string{in}, tc.want...)...)
			checkNoArtifacts(t, art)
		})
	}
}

// TestRunBadInputDamaged covers captures damaged after some good records:
// exit 4, and the session holds what came before the damage.
func TestRunBadInputDamaged(t *testing.T) {
	good := conversationPcap(t)
	recs := pcapRecordOffsets(t, good)
	ng := pcapngBytes(t, ethernetFrames(t, conversation()))
	var epbs []pcapngBlock
	for _, b := range pcapngBlocks(t, ng) {
		if b.typ == 6 {
			epbs = append(epbs, b)
		}
	}
	if len(recs) != conversationFrames || len(epbs) != conversationFrames {
		t.Fatalf("generated %d pcap records and %d pcapng packet blocks, want %d", len(recs), len(epbs), conversationFrames)
	}
	const bad = 11 // index of the first damaged record: frames 1-11 are good
	for _, tc := range []struct {
		name       string
		data       func() []byte
		goodFrames int
		want       []string
	}{
		{"truncated mid-record", func() []byte { return clone(good)[:recs[bad]+16+20] }, bad,
			[]string{"truncated", "(after frame 11)", "record data cut short (20 of"}},
		{"truncated in record header", func() []byte { return clone(good)[:recs[bad]+7] }, bad,
			[]string{"truncated", "(after frame 11)", "record header cut short (7 of 16 bytes)"}},
		{"record claiming 4 GB", func() []byte {
			b := clone(good)
			putLE32(b[recs[bad]+8:], 0xffffffff)
			return b
		}, bad, []string{"corrupt", "(after frame 11)", "4294967295"}},
		{"record claiming 4 GB first", func() []byte {
			b := clone(good)
			putLE32(b[recs[0]+8:], 0xffffffff)
			return b
		}, 0, []string{"corrupt", "4294967295"}},
		{"corrupt pcapng block length", func() []byte {
			b := clone(ng)
			putLE32(b[epbs[bad].off+4:], 13)
			return b
		}, bad, []string{"corrupt", "(after frame 11)", "length 13"}},
		{"corrupt pcapng block trailer", func() []byte {
			b := clone(ng)
			e := epbs[bad]
			putLE32(b[e.off+e.size-4:], uint32(e.size+4))
			return b
		}, bad, []string{"corrupt", "(after frame 11)", "trailer"}},
		{"pcapng truncated mid-block", func() []byte { return clone(ng)[:epbs[bad].off+30] }, bad,
			[]string{"truncated", "(after frame 11)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := writeFile(t, "damaged.cap", tc.data())
			out := filepath.Join(t.TempDir(), "session")
			r := runCLI(t, context.Background(), nil, "parse-pcap", "--in", in, "--out", out)
			if r.code != ExitPartial {
				t.Errorf("exit code %d, want %d (stderr %q)", r.code, ExitPartial, r.stderr)
			}
			checkErrLine(t, r.stderr, []string{in, out}, append(tc.want, in, out)...)
			checkWrittenPaths(t, r.stdout, out)

			var wantFrames []uint64
			for _, e := range conversationEvents {
				if e.Frame <= uint64(tc.goodFrames) {
					wantFrames = append(wantFrames, e.Frame)
				}
			}
			var gotFrames []uint64
			for _, e := range readEvents(t, filepath.Join(out, "events.jsonl")) {
				gotFrames = append(gotFrames, e.Frame)
			}
			if diff := diffLines(fmtFrames(wantFrames), fmtFrames(gotFrames)); diff != "" {
				t.Errorf("event frames (-want +got):\n%s", diff)
			}
			sum := readSummary(t, out)
			if sum.Capture.Complete || sum.Capture.Error == "" {
				t.Errorf("summary.json capture complete=%t error=%q, want false and the read error", sum.Capture.Complete, sum.Capture.Error)
			}
			if sum.Capture.Packets != uint64(tc.goodFrames) {
				t.Errorf("summary.json capture.packets = %d, want %d", sum.Capture.Packets, tc.goodFrames)
			}
		})
	}
}

func TestRunUnsupportedLinkType(t *testing.T) {
	// Link type 147 is LINKTYPE_USER0: nothing tcpviz can decode.
	in := writeFile(t, "user0.pcap", pcapBytes(t, 147, ethernetFrames(t, conversation())))
	out := filepath.Join(t.TempDir(), "session")
	r := runCLI(t, context.Background(), nil, "parse-pcap", "--in", in, "--out", out)
	if r.code != ExitInput {
		t.Errorf("exit code %d, want %d (stderr %q)", r.code, ExitInput, r.stderr)
	}
	checkErrLine(t, r.stderr, []string{in}, in, "unsupported link type 147")
	checkWrittenPaths(t, r.stdout, out)
	sum := readSummary(t, out)
	if sum.Capture.Packets != uint64(conversationFrames) || !sum.Capture.Complete {
		t.Errorf("summary.json capture packets=%d complete=%t, want %d, true", sum.Capture.Packets, sum.Capture.Complete, conversationFrames)
	}
	if len(sum.DecodeErrors) == 0 {
		t.Errorf("summary.json decode_errors is empty, want the undecoded frames counted")
	}
	if evs := readEvents(t, filepath.Join(out, "events.jsonl")); len(evs) != 0 {
		t.Errorf("%d events from frames that could not be decoded", len(evs))
	}
}

func TestRunUnwritableOutput(t *testing.T) {
	in := writeFile(t, "conv.pcap", conversationPcap(t))
	file := writeFile(t, "plain-file", []byte("x"))
	for _, tc := range []struct {
		name string
		args []string
		want string // path the message must name
	}{
		{"--out under a file", []string{"--out", filepath.Join(file, "session")}, filepath.Join(file, "session")},
		{"--out is a file", []string{"--out", file}, file},
		{"--artifacts is a file", []string{"--artifacts", file}, file},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, context.Background(), nil, append([]string{"parse-pcap", "--in", in}, tc.args...)...)
			if r.code != ExitFailure {
				t.Errorf("exit code %d, want %d (stderr %q)", r.code, ExitFailure, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			checkErrLine(t, r.stderr, []string{in, file, tc.want}, tc.want)
		})
	}
}

func TestRunInterrupted(t *testing.T) {
	in := writeFile(t, "conv.pcap", conversationPcap(t))
	out := filepath.Join(t.TempDir(), "session")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := runCLI(t, ctx, nil, "parse-pcap", "--in", in, "--out", out)
	if r.code != ExitInterrupted {
		t.Errorf("exit code %d, want %d (stderr %q)", r.code, ExitInterrupted, r.stderr)
	}
	checkErrLine(t, r.stderr, []string{out}, "interrupted", out)
	checkWrittenPaths(t, r.stdout, out)
	if sum := readSummary(t, out); sum.Capture.Complete {
		t.Errorf("summary.json says complete for an interrupted run")
	}
}

// panicWriter panics on every write, standing in for a bug below a command.
type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("boom\nin the writer") }

func TestRunRecoversPanic(t *testing.T) {
	in := writeFile(t, "conv.pcap", conversationPcap(t))
	var errOut bytes.Buffer
	code := run(context.Background(), []string{"parse-pcap", "--in", in, "--out", t.TempDir()},
		IO{In: strings.NewReader(""), Out: panicWriter{}, ErrOut: &errOut})
	if code != ExitFailure {
		t.Errorf("exit code %d, want %d", code, ExitFailure)
	}
	checkErrLine(t, errOut.String(), nil, "tcpviz: internal error: boom in the writer")
}

func TestRunStdinErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stdin io.Reader
		want  []string
	}{
		{"no stdin", nil, []string{"no standard input"}},
		{"empty stdin", strings.NewReader(""), []string{"stdin", "empty"}},
		{"garbage on stdin", strings.NewReader("GET / HTTP/1.1\r\n"), []string{"stdin", "not a pcap or pcapng capture"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			art := filepath.Join(t.TempDir(), "artifacts")
			code := run(context.Background(), []string{"parse-pcap", "--in", "-", "--artifacts", art}, IO{In: tc.stdin, Out: &out, ErrOut: &errOut})
			if code != ExitInput {
				t.Errorf("exit code %d, want %d (stderr %q)", code, ExitInput, errOut.String())
			}
			checkErrLine(t, errOut.String(), nil, tc.want...)
			checkNoArtifacts(t, art)
		})
	}
}

func TestMainExitCode(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"parse-pcap"}, strings.NewReader(""), &out, &errOut); code != ExitUsage {
		t.Errorf("Main without --in = %d, want %d", code, ExitUsage)
	}
	in := writeFile(t, "conv.pcap", conversationPcap(t))
	out.Reset()
	errOut.Reset()
	if code := Main([]string{"parse-pcap", "--in", in, "--out", filepath.Join(t.TempDir(), "s")}, strings.NewReader(""), &out, &errOut); code != ExitOK {
		t.Errorf("Main parse-pcap = %d, want 0 (stderr %q)", code, errOut.String())
	}
}

// ---- helpers shared by the run tests ----

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func putLE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// checkWrittenPaths checks that stdout lists exactly the four session files
// of dir, in order.
func checkWrittenPaths(t *testing.T, stdout, dir string) {
	t.Helper()
	var want []string
	for _, f := range []string{"events.jsonl", "flows.jsonl", "summary.json", "benchmark.log"} {
		want = append(want, filepath.Join(dir, f))
	}
	got := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if diff := diffLines(want, got); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	for _, p := range want {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("listed file: %v", err)
		}
	}
}

// eventLine is the part of an events.jsonl line the tests compare.
type eventLine struct {
	Frame    uint64 `json:"frame"`
	Type     string `json:"type"`
	Severity string `json:"severity"`
	Flow     string `json:"flow"`
	Seq      uint32 `json:"seq"`
	Ack      uint32 `json:"ack"`
	Len      int    `json:"len"`
}

// schema1Fields are the fields of every event line (README, "Event schema").
var schema1Fields = []string{"schema", "ts", "ts_epoch", "frame", "type", "severity", "flow", "stream", "proto",
	"src_ip", "src_port", "dst_ip", "dst_port", "seq", "ack", "len", "extra"}

// readEvents reads an events.jsonl, checking each line has every schema-1 field.
func readEvents(t *testing.T, path string) []eventLine {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var evs []eventLine
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if line == "" {
			continue
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &fields); err != nil {
			t.Fatalf("%s:%d: %v", path, i+1, err)
		}
		for _, f := range schema1Fields {
			if _, ok := fields[f]; !ok {
				t.Errorf("%s:%d: no %q field", path, i+1, f)
			}
		}
		if string(fields["schema"]) != "1" {
			t.Errorf("%s:%d: schema %s, want 1", path, i+1, fields["schema"])
		}
		var e eventLine
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%s:%d: %v", path, i+1, err)
		}
		evs = append(evs, e)
	}
	return evs
}

func fmtFrames(fs []uint64) []string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = strconv.FormatUint(f, 10)
	}
	return s
}

// diffLines returns a "-want +got" listing of the lines that differ, or ""
// when want and got are equal.
func diffLines(want, got []string) string {
	if len(want) == len(got) {
		same := true
		for i := range want {
			if want[i] != got[i] {
				same = false
				break
			}
		}
		if same {
			return ""
		}
	}
	// A longest-common-subsequence diff: small inputs only.
	n, m := len(want), len(got)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if want[i] == got[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var b strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && want[i] == got[j]:
			b.WriteString("  " + want[i] + "\n")
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			b.WriteString("- " + want[i] + "\n")
			i++
		default:
			b.WriteString("+ " + got[j] + "\n")
			j++
		}
	}
	return b.String()
}

var sessionDirRE = regexp.MustCompile(`^session_\d{8}_\d{6}(_\d+)?$`)
