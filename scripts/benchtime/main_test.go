package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestMain lets the test binary act as the measured child: with
// BENCHTIME_CHILD_MB set it touches that many MiB and exits with
// BENCHTIME_CHILD_EXIT.
func TestMain(m *testing.M) {
	if mb := os.Getenv("BENCHTIME_CHILD_MB"); mb != "" {
		n, _ := strconv.Atoi(mb)
		b := make([]byte, n<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		code, _ := strconv.Atoi(os.Getenv("BENCHTIME_CHILD_EXIT"))
		os.Exit(code + int(b[len(b)/2]) - 1)
	}
	os.Exit(m.Run())
}

func TestMeasuresChild(t *testing.T) {
	for _, tt := range []struct {
		name     string
		mb, exit int
	}{
		{"small, success", 8, 0},
		{"large, failure", 96, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("BENCHTIME_CHILD_MB", strconv.Itoa(tt.mb))
			t.Setenv("BENCHTIME_CHILD_EXIT", strconv.Itoa(tt.exit))
			out := filepath.Join(t.TempDir(), "m")
			var stdout, stderr bytes.Buffer
			code := run([]string{"-o", out, "--", os.Args[0]}, nil, &stdout, &stderr)
			if code != tt.exit {
				t.Fatalf("exit code %d, want %d (stderr %q)", code, tt.exit, stderr.String())
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			f := strings.Fields(string(b))
			if len(f) != 3 {
				t.Fatalf("measurement %q, want three fields", b)
			}
			wall, err1 := strconv.ParseFloat(f[0], 64)
			rss, err2 := strconv.ParseInt(f[1], 10, 64)
			_, err3 := strconv.ParseFloat(f[2], 64)
			if err1 != nil || err2 != nil || err3 != nil || wall <= 0 {
				t.Fatalf("measurement %q does not parse", b)
			}
			// The child touched mb MiB: its peak RSS is at least that,
			// and (a Go binary of a few MiB) not wildly more.
			if lo, hi := int64(tt.mb)<<10, int64(tt.mb+64)<<10; rss < lo || rss > hi {
				t.Errorf("peak RSS %d KiB, want between %d and %d", rss, lo, hi)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(nil, nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "command to run is required") {
		t.Errorf("no command: exit %d, stderr %q; want 2 and a usage message", code, stderr.String())
	}
	if code := run([]string{"--", "/nonexistent/benchtime-test"}, nil, &stdout, &stderr); code != 1 {
		t.Errorf("missing program: exit %d, want 1", code)
	}
}
