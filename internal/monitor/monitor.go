package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/pipeline"
	"github.com/tcpviz/tcpviz/internal/session"
)

// Files a monitor session adds to the session layout.
const (
	AlertsFile  = "alerts.jsonl"
	SummaryFile = "monitor-summary.json"
)

// ErrDuration is the cause of a run that ended because Options.Duration
// elapsed.
var ErrDuration = errors.New("duration elapsed")

// Options configures a Monitor.
type Options struct {
	// Path is what to follow: a file, directory, glob or symlink
	// (capture.Follow).
	Path string
	// Follow tunes the follower; its Idle and Notes are the Monitor's.
	Follow   capture.FollowOptions
	Alerts   Config
	Pipeline pipeline.Options
	// Duration stops the run after this long; 0 runs until the context
	// ends.
	Duration time.Duration
	// Out receives one line per alert: human text, or with JSON one JSON
	// object. Each line is written at once, in one Write.
	Out   io.Writer
	JSON  bool
	Color bool // ANSI colour in human lines
	// Log receives human notes: warnings from the follower, and with
	// Verbose every file opened.
	Log     io.Writer
	Verbose bool
	// Now is the wall clock (time.Now when nil): it keeps the windows
	// sliding while no packet arrives, and stamps the summary.
	Now func() time.Time
}

// Monitor follows a capture, analyses it with one pipeline for the whole
// run and raises alerts.
type Monitor struct {
	opts    Options
	ctx     context.Context
	cancel  context.CancelFunc
	fol     *capture.Follower
	alerter *Alerter
	pl      *pipeline.Pipeline

	events *event.Writer
	flows  *event.FlowWriter
	alerts io.Writer
	buf    []byte
	werr   error // the first write error: it ends the run

	lastTS     int64
	idleFrames uint64
	idleSince  time.Time
	idleTS     int64
}

// Open checks that opts.Path can be followed and prepares a run; nothing
// is read or written before Run. The Duration starts now.
func Open(ctx context.Context, opts Options) (*Monitor, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if err := precheck(opts.Path); err != nil {
		return nil, err
	}
	m := &Monitor{opts: opts}
	m.ctx, m.cancel = context.WithCancel(ctx)
	if opts.Duration > 0 {
		m.cancel()
		m.ctx, m.cancel = context.WithTimeoutCause(ctx, opts.Duration, ErrDuration)
	}
	fo := opts.Follow
	fo.Idle = m.idle
	fo.Notes = m.note
	fol, err := capture.Follow(m.ctx, opts.Path, fo)
	if err != nil {
		m.cancel()
		return nil, err
	}
	m.fol = fol
	m.alerter = NewAlerter(opts.Alerts, m.raise)
	return m, nil
}

// precheck fails early for a single file that is there but is not a
// capture, so that mistake costs no session directory. A file still too
// short to tell, or a directory, is left to the follower.
func precheck(path string) error {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	r, err := capture.NewReader(path, f, f)
	if err != nil {
		f.Close()
		if errors.Is(err, capture.ErrNotCapture) {
			return err
		}
		return nil
	}
	return r.Close()
}

// Close releases the follower.
func (m *Monitor) Close() error {
	m.cancel()
	return m.fol.Close()
}

// Summary is monitor-summary.json.
type Summary struct {
	Schema    int     `json:"schema"`
	Tool      string  `json:"tool"`
	PcapPath  string  `json:"pcap_path"`
	Started   string  `json:"started"`
	Ended     string  `json:"ended"`
	WallS     float64 `json:"wall_s"`
	StoppedBy string  `json:"stopped_by"` // "signal", "duration" or "error"
	// PacketsTotal is every packet read, the sum of Files' packets.
	PacketsTotal uint64        `json:"packets_total"`
	Files        []FileSummary `json:"files"`
	// MissingFiles counts ring files removed before they could be read.
	MissingFiles     uint64            `json:"missing_files"`
	AlertsTotal      uint64            `json:"alerts_total"` // raised, escalations included; clears not
	Alerts           AlertCounts       `json:"alerts"`
	AlertsByCategory map[string]uint64 `json:"alerts_by_category"`
	EventCounts      map[string]uint64 `json:"event_counts"`
	FirstTS          string            `json:"first_ts,omitempty"`
	LastTS           string            `json:"last_ts,omitempty"`
	WindowS          float64           `json:"window_s"`
	PerFlow          bool              `json:"per_flow"`
	CriticalFactor   float64           `json:"critical_factor"`
	Thresholds       map[string]Limits `json:"thresholds"`
	Error            string            `json:"error,omitempty"`
	// Written lists the session files written, in order.
	Written []string `json:"-"`
}

// FileSummary is what was read from one file, in reading order.
type FileSummary struct {
	Path         string `json:"path"`
	Packets      uint64 `json:"packets"`
	Bytes        int64  `json:"bytes"`
	End          string `json:"end"`
	Removed      bool   `json:"removed,omitempty"`
	PartialBytes int64  `json:"partial_bytes,omitempty"`
	Error        string `json:"error,omitempty"`
}

// AlertCounts counts alert lines by level.
type AlertCounts struct {
	Warn     uint64 `json:"warn"`
	Critical uint64 `json:"critical"`
	Cleared  uint64 `json:"cleared"`
}

// Limits are one category's thresholds.
type Limits struct {
	Warn     int `json:"warn"`
	Critical int `json:"critical"`
}

// Run follows until the context ends or the Duration elapses, then drains
// what the files hold, writes the session files into dir and returns the
// summary. Alerts, events and flow records are appended to the session's
// alerts.jsonl, events.jsonl and flows.jsonl as they happen; summary.json
// and monitor-summary.json are written at the end. The error is a single
// file that is not a capture, or a file that could not be written; the
// summary is written in every case where that is possible.
func (m *Monitor) Run(dir string) (*Summary, error) {
	started := m.opts.Now()
	open := func(name string) (*os.File, error) {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", filepath.Join(dir, name), err)
		}
		return f, nil
	}
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	var written []string
	var sinks [3]*os.File
	for i, name := range []string{AlertsFile, session.EventsFile, session.FlowsFile} {
		f, err := open(name)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
		sinks[i] = f
		written = append(written, f.Name())
	}
	m.alerts = sinks[0]
	m.events = event.NewWriter(sinks[1])
	m.flows = event.NewFlowWriter(sinks[2])
	m.pl = pipeline.New(m.opts.Pipeline, event.SinkFunc(m.onEvent), m.onFlow)

	var rec capture.Record
	var readErr error
	for m.werr == nil {
		err := m.fol.Next(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		// The windows move to the packet's time first, so events that
		// left them are gone before its own events count.
		m.alerter.Tick(rec.Timestamp, m.pl.Frames()+1)
		m.pl.Record(&rec)
		if rec.Timestamp > m.lastTS {
			m.lastTS = rec.Timestamp
		}
	}
	m.pl.Finish()
	ended := m.opts.Now()

	if err := m.events.Flush(); err != nil && m.werr == nil {
		m.werr = fmt.Errorf("write %s: %w", sinks[1].Name(), err)
	}
	if err := m.flows.Flush(); err != nil && m.werr == nil {
		m.werr = fmt.Errorf("write %s: %w", sinks[2].Name(), err)
	}

	info := m.fol.Info()
	ps := m.pl.Summary(m.opts.Path, info, readErr)
	sum := m.summary(ps, started, ended, readErr)
	p, err := session.WriteJSON(dir, session.SummaryFile, ps)
	if err != nil && m.werr == nil {
		m.werr = err
	}
	if err == nil {
		written = append(written, p)
	}
	p, err = session.WriteJSON(dir, SummaryFile, sum)
	if err != nil && m.werr == nil {
		m.werr = err
	}
	if err == nil {
		written = append([]string{p}, written...)
	}
	sum.Written = written
	if m.werr != nil {
		return sum, m.werr
	}
	return sum, readErr
}

func (m *Monitor) summary(ps *event.Summary, started, ended time.Time, readErr error) *Summary {
	a := m.alerter
	cfg := m.opts.Alerts
	s := &Summary{
		Schema: 1, Tool: "tcpviz monitor", PcapPath: m.opts.Path,
		Started: started.UTC().Format(time.RFC3339Nano), Ended: ended.UTC().Format(time.RFC3339Nano),
		WallS:            ended.Sub(started).Seconds(),
		PacketsTotal:     m.pl.Frames(),
		Files:            []FileSummary{},
		MissingFiles:     m.fol.Missing(),
		AlertsTotal:      a.Raised[Warn] + a.Raised[Critical],
		Alerts:           AlertCounts{Warn: a.Raised[Warn], Critical: a.Raised[Critical], Cleared: a.Cleared},
		AlertsByCategory: map[string]uint64{}, EventCounts: ps.EventCounts,
		FirstTS: ps.Capture.FirstTS, LastTS: ps.Capture.LastTS,
		WindowS: cfg.Window.Seconds(), PerFlow: cfg.PerFlow, CriticalFactor: cfg.CriticalFactor,
		Thresholds: map[string]Limits{},
	}
	for _, f := range m.fol.Files() {
		s.Files = append(s.Files, FileSummary{Path: f.Path, Packets: f.Packets, Bytes: f.Bytes, End: f.End,
			Removed: f.Removed, PartialBytes: f.PartialBytes, Error: f.Err})
	}
	for c := Category(0); c < NumCategories; c++ {
		if a.ByCategory[c] > 0 {
			s.AlertsByCategory[c.String()] = a.ByCategory[c]
		}
		if cfg.Thresholds[c] > 0 {
			s.Thresholds[c.String()] = Limits{Warn: cfg.Thresholds[c], Critical: cfg.CriticalThreshold(c)}
		}
	}
	switch {
	case m.werr != nil:
		s.StoppedBy, s.Error = "error", m.werr.Error()
	case readErr != nil:
		s.StoppedBy, s.Error = "error", readErr.Error()
	case errors.Is(context.Cause(m.ctx), ErrDuration):
		s.StoppedBy = "duration"
	default:
		s.StoppedBy = "signal"
	}
	return s
}

// onEvent hands a pipeline event to events.jsonl and the alerter.
func (m *Monitor) onEvent(e *event.Event) {
	m.events.Event(e)
	m.alerter.Event(e)
}

// onFlow writes a flow record when its flow ends; a write error shows at
// the next flush, as the events' do.
func (m *Monitor) onFlow(r *event.FlowRecord) { m.flows.Write(r) }

// raise prints one alert line and appends the alert to alerts.jsonl, each
// in a single write so the line is out at once.
func (m *Monitor) raise(a *Alert) {
	b := m.buf[:0]
	if m.opts.JSON {
		b = AppendJSON(b, a)
	} else {
		b = AppendText(b, a, m.opts.Color)
	}
	b = append(b, '\n')
	if _, err := m.opts.Out.Write(b); err != nil {
		m.fail(fmt.Errorf("write alert: %w", err))
	}
	b = append(AppendJSON(b[:0], a), '\n')
	if _, err := m.alerts.Write(b); err != nil {
		m.fail(fmt.Errorf("write %s: %w", AlertsFile, err))
	}
	m.buf = b
}

// idle runs while the follower waits for data: capture time is taken to
// advance with the wall clock from the last packet, so windows keep sliding
// (and alerts clear) when traffic stops; buffered events reach their file.
func (m *Monitor) idle() {
	if m.pl == nil {
		return
	}
	now := m.opts.Now()
	if frames := m.pl.Frames(); frames != m.idleFrames || m.idleSince.IsZero() {
		m.idleFrames, m.idleSince, m.idleTS = frames, now, m.lastTS
	}
	if m.idleFrames > 0 {
		m.alerter.Tick(m.idleTS+int64(now.Sub(m.idleSince)), m.idleFrames)
	}
	if err := m.events.Flush(); err != nil {
		m.fail(fmt.Errorf("write %s: %w", session.EventsFile, err))
	}
	if err := m.flows.Flush(); err != nil {
		m.fail(fmt.Errorf("write %s: %w", session.FlowsFile, err))
	}
}

// fail keeps the first write error and stops the run: the follower drains
// and Run writes what it can.
func (m *Monitor) fail(err error) {
	if m.werr == nil {
		m.werr = err
		m.cancel()
	}
}

// note prints what the follower reports: warnings always, routine notes
// with Verbose.
func (m *Monitor) note(n capture.Note) {
	switch {
	case n.Warning:
		fmt.Fprintf(m.opts.Log, "monitor: warning: %s\n", n)
	case m.opts.Verbose:
		fmt.Fprintf(m.opts.Log, "monitor: %s\n", n)
	}
}
