package monitor

import (
	"math"
	"net/netip"
	"time"

	"github.com/tcpviz/tcpviz/internal/event"
)

// Category is what a threshold counts: one or more event types.
type Category uint8

// Categories, each with its own threshold.
const (
	Retransmissions Category = iota // retransmission, fast_retransmission, spurious_retransmission
	Loss                            // loss_infer, lost_segment
	OutOfOrder                      // out_of_order
	RTPLoss                         // rtp_loss
	RTPJitter                       // rtp_jitter
	NumCategories
)

func (c Category) String() string {
	switch c {
	case Retransmissions:
		return "retransmissions"
	case Loss:
		return "loss"
	case OutOfOrder:
		return "out_of_order"
	case RTPLoss:
		return "rtp_loss"
	case RTPJitter:
		return "rtp_jitter"
	}
	return "unknown"
}

// CategoryOf maps an event type to the category counting it; ok is false
// for types no threshold counts.
func CategoryOf(t event.Type) (c Category, ok bool) {
	switch t {
	case event.Retransmission, event.FastRetransmission, event.SpuriousRetransmission:
		return Retransmissions, true
	case event.LossInfer, event.LostSegment:
		return Loss, true
	case event.OutOfOrder:
		return OutOfOrder, true
	case event.RTPLoss:
		return RTPLoss, true
	case event.RTPJitter:
		return RTPJitter, true
	}
	return 0, false
}

// Level is the state of one window: below the thresholds, or at WARN or
// CRITICAL.
type Level uint8

// Levels, lowest first.
const (
	OK Level = iota
	Warn
	Critical
)

func (l Level) String() string {
	switch l {
	case Warn:
		return "warn"
	case Critical:
		return "critical"
	}
	return "ok"
}

// Config sets the windows and thresholds.
type Config struct {
	// Window is the sliding window, in capture time.
	Window time.Duration
	// Thresholds are the WARN thresholds: events of a category within the
	// window. 0 turns a category off.
	Thresholds [NumCategories]int
	// CriticalFactor times a threshold (rounded up) is the CRITICAL
	// threshold; at least 1.
	CriticalFactor float64
	// PerFlow keeps a window per flow (TCP stream or RTP stream, both
	// directions together) instead of one for all traffic.
	PerFlow bool
}

// DefaultConfig returns the documented defaults: a 60 s window; WARN at 10
// retransmissions, 10 loss events (inferred losses and segments the
// capture missed), 20 out-of-order segments, 5 RTP loss events and 3 RTP
// jitter crossings; CRITICAL at 5 times each.
func DefaultConfig() Config {
	return Config{
		Window:         60 * time.Second,
		Thresholds:     [NumCategories]int{Retransmissions: 10, Loss: 10, OutOfOrder: 20, RTPLoss: 5, RTPJitter: 3},
		CriticalFactor: 5,
	}
}

// CriticalThreshold is the CRITICAL threshold of category c.
func (c *Config) CriticalThreshold(cat Category) int {
	w := c.Thresholds[cat]
	f := c.CriticalFactor
	if f < 1 {
		f = 1
	}
	n := int(math.Ceil(float64(w) * f))
	if n < w {
		n = w
	}
	return n
}

// Flow names the packet an alert is about: for a per-flow window its flow,
// otherwise the flow of the last event counted.
type Flow struct {
	Proto            event.Proto
	Stream           uint64
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
}

// Alert is a window crossing into a level, escalating, or clearing.
type Alert struct {
	TS       int64 // capture time of the crossing, ns since the epoch
	Frame    uint64
	Category Category
	Level    Level // WARN or CRITICAL when raised; OK when cleared
	Prev     Level // the level before
	Count    int   // events in the window
	Warn     int   // thresholds in force
	Critical int
	Window   time.Duration
	PerFlow  bool
	Trigger  event.Type // the event type that raised it (0 for a clear)
	Flow     Flow
}

// key identifies a window: a category, and with per-flow windows the flow
// with its endpoints in a canonical order.
type key struct {
	cat    Category
	proto  event.Proto
	stream uint64
	a, b   netip.AddrPort
}

type window struct {
	key   key
	count int
	level Level
	flow  Flow
}

// entry is one counted event, in the order counted.
type entry struct {
	ts  int64
	win int32
}

// Alerter counts events in sliding windows of capture time and raises an
// alert when a window crosses into WARN or CRITICAL. It raises again only
// when the level escalates or after the window has cleared, and it reports
// the clear: a window clears when it holds fewer than half the WARN
// threshold, so a rate hovering at the threshold does not flap.
//
// Time comes only from Tick and the events (capture time), which makes it
// testable with a fake clock. It is not safe for concurrent use.
type Alerter struct {
	cfg      Config
	window   int64
	warn     [NumCategories]int
	critical [NumCategories]int
	emit     func(*Alert)

	now   int64
	frame uint64

	index map[key]int32
	wins  []window
	free  []int32
	fifo  []entry // events in the windows, oldest first from head
	head  int
	alert Alert

	// Raised counts the alerts raised, by level (Warn, Critical);
	// Cleared counts the clears.
	Raised  [3]uint64
	Cleared uint64
	// ByCategory counts the alerts raised per category.
	ByCategory [NumCategories]uint64
}

// NewAlerter returns an Alerter that hands each alert to emit. The Alert
// is reused: emit must not keep it.
func NewAlerter(cfg Config, emit func(*Alert)) *Alerter {
	a := &Alerter{cfg: cfg, window: int64(cfg.Window), emit: emit, index: map[key]int32{}}
	for c := Category(0); c < NumCategories; c++ {
		a.warn[c] = cfg.Thresholds[c]
		a.critical[c] = cfg.CriticalThreshold(c)
	}
	return a
}

// Event counts e if a threshold applies to its type.
func (a *Alerter) Event(e *event.Event) {
	cat, ok := CategoryOf(e.Type)
	if !ok || a.warn[cat] <= 0 {
		return
	}
	a.Tick(e.TS, e.Frame)
	k := key{cat: cat}
	if a.cfg.PerFlow {
		k.proto, k.stream = e.Proto, e.Stream
		k.a, k.b = netip.AddrPortFrom(e.Src, e.SrcPort), netip.AddrPortFrom(e.Dst, e.DstPort)
		if k.b.Compare(k.a) < 0 {
			k.a, k.b = k.b, k.a
		}
	}
	i, ok := a.index[k]
	if !ok {
		i = a.newWindow(k)
	}
	w := &a.wins[i]
	w.count++
	w.flow = Flow{Proto: e.Proto, Stream: e.Stream, Src: e.Src, Dst: e.Dst, SrcPort: e.SrcPort, DstPort: e.DstPort}
	// Stamped with the window's time, not the packet's, so the queue stays
	// in order when a capture's time stamps step back.
	a.fifo = append(a.fifo, entry{ts: a.now, win: i})
	a.evaluate(i, e.TS, e.Frame, e.Type)
}

// Tick moves the windows on to capture time now (it never goes back);
// frame is the frame being read. Events older than the window leave it,
// which may clear alerts.
func (a *Alerter) Tick(now int64, frame uint64) {
	if now > a.now {
		a.now = now
	}
	if frame > a.frame {
		a.frame = frame
	}
	cut := a.now - a.window
	for a.head < len(a.fifo) && a.fifo[a.head].ts <= cut {
		en := a.fifo[a.head]
		a.head++
		w := &a.wins[en.win]
		w.count--
		a.evaluate(en.win, en.ts+a.window, a.frame, 0)
		if w.count == 0 {
			a.release(en.win)
		}
	}
	// Reclaim the consumed front of the queue once it is most of it.
	if a.head > 1024 && a.head*2 > len(a.fifo) {
		n := copy(a.fifo, a.fifo[a.head:])
		a.fifo = a.fifo[:n]
		a.head = 0
	}
}

func (a *Alerter) newWindow(k key) int32 {
	var i int32
	if n := len(a.free); n > 0 {
		i = a.free[n-1]
		a.free = a.free[:n-1]
		a.wins[i] = window{key: k}
	} else {
		i = int32(len(a.wins))
		a.wins = append(a.wins, window{key: k})
	}
	a.index[k] = i
	return i
}

// release forgets an empty window, so per-flow windows cost memory only
// while their flows have events.
func (a *Alerter) release(i int32) {
	delete(a.index, a.wins[i].key)
	a.wins[i] = window{}
	a.free = append(a.free, i)
}

// evaluate compares window i with its thresholds after a change at ts.
func (a *Alerter) evaluate(i int32, ts int64, frame uint64, trigger event.Type) {
	w := &a.wins[i]
	cat := w.key.cat
	lvl := OK
	switch {
	case w.count >= a.critical[cat]:
		lvl = Critical
	case w.count >= a.warn[cat]:
		lvl = Warn
	}
	switch {
	case lvl > w.level:
		a.Raised[lvl]++
		a.ByCategory[cat]++
	case w.level != OK && 2*w.count < a.warn[cat]:
		lvl = OK
		a.Cleared++
	default:
		return
	}
	a.alert = Alert{
		TS: ts, Frame: frame, Category: cat, Level: lvl, Prev: w.level, Count: w.count,
		Warn: a.warn[cat], Critical: a.critical[cat], Window: a.cfg.Window, PerFlow: a.cfg.PerFlow,
		Trigger: trigger, Flow: w.flow,
	}
	w.level = lvl
	if a.emit != nil {
		a.emit(&a.alert)
	}
}
