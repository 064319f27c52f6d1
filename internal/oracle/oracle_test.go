package oracle

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// corpusDir is the shared corpus of real captures with tshark's verdicts,
// present on developer machines and in CI beside the repository.
const corpusDir = "../../../shared/corpus"

// captures lists the capture files in dir (by extension; formats are still
// sniffed by magic when read).
func captures(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !(strings.Contains(n, ".pcap") || strings.HasSuffix(n, ".cap")) || strings.HasSuffix(n, ".tsv") {
			continue
		}
		out = append(out, filepath.Join(dir, n))
	}
	sort.Strings(out)
	return out
}

func requireAgreement(t *testing.T, total *Result) {
	t.Helper()
	t.Logf("stream index of frames flagged by both: %d agree with tcp.stream, %d differ", total.StreamsAgree, total.StreamsDiffer)
	if total.StreamsDiffer > 0 {
		t.Errorf("%d flagged frames have another stream index than tshark's tcp.stream: %s", total.StreamsDiffer, strings.Join(total.StreamDiffs, "; "))
	}
	t.Logf("agreement with Wireshark, frame by frame:\n%s", total.Table())
	for c := Category(0); c < NumCategories; c++ {
		if len(total.Diffs[c]) > 0 {
			t.Logf("%s differences: %s", c.Name(), strings.Join(total.Diffs[c], "; "))
		}
	}
	for _, c := range Required() {
		x := total.C[c]
		if x.Precision() < 0.99 || x.Recall() < 0.99 {
			t.Errorf("%s: precision %.2f%% recall %.2f%% (TP %d FP %d FN %d), want both >= 99%%; first differences:\n  %s",
				c.Name(), 100*x.Precision(), 100*x.Recall(), x.TP, x.FP, x.FN, strings.Join(total.Diffs[c], "\n  "))
		}
	}
}

// TestCorpusAgainstWireshark compares every corpus capture with its truth
// file, written by tshark 4.0.17.
func TestCorpusAgainstWireshark(t *testing.T) {
	files := captures(t, filepath.Join(corpusDir, "pcaps"))
	if len(files) == 0 {
		t.Skip("no corpus at " + corpusDir)
	}
	var total Result
	for _, path := range files {
		truth := filepath.Join(corpusDir, "truth", filepath.Base(path)+".tcpflags.tsv")
		f, err := os.Open(truth)
		if err != nil {
			continue
		}
		want, wantStreams, err := ParseTSV(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", truth, err)
		}
		got, gotStreams, err := Analyse(context.Background(), path)
		if got == nil {
			// Unreadable from the start; tshark read nothing either.
			if len(want) != 0 {
				t.Errorf("%s: %v, but tshark flagged %d frames", path, err, len(want))
			}
			continue
		}
		var one Result
		one.Compare(filepath.Base(path), want, got)
		one.CompareStreams(filepath.Base(path), wantStreams, gotStreams)
		total.Add(&one)
	}
	requireAgreement(t, &total)
	// The truth files do not change, and tcpviz agrees with every frame of
	// them: a difference is new, in any category, and is either a bug or a
	// deliberate difference to document (README "Deliberate differences")
	// and name here.
	for c := Category(0); c < NumCategories; c++ {
		if x := total.C[c]; x.FP+x.FN > 0 {
			t.Errorf("%s: %d frames only tcpviz flags, %d only Wireshark: %s", c.Name(), x.FP, x.FN, strings.Join(total.Diffs[c], "; "))
		}
	}
}

// TestSamplesAgainstTshark runs tshark itself on every capture in samples/.
func TestSamplesAgainstTshark(t *testing.T) {
	files := captures(t, "../../samples")
	if len(files) == 0 {
		t.Fatal("no captures in samples/")
	}
	var total Result
	for _, path := range files {
		want, wantStreams, err := Tshark(context.Background(), path)
		if errors.Is(err, ErrNoTshark) {
			t.Skip("tshark not installed (CI installs it)")
		}
		if err != nil {
			t.Fatalf("%v", err)
		}
		got, gotStreams, err := Analyse(context.Background(), path)
		if got == nil {
			t.Fatalf("%s: %v", path, err)
		}
		var one Result
		one.Compare(filepath.Base(path), want, got)
		one.CompareStreams(filepath.Base(path), wantStreams, gotStreams)
		total.Add(&one)
	}
	requireAgreement(t, &total)
}
