package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tcpviz/tcpviz/internal/report"
	"github.com/tcpviz/tcpviz/internal/session"
)

// reportOptions holds report's flag values and dependencies.
type reportOptions struct {
	IO
	In        string
	Top       int
	Rows      int
	MaxPoints int
}

// newReportCmd builds report. runF does the work; nil means runReport
// (tests pass their own to see the parsed options).
func newReportCmd(io IO, runF func(context.Context, *reportOptions) error) *cobra.Command {
	if runF == nil {
		runF = runReport
	}
	opts := &reportOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "report --in SESSION_DIR|events.jsonl",
		Short: "Write a session's interactive HTML report (works offline)",
		Long: `Reads what parse-pcap wrote (or an events.jsonl of the Python tcpviz) and writes
timeline.html, summary.html and report.html (both in one page) into the session
directory, printing each path. The pages are self-contained: the charting
library is inside each file and nothing is loaded from the network. The
capture itself is not read.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return failure(runF(cmd.Context(), opts))
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.In, "in", "", "session directory, or an events.jsonl inside one")
	f.IntVar(&opts.Top, "top", report.DefaultTopFlows, "how many of the worst flows the per-flow charts draw")
	f.IntVar(&opts.Rows, "rows", report.DefaultTableRows, "rows each ranking (retransmissions, loss, RTT) adds to the flows table")
	f.IntVar(&opts.MaxPoints, "max-points", report.DefaultMaxPoints, "timeline points drawn one per event; beyond, the most frequent types are counted in time buckets")
	return cmd
}

func runReport(ctx context.Context, o *reportOptions) error {
	if o.In == "" {
		return usageErrorf("--in is required: a session directory or events.jsonl")
	}
	for _, fl := range []struct {
		name string
		v    int
	}{{"top", o.Top}, {"rows", o.Rows}, {"max-points", o.MaxPoints}} {
		if fl.v < 1 {
			return usageErrorf("--%s must be >= 1, got %d", fl.name, fl.v)
		}
	}
	dir, evPath, err := session.Resolve(o.In)
	if err != nil {
		return withCode(ExitInput, err)
	}
	d, err := report.Load(ctx, dir, evPath, report.Options{TopFlows: o.Top, TableRows: o.Rows, MaxPoints: o.MaxPoints})
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return withCode(ExitInterrupted, fmt.Errorf("interrupted while reading %s: no page written", evPath))
		}
		return withCode(ExitInput, err)
	}
	for _, p := range report.Pages() {
		out := filepath.Join(dir, p.FileName())
		if err := writePage(out, d, p); err != nil {
			return withCode(ExitFailure, err)
		}
		fmt.Fprintln(o.Out, out)
	}
	return nil
}

// writePage renders page p into path through a temporary file, so a failed
// run never leaves half a page behind.
func writePage(path string, d *report.Data, p report.Page) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing left to remove
	w := bufio.NewWriterSize(tmp, 1<<16)
	if err := report.Render(w, d, p); err != nil {
		tmp.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
