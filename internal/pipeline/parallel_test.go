package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/decode"
	"github.com/tcpviz/tcpviz/internal/event"
)

// runAll returns everything a run produces — events, flow records and the
// summary — as text, for comparing runs.
func runAll(t testing.TB, open func() (*capture.Reader, error), workers int) (string, error) {
	t.Helper()
	r, err := open()
	if err != nil {
		return "", err
	}
	defer r.Close()
	var out bytes.Buffer
	w := event.NewWriter(&out)
	opts := DefaultOptions()
	opts.Workers = workers
	pl := New(opts, w, func(f *event.FlowRecord) {
		b, _ := json.Marshal(f)
		out.Write(append(b, '\n'))
	})
	runErr := pl.Run(context.Background(), r)
	pl.Finish()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	sum, _ := json.MarshalIndent(pl.Summary("x", r.Info(), runErr), "", " ")
	return out.String() + string(sum), runErr
}

// TestWorkersGiveIdenticalResults runs every sample and corpus capture with
// 1, 2 and 5 workers: events, flow records and summaries must be
// byte for byte the same, and so must the error of a damaged file.
func TestWorkersGiveIdenticalResults(t *testing.T) {
	var files []string
	for _, pat := range []string{"../../samples/*.pcap*", "../../../shared/corpus/pcaps/*"} {
		m, _ := filepath.Glob(pat)
		for _, f := range m {
			if !strings.HasSuffix(f, ".tsv") && !strings.HasSuffix(f, ".txt") && !strings.HasSuffix(f, ".md") {
				files = append(files, f)
			}
		}
	}
	// A large multi-connection transfer crosses many batch boundaries.
	big := pcapFile(t, bulkFrames(t, 30000))
	files = append(files, "bulk")
	for _, f := range files {
		open := func() (*capture.Reader, error) { return capture.Open(f, nil) }
		if f == "bulk" {
			open = func() (*capture.Reader, error) { return capture.NewReader("bulk", bytes.NewReader(big), nil) }
		}
		want, wantErr := runAll(t, open, 1)
		var ce *capture.Error
		if wantErr != nil && !errors.As(wantErr, &ce) {
			continue // not a capture at all
		}
		for _, workers := range []int{2, 5} {
			got, gotErr := runAll(t, open, workers)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s with %d workers differs from 1 worker (-want +got):\n%s", filepath.Base(f), workers, diff)
			}
			if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
				t.Errorf("%s with %d workers: error %v, want %v", filepath.Base(f), workers, gotErr, wantErr)
			}
		}
	}
}

// BenchmarkPipelineWorkers is BenchmarkPipeline with parallel decoding.
func BenchmarkPipelineWorkers(b *testing.B) {
	file := pcapFile(b, bulkFrames(b, 200000))
	for _, workers := range []int{1, 2} {
		b.Run(map[int]string{1: "workers=1", 2: "workers=2"}[workers], func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(file)))
			var packets uint64
			for i := 0; i < b.N; i++ {
				r, err := capture.NewReader("bench", bytes.NewReader(file), nil)
				if err != nil {
					b.Fatal(err)
				}
				opts := DefaultOptions()
				opts.Workers = workers
				pl := New(opts, event.NewWriter(io.Discard), nil)
				if err := pl.Run(context.Background(), r); err != nil {
					b.Fatal(err)
				}
				pl.Finish()
				packets += pl.Frames()
			}
			b.ReportMetric(float64(packets)/b.Elapsed().Seconds(), "pkts/s")
		})
	}
}

// TestKeepPayload: a batch keeps a UDP payload as its own copy (the reader
// overwrites the original) and no payload of anything else; the lengths the
// analysis reads stay.
func TestKeepPayload(t *testing.T) {
	for _, tc := range []struct {
		name      string
		transport uint8
		keep      bool
	}{
		{"tcp", decode.TransTCP, false},
		{"udp", decode.TransUDP, true},
		{"other", decode.TransNone, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frame := []byte("0123456789abcdef")
			pk := decode.Packet{Transport: tc.transport, Payload: frame[4:12], PayloadLen: 8}
			arena := keepPayload(&pk, []byte("prefix"))
			if pk.PayloadLen != 8 {
				t.Errorf("PayloadLen %d, want 8", pk.PayloadLen)
			}
			if !tc.keep {
				if pk.Payload != nil || string(arena) != "prefix" {
					t.Errorf("kept %q (arena %q), want nothing", pk.Payload, arena)
				}
				return
			}
			copy(frame, "XXXXXXXXXXXXXXXX") // the reader's next record
			if string(pk.Payload) != "456789ab" || string(arena) != "prefix456789ab" {
				t.Errorf("kept %q (arena %q), want a copy of 456789ab after the arena's bytes", pk.Payload, arena)
			}
			if cap(pk.Payload) != len(pk.Payload) {
				t.Errorf("kept payload has room to grow into the arena (cap %d)", cap(pk.Payload))
			}
		})
	}
}
