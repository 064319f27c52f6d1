package oracle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/pipeline"
)

// truthStreams is the part of a corpus truth JSON file about TCP streams.
type truthStreams struct {
	TCPStreams int `json:"tcp_streams"`
	Details    []struct {
		Stream     uint64   `json:"stream"`
		Endpoints  string   `json:"endpoints"` // "a:p -> b:p"
		Frames     uint64   `json:"frames"`
		BytesWire  uint64   `json:"bytes_wire"`
		InitialRTT *float64 `json:"tshark_initial_rtt_ms"`
	} `json:"tcp_stream_details"`
}

// streamFigures is what a flow record says that tshark says too.
type streamFigures struct {
	endpoints    [2]string
	frames       uint64
	bytes        uint64
	handshakeRTT *float64
}

// TestCorpusStreamsAgainstWireshark: every TCP stream of every corpus capture,
// as tshark numbers them, has a flow record with the same endpoints, frames,
// bytes on the wire and initial RTT (SYN to the ACK after it, where tshark
// shows one; none where it does not). Closed connections stay in the table
// and nothing goes idle here: Wireshark never forgets a conversation, and
// what tcpviz's bounded memory changes on purpose (README "Deliberate
// differences") is tested on its own (TestBurialKeepsVerdicts).
func TestCorpusStreamsAgainstWireshark(t *testing.T) {
	files := captures(t, filepath.Join(corpusDir, "pcaps"))
	if len(files) == 0 {
		t.Skip("no corpus at " + corpusDir)
	}
	var streams, diffs int
	for _, path := range files {
		b, err := os.ReadFile(filepath.Join(corpusDir, "truth", filepath.Base(path)+".json"))
		if err != nil {
			continue
		}
		var truth truthStreams
		if err := json.Unmarshal(b, &truth); err != nil {
			t.Fatalf("%s truth: %v", path, err)
		}
		got, err := streamsOf(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		if len(got) != truth.TCPStreams {
			diffs++
			t.Errorf("%s: %d TCP streams, tshark %d", name, len(got), truth.TCPStreams)
		}
		for _, w := range truth.Details {
			streams++
			g, ok := got[w.Stream]
			if !ok {
				diffs++
				t.Errorf("%s stream %d (%s): no flow record", name, w.Stream, w.Endpoints)
				continue
			}
			a, z, _ := strings.Cut(w.Endpoints, " -> ")
			var d []string
			if [2]string{a, z} != g.endpoints && [2]string{z, a} != g.endpoints {
				d = append(d, fmt.Sprintf("endpoints %s, tshark %s", g.endpoints, w.Endpoints))
			}
			if g.frames != w.Frames || g.bytes != w.BytesWire {
				d = append(d, fmt.Sprintf("%d frames %d bytes, tshark %d and %d", g.frames, g.bytes, w.Frames, w.BytesWire))
			}
			switch {
			case (g.handshakeRTT == nil) != (w.InitialRTT == nil):
				d = append(d, fmt.Sprintf("handshake RTT %s, tshark %s", ms(g.handshakeRTT), ms(w.InitialRTT)))
			case g.handshakeRTT != nil && math.Abs(*g.handshakeRTT-*w.InitialRTT) > 0.0005:
				d = append(d, fmt.Sprintf("handshake RTT %s, tshark %s", ms(g.handshakeRTT), ms(w.InitialRTT)))
			}
			if d != nil {
				diffs++
				t.Errorf("%s stream %d: %s", name, w.Stream, strings.Join(d, "; "))
			}
		}
	}
	t.Logf("%d streams compared, %d differ", streams, diffs)
}

func ms(v *float64) string {
	if v == nil {
		return "none"
	}
	return fmt.Sprintf("%.3f ms", *v)
}

// streamsOf runs the pipeline over path, closed connections kept and none
// idle, and returns its TCP flow records' figures by stream.
func streamsOf(path string) (map[uint64]streamFigures, error) {
	opts := pipeline.DefaultOptions()
	opts.TCP.CloseLinger, opts.TCP.IdleTimeout = 0, 0
	got := map[uint64]streamFigures{}
	read, err := runFile(context.Background(), path, opts, nil, func(f *event.FlowRecord) {
		if f.Proto != "tcp" {
			return
		}
		g := streamFigures{
			endpoints: [2]string{endpoint(f.SrcIP, f.SrcPort), endpoint(f.DstIP, f.DstPort)},
			frames:    f.FwdPackets + f.RevPackets,
			bytes:     f.FwdBytes + f.RevBytes,
		}
		if f.HandshakeRTTms != nil {
			v := *f.HandshakeRTTms
			g.handshakeRTT = &v
		}
		got[f.Stream] = g
	}, nil)
	var ce *capture.Error
	if !read || err != nil && !errors.As(err, &ce) {
		return nil, err
	}
	return got, nil
}

// endpoint writes an address and port as the truth files' endpoints do.
func endpoint(ip string, port uint16) string { return fmt.Sprintf("%s:%d", ip, port) }
