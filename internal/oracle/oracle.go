package oracle

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strconv"
	"strings"

	"github.com/tcpviz/tcpviz/internal/event"
)

// Category is a verdict compared between tcpviz and Wireshark.
type Category uint8

// Compared categories. Retrans counts all retransmission kinds together.
const (
	Retrans Category = iota
	FastRetrans
	SpuriousRetrans
	OutOfOrder
	DupAck
	LostSegment
	AckUnseen
	ZeroWindow
	ZeroWindowProbe
	WindowFull
	KeepAlive
	// Flags tcpviz counts (summary.json tcp.analysis_flags) without an
	// event of their own.
	ZeroWindowProbeAck
	KeepAliveAck
	WindowUpdate
	ReusedPorts
	NumCategories
)

// eventless are the categories without a tcpviz event.
const eventless = Set(1<<ZeroWindowProbeAck | 1<<KeepAliveAck | 1<<WindowUpdate | 1<<ReusedPorts)

// Name is the category's tcpviz event name.
func (c Category) Name() string {
	switch c {
	case Retrans:
		return "retransmission(all)"
	case FastRetrans:
		return "fast_retransmission"
	case SpuriousRetrans:
		return "spurious_retransmission"
	case OutOfOrder:
		return "out_of_order"
	case DupAck:
		return "dup_ack"
	case LostSegment:
		return "lost_segment"
	case AckUnseen:
		return "ack_unseen"
	case ZeroWindow:
		return "zero_window"
	case ZeroWindowProbe:
		return "zero_window_probe"
	case WindowFull:
		return "window_full"
	case KeepAlive:
		return "keep_alive"
	case ZeroWindowProbeAck:
		return "zero_window_probe_ack"
	case KeepAliveAck:
		return "keep_alive_ack"
	case WindowUpdate:
		return "window_update"
	case ReusedPorts:
		return "reused_ports"
	}
	return "?"
}

// Required lists the categories the suite holds to 99% precision and recall.
func Required() []Category {
	return []Category{Retrans, OutOfOrder, DupAck, LostSegment, ZeroWindow, WindowFull, KeepAlive,
		KeepAliveAck, WindowUpdate, ReusedPorts}
}

// Set is a set of categories.
type Set uint16

// Has reports whether c is in s.
func (s Set) Has(c Category) bool { return s&(1<<c) != 0 }

// String lists s's categories, comma-separated ("none" if empty).
func (s Set) String() string {
	var names []string
	for c := Category(0); c < NumCategories; c++ {
		if s.Has(c) {
			names = append(names, c.Name())
		}
	}
	if names == nil {
		return "none"
	}
	return strings.Join(names, ",")
}

// Frames maps frame numbers to the categories flagged on them.
type Frames map[uint64]Set

// Streams maps flagged frame numbers to their TCP stream index.
type Streams map[uint64]uint64

// fromWireshark maps a tcp.analysis flag name to categories.
func fromWireshark(flag string) Set {
	switch flag {
	case "retransmission":
		return 1 << Retrans
	case "fast_retransmission":
		return 1<<FastRetrans | 1<<Retrans
	case "spurious_retransmission":
		return 1<<SpuriousRetrans | 1<<Retrans
	case "out_of_order":
		return 1 << OutOfOrder
	case "duplicate_ack":
		return 1 << DupAck
	case "lost_segment":
		return 1 << LostSegment
	case "ack_lost_segment":
		return 1 << AckUnseen
	case "zero_window":
		return 1 << ZeroWindow
	case "zero_window_probe":
		return 1 << ZeroWindowProbe
	case "window_full":
		return 1 << WindowFull
	case "keep_alive":
		return 1 << KeepAlive
	case "zero_window_probe_ack":
		return 1 << ZeroWindowProbeAck
	case "keep_alive_ack":
		return 1 << KeepAliveAck
	case "window_update":
		return 1 << WindowUpdate
	case "reused_ports":
		return 1 << ReusedPorts
	}
	return 0
}

// FromEventType maps a tcpviz event type to categories (0 if not
// compared). Event types carry Wireshark's flag names but for two.
func FromEventType(t event.Type) Set {
	switch t {
	case event.DupAck:
		return fromWireshark("duplicate_ack")
	case event.AckUnseen:
		return fromWireshark("ack_lost_segment")
	}
	return fromWireshark(t.String())
}

// ParseTSV reads a corpus truth file: a header line, then
// "frame<TAB>tcp_stream<TAB>flag,flag,...".
func ParseTSV(r io.Reader) (Frames, Streams, error) {
	out := Frames{}
	streams := Streams{}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Split(sc.Text(), "\t")
		if line == 1 && len(f) > 0 && f[0] == "frame" {
			continue
		}
		if len(f) < 3 {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			return nil, nil, fmt.Errorf("line %d: want 3 tab-separated fields, got %d", line, len(f))
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return nil, nil, fmt.Errorf("line %d: frame %q: %w", line, f[0], err)
		}
		if st, err := strconv.ParseUint(strings.Split(f[1], ",")[0], 10, 64); err == nil {
			streams[n] = st
		}
		for _, flag := range strings.Split(f[2], ",") {
			out[n] |= fromWireshark(strings.TrimSpace(flag))
		}
	}
	return out, streams, sc.Err()
}

// wiresharkFlags are the tcp.analysis fields asked of tshark.
func wiresharkFlags() []string {
	return []string{"retransmission", "fast_retransmission", "spurious_retransmission",
		"out_of_order", "duplicate_ack", "lost_segment", "ack_lost_segment", "zero_window",
		"zero_window_probe", "window_full", "keep_alive",
		"zero_window_probe_ack", "keep_alive_ack", "window_update", "reused_ports"}
}

// ErrNoTshark means tshark is not installed.
var ErrNoTshark = errors.New("tshark not found in PATH")

// Tshark runs tshark (one pass, its defaults) on path and returns its flags
// and stream index per flagged frame, the same way the corpus truth files
// were made.
func Tshark(ctx context.Context, path string) (Frames, Streams, error) {
	bin, err := exec.LookPath("tshark")
	if err != nil {
		return nil, nil, ErrNoTshark
	}
	args := []string{"-n", "-r", path, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-e", "frame.number", "-e", "tcp.stream"}
	flags := wiresharkFlags()
	for _, f := range flags {
		args = append(args, "-e", "tcp.analysis."+f)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// tshark exits 2 on a truncated file after printing what it read.
	if err := cmd.Run(); err != nil && stdout.Len() == 0 {
		return nil, nil, fmt.Errorf("tshark %s: %w: %s", path, err, strings.TrimSpace(stderr.String()))
	}
	out := Frames{}
	streams := Streams{}
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			continue
		}
		for i, name := range flags {
			if i+2 < len(f) && f[i+2] != "" {
				out[n] |= fromWireshark(name)
			}
		}
		if out[n] == 0 {
			delete(out, n)
			continue
		}
		if len(f) > 1 {
			if st, err := strconv.ParseUint(strings.Split(f[1], ",")[0], 10, 64); err == nil {
				streams[n] = st
			}
		}
	}
	return out, streams, sc.Err()
}

// Confusion counts agreement for one category.
type Confusion struct{ TP, FP, FN uint64 }

// Precision is TP/(TP+FP), 1 when nothing was flagged.
func (c Confusion) Precision() float64 {
	if c.TP+c.FP == 0 {
		return 1
	}
	return float64(c.TP) / float64(c.TP+c.FP)
}

// Recall is TP/(TP+FN), 1 when there was nothing to find.
func (c Confusion) Recall() float64 {
	if c.TP+c.FN == 0 {
		return 1
	}
	return float64(c.TP) / float64(c.TP+c.FN)
}

// Result is the comparison of one or more captures.
type Result struct {
	C [NumCategories]Confusion
	// StreamsAgree and StreamsDiffer count frames flagged by both whose
	// stream index is the same / not the same as tshark's tcp.stream.
	StreamsAgree, StreamsDiffer uint64
	StreamDiffs                 []string
	// Diffs lists up to a few disagreeing frames per category.
	Diffs [NumCategories][]string
}

const maxDiffs = 8

// Compare adds the comparison of got (tcpviz) against want (Wireshark).
func (r *Result) Compare(name string, want, got Frames) {
	frames := make(map[uint64]struct{}, len(want)+len(got))
	for f := range want {
		frames[f] = struct{}{}
	}
	for f := range got {
		frames[f] = struct{}{}
	}
	sorted := make([]uint64, 0, len(frames))
	for f := range frames {
		sorted = append(sorted, f)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	for _, f := range sorted {
		w, g := want[f], got[f]
		for c := Category(0); c < NumCategories; c++ {
			switch {
			case w.Has(c) && g.Has(c):
				r.C[c].TP++
			case g.Has(c):
				r.C[c].FP++
				r.note(c, fmt.Sprintf("%s frame %d: tcpviz only", name, f))
			case w.Has(c):
				r.C[c].FN++
				r.note(c, fmt.Sprintf("%s frame %d: wireshark only", name, f))
			}
		}
	}
}

func (r *Result) note(c Category, s string) {
	if len(r.Diffs[c]) < maxDiffs {
		r.Diffs[c] = append(r.Diffs[c], s)
	}
}

// CompareStreams adds the stream-index agreement of frames both flagged.
func (r *Result) CompareStreams(name string, want, got Streams) {
	frames := make([]uint64, 0, len(want))
	for f := range want {
		if _, ok := got[f]; ok {
			frames = append(frames, f)
		}
	}
	sort.Slice(frames, func(i, j int) bool { return frames[i] < frames[j] })
	for _, f := range frames {
		if want[f] == got[f] {
			r.StreamsAgree++
			continue
		}
		r.StreamsDiffer++
		if len(r.StreamDiffs) < maxDiffs {
			r.StreamDiffs = append(r.StreamDiffs, fmt.Sprintf("%s frame %d: tcp.stream %d, tcpviz %d", name, f, want[f], got[f]))
		}
	}
}

// Add merges o into r.
func (r *Result) Add(o *Result) {
	r.StreamsAgree += o.StreamsAgree
	r.StreamsDiffer += o.StreamsDiffer
	for _, d := range o.StreamDiffs {
		if len(r.StreamDiffs) < maxDiffs {
			r.StreamDiffs = append(r.StreamDiffs, d)
		}
	}
	for c := range r.C {
		r.C[c].TP += o.C[c].TP
		r.C[c].FP += o.C[c].FP
		r.C[c].FN += o.C[c].FN
		for _, d := range o.Diffs[c] {
			r.note(Category(c), d)
		}
	}
}

// Table formats the result, one category per line.
func (r *Result) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-26s %8s %6s %6s %9s %7s\n", "category", "TP", "FP", "FN", "precision", "recall")
	for c := Category(0); c < NumCategories; c++ {
		x := r.C[c]
		fmt.Fprintf(&b, "%-26s %8d %6d %6d %8.2f%% %6.2f%%\n", c.Name(), x.TP, x.FP, x.FN, 100*x.Precision(), 100*x.Recall())
	}
	return b.String()
}
