package event

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Record is one event line read back from an events.jsonl file, in schema 1
// terms whatever the file's origin.
type Record struct {
	Schema   int            `json:"schema"`
	TS       string         `json:"ts"`
	TSEpoch  float64        `json:"ts_epoch"`
	Frame    uint64         `json:"frame"`
	Type     string         `json:"type"`
	Severity string         `json:"severity"`
	Flow     string         `json:"flow"`
	Stream   uint64         `json:"stream"`
	Proto    string         `json:"proto"`
	SrcIP    string         `json:"src_ip"`
	SrcPort  uint16         `json:"src_port"`
	DstIP    string         `json:"dst_ip"`
	DstPort  uint16         `json:"dst_port"`
	Seq      uint32         `json:"seq"`
	Ack      uint32         `json:"ack"`
	Len      int            `json:"len"`
	Extra    map[string]any `json:"extra"`
	Legacy   bool           `json:"-"` // read from the Python tool's format
}

// legacy is a line of the Python tcpviz's events.jsonl.
type legacy struct {
	Event    string         `json:"event"`
	FlowID   any            `json:"flow_id"`
	Src      string         `json:"src"`
	Dst      string         `json:"dst"`
	Sport    uint16         `json:"sport"`
	Dport    uint16         `json:"dport"`
	TS       any            `json:"ts"`
	Severity string         `json:"severity"`
	Proto    string         `json:"proto"`
	Seq      uint32         `json:"seq"`
	Ack      uint32         `json:"ack"`
	Len      int            `json:"len"`
	Frame    uint64         `json:"frame"`
	Extra    map[string]any `json:"extra"`
	Details  map[string]any `json:"details"`
}

// ErrBadLine wraps a line that is not an event in either format.
var ErrBadLine = errors.New("not an event line")

// ReadAll reads every event of r, calling fn for each in order. Blank lines
// are skipped; the first malformed line stops reading with its line number.
func ReadAll(name string, r io.Reader, fn func(*Record) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 0
	var rec Record
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		if err := ParseLine(b, &rec); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if err := fn(&rec); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

// ParseLine decodes one line of either format into rec.
func ParseLine(b []byte, rec *Record) error {
	*rec = Record{}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return fmt.Errorf("%w: %v", ErrBadLine, err)
	}
	if _, ok := probe["type"]; ok {
		if err := json.Unmarshal(b, rec); err != nil {
			return fmt.Errorf("%w: %s", ErrBadLine, jsonProblem(err))
		}
		if rec.TSEpoch == 0 && rec.TS != "" {
			if t, err := time.Parse(time.RFC3339Nano, rec.TS); err == nil {
				rec.TSEpoch = float64(t.UnixNano()) / 1e9
			}
		}
		if rec.TS == "" && rec.TSEpoch != 0 {
			rec.TS = epochToRFC3339(rec.TSEpoch)
		}
		return nil
	}
	if _, ok := probe["event"]; !ok {
		return fmt.Errorf("%w: neither \"type\" nor \"event\" field", ErrBadLine)
	}
	var l legacy
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("%w: %s", ErrBadLine, jsonProblem(err))
	}
	rec.Legacy = true
	rec.Schema = Schema
	rec.Type = legacyType(l.Event)
	rec.Severity = legacySeverity(l.Severity)
	rec.SrcIP, rec.DstIP, rec.SrcPort, rec.DstPort = l.Src, l.Dst, l.Sport, l.Dport
	rec.Proto = strings.ToLower(l.Proto)
	if rec.Proto == "" {
		rec.Proto = "tcp"
	}
	rec.Seq, rec.Ack, rec.Len, rec.Frame = l.Seq, l.Ack, l.Len, l.Frame
	rec.Extra = l.Extra
	if rec.Extra == nil {
		rec.Extra = l.Details
	}
	if rec.Extra == nil {
		rec.Extra = map[string]any{}
	}
	switch v := l.FlowID.(type) {
	case float64:
		rec.Stream = uint64(v)
	case string:
		rec.Extra["flow_id"] = v
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			rec.Stream = n
		}
	}
	rec.Flow = fmt.Sprintf("%s:%d -> %s:%d", l.Src, l.Sport, l.Dst, l.Dport)
	switch v := l.TS.(type) {
	case float64:
		rec.TSEpoch = v
	case string:
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			rec.TSEpoch = f
		} else if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			rec.TSEpoch = float64(t.UnixNano()) / 1e9
		}
	}
	rec.TS = epochToRFC3339(rec.TSEpoch)
	return nil
}

// jsonProblem says what is wrong with a line in the file's terms, not Go's.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q holds a JSON %s, which is not a valid %s", te.Field, te.Value, te.Type.Kind())
	}
	return err.Error()
}

func epochToRFC3339(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC().Format(tsLayout)
}

func legacySeverity(s string) string {
	switch strings.ToUpper(s) {
	case "CRITICAL", "CRIT", "ERROR":
		return "critical"
	case "WARNING", "WARN":
		return "warn"
	}
	return "info"
}

// legacyType maps the Python tool's event names onto schema 1 types.
func legacyType(s string) string {
	n := strings.ToLower(strings.TrimSpace(s))
	n = strings.NewReplacer("-", "_", " ", "_").Replace(n)
	switch n {
	case "retransmit", "retrans", "tcp_retransmission":
		return "retransmission"
	case "duplicate_ack", "dupack", "dup_acks":
		return "dup_ack"
	case "ooo", "out_of_order_segment", "reorder":
		return "out_of_order"
	case "packet_loss", "loss", "loss_inferred":
		return "loss_infer"
	case "zerowindow", "zero_win":
		return "zero_window"
	case "jitter", "high_jitter":
		return "rtp_jitter"
	}
	return n
}
