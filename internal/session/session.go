// Package session names and lays out the directories tcpviz writes:
// artifacts/session_YYYYmmdd_HHMMSS/ with events.jsonl, flows.jsonl,
// summary.json and benchmark.log, and finds them again for the commands that
// read a session.
package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// File names inside a session directory (DESIGN.md, "Artifacts").
const (
	EventsFile    = "events.jsonl"
	FlowsFile     = "flows.jsonl"
	SummaryFile   = "summary.json"
	BenchmarkFile = "benchmark.log"
)

// Create makes a new session directory. With dir set it is used as given
// (created if missing); otherwise base/session_YYYYmmdd_HHMMSS is made from
// now, with a numeric suffix if that name is taken.
func Create(base, dir string, now time.Time) (string, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", fmt.Errorf("create output directory %s: %w", dir, unwrapPath(dir, err))
		}
		return dir, nil
	}
	name := "session_" + now.UTC().Format("20060102_150405")
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", base, unwrapPath(base, err))
	}
	for i := 1; ; i++ {
		d := filepath.Join(base, name)
		if i > 1 {
			d = fmt.Sprintf("%s_%d", d, i)
		}
		err := os.Mkdir(d, 0o755)
		if err == nil {
			return d, nil
		}
		if !errors.Is(err, fs.ErrExist) || i > 1000 {
			return "", fmt.Errorf("create session directory: %w", err)
		}
	}
}

// unwrapPath drops the *fs.PathError layer when the message already names
// the path, so it is not said twice; the failing part of a nested path is
// kept when it differs.
func unwrapPath(named string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if filepath.Clean(pe.Path) == filepath.Clean(named) {
			return pe.Err
		}
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// Resolve accepts a session directory or a file inside one (such as its
// events.jsonl) and returns the directory and the events file path.
func Resolve(path string) (dir, events string, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", "", fmt.Errorf("open session %s: %w", path, err)
	}
	if st.IsDir() {
		ev := filepath.Join(path, EventsFile)
		if _, err := os.Stat(ev); err != nil {
			return "", "", fmt.Errorf("open session %s: no %s in it", path, EventsFile)
		}
		return path, ev, nil
	}
	return filepath.Dir(path), path, nil
}

// WriteJSON writes v, indented, to dir/name.
func WriteJSON(dir, name string, v any) (string, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", name, err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("write %s: %w", p, err)
	}
	return p, nil
}
