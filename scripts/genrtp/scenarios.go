package main

import (
	"encoding/binary"
	"math/rand/v2"
	"time"
)

// Addresses come from the documentation ranges: senders 192.0.2.x or
// 2001:db8::x, receivers 198.51.100.x or 2001:db8:1::x. Every destination
// port is even, so tshark's RTP-over-UDP heuristic (which wants an even
// destination port) sees the same streams as tcpviz.

func msd(f float64) time.Duration { return time.Duration(f*1e6 + 0.5) }

// noise returns a deterministic pseudo-random source for one scenario.
func noise(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x7c9f2a)) }

// jittered is nominal plus a uniform delay in [0, spread) ms.
func jittered(r *rand.Rand, nominal time.Duration, spread float64) time.Duration {
	return nominal + msd(r.Float64()*spread)
}

// audio sends n packets of a constant-rate audio stream: ptime ms apart,
// ticks timestamp units each, payload bytes long, delayed by up to spread ms.
type audio struct {
	src, dst endpoint
	pt       uint8
	ssrc     uint32
	seq      uint16
	ts       uint32
	ptimeMs  float64
	ticks    uint32
	payload  int
	spread   float64
	start    time.Duration
}

// packet returns the i-th packet of the stream and its arrival time.
func (a *audio) packet(r *rand.Rand, i int) (time.Duration, []byte) {
	at := jittered(r, a.start+msd(a.ptimeMs*float64(i)), a.spread)
	return at, rtpPacket(a.pt, i == 0, a.seq+uint16(i), a.ts+uint32(i)*a.ticks, a.ssrc, a.payload)
}

// scenWrap: sequence and timestamp wraparound.
//   - stream A (PCMU, 192.0.2.10:40000 -> :5004): seq 65490.. crosses
//     65535 -> 0 and its timestamp crosses 2^32, no loss;
//   - stream B (PCMA, 192.0.2.11:40002 -> :5006): seq 65520.., with 65535
//     and 0 lost before the capture;
//   - stream C (G.722 over IPv6, -> :5008): seq 65534.., wrapping at once.
func scenWrap() *capture {
	c := &capture{}
	r := noise(1)
	rx := ep("198.51.100.20", 0, 0x20)
	a := audio{src: ep("192.0.2.10", 40000, 0x10), dst: withPort(rx, 5004), pt: 0, ssrc: 0x11111111,
		seq: 65490, ts: 0xfffff000, ptimeMs: 20, ticks: 160, payload: 160, spread: 1.5, start: msd(10)}
	for i := range 80 {
		at, b := a.packet(r, i)
		c.send(at, a.src, a.dst, b)
	}
	b := audio{src: ep("192.0.2.11", 40002, 0x11), dst: withPort(rx, 5006), pt: 8, ssrc: 0x22222222,
		seq: 65520, ts: 123456, ptimeMs: 20, ticks: 160, payload: 160, spread: 0.8, start: msd(15)}
	for i := range 60 {
		if s := b.seq + uint16(i); s == 65535 || s == 0 {
			continue
		}
		at, p := b.packet(r, i)
		c.send(at, b.src, b.dst, p)
	}
	v6 := audio{src: ep("2001:db8::10", 40004, 0x12), dst: ep("2001:db8:1::20", 5008, 0x20), pt: 9,
		ssrc: 0x33333333, seq: 65534, ts: 9000, ptimeMs: 20, ticks: 160, payload: 160, spread: 2, start: msd(5)}
	for i := range 50 {
		at, p := v6.packet(r, i)
		c.send(at, v6.src, v6.dst, p)
	}
	return c
}

// scenSSRCChange: one 5-tuple (192.0.2.10:40000 -> 198.51.100.20:5004)
// carries SSRC 0xaaaa0001 for 100 packets, then SSRC 0xbbbb0002 (new
// sequence and timestamp bases) for 100 packets; the two overlap for 6
// packets, interleaved, as when a phone restarts its encoder.
func scenSSRCChange() *capture {
	c := &capture{}
	r := noise(2)
	src, dst := ep("192.0.2.10", 40000, 0x10), ep("198.51.100.20", 5004, 0x20)
	a := audio{src: src, dst: dst, pt: 0, ssrc: 0xaaaa0001, seq: 1000, ts: 50000, ptimeMs: 20,
		ticks: 160, payload: 160, spread: 1, start: msd(10)}
	for i := range 106 {
		at, p := a.packet(r, i)
		c.send(at, src, dst, p)
	}
	b := audio{src: src, dst: dst, pt: 0, ssrc: 0xbbbb0002, seq: 20000, ts: 7000000, ptimeMs: 20,
		ticks: 160, payload: 160, spread: 1, start: msd(10 + 100*20 + 7)}
	for i := range 100 {
		at, p := b.packet(r, i)
		c.send(at, src, dst, p)
	}
	return c
}

// scenReorder: reordering, duplicates, loss and a large jump.
//
// Stream A (PCMU, 192.0.2.10:40000 -> 198.51.100.20:5004), 150 packets
// seq 5000..5149 sent every 20 ms: 5020/5021 swapped; 5040 duplicated
// 1 ms later; 5060 arrives after 5065; 5080-5082 lost before the capture;
// 5100 arrives three times; a talkspurt restarts at 5120 (marker bit, the
// timestamp jumps 4000 ticks ahead: 500 ms of silence suppression).
//
// Stream B (PCMA, 192.0.2.12:40010 -> 198.51.100.20:5010): seq 100..149,
// then the sequence jumps by 30000 (30150..30199) with the timestamp
// running on.
func scenReorder() *capture {
	c := &capture{}
	r := noise(3)
	src, dst := ep("192.0.2.10", 40000, 0x10), ep("198.51.100.20", 5004, 0x20)
	const base = 5000
	send := func(i int, at time.Duration, marker bool, ts uint32) {
		c.send(at, src, dst, rtpPacket(0, marker, uint16(base+i), ts, 0xcafe0001, 160))
	}
	for i := range 150 {
		nominal := msd(10 + 20*float64(i))
		ts := uint32(80000 + 160*i)
		if i >= 120 {
			nominal += msd(500)
			ts += 4000
		}
		at := jittered(r, nominal, 1)
		switch i {
		case 20:
			at = msd(10+20*21) + msd(1.2) // after 5021
		case 60:
			at = msd(10+20*65) + msd(3)
		case 80, 81, 82:
			continue
		}
		send(i, at, i == 0 || i == 120, ts)
		switch i {
		case 40:
			send(i, at+msd(1), false, ts)
		case 100:
			send(i, at+msd(0.5), false, ts)
			send(i, at+msd(2.5), false, ts)
		}
	}
	bsrc, bdst := ep("192.0.2.12", 40010, 0x12), ep("198.51.100.20", 5010, 0x20)
	for i := range 100 {
		seq := uint16(100 + i)
		if i >= 50 {
			seq += 30000
		}
		at := jittered(r, msd(13+20*float64(i)), 0.5)
		c.send(at, bsrc, bdst, rtpPacket(8, i == 0, seq, uint32(777000+160*i), 0xcafe0002, 160))
	}
	return c
}

// scenDynamic: dynamic payload types with no signalling, where tshark
// cannot know the clock rate and tcpviz infers it.
//   - video (PT 96, 90 kHz, 192.0.2.20:41000 -> :6000): 25 frames/s for 3 s,
//     6-11 packets per frame 0.25 ms apart, marker on each frame's last
//     packet, frame start delayed by up to 3 ms;
//   - Opus (PT 111, 48 kHz, 192.0.2.21:41002 -> :6002): 20 ms, 150 packets;
//   - telephone-event (PT 101, 192.0.2.21:41004 -> :6004): three RFC 4733
//     digits of 10 packets each (4-byte payloads, one timestamp per event,
//     marker on the first, the end packet sent three times);
//   - PT 97 (192.0.2.22:41006 -> :6006) whose timestamps advance 1 000 000
//     per 20 ms, a 50 MHz clock no codec uses: no rate is inferred.
func scenDynamic() *capture {
	c := &capture{}
	r := noise(4)
	rx := ep("198.51.100.30", 0, 0x30)
	vsrc, vdst := ep("192.0.2.20", 41000, 0x20), withPort(rx, 6000)
	seq, ts := uint16(3000), uint32(1_000_000)
	for f := range 75 {
		start := jittered(r, msd(5+40*float64(f)), 3)
		n := 6 + r.IntN(6)
		for k := range n {
			c.send(start+msd(0.25*float64(k)), vsrc, vdst, rtpPacket(96, k == n-1, seq, ts, 0xd0d0d0d0, 1000))
			seq++
		}
		ts += 3600
	}
	o := audio{src: ep("192.0.2.21", 41002, 0x21), dst: withPort(rx, 6002), pt: 111, ssrc: 0x0b05f00d,
		seq: 100, ts: 48000, ptimeMs: 20, ticks: 960, payload: 80, spread: 2, start: msd(7)}
	for i := range 150 {
		at, p := o.packet(r, i)
		c.send(at, o.src, o.dst, p)
	}
	dsrc, ddst := ep("192.0.2.21", 41004, 0x21), withPort(rx, 6004)
	dseq := uint16(400)
	for ev, digit := range []byte{1, 5, 9} {
		evTS := uint32(48000 + 8000*ev)
		start := msd(300 + 800*float64(ev))
		for k := range 10 {
			end := k >= 7
			dur := uint16(160 * (k + 1))
			if end {
				dur = 160 * 8
			}
			pl := make([]byte, 4)
			pl[0] = digit
			pl[1] = 10 // volume
			if end {
				pl[1] |= 0x80
			}
			binary.BigEndian.PutUint16(pl[2:], dur)
			p := rtpPacket(101, k == 0, dseq, evTS, 0x0b05f00e, 0)
			p = append(p, pl...)
			c.send(jittered(r, start+msd(20*float64(k)), 0.5), dsrc, ddst, p)
			dseq++
		}
	}
	w := audio{src: ep("192.0.2.22", 41006, 0x22), dst: withPort(rx, 6006), pt: 97, ssrc: 0x0bad0bad,
		seq: 9, ts: 0, ptimeMs: 20, ticks: 1_000_000, payload: 40, spread: 0.5, start: msd(11)}
	for i := range 60 {
		at, p := w.packet(r, i)
		c.send(at, w.src, w.dst, p)
	}
	return c
}

// scenRTCP: RTCP beside and inside RTP streams, which must never be
// counted as RTP.
//   - PCMU 192.0.2.10:40000 -> 198.51.100.20:5004 (150 packets), with
//     RTCP on the next ports: a compound SR+SDES from :40001 to :5005 every
//     second and a compound RR+SDES back;
//   - PCMA 192.0.2.11:40100 -> 198.51.100.20:5006 with RTCP multiplexed on
//     the same ports (RFC 5761): compound SR+SDES, a reduced-size RR
//     (RFC 5506) and a PLI feedback packet (PT 206) interleaved.
func scenRTCP() *capture {
	c := &capture{}
	r := noise(5)
	src, dst := ep("192.0.2.10", 40000, 0x10), ep("198.51.100.20", 5004, 0x20)
	a := audio{src: src, dst: dst, pt: 0, ssrc: 0x5e5e0001, seq: 7000, ts: 160000, ptimeMs: 20,
		ticks: 160, payload: 160, spread: 1, start: msd(10)}
	for i := range 150 {
		at, p := a.packet(r, i)
		c.send(at, src, dst, p)
	}
	csrc, cdst := withPort(src, 40001), withPort(dst, 5005)
	for s := range 3 {
		at := msd(500 + 1000*float64(s))
		sr := rtcpSR(nil, 0x5e5e0001, uint64(0xe9000000+s)<<32, uint32(160000+8000*s), uint32(50*s), uint32(8000*s))
		sr = rtcpSDES(sr, 0x5e5e0001, "alice@192.0.2.10")
		c.send(at, csrc, cdst, sr)
		rr := rtcpRR(nil, 0x7e7e0001, 0x5e5e0001, 0, uint32(7000+50*s), 12)
		rr = rtcpSDES(rr, 0x7e7e0001, "bob@198.51.100.20")
		c.send(at+msd(3), cdst, csrc, rr)
	}
	msrc, mdst := ep("192.0.2.11", 40100, 0x11), withPort(dst, 5006)
	m := audio{src: msrc, dst: mdst, pt: 8, ssrc: 0x5e5e0002, seq: 100, ts: 0, ptimeMs: 20,
		ticks: 160, payload: 160, spread: 1, start: msd(12)}
	for i := range 150 {
		at, p := m.packet(r, i)
		c.send(at, msrc, mdst, p)
	}
	for s := range 3 {
		at := msd(700 + 1000*float64(s))
		sr := rtcpSR(nil, 0x5e5e0002, uint64(0xe9000100+s)<<32, uint32(8000*s), uint32(50*s), uint32(8000*s))
		sr = rtcpSDES(sr, 0x5e5e0002, "carol@192.0.2.11")
		c.send(at, msrc, mdst, sr)
		c.send(at+msd(4), mdst, msrc, rtcpRR(nil, 0x7e7e0002, 0x5e5e0002, 0, uint32(100+50*s), 20))
		c.send(at+msd(9), mdst, msrc, rtcpPLI(nil, 0x7e7e0002, 0x5e5e0002))
	}
	return c
}

func withPort(e endpoint, port uint16) endpoint {
	e.port = port
	return e
}
