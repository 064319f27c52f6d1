package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/session"
)

type exportOptions struct {
	IO
	In     string
	Format string
}

func newExportCmd(io IO, runF func(context.Context, *exportOptions) error) *cobra.Command {
	if runF == nil {
		runF = runExport
	}
	opts := &exportOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "export --in SESSION_DIR --format csv",
		Short: "Write a session's events and flows as CSV",
		Long: `Writes events.csv and flows.csv (RFC 4180) beside the session's JSONL files,
one row per event and per flow. Nested figures become columns: extra.KEY for
events, rtt_ms.STAT and events.TYPE for flows. Prints each path written.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return failure(runF(cmd.Context(), opts))
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.In, "in", "", "session directory, or a file inside one")
	f.StringVar(&opts.Format, "format", "csv", "output format: csv")
	return cmd
}

func runExport(ctx context.Context, o *exportOptions) error {
	if o.In == "" {
		return usageErrorf("--in is required: a session directory")
	}
	if o.Format != "csv" {
		return usageErrorf("--format must be csv, got %q", o.Format)
	}
	dir, evPath, err := session.Resolve(o.In)
	if err != nil {
		return withCode(ExitInput, err)
	}
	p, err := exportEvents(dir, evPath)
	if err != nil {
		return err
	}
	fmt.Fprintln(o.Out, p)
	p, err = exportFlows(dir)
	if err != nil {
		return err
	}
	if p != "" {
		fmt.Fprintln(o.Out, p)
	}
	return nil
}

// eventColumns are the fixed columns of events.csv, in schema order.
func eventColumns() []string {
	return []string{"schema", "ts", "ts_epoch", "frame", "type", "severity", "flow", "stream", "proto",
		"src_ip", "src_port", "dst_ip", "dst_port", "seq", "ack", "len"}
}

// readEventFile calls fn for every event of path.
func readEventFile(path string, fn func(*event.Record) error) error {
	f, err := os.Open(path)
	if err != nil {
		return withCode(ExitInput, fmt.Errorf("open %s: %w", path, err))
	}
	defer f.Close()
	if err := event.ReadAll(path, f, fn); err != nil {
		return withCode(ExitInput, err)
	}
	return nil
}

// exportEvents reads events twice: once for the union of extra keys (the
// columns), once to write rows, so memory does not grow with the file.
func exportEvents(dir, evPath string) (string, error) {
	keys := map[string]bool{}
	if err := readEventFile(evPath, func(r *event.Record) error {
		for k := range r.Extra {
			keys[k] = true
		}
		return nil
	}); err != nil {
		return "", err
	}
	extra := slices.Sorted(maps.Keys(keys))
	out := filepath.Join(dir, "events.csv")
	return out, writeCSV(out, func(w *csv.Writer) error {
		header := eventColumns()
		for _, k := range extra {
			header = append(header, "extra."+k)
		}
		if err := w.Write(header); err != nil {
			return err
		}
		row := make([]string, len(header))
		return readEventFile(evPath, func(r *event.Record) error {
			row = append(row[:0], strconv.Itoa(r.Schema), r.TS, strconv.FormatFloat(r.TSEpoch, 'f', -1, 64),
				strconv.FormatUint(r.Frame, 10), r.Type, r.Severity, r.Flow, strconv.FormatUint(r.Stream, 10), r.Proto,
				r.SrcIP, strconv.Itoa(int(r.SrcPort)), r.DstIP, strconv.Itoa(int(r.DstPort)),
				strconv.FormatUint(uint64(r.Seq), 10), strconv.FormatUint(uint64(r.Ack), 10), strconv.Itoa(r.Len))
			for _, k := range extra {
				row = append(row, cell(r.Extra[k]))
			}
			return w.Write(row)
		})
	})
}

// exportFlows flattens flows.jsonl; a session without one exports nothing.
func exportFlows(dir string) (string, error) {
	in := filepath.Join(dir, session.FlowsFile)
	b, err := os.ReadFile(in)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", withCode(ExitInput, fmt.Errorf("read %s: %w", in, err))
	}
	var rows []map[string]any
	cols := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	for line := 1; ; line++ {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return "", withCode(ExitInput, fmt.Errorf("%s: record %d: %w", in, line, err))
		}
		flat := map[string]any{}
		flatten("", m, flat)
		for k := range flat {
			cols[k] = true
		}
		rows = append(rows, flat)
	}
	header := slices.Sorted(maps.Keys(cols))
	// Identity columns first, in the contract's order.
	first := []string{"proto", "stream", "src_ip", "src_port", "dst_ip", "dst_port", "first_ts", "last_ts"}
	var ordered []string
	for _, k := range first {
		if cols[k] {
			ordered = append(ordered, k)
			delete(cols, k)
		}
	}
	ordered = append(ordered, slices.Sorted(maps.Keys(cols))...)
	header = ordered
	out := filepath.Join(dir, "flows.csv")
	return out, writeCSV(out, func(w *csv.Writer) error {
		if err := w.Write(header); err != nil {
			return err
		}
		for _, r := range rows {
			row := make([]string, len(header))
			for i, k := range header {
				row[i] = cell(r[k])
			}
			if err := w.Write(row); err != nil {
				return err
			}
		}
		return nil
	})
}

// flatten turns nested objects into dotted keys; arrays stay JSON.
func flatten(prefix string, v map[string]any, out map[string]any) {
	for k, x := range v {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if m, ok := x.(map[string]any); ok {
			flatten(key, m, out)
			continue
		}
		out[key] = x
	}
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func writeCSV(path string, fill func(*csv.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return withCode(ExitFailure, fmt.Errorf("create %s: %w", path, err))
	}
	w := csv.NewWriter(f)
	if err := fill(w); err != nil {
		f.Close()
		var coded *exitError
		if errors.As(err, &coded) {
			return err
		}
		return withCode(ExitFailure, fmt.Errorf("write %s: %w", path, err))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return withCode(ExitFailure, fmt.Errorf("write %s: %w", path, err))
	}
	if err := f.Close(); err != nil {
		return withCode(ExitFailure, fmt.Errorf("write %s: %w", path, err))
	}
	return nil
}
