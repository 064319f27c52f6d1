package main

import "time"

// ptime is the packetisation interval of the PCMU streams (RFC 3551 §4.5.14:
// 8000 Hz, 160 samples per 20 ms).
const ptime = 20 * int64(time.Millisecond)

// rtpStream is one direction of a call.
type rtpStream struct {
	src, dst   *host
	sport      uint16
	dport      uint16
	ssrc       uint32
	seq        uint16
	ts         uint32
	marker     bool
	sendAt     int64 // nominal send time of the next frame
	arrive     int64 // when it passes the capture
	last       int64
	delay      int64   // one-way delay to the capture
	jitter     float64 // standard deviation of the delay variation, ns
	loss       float64 // loss before the capture
	end        int64
	fromRemote bool
}

// call is a two-way PCMU call between a phone on the LAN and a media
// gateway beyond it.
type call struct {
	s   [2]rtpStream
	cur int
}

func newCall(g *gen, at int64, initial bool) *call {
	p := &g.plan
	i := g.rng.IntN(len(p.phones))
	phone, gw := &p.phones[i], &p.mediaGates[i]
	dur := int64(g.logNormal(120, 0.8, 15, 900) * 1e9)
	if initial { // calls already under way when the capture starts
		dur = int64(g.uniform(0.1, 1) * float64(dur))
	}
	c := &call{}
	pp, gp := uint16(10000+2*g.rng.IntN(5000)), uint16(20000+2*g.rng.IntN(5000))
	remoteJitter := float64(ms(g.logNormal(1.5, 1, 0.1, 15)))
	remoteLoss := 0.0
	if g.chance(0.5) {
		remoteLoss = g.logNormal(0.005, 1, 0.0005, 0.05)
	}
	for d := range c.s {
		s := &c.s[d]
		s.ssrc, s.seq, s.ts = g.rng.Uint32(), uint16(g.rng.Uint32()), g.rng.Uint32()
		s.marker = true
		s.sendAt = at + int64(d)*ms(g.uniform(5, 300))
		s.end = at + dur
		if d == 0 {
			s.src, s.dst, s.sport, s.dport = phone, gw, pp, gp
			s.delay, s.jitter = us(g.uniform(100, 800)), float64(us(g.uniform(20, 150)))
			s.loss = 0.0005
		} else {
			s.src, s.dst, s.sport, s.dport = gw, phone, gp, pp
			s.delay, s.jitter, s.loss = ms(g.logNormal(25, 0.7, 3, 200)), remoteJitter, remoteLoss
			s.fromRemote = true
		}
		s.arrive = -1
	}
	return c
}

// schedule decides when the stream's next frame passes the capture,
// skipping frames lost before it.
func (s *rtpStream) schedule(g *gen) {
	for s.sendAt < s.end && g.chance(s.loss) {
		s.seq++
		s.ts += 160
		s.sendAt += ptime
	}
	a := s.sendAt + s.delay + int64(g.rng.NormFloat64()*s.jitter)
	s.arrive = max(a, s.last+us(10)) // arrival order is kept
}

func (c *call) next(g *gen) (int64, bool) {
	best := -1
	for d := range c.s {
		s := &c.s[d]
		if s.sendAt >= s.end {
			continue
		}
		if s.arrive < 0 {
			s.schedule(g)
		}
		if s.sendAt < s.end && (best < 0 || s.arrive < c.s[best].arrive) {
			best = d
		}
	}
	if best < 0 {
		return 0, false
	}
	c.cur = best
	return c.s[best].arrive, true
}

func (c *call) emit(g *gen) error {
	s := &c.s[c.cur]
	if err := g.w.rtp(g, s); err != nil {
		return err
	}
	s.last = s.arrive
	s.marker = false
	s.seq++
	s.ts += 160
	s.sendAt += ptime
	s.arrive = -1
	return nil
}
