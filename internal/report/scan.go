package report

import (
	"strconv"
	"unicode/utf8"

	"github.com/tcpviz/tcpviz/internal/event"
)

// eventFields is what a report keeps of one event line. The byte slices
// point into the line being read (valid until the next line) or into a
// Record; whoever keeps one copies it (intern).
type eventFields struct {
	TS       float64 // epoch seconds; 0 when the line has none
	Type     []byte
	Severity []byte
	Proto    []byte
	Flow     []byte
	Stream   uint64
	Has      uint8 // which figures of extra are present: has* bits
	SRTT     float64
	BIF      float64
	Jitter   float64
	Lost     float64
	SSRC     float64
}

// Figures of an event's extra object the charts use.
const (
	hasSRTT   = 1 << iota // srtt_ms
	hasBIF                // bytes_in_flight
	hasJitter             // jitter_ms
	hasLost               // lost
	hasSSRC               // ssrc
)

// fromRecord fills f from a Record read by event.ParseLine. It is the
// definition of what scanEvent must produce.
func fromRecord(r *event.Record, f *eventFields) {
	*f = eventFields{
		TS:       r.TSEpoch,
		Type:     []byte(r.Type),
		Severity: []byte(r.Severity),
		Proto:    []byte(r.Proto),
		Flow:     []byte(r.Flow),
		Stream:   r.Stream,
	}
	for _, x := range []struct {
		key string
		bit uint8
		dst *float64
	}{{"srtt_ms", hasSRTT, &f.SRTT}, {"bytes_in_flight", hasBIF, &f.BIF}, {"jitter_ms", hasJitter, &f.Jitter},
		{"lost", hasLost, &f.Lost}, {"ssrc", hasSSRC, &f.SSRC}} {
		if v, ok := r.Extra[x.key].(float64); ok {
			*x.dst = v
			f.Has |= x.bit
		}
	}
}

// scanEvent is the fast path of reading a schema 1 event line: about thirty
// times quicker than event.ParseLine, which decodes every line twice through
// reflection and a map, and which a 1 M-event report cannot afford. It
// accepts only lines whose meaning is plain: valid JSON, a "type" key, a
// non-zero ts_epoch, strings without escapes, lower-case ASCII keys (so
// encoding/json's case-folded key matching cannot apply), no nulls for known
// keys. For those it returns true with f as fromRecord would fill it from
// event.ParseLine's Record (FuzzScanEvent checks this). Anything else,
// legacy lines and errors included, returns false: the caller then uses
// event.ParseLine, which decides.
func scanEvent(b []byte, f *eventFields) bool {
	*f = eventFields{}
	s := scanner{b: b}
	s.ws()
	if !s.eat('{') {
		return false
	}
	sawType := false
	s.ws()
	if s.eat('}') {
		return false
	}
	for {
		s.ws()
		key, ok := s.str()
		if !ok || !plainKey(key) {
			return false
		}
		s.ws()
		if !s.eat(':') {
			return false
		}
		s.ws()
		switch string(key) {
		case "type":
			f.Type, ok = s.text()
			sawType = true
		case "severity":
			f.Severity, ok = s.text()
		case "proto":
			f.Proto, ok = s.text()
		case "flow":
			f.Flow, ok = s.text()
		case "ts", "src_ip", "dst_ip":
			_, ok = s.str()
		case "ts_epoch":
			f.TS, ok = s.float()
		case "stream":
			f.Stream, ok = s.uint(64)
		case "frame":
			_, ok = s.uint(64)
		case "src_port", "dst_port":
			_, ok = s.uint(16)
		case "seq", "ack":
			_, ok = s.uint(32)
		case "schema", "len":
			_, ok = s.int()
		case "extra":
			ok = s.extra(f)
		default:
			ok = s.skip(false, 0)
		}
		if !ok {
			return false
		}
		s.ws()
		if s.eat(',') {
			continue
		}
		if s.eat('}') {
			break
		}
		return false
	}
	s.ws()
	return s.i == len(s.b) && sawType && f.TS != 0
}

// plainKey says key is matched by encoding/json exactly as written: no
// upper-case ASCII and no bytes beyond ASCII (which case folding could
// match to a field name, as "ſ" matches "s").
func plainKey(key []byte) bool {
	for _, c := range key {
		if c >= 0x80 || ('A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// scanner walks one JSON text; every method returns false on anything it
// does not accept, leaving the line to event.ParseLine.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) eat(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

// str reads a string without escapes and returns its bytes.
func (s *scanner) str() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			v := s.b[start:s.i]
			s.i++
			return v, true
		case c == '\\' || c < 0x20:
			return nil, false
		}
		s.i++
	}
	return nil, false
}

// text reads a string that is kept: it must be valid UTF-8, because
// encoding/json would replace invalid bytes with U+FFFD.
func (s *scanner) text() ([]byte, bool) {
	v, ok := s.str()
	return v, ok && utf8.Valid(v)
}

// number reads a JSON number (RFC 8259 grammar) and returns its text.
func (s *scanner) number() ([]byte, bool) {
	start := s.i
	s.eat('-')
	switch c := s.peek(); {
	case c == '0':
		s.i++
	case '1' <= c && c <= '9':
		s.digits()
	default:
		return nil, false
	}
	if s.eat('.') {
		if !s.digits() {
			return nil, false
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.i++
		if c := s.peek(); c == '+' || c == '-' {
			s.i++
		}
		if !s.digits() {
			return nil, false
		}
	}
	return s.b[start:s.i], true
}

func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

// float, uint and int convert as encoding/json does (strconv on the
// literal), so a literal it would reject is rejected here too.
func (s *scanner) float() (float64, bool) {
	n, ok := s.number()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(n), 64)
	return v, err == nil
}

func (s *scanner) uint(bits int) (uint64, bool) {
	n, ok := s.number()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseUint(string(n), 10, bits)
	return v, err == nil
}

func (s *scanner) int() (int64, bool) {
	n, ok := s.number()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	return v, err == nil
}

func (s *scanner) literal(w string) bool {
	if len(s.b)-s.i >= len(w) && string(s.b[s.i:s.i+len(w)]) == w {
		s.i += len(w)
		return true
	}
	return false
}

// maxDepth bounds nesting; deeper values go to event.ParseLine.
const maxDepth = 100

// skip reads any JSON value. inExtra says the value is decoded into an
// interface{} by event.ParseLine, where every number must convert to a
// float64.
func (s *scanner) skip(inExtra bool, depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch c := s.peek(); {
	case c == '"':
		_, ok := s.str()
		return ok
	case c == '{' || c == '[':
		s.i++
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		s.ws()
		if s.eat(end) {
			return true
		}
		for {
			s.ws()
			if c == '{' {
				if _, ok := s.str(); !ok {
					return false
				}
				s.ws()
				if !s.eat(':') {
					return false
				}
				s.ws()
			}
			if !s.skip(inExtra, depth+1) {
				return false
			}
			s.ws()
			if s.eat(',') {
				continue
			}
			return s.eat(end)
		}
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	default:
		if inExtra {
			_, ok := s.float()
			return ok
		}
		_, ok := s.number()
		return ok
	}
}

// extra reads the extra object. encoding/json decodes a repeated "extra"
// into the same map (keys accumulate) and null into a nil map, and so does
// this.
func (s *scanner) extra(f *eventFields) bool {
	if s.literal("null") {
		f.Has, f.SRTT, f.BIF, f.Jitter, f.Lost, f.SSRC = 0, 0, 0, 0, 0, 0
		return true
	}
	if !s.eat('{') {
		return false
	}
	s.ws()
	if s.eat('}') {
		return true
	}
	for {
		s.ws()
		key, ok := s.str()
		if !ok {
			return false
		}
		s.ws()
		if !s.eat(':') {
			return false
		}
		s.ws()
		var bit uint8
		var dst *float64
		switch string(key) {
		case "srtt_ms":
			bit, dst = hasSRTT, &f.SRTT
		case "bytes_in_flight":
			bit, dst = hasBIF, &f.BIF
		case "jitter_ms":
			bit, dst = hasJitter, &f.Jitter
		case "lost":
			bit, dst = hasLost, &f.Lost
		case "ssrc":
			bit, dst = hasSSRC, &f.SSRC
		}
		c := s.peek()
		switch {
		case dst != nil && (c == '-' || ('0' <= c && c <= '9')):
			if *dst, ok = s.float(); !ok {
				return false
			}
			f.Has |= bit
		default:
			// Not a number: ParseLine keeps it in the map, where the
			// charts ignore it.
			if !s.skip(true, 1) {
				return false
			}
			if dst != nil {
				*dst = 0
				f.Has &^= bit
			}
		}
		s.ws()
		if s.eat(',') {
			continue
		}
		return s.eat('}')
	}
}
