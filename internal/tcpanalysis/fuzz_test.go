package tcpanalysis

import (
	"encoding/binary"
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/tcpviz/tcpviz/internal/decode"
	"github.com/tcpviz/tcpviz/internal/event"
)

// FuzzAnalyzer feeds arbitrary packet sequences to the analyzer: 16 bytes a
// packet (direction and port bits, flags, seq, ack, length, window, time
// step, window-scale option). Whatever the sequence, the analyzer must not
// panic, every event must name a frame it was given, and every figure it
// writes must be finite.
func FuzzAnalyzer(f *testing.F) {
	pkt := func(dir, flags byte, seq, ack uint32, n, win uint16, dtMs byte, ws int8) []byte {
		b := make([]byte, 16)
		b[0], b[1] = dir, flags
		binary.BigEndian.PutUint32(b[2:], seq)
		binary.BigEndian.PutUint32(b[6:], ack)
		binary.BigEndian.PutUint16(b[10:], n)
		binary.BigEndian.PutUint16(b[12:], win)
		b[14], b[15] = dtMs, byte(ws)
		return b
	}
	var seed []byte
	seed = append(seed, pkt(0, byte(syn), 1000, 0, 0, 65535, 0, 7)...)
	seed = append(seed, pkt(1, byte(syn|ack), 5000, 1001, 0, 65535, 10, 7)...)
	seed = append(seed, pkt(0, byte(ack), 1001, 5001, 0, 512, 10, -1)...)
	seed = append(seed, pkt(0, byte(ack), 1001, 5001, 1000, 512, 1, -1)...)
	seed = append(seed, pkt(0, byte(ack), 3001, 5001, 1000, 512, 1, -1)...)
	seed = append(seed, pkt(1, byte(ack), 5001, 2001, 0, 0, 20, -1)...)
	seed = append(seed, pkt(1, byte(ack), 5001, 2001, 0, 0, 20, -1)...)
	seed = append(seed, pkt(0, byte(ack), 2001, 5001, 1, 512, 200, -1)...)
	seed = append(seed, pkt(0, byte(ack), 1001, 5001, 1000, 512, 255, -1)...)
	seed = append(seed, pkt(0, byte(rst), 0xffffffff, 0, 0, 0, 0, -1)...)
	f.Add(seed)
	f.Add(pkt(2, 0xff, 0xffffffff, 0xffffffff, 0xffff, 0, 0, 14))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Short idle timeouts, and a short linger under a long idle
		// timeout, so that evictions and buried connections (closed.go)
		// both come up within a few packets.
		for _, timing := range [][2]time.Duration{{500 * time.Millisecond, 2 * time.Second}, {5 * time.Second, 100 * time.Millisecond}} {
			fuzzAnalyzer(t, data, timing[0], timing[1])
		}
	})
}

func fuzzAnalyzer(t *testing.T, data []byte, idle, linger time.Duration) {
	cfg := DefaultConfig()
	cfg.MaxFlows = 4
	cfg.IdleTimeout = idle
	cfg.CloseLinger = linger
	var frames uint64
	var a *Analyzer
	check := func(e *event.Event) {
		if e.Frame == 0 || e.Frame > frames {
			t.Fatalf("event %s names frame %d of %d", e.Type, e.Frame, frames)
		}
		// A resumed (buried) connection reuses its id: ids are never
		// handed out twice nor invented.
		if e.Stream >= a.flows.Streams() {
			t.Fatalf("event %s names stream %d of %d", e.Type, e.Stream, a.flows.Streams())
		}
		for _, v := range []float64{e.Extra.SRTTms, e.Extra.RTTVARms, e.Extra.StallMs, e.Extra.ThresholdMs} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("event %s has a non-finite figure: %+v", e.Type, e.Extra)
			}
		}
	}
	a = New(cfg, event.SinkFunc(check), func(r *event.FlowRecord) {
		if r.RTTms != nil && (math.IsNaN(r.RTTms.Mean) || r.RTTms.Min > r.RTTms.Max) {
			t.Fatalf("flow record with impossible RTT: %+v", r.RTTms)
		}
	})
	now := int64(1e18)
	hosts := [4]netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("10.0.0.1")}
	for len(data) >= 16 {
		b := data[:16]
		data = data[16:]
		frames++
		now += int64(b[14]) * int64(time.Millisecond)
		src, dst := hosts[b[0]&3], hosts[(b[0]>>2)&3]
		sp, dp := 40000+uint16(b[0]>>4&1), uint16(443)
		if b[0]&0x20 != 0 {
			src, dst, sp, dp = dst, src, dp, sp
		}
		if b[0]&0x40 != 0 {
			now -= 3 * int64(time.Millisecond) // timestamps going backwards
		}
		p := &decode.Packet{
			Frame: frames, TS: now, OrigLen: 60, CapLen: 60, Net: decode.NetIPv4, Transport: decode.TransTCP,
			Src: src, Dst: dst, SrcPort: sp, DstPort: dp,
			PayloadLen: int(binary.BigEndian.Uint16(b[10:])),
			TCP: decode.TCP{Seq: binary.BigEndian.Uint32(b[2:]), Ack: binary.BigEndian.Uint32(b[6:]), Flags: b[1],
				Window: binary.BigEndian.Uint16(b[12:]), WScale: int8(b[15]) % 15},
		}
		a.Packet(p)
	}
	a.Flush()
	if a.Live() != 0 {
		t.Fatalf("%d flows live after Flush", a.Live())
	}
	if a.flows.Streams() != a.Stats.Connections {
		t.Fatalf("%d stream ids handed out for %d connections", a.flows.Streams(), a.Stats.Connections)
	}
}
