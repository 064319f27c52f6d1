package event

import (
	"bufio"
	"io"
	"math"
	"net/netip"
	"strconv"
	"time"
)

// Writer writes events as JSON lines. It implements Sink; the first write
// error is kept and returned by Flush.
type Writer struct {
	lines
	Count uint64
	// ByType counts written events per type.
	ByType [NumTypes]uint64
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{lines: newLines(w, 1024)} }

// Event writes e as one line.
func (w *Writer) Event(e *Event) {
	w.Count++
	if int(e.Type) < NumTypes {
		w.ByType[e.Type]++
	}
	if w.err == nil {
		w.buf = AppendJSON(w.buf[:0], e)
		w.writeLine()
	}
}

// lines is what the JSON lines writers share: a buffered file, the line
// being built, and the first write error, after which nothing is written.
type lines struct {
	w   *bufio.Writer
	buf []byte
	err error
}

func newLines(w io.Writer, lineCap int) lines {
	return lines{w: bufio.NewWriterSize(w, 64<<10), buf: make([]byte, 0, lineCap)}
}

// writeLine writes buf and a newline.
func (l *lines) writeLine() {
	l.buf = append(l.buf, '\n')
	_, l.err = l.w.Write(l.buf)
}

// Flush writes buffered lines and returns the first error seen.
func (l *lines) Flush() error {
	if l.err != nil {
		return l.err
	}
	return l.w.Flush()
}

// tsLayout is RFC 3339 with all nine fraction digits, so lines sort and
// compare as text.
const tsLayout = "2006-01-02T15:04:05.000000000Z07:00"

// AppendJSON appends e as a JSON object (no newline). It allocates nothing.
func AppendJSON(b []byte, e *Event) []byte {
	b = append(b, `{"schema":`...)
	b = strconv.AppendInt(b, Schema, 10)
	b = append(b, `,"ts":"`...)
	b = appendTimestamp(b, e.TS)
	b = append(b, `","ts_epoch":`...)
	b = appendEpoch(b, e.TS)
	b = append(b, `,"frame":`...)
	b = strconv.AppendUint(b, e.Frame, 10)
	b = append(b, `,"type":"`...)
	b = append(b, e.Type.String()...)
	b = append(b, `","severity":"`...)
	b = append(b, e.Severity.String()...)
	b = append(b, `","flow":"`...)
	b = AppendFlow(b, e.Src, e.SrcPort, e.Dst, e.DstPort)
	b = append(b, `","stream":`...)
	b = strconv.AppendUint(b, e.Stream, 10)
	b = append(b, `,"proto":"`...)
	b = append(b, e.Proto.String()...)
	b = append(b, `","src_ip":"`...)
	b = e.Src.AppendTo(b)
	b = append(b, `","src_port":`...)
	b = strconv.AppendUint(b, uint64(e.SrcPort), 10)
	b = append(b, `,"dst_ip":"`...)
	b = e.Dst.AppendTo(b)
	b = append(b, `","dst_port":`...)
	b = strconv.AppendUint(b, uint64(e.DstPort), 10)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, uint64(e.Seq), 10)
	b = append(b, `,"ack":`...)
	b = strconv.AppendUint(b, uint64(e.Ack), 10)
	b = append(b, `,"len":`...)
	b = strconv.AppendInt(b, int64(e.Len), 10)
	b = append(b, `,"extra":{`...)
	b = appendExtra(b, &e.Extra)
	b = append(b, "}}"...)
	return b
}

// AppendFlow appends "src:port -> dst:port" (IPv6 in brackets).
func AppendFlow(b []byte, src netip.Addr, sp uint16, dst netip.Addr, dp uint16) []byte {
	b = netip.AddrPortFrom(src, sp).AppendTo(b)
	b = append(b, " -> "...)
	return netip.AddrPortFrom(dst, dp).AppendTo(b)
}

func appendExtra(b []byte, x *Extra) []byte {
	first := true
	key := func(b []byte, k string) []byte {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, k...)
		return append(b, '"', ':')
	}
	if x.Reason != "" {
		b = key(b, "reason")
		b = appendJSONString(b, x.Reason)
	}
	if x.HasAbs {
		b = key(b, "abs_seq")
		b = strconv.AppendUint(b, uint64(x.AbsSeq), 10)
		b = key(b, "abs_ack")
		b = strconv.AppendUint(b, uint64(x.AbsAck), 10)
	}
	if x.DupAckCount > 0 {
		b = key(b, "dup_ack_count")
		b = strconv.AppendInt(b, int64(x.DupAckCount), 10)
		b = key(b, "dup_ack_of_frame")
		b = strconv.AppendUint(b, x.DupAckOfFrame, 10)
	}
	if x.HasRTT {
		b = key(b, "srtt_ms")
		b = appendFloat(b, x.SRTTms, 3)
		b = key(b, "rttvar_ms")
		b = appendFloat(b, x.RTTVARms, 3)
	}
	if x.HasBIF {
		b = key(b, "bytes_in_flight")
		b = strconv.AppendInt(b, x.BytesInFlight, 10)
	}
	if x.HasWindow {
		b = key(b, "window")
		b = strconv.AppendInt(b, x.Window, 10)
	}
	if x.StallMs != 0 {
		b = key(b, "stall_ms")
		b = appendFloat(b, x.StallMs, 3)
	}
	if x.ThresholdMs != 0 {
		b = key(b, "threshold_ms")
		b = appendFloat(b, x.ThresholdMs, 3)
	}
	if x.Retry != 0 {
		b = key(b, "retry")
		b = strconv.AppendInt(b, int64(x.Retry), 10)
	}
	if x.Count != 0 {
		b = key(b, "count")
		b = strconv.AppendInt(b, int64(x.Count), 10)
	}
	if x.NSACK > 0 {
		b = key(b, "sack")
		b = append(b, '[')
		for i := 0; i < int(x.NSACK) && i < len(x.SACK); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = strconv.AppendUint(b, uint64(x.SACK[i][0]), 10)
			b = append(b, ',')
			b = strconv.AppendUint(b, uint64(x.SACK[i][1]), 10)
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	if x.HasSSRC {
		b = key(b, "ssrc")
		b = strconv.AppendUint(b, uint64(x.SSRC), 10)
	}
	if x.Lost != 0 {
		b = key(b, "lost")
		b = strconv.AppendInt(b, x.Lost, 10)
	}
	if x.ExpectedSeq != 0 || x.GotSeq != 0 {
		b = key(b, "expected_seq")
		b = strconv.AppendInt(b, int64(x.ExpectedSeq), 10)
		b = key(b, "got_seq")
		b = strconv.AppendInt(b, int64(x.GotSeq), 10)
	}
	if x.HasJitter {
		b = key(b, "jitter_ms")
		b = appendFloat(b, x.JitterMs, 3)
	}
	return b
}

// appendTimestamp writes ns as time.Time.AppendFormat writes it in tsLayout
// (UTC), for what one event's line costs: the time package's general
// layout interpreter took a third of it.
func appendTimestamp(b []byte, ns int64) []byte {
	secs, frac := floorDiv(ns, 1e9)
	days, sod := floorDiv(secs, 86400)
	y, m, d := civil(days)
	if y < 0 || y > 9999 {
		// Outside four digits the time package's own rules apply.
		return time.Unix(0, ns).UTC().AppendFormat(b, tsLayout)
	}
	b = appendDigits(b, y, 4)
	b = append(b, '-')
	b = appendDigits(b, m, 2)
	b = append(b, '-')
	b = appendDigits(b, d, 2)
	b = append(b, 'T')
	b = appendDigits(b, sod/3600, 2)
	b = append(b, ':')
	b = appendDigits(b, sod/60%60, 2)
	b = append(b, ':')
	b = appendDigits(b, sod%60, 2)
	b = append(b, '.')
	b = appendDigits(b, frac, 9)
	return append(b, 'Z')
}

// floorDiv returns the quotient rounded down and the remainder (in [0, d)).
func floorDiv(n, d int64) (q, r int64) {
	q, r = n/d, n%d
	if r < 0 {
		q, r = q-1, r+d
	}
	return q, r
}

// civil returns the proleptic Gregorian date of a day counted from
// 1970-01-01 (H. Hinnant's civil_from_days).
func civil(days int64) (y, m, d int64) {
	z := days + 719468
	era, doe := floorDiv(z, 146097)
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}

// appendDigits writes v (>= 0) in exactly n decimal digits.
func appendDigits(b []byte, v int64, n int) []byte {
	start := len(b)
	for range n {
		b = append(b, '0')
	}
	for i := len(b) - 1; i >= start && v > 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}

// appendEpoch writes ns as exact decimal seconds with nine fraction
// digits; going through float64 would invent digits below the microsecond.
func appendEpoch(b []byte, ns int64) []byte {
	if ns < 0 {
		b = append(b, '-')
		ns = -ns
	}
	b = strconv.AppendInt(b, ns/1e9, 10)
	b = append(b, '.')
	return appendDigits(b, ns%1e9, 9)
}

// appendFloat writes f with prec decimals; NaN and ±Inf, which JSON cannot
// represent, are written as 0.
func appendFloat(b []byte, f float64, prec int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	return strconv.AppendFloat(b, f, 'f', prec, 64)
}
