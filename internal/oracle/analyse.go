package oracle

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/pipeline"
	"github.com/tcpviz/tcpviz/internal/tcpanalysis"
)

// Analyse runs the tcpviz pipeline over path, record by record, and returns
// its verdicts per frame: the categories of its events, and those of the
// flags it counts without an event (window updates, keep-alive ACKs…). A
// capture damaged part-way is analysed up to the damage, as parse-pcap does,
// and the damage is returned alongside. The flags behind the events must
// give the same categories as the events, frame by frame: a disagreement is
// an error.
func Analyse(ctx context.Context, path string) (Frames, Streams, error) {
	got := Frames{}
	streams := Streams{}
	sink := event.SinkFunc(func(e *event.Event) {
		if s := FromEventType(e.Type); s != 0 {
			got[e.Frame] |= s
			streams[e.Frame] = e.Stream
		}
	})
	var before [tcpanalysis.NumFlags]uint64
	read, err := runFile(ctx, path, pipeline.DefaultOptions(), sink, nil, func(pl *pipeline.Pipeline) error {
		stats := pl.TCPStats()
		var flagged Set
		for b := range stats.Flags {
			if stats.Flags[b] != before[b] {
				flagged |= fromWireshark(tcpanalysis.Flags(1 << b).Name())
			}
		}
		before = stats.Flags
		frame := pl.Frames()
		if ev := got[frame]; ev != flagged&^eventless {
			return fmt.Errorf("frame %d: events say %s, flags %s", frame, ev, flagged&^eventless)
		}
		if flagged != 0 {
			got[frame] = flagged
		}
		return nil
	})
	var ce *capture.Error
	if !read || err != nil && !errors.As(err, &ce) {
		return nil, nil, err
	}
	return got, streams, err
}

// runFile runs a pipeline of opts over path record by record, calling after
// (if not nil) once each record is analysed, then finishes it. read is
// false when path could not be opened as a capture at all. A capture
// damaged part-way is analysed up to the damage, which is returned as the
// reader's *capture.Error; any other failure, after's included, is wrapped.
func runFile(ctx context.Context, path string, opts pipeline.Options, sink event.Sink, onFlow func(*event.FlowRecord),
	after func(*pipeline.Pipeline) error) (read bool, err error) {
	r, err := capture.Open(path, nil)
	if err != nil {
		return false, err
	}
	defer r.Close()
	pl := pipeline.New(opts, sink, onFlow)
	var rec capture.Record
	for {
		if err := ctx.Err(); err != nil {
			return true, fmt.Errorf("analyse %s: %w", path, err)
		}
		if err := r.Next(&rec); err != nil {
			pl.Finish()
			var ce *capture.Error
			switch {
			case errors.Is(err, io.EOF):
				return true, nil
			case errors.As(err, &ce):
				return true, err
			}
			return true, fmt.Errorf("analyse %s: %w", path, err)
		}
		pl.Record(&rec)
		if after != nil {
			if err := after(pl); err != nil {
				return true, fmt.Errorf("analyse %s: %w", path, err)
			}
		}
	}
}
