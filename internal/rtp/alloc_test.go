package rtp

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/tcpviz/tcpviz/internal/decode"
	"github.com/tcpviz/tcpviz/internal/event"
)

// traffic is a reusable mix of UDP packets: two RTP streams (one with a
// dynamic payload type, so clock inference runs), RTCP, and other UDP.
// Its buffers are rewritten in place, so producing a packet allocates
// nothing.
type traffic struct {
	p         decode.Packet
	rtp, dyn  []byte
	rtcp, dns []byte
	junk      []byte
	n         int
	now       int64
}

func newTraffic() *traffic {
	return &traffic{
		p: decode.Packet{Net: decode.NetIPv4, Transport: decode.TransUDP, IPProto: 17,
			Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("198.51.100.2")},
		rtp:  rtpBytes(0, false, 0, 0, 0x1111, 160),
		dyn:  rtpBytes(111, false, 0, 0, 0x2222, 80),
		rtcp: cat(rtcp(200, 0, 28), rtcp(202, 1, 24)),
		dns:  []byte{0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0},
		junk: rtpBytes(0, false, 0, 0, 0, 20),
		now:  int64(1_700_000_000) * 1e9,
	}
}

// next returns the next packet of the mix.
func (tf *traffic) next() *decode.Packet {
	tf.n++
	i := tf.n
	p := &tf.p
	p.Frame = uint64(i)
	tf.now += int64(5 * time.Millisecond)
	p.TS = tf.now
	p.SrcPort, p.DstPort = 40000, 5004
	switch i % 5 {
	case 0, 1: // PCMU, with a loss every 100 packets and a duplicate every 150
		b := tf.rtp
		k := i/5*2 + i%5
		seq := uint16(k)
		if k%100 == 0 {
			seq++
		}
		if k%150 == 1 {
			seq--
		}
		binary.BigEndian.PutUint16(b[2:], seq)
		binary.BigEndian.PutUint32(b[4:], uint32(k)*160)
		p.Payload = b
	case 2: // Opus, PT 111, 48 kHz, a packet every 25 ms
		b := tf.dyn
		binary.BigEndian.PutUint16(b[2:], uint16(i/5))
		binary.BigEndian.PutUint32(b[4:], uint32(i/5)*1200)
		p.Payload = b
		p.SrcPort, p.DstPort = 40002, 6000
	case 3:
		if i%2 == 0 {
			p.Payload = tf.rtcp
			p.SrcPort, p.DstPort = 40001, 5005
		} else {
			p.Payload = tf.dns
			p.SrcPort, p.DstPort = 53000, 53
		}
	case 4: // version-2 noise with a new SSRC each time: candidates come and go
		b := tf.junk
		binary.BigEndian.PutUint32(b[8:], uint32(i))
		binary.BigEndian.PutUint16(b[2:], uint16(i*7919))
		p.Payload = b
		p.SrcPort, p.DstPort = uint16(30000+i%64), 7000
	}
	p.PayloadLen = len(p.Payload)
	p.OrigLen = 42 + p.PayloadLen
	p.CapLen = p.OrigLen
	return p
}

func TestSteadyStateAllocatesNothing(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxStreams = 256 // candidates churn through a full table
	var events int
	tr := New(cfg, event.SinkFunc(func(*event.Event) { events++ }), func(*event.FlowRecord) {})
	tf := newTraffic()
	for range 20000 { // warm up: streams confirmed, clock inferred, tables full
		tr.Packet(tf.next())
	}
	if n := testing.AllocsPerRun(20000, func() { tr.Packet(tf.next()) }); n != 0 {
		t.Errorf("Packet allocates %.3f times per packet in the steady state, want 0", n)
	}
	st := tr.Stats()
	if st.Streams < 2 || events == 0 || st.RTCPPackets == 0 || st.ClockInferred != 1 {
		t.Errorf("the mix did not exercise the tracker: %d streams, %d events, %d RTCP, %d inferred",
			st.Streams, events, st.RTCPPackets, st.ClockInferred)
	}
}

func BenchmarkTracker(b *testing.B) {
	tr := New(DefaultConfig(), event.SinkFunc(func(*event.Event) {}), func(*event.FlowRecord) {})
	tf := newTraffic()
	for range 20000 {
		tr.Packet(tf.next())
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(tf.rtp)))
	b.ResetTimer()
	for range b.N {
		tr.Packet(tf.next())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkStream measures the common case: packets of one known stream.
func BenchmarkStream(b *testing.B) {
	tr := New(DefaultConfig(), event.SinkFunc(func(*event.Event) {}), func(*event.FlowRecord) {})
	tf := newTraffic()
	p := &tf.p
	p.SrcPort, p.DstPort = 40000, 5004
	p.Payload = tf.rtp
	p.PayloadLen = len(tf.rtp)
	send := func(i int) {
		binary.BigEndian.PutUint16(tf.rtp[2:], uint16(i))
		binary.BigEndian.PutUint32(tf.rtp[4:], uint32(i)*160)
		p.Frame = uint64(i)
		p.TS += int64(20 * time.Millisecond)
		tr.Packet(p)
	}
	for i := range 10 {
		send(i)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(tf.rtp)))
	b.ResetTimer()
	for i := range b.N {
		send(10 + i)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}
