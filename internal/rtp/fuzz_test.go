package rtp

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/decode"
	"github.com/tcpviz/tcpviz/internal/event"
)

// The fuzz input is a sequence of packets, each a control byte, a length
// byte and that many payload bytes. The control byte picks the 5-tuple
// (bits 0-1; tuple 0 is on a forced port), whether the snapshot length cut
// the payload (bit 2: the wire length is 7 bytes more) and the time step
// (bits 3-7, signed, in units of 3 ms: captures are not always in time
// order).
func encodeFuzz(dst []byte, ctl byte, payload []byte) []byte {
	if len(payload) > 255 {
		payload = payload[:255]
	}
	dst = append(dst, ctl, byte(len(payload)))
	return append(dst, payload...)
}

// fuzzSeeds turns the first UDP payloads of the RTP samples into seeds.
func fuzzSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(samplesDir, "*rtp*.pcap*"))
	for _, path := range files {
		r, err := capture.Open(path, nil)
		if err != nil {
			continue
		}
		dec := decode.New()
		var rec capture.Record
		var pk decode.Packet
		var seed []byte
		for frame := uint64(1); frame <= 60; frame++ {
			if err := r.Next(&rec); err != nil {
				break
			}
			if dec.Decode(frame, rec.Timestamp, rec.LinkType, rec.OrigLen, rec.Data, &pk) && pk.IsUDP() {
				seed = encodeFuzz(seed, byte(pk.DstPort%4)|20<<3, pk.Payload)
			}
		}
		r.Close()
		if len(seed) > 0 {
			f.Add(seed)
		}
	}
}

// FuzzRTP feeds arbitrary packets to the header parsers and to a Tracker.
// Whatever the bytes, nothing may panic, every event must name a frame it
// was given and carry finite figures, every flow record must encode as JSON
// with finite figures, and every counted packet must end up in exactly one
// record.
func FuzzRTP(f *testing.F) {
	fuzzSeeds(f)
	var seed []byte
	for i := range 6 {
		seed = encodeFuzz(seed, 1|7<<3, rtpBytes(0, i == 0, uint16(65533+i), uint32(160*i), 42, 20))
	}
	seed = encodeFuzz(seed, 1|7<<3, rtpBytes(0, false, 30000, 0xffffff00, 42, 20))
	seed = encodeFuzz(seed, 1|0x1f<<3, rtpBytes(0, false, 30001, 0, 42, 20)) // time goes back
	seed = encodeFuzz(seed, 0|4, cat(rtcp(200, 0, 28), rtcp(202, 1, 24)))
	seed = encodeFuzz(seed, 2|1<<3, rtpBytes(96, true, 1, 1, 7, 4))
	f.Add(seed)
	f.Add(encodeFuzz(nil, 0, []byte{0x9f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})) // 15 CSRCs, extension, padding
	f.Add(encodeFuzz(nil, 0, []byte{0x80, 206, 0, 2, 1, 2, 3, 4}))
	f.Fuzz(fuzzTracker)
}

// fuzzTracker is FuzzRTP's body.
func fuzzTracker(t *testing.T, data []byte) {
	{
		cfg := DefaultConfig()
		cfg.Ports = []uint16{5004}
		cfg.MaxStreams = 4
		cfg.IdleTimeout = 500 * time.Millisecond
		cfg.JitterThresholdMs = 1
		var frames uint64
		tr := New(cfg, event.SinkFunc(func(e *event.Event) {
			if e.Frame == 0 || e.Frame > frames {
				t.Fatalf("event %s names frame %d of %d", e.Type, e.Frame, frames)
			}
			for _, v := range []float64{e.Extra.JitterMs, e.Extra.ThresholdMs} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("event %s has a non-finite figure: %+v", e.Type, e.Extra)
				}
			}
		}), nil)
		var recorded uint64
		tr.onFlow = func(r *event.FlowRecord) {
			if _, err := json.Marshal(r); err != nil {
				t.Fatalf("record does not encode: %v", err)
			}
			for _, v := range []float64{r.MaxDeltaMs, r.JitterMeanMs, r.JitterMaxMs, r.FirstTS, r.LastTS} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("record has a non-finite figure: %+v", *r.RTPFields)
				}
			}
			if r.Packets == 0 || r.JitterMaxMs < 0 || r.JitterMeanMs < 0 || r.Lost != r.Expected-int64(r.Packets) {
				t.Fatalf("impossible record: %+v", *r.RTPFields)
			}
			recorded += r.Packets
		}
		tuples := [4]struct{ sport, dport uint16 }{{40000, 5004}, {40000, 6000}, {40002, 6000}, {40001, 6001}}
		src, dst := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::2")
		now := int64(1e18)
		var p decode.Packet
		for len(data) >= 2 {
			ctl, n := data[0], int(data[1])
			data = data[2:]
			if n > len(data) {
				n = len(data)
			}
			payload := data[:n]
			data = data[n:]
			wire := n
			if ctl&4 != 0 {
				wire += 7
			}
			var h Header
			if ParseHeader(payload, wire, &h) == OK && (h.Len > wire || h.PayloadLen > wire) {
				t.Fatalf("header longer than the packet: %+v, wire %d", h, wire)
			}
			IsRTCP(payload, wire)
			frames++
			now += int64(int8(ctl)>>3) * 3e6
			tu := tuples[ctl&3]
			p = decode.Packet{Frame: frames, TS: now, Transport: decode.TransUDP, Net: decode.NetIPv4,
				Src: src, Dst: dst, SrcPort: tu.sport, DstPort: tu.dport,
				Payload: payload, PayloadLen: wire, OrigLen: 42 + wire, CapLen: 42 + n}
			tr.Packet(&p)
		}
		tr.Flush()
		if st := tr.Stats(); st.Packets != recorded || st.Live != 0 {
			t.Fatalf("%d packets counted, %d in records, %d streams live", st.Packets, recorded, st.Live)
		}
	}
}

// TestFuzzCorpusReadable makes sure the seed reader finds the samples, so
// the fuzz test starts from real captures.
func TestFuzzCorpusReadable(t *testing.T) {
	path := filepath.Join(samplesDir, "rtp_wrap.pcap")
	r, err := capture.Open(path, nil)
	if err != nil {
		t.Skipf("no samples: %v", err)
	}
	defer r.Close()
	var rec capture.Record
	n := 0
	for ; ; n++ {
		if err := r.Next(&rec); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
	}
	if n != 188 {
		t.Errorf("%s: %d records, want 188", path, n)
	}
}
