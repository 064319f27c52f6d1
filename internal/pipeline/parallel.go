package pipeline

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/decode"
)

// Parallel runs are an ordered three-stage pipeline: one goroutine reads
// records into batches, Workers goroutines decode whole batches at once
// (decoding is stateless), and the caller's goroutine analyses the batches
// strictly in capture order. Everything stateful (flow table, TCP state,
// stream numbering, metrics, events) stays in that one ordered stage, so the
// results are identical for every worker count; only decoding is spread.

const (
	batchFrames = 512
	// batchBytes bounds a batch's copy of the frames it holds; a batch
	// ends early when the next frame would not fit.
	batchBytes = 1 << 20
)

type frameRef struct {
	ts        int64
	linkType  uint32
	origLen   int
	off, size int
}

type batch struct {
	n     int
	first uint64 // frame number of the batch's first record
	refs  [batchFrames]frameRef
	arena []byte
	pkts  [batchFrames]decode.Packet
	err   error // set on the last batch: why reading stopped (nil at EOF)
	last  bool
	ready chan struct{} // a decoder signals when pkts are filled
}

// runParallel is Run with decoding spread over workers goroutines.
func (p *Pipeline) runParallel(ctx context.Context, r *capture.Reader, workers int) error {
	nb := 4*workers + 2
	free := make(chan *batch, nb)
	for i := 0; i < nb; i++ {
		free <- &batch{arena: make([]byte, 0, batchBytes+capture.MaxRecord), ready: make(chan struct{}, 1)}
	}
	work := make(chan *batch, nb)
	order := make(chan *batch, nb)

	go p.readBatches(ctx, r, free, work, order)

	decoders := make([]*decode.Decoder, workers)
	var wg sync.WaitGroup
	for i := range decoders {
		d := decode.New()
		decoders[i] = d
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				for j := 0; j < b.n; j++ {
					f := &b.refs[j]
					d.Decode(b.first+uint64(j), f.ts, f.linkType, f.origLen, b.arena[f.off:f.off+f.size:f.off+f.size], &b.pkts[j])
				}
				b.ready <- struct{}{}
			}
		}()
	}

	var result error
	var sinceProgress int
	for b := range order {
		<-b.ready
		for j := 0; j < b.n; j++ {
			p.analyse(&b.pkts[j])
			if sinceProgress++; sinceProgress == checkEvery {
				sinceProgress = 0
				if p.opts.Progress != nil {
					p.opts.Progress(p.frame)
				}
			}
		}
		if b.last {
			result = b.err
		}
		free <- b
	}
	wg.Wait()
	for _, d := range decoders {
		p.dec.Stats.Merge(&d.Stats)
	}
	return result
}

// readBatches fills batches from r in order and hands each to the decoders
// (work) and, in the same order, to the analysing stage (order).
func (p *Pipeline) readBatches(ctx context.Context, r *capture.Reader, free <-chan *batch, work, order chan<- *batch) {
	defer close(work)
	defer close(order)
	var rec capture.Record
	frame := p.frame
	var pending bool // rec holds a record that did not fit the last batch
	for {
		b := <-free
		b.n, b.first, b.arena, b.err, b.last = 0, frame+1, b.arena[:0], nil, false
		for b.n < batchFrames {
			if !pending {
				if frame%checkEvery == 0 {
					if err := ctx.Err(); err != nil {
						b.err, b.last = err, true
						break
					}
				}
				if err := r.Next(&rec); err != nil {
					if errors.Is(err, io.EOF) {
						err = nil
					}
					b.err, b.last = err, true
					break
				}
			}
			if b.n > 0 && len(b.arena)+len(rec.Data) > batchBytes {
				// The record's bytes are still valid: the reader has
				// not been called since. They go first in the next batch.
				pending = true
				break
			}
			pending = false
			frame++
			// The reader reuses its buffer: copy the frame into the
			// batch, which the decoders and the analysis then own.
			off := len(b.arena)
			b.arena = append(b.arena, rec.Data...)
			b.refs[b.n] = frameRef{ts: rec.Timestamp, linkType: rec.LinkType, origLen: rec.OrigLen, off: off, size: len(rec.Data)}
			b.n++
		}
		order <- b
		work <- b
		if b.last {
			return
		}
	}
}
