package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/event"
)

// TestCorpusNeverPanics runs every capture of the shared corpus, including
// the 830 deliberately malformed ones of tcpdump's test suite, through the
// whole pipeline: each must end (bounded in time) with a clean end, a
// capture.Error, or an open error — never a panic.
func TestCorpusNeverPanics(t *testing.T) {
	var files []string
	for _, dir := range []string{"../../../shared/corpus/wild", "../../../shared/corpus/pcaps"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*"))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skip("no shared corpus")
	}
	var read, damaged, unreadable int
	for _, path := range files {
		if st, err := os.Stat(path); err != nil || st.IsDir() {
			continue
		}
		err := runBounded(path, 20*time.Second)
		var ce *capture.Error
		switch {
		case err == nil:
			read++
		case errors.As(err, &ce) && errors.Is(err, capture.ErrNotCapture), errors.As(err, &ce) && errors.Is(err, capture.ErrEmpty):
			unreadable++
		case errors.As(err, &ce):
			damaged++
		default:
			t.Errorf("%s: %v", path, err)
		}
	}
	t.Logf("%d files: %d read to the end, %d damaged part-way, %d not captures", len(files), read, damaged, unreadable)
}

func runBounded(path string, limit time.Duration) (err error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("panic: %v", p)
			}
		}()
		r, err := capture.Open(path, nil)
		if err != nil {
			done <- err
			return
		}
		defer r.Close()
		pl := New(DefaultOptions(), event.NewWriter(io.Discard), func(*event.FlowRecord) {})
		err = pl.Run(ctx, r)
		pl.Finish()
		pl.Summary(path, r.Info(), err)
		done <- err
	}()
	select {
	case err := <-done:
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("did not finish within %s", limit)
		}
		return err
	case <-time.After(limit + 5*time.Second):
		return fmt.Errorf("hung for more than %s", limit)
	}
}
