package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestNewReportCmd(t *testing.T) {
	type flags struct {
		In                   string
		Top, Rows, MaxPoints int
	}
	for _, tc := range []struct {
		name string
		args []string
		want flags
	}{
		{"defaults", []string{"--in", "s"}, flags{In: "s", Top: 5, Rows: 50, MaxPoints: 20000}},
		{"events file", []string{"--in", "s/events.jsonl"}, flags{In: "s/events.jsonl", Top: 5, Rows: 50, MaxPoints: 20000}},
		{"top", []string{"--in", "s", "--top", "8"}, flags{In: "s", Top: 8, Rows: 50, MaxPoints: 20000}},
		{"rows", []string{"--rows=10", "--in", "s"}, flags{In: "s", Top: 5, Rows: 10, MaxPoints: 20000}},
		{"max points", []string{"--in", "s", "--max-points", "500"}, flags{In: "s", Top: 5, Rows: 50, MaxPoints: 500}},
		{"zero parses", []string{"--in", "s", "--top", "0"}, flags{In: "s", Top: 0, Rows: 50, MaxPoints: 20000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, io, _, _ := parseWith(t, tc.args, newReportCmd)
			if g := (flags{In: got.In, Top: got.Top, Rows: got.Rows, MaxPoints: got.MaxPoints}); g != tc.want {
				t.Errorf("options (-want +got):\n- %+v\n+ %+v", tc.want, g)
			}
			if got.IO != io {
				t.Errorf("options IO %+v, want the command's %+v", got.IO, io)
			}
		})
	}
}

// runReportOn runs runReport on in and returns stdout.
func runReportOn(t *testing.T, in string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	o := &reportOptions{IO: IO{Out: &out, ErrOut: &errOut}, In: in, Top: 5, Rows: 50, MaxPoints: 20000}
	if err := runReport(context.Background(), o); err != nil {
		t.Fatalf("runReport %s: %v", in, err)
	}
	if errOut.Len() != 0 {
		t.Errorf("stderr %q, want nothing", errOut.String())
	}
	return out.String()
}

// checkPages checks that stdout lists the three pages of dir, in order,
// and that each is a complete page.
func checkPages(t *testing.T, stdout, dir string) {
	t.Helper()
	var want string
	for _, name := range []string{"timeline.html", "summary.html", "report.html"} {
		p := filepath.Join(dir, name)
		want += p + "\n"
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) || !bytes.HasSuffix(b, []byte("</html>\n")) {
			t.Errorf("%s is not a complete page", p)
		}
	}
	if stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*.html.*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %q", leftovers)
	}
}

func TestRunReport(t *testing.T) {
	dir, _ := makeSession(t, "conv.pcap", conversationPcap(t), ExitOK)
	checkPages(t, runReportOn(t, dir), dir)
	// The events file of a session names the same directory.
	checkPages(t, runReportOn(t, filepath.Join(dir, "events.jsonl")), dir)

	// The Python tool's events alone.
	legacy := legacySession(t)
	checkPages(t, runReportOn(t, legacy), legacy)
	b, _ := os.ReadFile(filepath.Join(legacy, "summary.html"))
	if !bytes.Contains(b, []byte("Python tcpviz events.jsonl")) {
		t.Errorf("summary.html of a legacy session does not say so")
	}
}

func TestRunReportErrors(t *testing.T) {
	legacy := legacySession(t)
	bad := filepath.Dir(writeFile(t, "events.jsonl", []byte("{\"type\":\"dup_ack\",\"ts_epoch\":1}\nnot json\n")))
	blocked := legacySession(t)
	// A directory where a page should go: the page cannot be written.
	if err := os.Mkdir(filepath.Join(blocked, "summary.html"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(blocked, "summary.html", "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"no input", []string{"report"}, ExitUsage, []string{"--in is required"}},
		{"top", []string{"report", "--in", legacy, "--top", "0"}, ExitUsage, []string{"--top must be >= 1, got 0"}},
		{"rows", []string{"report", "--in", legacy, "--rows=-3"}, ExitUsage, []string{"--rows must be >= 1, got -3"}},
		{"max points", []string{"report", "--in", legacy, "--max-points", "0"}, ExitUsage, []string{"--max-points must be >= 1, got 0"}},
		{"not a number", []string{"report", "--in", legacy, "--top", "x"}, ExitUsage, []string{"--top must be a whole number"}},
		{"stray argument", []string{"report", legacy}, ExitUsage, []string{"unexpected argument"}},
		{"missing", []string{"report", "--in", filepath.Join(legacy, "nope")}, ExitInput, []string{"open session", "nope"}},
		{"no events", []string{"report", "--in", t.TempDir()}, ExitInput, []string{"no events.jsonl in it"}},
		{"malformed", []string{"report", "--in", bad}, ExitInput, []string{"events.jsonl:2: not an event line"}},
		{"cannot write", []string{"report", "--in", blocked}, ExitFailure, []string{"write", "summary.html"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, context.Background(), nil, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit code %d, want %d (stderr %q)", r.code, tc.code, r.stderr)
			}
			checkErrLine(t, r.stderr, []string{legacy, bad, blocked}, tc.want...)
		})
	}
}

func TestRunReportInterrupted(t *testing.T) {
	line := `{"schema":1,"ts_epoch":1700000000.5,"type":"dup_ack","severity":"info","flow":"10.0.0.1:1 -> 10.0.0.2:2","stream":0,"proto":"tcp"}` + "\n"
	dir := filepath.Dir(writeFile(t, "events.jsonl", bytes.Repeat([]byte(line), 10000)))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := runCLI(t, ctx, nil, "report", "--in", dir)
	if r.code != ExitInterrupted {
		t.Fatalf("exit code %d, want %d (stderr %q)", r.code, ExitInterrupted, r.stderr)
	}
	checkErrLine(t, r.stderr, []string{dir}, "interrupted", "no page written")
	if _, err := os.Stat(filepath.Join(dir, "timeline.html")); err == nil {
		t.Errorf("a page was written after the interruption")
	}
}
