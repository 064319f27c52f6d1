package cli

import (
	"fmt"
	"io"
	"os"
	"time"
)

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress draws one self-overwriting status line on a terminal: packets,
// megabytes read, rate and, when the input size is known, an ETA. It stays
// silent for the first second so short runs print nothing.
type progress struct {
	w       io.Writer
	start   time.Time
	last    time.Time
	total   int64 // input size in bytes, 0 if unknown (stdin, gzip)
	offset  func() int64
	drawn   bool
	started bool
}

func newProgress(w io.Writer, total int64, offset func() int64) *progress {
	now := time.Now()
	return &progress{w: w, start: now, last: now, total: total, offset: offset}
}

func (p *progress) update(frames uint64) {
	now := time.Now()
	if now.Sub(p.start) < time.Second || now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	el := now.Sub(p.start).Seconds()
	read := p.offset()
	line := fmt.Sprintf("%.2f M packets  %.0f MB  %.2f M pkt/s", float64(frames)/1e6, float64(read)/1e6, float64(frames)/el/1e6)
	if p.total > 0 && read > 0 && read <= p.total {
		eta := time.Duration(float64(p.total-read) / (float64(read) / el) * float64(time.Second)).Round(time.Second)
		line += fmt.Sprintf("  %3.0f%%  ETA %s", 100*float64(read)/float64(p.total), eta)
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.drawn = true
}

// done clears the status line.
func (p *progress) done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
