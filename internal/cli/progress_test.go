package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	read := int64(50e6)
	p := newProgress(&buf, 200e6, func() int64 { return read })
	p.update(1000) // within the first second: silent
	if buf.Len() != 0 {
		t.Fatalf("progress drew during the first second: %q", buf.String())
	}
	p.start = p.start.Add(-2 * time.Second)
	p.last = p.start
	p.update(1500000)
	line := buf.String()
	for _, want := range []string{"\r", "1.50 M packets", "50 MB", "25%", "ETA 6s"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress line %q lacks %q", line, want)
		}
	}
	p.done()
	if !strings.HasSuffix(buf.String(), "\r\x1b[K") {
		t.Errorf("done did not clear the line: %q", buf.String())
	}
}
