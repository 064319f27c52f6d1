package event

import (
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// FlowWriter writes flow records as JSON lines (AppendFlowJSON). The first
// write error is kept and returned by Flush.
type FlowWriter struct {
	lines
	keys []string // the events map's keys, sorted
}

// NewFlowWriter returns a FlowWriter on w.
func NewFlowWriter(w io.Writer) *FlowWriter { return &FlowWriter{lines: newLines(w, 4096)} }

// Write writes r as one line.
func (w *FlowWriter) Write(r *FlowRecord) {
	if w.err == nil {
		w.buf, w.keys = appendFlowJSON(w.buf[:0], r, w.keys)
		w.writeLine()
	}
}

// AppendFlowJSON appends r as the JSON object encoding/json makes of it —
// the same bytes: field order, omitempty, sorted map keys, HTML-safe string
// escapes, float format — except that NaN and ±Inf, which encoding/json
// refuses, are written as 0 as in events. It exists because encoding/json's
// reflection took 8 % of a whole parse-pcap (~11 µs a record with a full
// timeline, as long as analysing 40 packets); records are written once per
// flow, so captures of many short connections paid it most.
func AppendFlowJSON(b []byte, r *FlowRecord) []byte {
	b, _ = appendFlowJSON(b, r, nil)
	return b
}

// appendFlowJSON is AppendFlowJSON with a slice to sort the events map's
// keys in, returned for reuse.
func appendFlowJSON(b []byte, r *FlowRecord, keys []string) ([]byte, []string) {
	b = append(b, `{"proto":`...)
	b = appendJSONString(b, r.Proto)
	b = append(b, `,"stream":`...)
	b = strconv.AppendUint(b, r.Stream, 10)
	b = append(b, `,"src_ip":`...)
	b = appendJSONString(b, r.SrcIP)
	b = append(b, `,"src_port":`...)
	b = strconv.AppendUint(b, uint64(r.SrcPort), 10)
	b = append(b, `,"dst_ip":`...)
	b = appendJSONString(b, r.DstIP)
	b = append(b, `,"dst_port":`...)
	b = strconv.AppendUint(b, uint64(r.DstPort), 10)
	b = append(b, `,"first_ts":`...)
	b = appendJSONFloat(b, r.FirstTS)
	b = append(b, `,"last_ts":`...)
	b = appendJSONFloat(b, r.LastTS)
	b = append(b, `,"duration_s":`...)
	b = appendJSONFloat(b, r.DurationS)
	b = append(b, `,"fwd_packets":`...)
	b = strconv.AppendUint(b, r.FwdPackets, 10)
	b = append(b, `,"rev_packets":`...)
	b = strconv.AppendUint(b, r.RevPackets, 10)
	b = append(b, `,"fwd_bytes":`...)
	b = strconv.AppendUint(b, r.FwdBytes, 10)
	b = append(b, `,"rev_bytes":`...)
	b = strconv.AppendUint(b, r.RevBytes, 10)
	b = append(b, `,"end":`...)
	b = appendJSONString(b, r.End)
	if r.State != "" {
		b = append(b, `,"state":`...)
		b = appendJSONString(b, r.State)
	}
	b = append(b, `,"retransmissions":`...)
	b = strconv.AppendUint(b, r.Retransmissions, 10)
	b = append(b, `,"loss_events":`...)
	b = strconv.AppendUint(b, r.LossEvents, 10)
	if s := r.RTTms; s != nil {
		b = append(b, `,"rtt_ms":{"samples":`...)
		b = strconv.AppendInt(b, int64(s.Samples), 10)
		b = append(b, `,"min":`...)
		b = appendJSONFloat(b, s.Min)
		b = append(b, `,"mean":`...)
		b = appendJSONFloat(b, s.Mean)
		b = append(b, `,"p50":`...)
		b = appendJSONFloat(b, s.P50)
		b = append(b, `,"p95":`...)
		b = appendJSONFloat(b, s.P95)
		b = append(b, `,"max":`...)
		b = appendJSONFloat(b, s.Max)
		b = append(b, '}')
	}
	b = append(b, `,"handshake_rtt_ms":`...)
	if r.HandshakeRTTms == nil {
		b = append(b, "null"...)
	} else {
		b = appendJSONFloat(b, *r.HandshakeRTTms)
	}
	b = append(b, `,"fwd_payload_bytes":`...)
	b = strconv.AppendUint(b, r.FwdPayload, 10)
	b = append(b, `,"rev_payload_bytes":`...)
	b = strconv.AppendUint(b, r.RevPayload, 10)
	if r.MSS != 0 {
		b = append(b, `,"mss":`...)
		b = strconv.AppendUint(b, uint64(r.MSS), 10)
	}
	b = append(b, `,"window_scale":[`...)
	b = strconv.AppendInt(b, int64(r.WindowScale[0]), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(r.WindowScale[1]), 10)
	b = append(b, `],"events":`...)
	if r.Events == nil {
		b = append(b, "null"...)
	} else {
		keys = keys[:0]
		for k := range r.Events {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = strconv.AppendUint(b, r.Events[k], 10)
		}
		b = append(b, '}')
	}
	if len(r.RTTHist) > 0 {
		b = append(b, `,"rtt_hist":[`...)
		for i, h := range r.RTTHist {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"ms":`...)
			b = appendJSONFloat(b, h.Ms)
			b = append(b, `,"count":`...)
			b = strconv.AppendUint(b, uint64(h.Count), 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if f := r.RTPFields; f != nil {
		b = append(b, `,"ssrc":`...)
		b = strconv.AppendUint(b, uint64(f.SSRC), 10)
		b = append(b, `,"payload_type":`...)
		b = strconv.AppendUint(b, uint64(f.PayloadType), 10)
		b = append(b, `,"clock_rate":`...)
		b = strconv.AppendUint(b, uint64(f.ClockRate), 10)
		b = append(b, `,"clock_inferred":`...)
		b = strconv.AppendBool(b, f.ClockInferred)
		b = append(b, `,"packets":`...)
		b = strconv.AppendUint(b, f.Packets, 10)
		b = append(b, `,"expected":`...)
		b = strconv.AppendInt(b, f.Expected, 10)
		b = append(b, `,"lost":`...)
		b = strconv.AppendInt(b, f.Lost, 10)
		b = append(b, `,"seq_errors":`...)
		b = strconv.AppendUint(b, f.SeqErrors, 10)
		b = append(b, `,"max_delta_ms":`...)
		b = appendJSONFloat(b, f.MaxDeltaMs)
		b = append(b, `,"jitter_mean_ms":`...)
		b = appendJSONFloat(b, f.JitterMeanMs)
		b = append(b, `,"jitter_max_ms":`...)
		b = appendJSONFloat(b, f.JitterMaxMs)
		b = append(b, `,"markers":`...)
		b = strconv.AppendUint(b, f.Markers, 10)
	}
	if t := r.Timeline; t != nil {
		b = append(b, `,"timeline":{"start":`...)
		b = appendJSONFloat(b, t.Start)
		b = append(b, `,"step_s":`...)
		b = appendJSONFloat(b, t.StepS)
		b = append(b, `,"packets":`...)
		if t.Packets == nil {
			b = append(b, "null"...)
		} else {
			b = appendArray(b, t.Packets, appendUint)
		}
		// The columns of the other protocol are empty: omitted.
		b = appendColumn(b, `,"bytes":`, t.Bytes, appendUint)
		b = appendColumn(b, `,"rtt_mean_ms":`, t.RTTMeanMs, appendJSONFloat)
		b = appendColumn(b, `,"rtt_max_ms":`, t.RTTMaxMs, appendJSONFloat)
		b = appendColumn(b, `,"bytes_in_flight_max":`, t.BytesInFlightMax, appendUint)
		b = appendColumn(b, `,"retransmissions":`, t.Retransmissions, appendUint)
		b = appendColumn(b, `,"jitter_max_ms":`, t.JitterMaxMs, appendJSONFloat)
		b = appendColumn(b, `,"lost":`, t.Lost, appendUint)
		b = append(b, '}')
	}
	return append(b, '}'), keys
}

// appendColumn appends key and v as a JSON array, unless v is empty
// (omitempty).
func appendColumn[T any](b []byte, key string, v []T, appendValue func([]byte, T) []byte) []byte {
	if len(v) == 0 {
		return b
	}
	return appendArray(append(b, key...), v, appendValue)
}

// appendArray appends v as a JSON array.
func appendArray[T any](b []byte, v []T, appendValue func([]byte, T) []byte) []byte {
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendValue(b, x)
	}
	return append(b, ']')
}

func appendUint[T uint32 | uint64](b []byte, v T) []byte { return strconv.AppendUint(b, uint64(v), 10) }

// appendJSONFloat writes f as encoding/json does (the shortest decimal that
// reads back as f; exponent form below 1e-6 and from 1e21), and NaN and ±Inf
// as 0.
func appendJSONFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string the way encoding/json does with
// HTML escaping on (its default): <, > and & as \u escapes, U+2028 and U+2029
// escaped, invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
