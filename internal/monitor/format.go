package monitor

import (
	"strconv"
	"strings"
	"time"

	"github.com/tcpviz/tcpviz/internal/event"
)

// ANSI colours of the level tags, used only on a terminal without NO_COLOR.
const (
	colorWarn     = "\x1b[33m"   // yellow
	colorCritical = "\x1b[1;31m" // bold red
	colorClear    = "\x1b[32m"   // green
	colorReset    = "\x1b[0m"
)

// Tag is how a line starts: [WARN], [CRITICAL], or [CLEAR] for a clear.
func (a *Alert) Tag() string {
	switch a.Level {
	case Warn:
		return "[WARN]"
	case Critical:
		return "[CRITICAL]"
	}
	return "[CLEAR]"
}

// State says what happened: "raised", "escalated" or "cleared".
func (a *Alert) State() string {
	switch {
	case a.Level == OK:
		return "cleared"
	case a.Prev == OK:
		return "raised"
	}
	return "escalated"
}

// Severity is the event severity of the alert record: warn, critical, or
// info for a clear.
func (a *Alert) Severity() event.Severity {
	switch a.Level {
	case Warn:
		return event.Warn
	case Critical:
		return event.Critical
	}
	return event.Info
}

// AppendText appends the human line for a (no newline), e.g.
//
//	[WARN] 2026-11-23T10:00:01.123Z retransmissions: 10 in 60s (WARN at 10, CRITICAL at 50); last 10.0.0.2:80 -> 10.0.0.1:51000 stream 3, frame 1234
//	[CRITICAL] 2026-11-23T10:00:04.500Z retransmissions on 10.0.0.2:80 -> 10.0.0.1:51000 stream 3: 50 in 60s (WARN at 10, CRITICAL at 50), was WARN; frame 2345
//	[CLEAR] 2026-11-23T10:01:04.500Z retransmissions: 4 in 60s, below 5 (was CRITICAL)
//
// color adds ANSI colour to the tag.
func AppendText(b []byte, a *Alert, color bool) []byte {
	if color {
		switch a.Level {
		case Warn:
			b = append(b, colorWarn...)
		case Critical:
			b = append(b, colorCritical...)
		default:
			b = append(b, colorClear...)
		}
	}
	b = append(b, a.Tag()...)
	if color {
		b = append(b, colorReset...)
	}
	b = append(b, ' ')
	b = time.Unix(0, a.TS).UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	b = append(b, ' ')
	b = append(b, a.Category.String()...)
	if a.PerFlow {
		b = append(b, " on "...)
		b = appendFlow(b, &a.Flow)
	}
	b = append(b, ": "...)
	b = strconv.AppendInt(b, int64(a.Count), 10)
	b = append(b, " in "...)
	b = append(b, shortDuration(a.Window)...)
	if a.Level == OK {
		b = append(b, ", below "...)
		b = strconv.AppendInt(b, int64((a.Warn+1)/2), 10)
		b = append(b, " (was "...)
		b = append(b, strings.ToUpper(a.Prev.String())...)
		return append(b, ')')
	}
	b = append(b, " (WARN at "...)
	b = strconv.AppendInt(b, int64(a.Warn), 10)
	b = append(b, ", CRITICAL at "...)
	b = strconv.AppendInt(b, int64(a.Critical), 10)
	b = append(b, ')')
	if a.Prev != OK {
		b = append(b, ", was "...)
		b = append(b, strings.ToUpper(a.Prev.String())...)
	}
	b = append(b, "; "...)
	if !a.PerFlow {
		b = append(b, "last "...)
		b = appendFlow(b, &a.Flow)
		b = append(b, ", "...)
	}
	b = append(b, "frame "...)
	return strconv.AppendUint(b, a.Frame, 10)
}

func appendFlow(b []byte, f *Flow) []byte {
	if !f.Src.IsValid() {
		return append(b, "(no flow)"...)
	}
	b = event.AppendFlow(b, f.Src, f.SrcPort, f.Dst, f.DstPort)
	if f.Proto == event.TCP {
		b = append(b, " stream "...)
		b = strconv.AppendUint(b, f.Stream, 10)
	}
	return b
}

// shortDuration writes 60s rather than 1m0s.
func shortDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return d.String()
}

// AppendJSON appends a as one JSON object (no newline): an event of the
// event schema with type "alert", severity warn or critical (info for a
// clear), the flow of Alert.Flow, and in extra the reason (the category),
// count, level, previous level, state, thresholds, window and scope.
func AppendJSON(b []byte, a *Alert) []byte {
	e := event.Event{
		TS: a.TS, Frame: a.Frame, Type: event.Alert, Severity: a.Severity(),
		Proto: a.Flow.Proto, Stream: a.Flow.Stream, Src: a.Flow.Src, Dst: a.Flow.Dst,
		SrcPort: a.Flow.SrcPort, DstPort: a.Flow.DstPort,
		Extra: event.Extra{Reason: a.Category.String()},
	}
	b = event.AppendJSON(b, &e)
	// The event ends with its extra object, "...}}"; the alert's figures
	// join that object. It is never empty: it holds the reason.
	b = b[:len(b)-2]
	b = append(b, `,"count":`...)
	b = strconv.AppendInt(b, int64(a.Count), 10)
	b = append(b, `,"level":"`...)
	b = append(b, a.Level.String()...)
	b = append(b, `","previous":"`...)
	b = append(b, a.Prev.String()...)
	b = append(b, `","state":"`...)
	b = append(b, a.State()...)
	b = append(b, `","threshold":`...)
	b = strconv.AppendInt(b, int64(a.Warn), 10)
	b = append(b, `,"critical_threshold":`...)
	b = strconv.AppendInt(b, int64(a.Critical), 10)
	b = append(b, `,"window_s":`...)
	b = strconv.AppendFloat(b, a.Window.Seconds(), 'f', -1, 64)
	b = append(b, `,"scope":"`...)
	if a.PerFlow {
		b = append(b, "flow"...)
	} else {
		b = append(b, "all"...)
	}
	b = append(b, '"')
	if a.Trigger != 0 {
		b = append(b, `,"trigger":"`...)
		b = append(b, a.Trigger.String()...)
		b = append(b, '"')
	}
	return append(b, "}}"...)
}
