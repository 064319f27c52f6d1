package monitor

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tcpviz/tcpviz/internal/event"
)

// t0 is the fake clock's epoch: capture time in these tests is t0 plus
// the step's seconds.
const t0 = int64(1_700_000_000) * 1e9

func at(sec float64) int64 { return t0 + int64(sec*1e9) }

// step is one thing that happens to an Alerter: an event of type typ on
// flow (0 or 1; 2 is flow 0 seen in the other direction), or with typ 0 a
// clock tick.
type step struct {
	sec  float64
	typ  event.Type
	flow int
}

// events returns n events of typ, one every gap seconds from start.
func events(start, gap float64, n int, typ event.Type, flow int) []step {
	var s []step
	for i := 0; i < n; i++ {
		s = append(s, step{start + float64(i)*gap, typ, flow})
	}
	return s
}

func tick(sec float64) step { return step{sec: sec} }

var (
	hostA = netip.MustParseAddr("10.0.0.1")
	hostB = netip.MustParseAddr("10.0.0.2")
	hostC = netip.MustParseAddr("10.0.0.3")
)

func flowEvent(ts int64, frame uint64, typ event.Type, flow int) *event.Event {
	e := &event.Event{TS: ts, Frame: frame, Type: typ, Severity: event.Warn, Proto: event.TCP,
		Src: hostB, SrcPort: 80, Dst: hostA, DstPort: 40000, Stream: 0}
	switch flow {
	case 1:
		e.Dst, e.DstPort, e.Stream = hostC, 40001, 1
	case 2:
		e.Src, e.SrcPort, e.Dst, e.DstPort = e.Dst, e.DstPort, e.Src, e.SrcPort
	}
	return e
}

// drive runs steps through an Alerter and returns its alerts, one short
// line each: "12.000 retransmissions warn 10 (from ok)".
func drive(cfg Config, steps []step) ([]string, *Alerter) {
	var got []string
	a := NewAlerter(cfg, func(al *Alert) {
		s := fmt.Sprintf("%.3f %s %s %d (from %s)", float64(al.TS-t0)/1e9, al.Category, al.Level, al.Count, al.Prev)
		if al.PerFlow {
			s += fmt.Sprintf(" stream %d", al.Flow.Stream)
		}
		got = append(got, s)
	})
	for i, st := range steps {
		if st.typ == 0 {
			a.Tick(at(st.sec), uint64(i+1))
			continue
		}
		a.Event(flowEvent(at(st.sec), uint64(i+1), st.typ, st.flow))
	}
	return got, a
}

func cfgWith(f func(*Config)) Config {
	c := DefaultConfig()
	f(&c)
	return c
}

func concat(parts ...[]step) []step {
	var out []step
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestAlerter(t *testing.T) {
	def := DefaultConfig()
	small := cfgWith(func(c *Config) { c.Window = 10 * time.Second; c.Thresholds[Retransmissions] = 4; c.CriticalFactor = 2 })
	for _, tc := range []struct {
		name  string
		cfg   Config
		steps []step
		want  []string
	}{
		{"below the threshold", def, events(0, 1, 9, event.Retransmission, 0), nil},
		{"warn at the threshold", def, events(0, 1, 10, event.Retransmission, 0),
			[]string{"9.000 retransmissions warn 10 (from ok)"}},
		{"escalates once, no storm", def, events(0, 0.5, 80, event.Retransmission, 0),
			[]string{"4.500 retransmissions warn 10 (from ok)", "24.500 retransmissions critical 50 (from warn)"}},
		{"all retransmission kinds count", def, concat(
			events(0, 1, 4, event.Retransmission, 0),
			events(4, 1, 3, event.FastRetransmission, 0),
			events(7, 1, 3, event.SpuriousRetransmission, 0)),
			[]string{"9.000 retransmissions warn 10 (from ok)"}},
		{"loss counts loss_infer and lost_segment", def, concat(
			events(0, 1, 5, event.LossInfer, 0),
			events(5, 1, 5, event.LostSegment, 0)),
			[]string{"9.000 loss warn 10 (from ok)"}},
		{"other events count nothing", def, concat(
			events(0, 0.1, 100, event.DupAck, 0),
			events(0, 0.1, 100, event.ZeroWindow, 0)), nil},
		{"out of order", def, events(0, 1, 20, event.OutOfOrder, 0),
			[]string{"19.000 out_of_order warn 20 (from ok)"}},
		{"rtp loss and jitter", def, concat(
			events(0, 1, 5, event.RTPLoss, 0),
			events(5, 1, 3, event.RTPJitter, 0)),
			[]string{"4.000 rtp_loss warn 5 (from ok)", "7.000 rtp_jitter warn 3 (from ok)"}},
		{"threshold 0 turns a category off",
			cfgWith(func(c *Config) { c.Thresholds[Retransmissions] = 0 }),
			events(0, 0.1, 100, event.Retransmission, 0), nil},
		// 4 events at 0..3 s: WARN at 3 s. They leave the 10 s window
		// at 10, 11, 12 and 13 s; below half the threshold (2) at 12 s.
		{"clears below half the threshold", small, concat(
			events(0, 1, 4, event.Retransmission, 0), []step{tick(11.9), tick(12), tick(30)}),
			[]string{"3.000 retransmissions warn 4 (from ok)", "12.000 retransmissions ok 1 (from warn)"}},
		{"raised again after clearing", small, concat(
			events(0, 1, 4, event.Retransmission, 0), []step{tick(20)},
			events(21, 1, 4, event.Retransmission, 0)),
			[]string{"3.000 retransmissions warn 4 (from ok)", "12.000 retransmissions ok 1 (from warn)",
				"24.000 retransmissions warn 4 (from ok)"}},
		{"a clear comes from events too", small, concat(
			events(0, 1, 4, event.Retransmission, 0),
			events(12.5, 1, 1, event.Retransmission, 0)),
			[]string{"3.000 retransmissions warn 4 (from ok)", "12.000 retransmissions ok 1 (from warn)"}},
		// One event every 2.5 s keeps 4 in the 10 s window, flickering
		// to 3 between arrivals: one WARN, never a clear.
		{"a rate at the threshold does not flap", small, events(0, 2.5, 40, event.Retransmission, 0),
			[]string{"7.500 retransmissions warn 4 (from ok)"}},
		// De-escalating to the WARN band is not an alert (the window
		// passes 7..2 between 10.0 and 10.5 s); the clear at 1 is, and so
		// is a new crossing into CRITICAL after it.
		{"no alert going down from critical", small, concat(
			events(0, 0.1, 8, event.Retransmission, 0), []step{tick(10.05), tick(10.25), tick(10.65), tick(25)},
			events(26, 0.1, 8, event.Retransmission, 0)),
			[]string{"0.300 retransmissions warn 4 (from ok)", "0.700 retransmissions critical 8 (from warn)",
				"10.600 retransmissions ok 1 (from critical)", "26.300 retransmissions warn 4 (from ok)",
				"26.700 retransmissions critical 8 (from warn)"}},
		{"critical factor rounds up", cfgWith(func(c *Config) { c.Thresholds[Retransmissions] = 3; c.CriticalFactor = 2.5 }),
			events(0, 1, 8, event.Retransmission, 0),
			[]string{"2.000 retransmissions warn 3 (from ok)", "7.000 retransmissions critical 8 (from warn)"}},
		{"critical factor 1: straight to critical", cfgWith(func(c *Config) { c.Thresholds[Retransmissions] = 3; c.CriticalFactor = 1 }),
			events(0, 1, 3, event.Retransmission, 0),
			[]string{"2.000 retransmissions critical 3 (from ok)"}},
		{"all flows share one window", def, concat(
			events(0, 1, 5, event.Retransmission, 0),
			events(5, 1, 5, event.Retransmission, 1)),
			[]string{"9.000 retransmissions warn 10 (from ok)"}},
		{"per flow: each flow its own window", cfgWith(func(c *Config) { c.PerFlow = true }), concat(
			events(0, 1, 5, event.Retransmission, 0),
			events(5, 1, 9, event.Retransmission, 1),
			events(14, 1, 1, event.Retransmission, 1)),
			[]string{"14.000 retransmissions warn 10 (from ok) stream 1"}},
		{"per flow: both directions are one flow", cfgWith(func(c *Config) { c.PerFlow = true }), concat(
			events(0, 1, 5, event.Retransmission, 0),
			events(5, 1, 5, event.Retransmission, 2)),
			[]string{"9.000 retransmissions warn 10 (from ok) stream 0"}},
		// A time stamp that steps back counts at the window's time.
		{"time stepping back", small, []step{
			{0, event.Retransmission, 0}, {5, event.Retransmission, 0},
			{1, event.Retransmission, 0}, {5.5, event.Retransmission, 0},
			tick(14.9), tick(15), tick(16)},
			[]string{"5.500 retransmissions warn 4 (from ok)", "15.000 retransmissions ok 1 (from warn)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := drive(tc.cfg, tc.steps)
			if d := diffStrings(tc.want, got); d != "" {
				t.Errorf("alerts (-want +got):\n%s", d)
			}
		})
	}
}

// TestAlerterForgetsQuietFlows: per-flow windows hold memory only while
// their flows have events in them.
func TestAlerterForgetsQuietFlows(t *testing.T) {
	cfg := cfgWith(func(c *Config) { c.PerFlow = true; c.Window = time.Second })
	a := NewAlerter(cfg, nil)
	for i := 0; i < 5000; i++ {
		e := flowEvent(at(float64(i)*0.01), uint64(i+1), event.Retransmission, 0)
		e.SrcPort = uint16(1000 + i)
		a.Event(e)
	}
	if n := len(a.index); n < 50 || n > 101 {
		t.Errorf("%d windows live with 100 flows in the last second", n)
	}
	a.Tick(at(100), 5001)
	if len(a.index) != 0 || a.head != len(a.fifo) && len(a.fifo) != 0 {
		t.Errorf("after the windows emptied: %d windows, queue %d from %d", len(a.index), len(a.fifo), a.head)
	}
	if len(a.wins) > 200 {
		t.Errorf("%d window slots for at most ~100 live flows: freed slots not reused", len(a.wins))
	}
}

// TestAlerterTickAllocatesNothing: the per-packet call costs no allocation.
func TestAlerterTickAllocatesNothing(t *testing.T) {
	a := NewAlerter(DefaultConfig(), nil)
	e := flowEvent(at(0), 1, event.Retransmission, 0)
	a.Event(e)
	now := at(1)
	allocs := testing.AllocsPerRun(1000, func() {
		now += 1000
		a.Tick(now, 2)
	})
	if allocs != 0 {
		t.Errorf("Tick allocates %.1f times per call", allocs)
	}
}

func diffStrings(want, got []string) string {
	var b strings.Builder
	for i := 0; i < max(len(want), len(got)); i++ {
		switch {
		case i >= len(got):
			fmt.Fprintf(&b, "-%s\n", want[i])
		case i >= len(want):
			fmt.Fprintf(&b, "+%s\n", got[i])
		case want[i] != got[i]:
			fmt.Fprintf(&b, "-%s\n+%s\n", want[i], got[i])
		}
	}
	return b.String()
}

func TestAlertLines(t *testing.T) {
	base := Alert{TS: t0 + 123_456_789, Frame: 1234, Category: Retransmissions, Level: Warn, Prev: OK, Count: 10,
		Warn: 10, Critical: 50, Window: time.Minute, Trigger: event.FastRetransmission,
		Flow: Flow{Proto: event.TCP, Stream: 3, Src: hostB, SrcPort: 80, Dst: hostA, DstPort: 40000}}
	with := func(f func(*Alert)) Alert {
		a := base
		f(&a)
		return a
	}
	for _, tc := range []struct {
		name  string
		a     Alert
		color bool
		text  string
		extra string
	}{
		{"warn", base, false,
			"[WARN] 2023-11-14T22:13:20.123Z retransmissions: 10 in 60s (WARN at 10, CRITICAL at 50); last 10.0.0.2:80 -> 10.0.0.1:40000 stream 3, frame 1234",
			`{"reason":"retransmissions","count":10,"level":"warn","previous":"ok","state":"raised","threshold":10,"critical_threshold":50,"window_s":60,"scope":"all","trigger":"fast_retransmission"}`},
		{"critical per flow, colour", with(func(a *Alert) { a.Level, a.Prev, a.Count, a.PerFlow = Critical, Warn, 50, true }), true,
			"\x1b[1;31m[CRITICAL]\x1b[0m 2023-11-14T22:13:20.123Z retransmissions on 10.0.0.2:80 -> 10.0.0.1:40000 stream 3: 50 in 60s (WARN at 10, CRITICAL at 50), was WARN; frame 1234",
			`{"reason":"retransmissions","count":50,"level":"critical","previous":"warn","state":"escalated","threshold":10,"critical_threshold":50,"window_s":60,"scope":"flow","trigger":"fast_retransmission"}`},
		{"clear", with(func(a *Alert) {
			a.Level, a.Prev, a.Count, a.Trigger, a.Window = OK, Critical, 4, 0, 1500*time.Millisecond
		}), false,
			"[CLEAR] 2023-11-14T22:13:20.123Z retransmissions: 4 in 1.5s, below 5 (was CRITICAL)",
			`{"reason":"retransmissions","count":4,"level":"ok","previous":"critical","state":"cleared","threshold":10,"critical_threshold":50,"window_s":1.5,"scope":"all"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(AppendText(nil, &tc.a, tc.color)); got != tc.text {
				t.Errorf("text (-want +got):\n-%s\n+%s", tc.text, got)
			}
			line := AppendJSON(nil, &tc.a)
			var obj map[string]any
			if err := json.Unmarshal(line, &obj); err != nil {
				t.Fatalf("JSON %s: %v", line, err)
			}
			extra, _ := json.Marshal(obj["extra"])
			var want map[string]any
			if err := json.Unmarshal([]byte(tc.extra), &want); err != nil {
				t.Fatal(err)
			}
			wantB, _ := json.Marshal(want)
			if string(extra) != string(wantB) {
				t.Errorf("extra (-want +got):\n-%s\n+%s", wantB, extra)
			}
			// An alert line is an event line: the event reader takes it.
			var rec event.Record
			if err := event.ParseLine(line, &rec); err != nil {
				t.Fatalf("ParseLine(%s): %v", line, err)
			}
			wantSev := map[Level]string{OK: "info", Warn: "warn", Critical: "critical"}[tc.a.Level]
			if rec.Type != "alert" || rec.Severity != wantSev || rec.Flow != "10.0.0.2:80 -> 10.0.0.1:40000" || rec.Frame != 1234 || rec.Stream != 3 {
				t.Errorf("read back as %+v", rec)
			}
		})
	}
}
