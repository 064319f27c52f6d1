package rtp

import "math"

// staticClock maps the static payload types of RFC 3551 §6 (Table 4 and 5)
// to their RTP clock rates, as Wireshark's tap-rtp-analysis.c does; 0 is
// unknown (unassigned and dynamic types).
var staticClock = [128]uint32{
	0: 8000, 1: 8000, 2: 8000, 3: 8000, 4: 8000, 5: 8000, // PCMU, 1016, G721, GSM, G723, DVI4/8000
	6: 16000, 7: 8000, 8: 8000, 9: 8000, // DVI4/16000, LPC, PCMA, G722 (8000 by RFC 3551's erratum)
	10: 44100, 11: 44100, 12: 8000, 13: 8000, // L16 stereo and mono, QCELP, CN
	14: 90000, 15: 8000, 16: 11025, 17: 22050, // MPA, G728, DVI4/11025, DVI4/22050
	18: 8000, 19: 8000, // G729, the old CN
	25: 90000, 26: 90000, 28: 90000, // CelB, JPEG, nv
	31: 90000, 32: 90000, 33: 90000, 34: 90000, // H261, MPV, MP2T, H263
}

// StaticClock returns the clock rate of a static payload type, 0 when the
// type has none (dynamic, 96-127, or unassigned).
func StaticClock(pt uint8) uint32 { return staticClock[pt&0x7f] }

// wiresharkKHz is the divisor Wireshark converts timestamp units to
// milliseconds with: the clock rate divided by 1000 in integer arithmetic,
// so 44100 Hz counts as 44 and 11025 Hz as 11. tcpviz uses it for static
// payload types so that its jitter agrees with tshark's.
func wiresharkKHz(rate uint32) float64 { return float64(rate / 1000) }

// inferRates are the clock rates an inferred rate is snapped to (the
// NetPulse design's list: narrow- and wideband voice, CD and DAT audio,
// video).
var inferRates = [...]uint32{8000, 16000, 22050, 44100, 48000, 90000}

const (
	// snapTolerance is how far (relative) a measured rate may be from one
	// of inferRates and still be snapped to it: under half the 8.8% gap
	// between 44100 and 48000.
	snapTolerance = 0.04
	// From inferSpan of arrival time and inferFrames distinct timestamps
	// on, the rate is tried at every new timestamp until one fits or
	// giveUpSpan has passed. A stream that ends earlier is tried once at
	// its end, given at least endFrames timestamps over endSpan.
	inferSpan   = int64(1e9)
	inferFrames = 8
	giveUpSpan  = int64(30e9)
	endSpan     = int64(100e6)
	endFrames   = 4
)

// inference estimates a stream's clock rate from its RTP timestamps and
// arrival times. It uses only the first packet of each new timestamp: video
// frames are sent in bursts that share one, and the first packet of a burst
// is the one on time.
//
// The estimate is the least-squares slope of timestamp against arrival,
// snapped to the nearest of inferRates within snapTolerance. To be accepted
// the snapped rate must also be the one of inferRates under which the
// transit time (arrival minus media time) varies least: a stream whose
// packets come in bursts can tilt the slope, never the envelope.
type inference struct {
	samples uint32 // packets seen with an unknown-clock payload type
	events  uint32 // of those, with a 4-byte payload (RFC 4733 events)
	frames  uint32 // distinct, increasing timestamps
	t0      int64  // arrival of the first frame, ns
	ts0     uint32 // its timestamp
	span    int64  // arrival of the latest frame - t0, ns
	last    uint32 // timestamp of the latest frame

	// Least-squares sums over frames: x = arrival - t0 in s, y =
	// timestamp - ts0 in units.
	sx, sy, sxx, sxy float64
	// lo and hi bound x - y/rate over frames, for each rate of inferRates.
	lo, hi [len(inferRates)]float64
}

// add records one in-time packet with an unknown-clock payload type.
func (in *inference) add(arrival int64, ts uint32, event4 bool) {
	in.samples++
	if event4 {
		in.events++
	}
	if in.frames > 0 {
		if d := ts - in.last; d == 0 || d >= 1<<31 {
			return // same frame, or behind
		}
	} else {
		in.t0, in.ts0 = arrival, ts
	}
	in.frames++
	in.last = ts
	in.span = arrival - in.t0
	x, y := float64(in.span)/1e9, float64(ts-in.ts0)
	in.sx += x
	in.sy += y
	in.sxx += x * x
	in.sxy += x * y
	for i, r := range inferRates {
		tr := x - y/float64(r)
		if in.frames == 1 || tr < in.lo[i] {
			in.lo[i] = tr
		}
		if in.frames == 1 || tr > in.hi[i] {
			in.hi[i] = tr
		}
	}
}

// due reports whether the rate should be tried now, during the stream.
func (in *inference) due() bool {
	return in.frames >= inferFrames && in.span >= inferSpan
}

// expired reports whether inference should stop trying.
func (in *inference) expired() bool {
	return in.span >= giveUpSpan || in.samples >= inferMaxPkts
}

// rate returns the inferred clock rate, or 0 when none fits. final is set
// at the stream's end, where less evidence is accepted.
func (in *inference) rate(final bool) uint32 {
	switch {
	case in.samples == 0 || 2*in.events >= in.samples:
		// RFC 4733 events keep one timestamp for a whole event; as
		// Wireshark does for telephone-event, leave the clock unknown.
		return 0
	case final && (in.frames < endFrames || in.span < endSpan):
		return 0
	case !final && !in.due():
		return 0
	}
	n := float64(in.frames)
	den := n*in.sxx - in.sx*in.sx
	if !(den > 0) {
		return 0
	}
	r := snap((n*in.sxy - in.sx*in.sy) / den)
	if r == 0 {
		return 0
	}
	best := 0
	for i := range inferRates {
		if in.hi[i]-in.lo[i] < in.hi[best]-in.lo[best] {
			best = i
		}
	}
	if inferRates[best] != r {
		return 0
	}
	return r
}

// snap returns the rate of inferRates within snapTolerance of measured, or
// 0. NaN and infinities never match.
func snap(measured float64) uint32 {
	if !(measured > 0) || math.IsInf(measured, 0) {
		return 0
	}
	for _, r := range inferRates {
		if math.Abs(measured/float64(r)-1) <= snapTolerance {
			return r
		}
	}
	return 0
}
