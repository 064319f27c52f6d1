package pipeline

import (
	"context"
	"errors"
	"io"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/decode"
	"github.com/tcpviz/tcpviz/internal/metrics"
)

// Parallel runs are a two-stage pipeline: one goroutine reads and decodes
// records into batches, and the caller's goroutine analyses the batches
// strictly in capture order. Everything stateful (flow table, TCP state,
// stream numbering, metrics, events) stays in that one ordered stage, so the
// results are identical for every worker count.
//
// Why two stages and not more: reading (the kernel's copy out of the page
// cache) plus decoding costs about as much per packet as the analysis, so
// on two cores the stages keep both busy. Decoding on more goroutines needs
// the reader to copy every frame for them, which costs more than the decoding
// it spreads; the analysis itself is one ordered pass (stream numbers, idle
// expiry and records follow capture order across all flows). The hand-over
// has a price of its own: a batch's packets (216 bytes each) are written on
// one core and read on the other, so the first stage's stores into them wait
// for the lines to come back (perf, 2026-12-02: decoding's share of the CPU
// goes from ~13 % on one core to ~23 % on two, all of it in those stores;
// more or fewer batches in flight do not change it).
//
// A decoded packet must not point into the reader's buffer, which the next
// read overwrites. The first stage classifies each packet's application
// protocol (metrics.App, the only reader of a TCP payload's bytes) while its
// bytes are at hand, so a TCP packet keeps none of its payload; a UDP
// packet's payload (RTP headers and padding, DNS, QUIC) is copied into the
// batch. The corpus-wide identical-results test would show a reader missed.

const (
	batchFrames = 512
	// batchBytes bounds a batch's copies of payloads; a batch ends once
	// they reach it (one record adds at most capture.MaxRecord).
	batchBytes = 256 << 10
	// batches in flight between the stages.
	batches = 4
)

type batch struct {
	n     int
	pkts  [batchFrames]decode.Packet
	apps  [batchFrames]metrics.Proto // metrics.App of each packet
	arena []byte
	err   error // set on the last batch: why reading stopped (nil at EOF)
	last  bool
}

// runParallel is Run with reading and decoding in their own goroutine.
func (p *Pipeline) runParallel(ctx context.Context, r *capture.Reader) error {
	free := make(chan *batch, batches)
	for i := 0; i < batches; i++ {
		free <- &batch{arena: make([]byte, 0, batchBytes+capture.MaxRecord)}
	}
	full := make(chan *batch, batches)
	go p.readAndDecode(ctx, r, free, full)

	var result error
	var sinceProgress int
	for b := range full {
		for j := 0; j < b.n; j++ {
			p.analyse(&b.pkts[j], b.apps[j])
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
	return result
}

// readAndDecode fills batches with decoded packets from r, in order, until
// the input ends, fails or ctx is cancelled. It is the only user of p.dec
// until it closes full.
func (p *Pipeline) readAndDecode(ctx context.Context, r *capture.Reader, free <-chan *batch, full chan<- *batch) {
	defer close(full)
	frame := p.frame
	for {
		b := <-free
		p.fill(ctx, r, b, &frame)
		full <- b
		if b.last {
			return
		}
	}
}

// fill reads and decodes the next batch of records from r, numbering them
// on from *frame; at the end of the input, a failure or a cancellation it
// marks the batch last, with the reason.
func (p *Pipeline) fill(ctx context.Context, r *capture.Reader, b *batch, frame *uint64) {
	var rec capture.Record
	b.n, b.arena, b.err, b.last = 0, b.arena[:0], nil, false
	for b.n < batchFrames && len(b.arena) < batchBytes {
		if *frame%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				b.err, b.last = err, true
				return
			}
		}
		if err := r.Next(&rec); err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			b.err, b.last = err, true
			return
		}
		*frame++
		pk := &b.pkts[b.n]
		p.dec.Decode(*frame, rec.Timestamp, rec.LinkType, rec.OrigLen, rec.Data, pk)
		b.apps[b.n] = metrics.App(pk)
		b.arena = keepPayload(pk, b.arena)
		b.n++
	}
}

// keepPayload copies the part of pk's payload the analysis reads to the end
// of arena and points pk.Payload at the copy: all of a UDP payload, none of
// any other (its length stays in PayloadLen).
func keepPayload(pk *decode.Packet, arena []byte) []byte {
	keep := pk.Payload
	if pk.Transport != decode.TransUDP {
		keep = nil
	}
	pk.Payload = nil
	if keep == nil {
		return arena
	}
	off := len(arena)
	arena = append(arena, keep...)
	pk.Payload = arena[off:len(arena):len(arena)]
	return arena
}
