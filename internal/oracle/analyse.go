package oracle

import (
	"context"
	"errors"
	"fmt"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/pipeline"
)

// Analyse runs the tcpviz pipeline over path and returns its verdicts per
// frame. A capture damaged part-way is analysed up to the damage, as
// parse-pcap does, and the damage is returned alongside.
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
	runErr := pl.Run(ctx, r)
	pl.Finish()
	var ce *capture.Error
	if runErr != nil && !errors.As(runErr, &ce) {
		return nil, nil, fmt.Errorf("analyse %s: %w", path, runErr)
	}
	return got, streams, runErr
}
