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
	r, err := capture.Open(path, nil)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	got := Frames{}
	streams := Streams{}
	pl := pipeline.New(pipeline.DefaultOptions(), event.SinkFunc(func(e *event.Event) {
		if s := FromEventType(e.Type); s != 0 {
			got[e.Frame] |= s
			streams[e.Frame] = e.Stream
		}
	}), nil)
	stats := pl.TCPStats()
	var runErr error
	var rec capture.Record
	for {
		if runErr = ctx.Err(); runErr != nil {
			break
		}
		if runErr = r.Next(&rec); runErr != nil {
			if errors.Is(runErr, io.EOF) {
				runErr = nil
			}
			break
		}
		before := stats.Flags
		pl.Record(&rec)
		var flagged Set
		for b := range stats.Flags {
			if stats.Flags[b] != before[b] {
				flagged |= fromWireshark(tcpanalysis.Flags(1 << b).Name())
			}
		}
		frame := pl.Frames()
		if ev := got[frame]; ev != flagged&^eventless {
			return nil, nil, fmt.Errorf("analyse %s: frame %d: events say %s, flags %s", path, frame, ev, flagged&^eventless)
		}
		if flagged != 0 {
			got[frame] = flagged
		}
	}
	pl.Finish()
	var ce *capture.Error
	if runErr != nil && !errors.As(runErr, &ce) {
		return nil, nil, fmt.Errorf("analyse %s: %w", path, runErr)
	}
	return got, streams, runErr
}
