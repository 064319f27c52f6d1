package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/monitor"
	"github.com/tcpviz/tcpviz/internal/pipeline"
)

// monitorOptions holds monitor's flag values and dependencies.
type monitorOptions struct {
	IO
	PcapPath         string
	OutDir           string
	Artifacts        string
	Window           time.Duration
	Threshold        int
	LossThreshold    int
	OOOThreshold     int
	RTPLossThreshold int
	JitterThreshold  int
	JitterMs         float64
	RTPPorts         []uint
	CriticalFactor   float64
	PerFlow          bool
	PollInterval     time.Duration
	FromStart        bool
	Duration         time.Duration
	JSON             bool
	Verbose          bool

	// Env looks up environment variables: the TCPVIZ_* defaults and
	// NO_COLOR. nil means an empty environment.
	Env func(string) string
	// Changed reports whether a flag was given on the command line: its
	// value then beats the environment's. nil means none was.
	Changed func(flag string) bool
	// OutTerminal says Out is a terminal; alert lines are coloured only
	// then, and only without NO_COLOR.
	OutTerminal bool
	Now         func() time.Time // names new session directories

	// origin names where each setting that came from the environment
	// came from, for error messages.
	origin map[string]string
}

// monitorEnv lists the environment variables that override monitor's
// defaults, and the flags they stand for.
var monitorEnv = []struct{ name, flag string }{
	{"TCPVIZ_WINDOW", "window"},
	{"TCPVIZ_THRESHOLD", "threshold"},
	{"TCPVIZ_LOSS_THRESHOLD", "loss-threshold"},
	{"TCPVIZ_OOO_THRESHOLD", "ooo-threshold"},
	{"TCPVIZ_POLL_INTERVAL", "poll-interval"},
}

// defaultMonitorOptions returns the documented defaults.
func defaultMonitorOptions(io IO) *monitorOptions {
	def := monitor.DefaultConfig()
	return &monitorOptions{
		IO:               io,
		Artifacts:        "artifacts",
		Window:           def.Window,
		Threshold:        def.Thresholds[monitor.Retransmissions],
		LossThreshold:    def.Thresholds[monitor.Loss],
		OOOThreshold:     def.Thresholds[monitor.OutOfOrder],
		RTPLossThreshold: def.Thresholds[monitor.RTPLoss],
		JitterThreshold:  def.Thresholds[monitor.RTPJitter],
		JitterMs:         pipeline.DefaultOptions().RTP.JitterThresholdMs,
		CriticalFactor:   def.CriticalFactor,
		PollInterval:     capture.DefaultPollInterval,
		Now:              time.Now,
	}
}

// newMonitorCmd builds monitor. env is the process environment (os.Getenv);
// runF does the work, nil meaning runMonitor (tests pass their own to see
// the parsed options).
func newMonitorCmd(io IO, env func(string) string, runF func(context.Context, *monitorOptions) error) *cobra.Command {
	if runF == nil {
		runF = runMonitor
	}
	opts := defaultMonitorOptions(io)
	opts.Env = env
	if f, ok := io.Out.(*os.File); ok {
		opts.OutTerminal = isTerminal(f)
	}
	cmd := &cobra.Command{
		Use:   "monitor --pcap-path PATH [--out DIR] [--json]",
		Short: "Follow a live capture or dumpcap ring and raise WARN/CRITICAL alerts",
		Long: `Follows a capture while it is being written — a growing file, a symlink that is
re-pointed, or the ring of files "dumpcap -b filesize:N -b files:M" rotates (a
directory, a glob, or one of its files) — analyses it with the same pipeline as
parse-pcap, and prints one line per alert on stdout when the retransmissions,
losses, out-of-order segments or RTP problems within a sliding window reach a
threshold. Stops on Ctrl-C, SIGTERM or --duration, then writes alerts.jsonl,
events.jsonl, flows.jsonl, summary.json and monitor-summary.json into a session
directory and prints a summary on stderr.

Environment: TCPVIZ_WINDOW, TCPVIZ_THRESHOLD, TCPVIZ_LOSS_THRESHOLD,
TCPVIZ_OOO_THRESHOLD and TCPVIZ_POLL_INTERVAL replace the defaults of the flags
they name; a flag given on the command line beats them. NO_COLOR turns colour off.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unexpected argument %q: give the capture to follow with --pcap-path", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Changed = cmd.Flags().Changed
			return failure(runF(cmd.Context(), opts))
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.PcapPath, "pcap-path", "", "capture to follow: a file, a directory or glob of ring files, one file of a dumpcap ring, or a symlink")
	f.StringVar(&opts.OutDir, "out", "", "session directory to write (default: a new artifacts/session_YYYYmmdd_HHMMSS)")
	f.StringVar(&opts.Artifacts, "artifacts", opts.Artifacts, "parent directory of new session directories")
	f.DurationVar(&opts.Window, "window", opts.Window, "sliding window of capture time the thresholds count events in [TCPVIZ_WINDOW]")
	f.IntVar(&opts.Threshold, "threshold", opts.Threshold, "WARN at this many retransmissions (all kinds) in the window; 0 turns it off [TCPVIZ_THRESHOLD]")
	f.IntVar(&opts.LossThreshold, "loss-threshold", opts.LossThreshold, "WARN at this many loss events (loss_infer, lost_segment) in the window [TCPVIZ_LOSS_THRESHOLD]")
	f.IntVar(&opts.OOOThreshold, "ooo-threshold", opts.OOOThreshold, "WARN at this many out-of-order segments in the window [TCPVIZ_OOO_THRESHOLD]")
	f.IntVar(&opts.RTPLossThreshold, "rtp-loss-threshold", opts.RTPLossThreshold, "WARN at this many RTP loss events in the window")
	f.IntVar(&opts.JitterThreshold, "jitter-threshold", opts.JitterThreshold, "WARN at this many rtp_jitter events (an RTP stream's jitter reaching --jitter-ms) in the window")
	f.Float64Var(&opts.JitterMs, "jitter-ms", opts.JitterMs, "the RTP jitter (ms) that raises an rtp_jitter event, as parse-pcap's --jitter-threshold")
	f.UintSliceVar(&opts.RTPPorts, "rtp-port", nil, "decode UDP on this port as RTP (repeatable or comma-separated), as in parse-pcap")
	f.Float64Var(&opts.CriticalFactor, "critical-factor", opts.CriticalFactor, "CRITICAL at this many times a WARN threshold (at least 1)")
	f.BoolVar(&opts.PerFlow, "per-flow", false, "count each flow in its own window instead of all traffic in one")
	f.DurationVar(&opts.PollInterval, "poll-interval", opts.PollInterval, "how often to look at the files when no file-system event arrives [TCPVIZ_POLL_INTERVAL]")
	f.BoolVar(&opts.FromStart, "from-start", false, "read the ring files that already exist, oldest first, before following (default: start at the newest file)")
	f.DurationVar(&opts.Duration, "duration", 0, "stop after this long (default: until Ctrl-C or SIGTERM)")
	f.BoolVar(&opts.JSON, "json", false, "print each alert as one JSON object (an event line of type alert)")
	f.BoolVarP(&opts.Verbose, "verbose", "v", false, "also report each file as it is opened, and the packets read from each at the end")
	return cmd
}

// applyEnv puts the environment's values into the settings no flag set.
func (o *monitorOptions) applyEnv() error {
	o.origin = map[string]string{}
	if o.Env == nil {
		return nil
	}
	for _, e := range monitorEnv {
		v := strings.TrimSpace(o.Env(e.name))
		if v == "" || o.Changed != nil && o.Changed(e.flag) {
			continue
		}
		o.origin[e.flag] = e.name
		var err error
		switch e.flag {
		case "window":
			o.Window, err = parseEnvDuration(v)
		case "poll-interval":
			o.PollInterval, err = parseEnvDuration(v)
		case "threshold":
			o.Threshold, err = strconv.Atoi(v)
		case "loss-threshold":
			o.LossThreshold, err = strconv.Atoi(v)
		case "ooo-threshold":
			o.OOOThreshold, err = strconv.Atoi(v)
		}
		if err != nil {
			rule := "be a whole number"
			if e.flag == "window" || e.flag == "poll-interval" {
				rule = "be a duration such as 60s, 250ms or 2m (or seconds)"
			}
			return usageErrorf("%s must %s, got %q", e.name, rule, v)
		}
	}
	return nil
}

// parseEnvDuration accepts a Go duration or a number of seconds.
func parseEnvDuration(v string) (time.Duration, error) {
	if d, err := time.ParseDuration(v); err == nil {
		return d, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != f || f > 1e9 || f < -1e9 {
		return 0, errors.New("not a duration")
	}
	return time.Duration(f * float64(time.Second)), nil
}

// name is how an error message names a setting: the environment variable
// it came from, else the flag.
func (o *monitorOptions) name(flag string) string {
	if n := o.origin[flag]; n != "" {
		return n
	}
	return "--" + flag
}

func (o *monitorOptions) validate() error {
	if err := o.applyEnv(); err != nil {
		return err
	}
	if o.PcapPath == "" {
		return usageErrorf("--pcap-path is required: the capture file, ring directory, glob or symlink to follow")
	}
	if o.Window <= 0 {
		return usageErrorf("%s must be > 0, got %s", o.name("window"), o.Window)
	}
	if o.PollInterval <= 0 {
		return usageErrorf("%s must be > 0, got %s", o.name("poll-interval"), o.PollInterval)
	}
	for _, t := range []struct {
		flag string
		v    int
	}{
		{"threshold", o.Threshold}, {"loss-threshold", o.LossThreshold}, {"ooo-threshold", o.OOOThreshold},
		{"rtp-loss-threshold", o.RTPLossThreshold}, {"jitter-threshold", o.JitterThreshold},
	} {
		if t.v < 0 {
			return usageErrorf("%s must be >= 0 (0 turns the alert off), got %d", o.name(t.flag), t.v)
		}
	}
	if !(o.JitterMs >= 0) || math.IsInf(o.JitterMs, 0) {
		return usageErrorf("--jitter-ms must be a number of ms >= 0, got %v", o.JitterMs)
	}
	for _, p := range o.RTPPorts {
		if p == 0 || p > 65535 {
			return usageErrorf("--rtp-port must be 1-65535, got %d", p)
		}
	}
	if !(o.CriticalFactor >= 1) || o.CriticalFactor > 1e6 {
		return usageErrorf("--critical-factor must be at least 1, got %g", o.CriticalFactor)
	}
	if o.Duration < 0 {
		return usageErrorf("--duration must be >= 0, got %s", o.Duration)
	}
	return nil
}

// alertConfig is the alerter's configuration from the options.
func (o *monitorOptions) alertConfig() monitor.Config {
	c := monitor.Config{Window: o.Window, CriticalFactor: o.CriticalFactor, PerFlow: o.PerFlow}
	c.Thresholds[monitor.Retransmissions] = o.Threshold
	c.Thresholds[monitor.Loss] = o.LossThreshold
	c.Thresholds[monitor.OutOfOrder] = o.OOOThreshold
	c.Thresholds[monitor.RTPLoss] = o.RTPLossThreshold
	c.Thresholds[monitor.RTPJitter] = o.JitterThreshold
	return c
}

func runMonitor(ctx context.Context, o *monitorOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	color := o.OutTerminal && (o.Env == nil || o.Env("NO_COLOR") == "")
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	errOut := o.ErrOut
	if errOut == nil {
		errOut = io.Discard
	}
	cfg := o.alertConfig()
	popts := pipeline.DefaultOptions()
	popts.RTP.JitterThresholdMs = o.JitterMs
	for _, p := range o.RTPPorts {
		popts.RTP.Ports = append(popts.RTP.Ports, uint16(p))
	}
	m, err := monitor.Open(ctx, monitor.Options{
		Path:     o.PcapPath,
		Follow:   capture.FollowOptions{PollInterval: o.PollInterval, FromStart: o.FromStart},
		Alerts:   cfg,
		Pipeline: popts,
		Duration: o.Duration,
		Out:      out, JSON: o.JSON, Color: color,
		Log: errOut, Verbose: o.Verbose,
	})
	if err != nil {
		return withCode(ExitInput, err)
	}
	defer m.Close()

	dir, err := createSession(o.Artifacts, o.OutDir, now())
	if err != nil {
		return err
	}
	fmt.Fprintf(errOut, "monitor: following %s; %s; session %s\n", o.PcapPath, describeThresholds(&cfg), dir)

	sum, err := m.Run(dir)
	if sum != nil {
		printMonitorSummary(errOut, sum, o.Verbose)
	}
	if err != nil {
		var ce *capture.Error
		if errors.As(err, &ce) {
			return withCode(ExitInput, fmt.Errorf("%w; what was read before is written to %s", err, dir))
		}
		return withCode(ExitFailure, err)
	}
	return nil
}

// describeThresholds says what will raise alerts, in one phrase.
func describeThresholds(c *monitor.Config) string {
	var parts []string
	for cat := monitor.Category(0); cat < monitor.NumCategories; cat++ {
		if c.Thresholds[cat] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d/%d", cat, c.Thresholds[cat], c.CriticalThreshold(cat)))
		}
	}
	scope := "all traffic"
	if c.PerFlow {
		scope = "per flow"
	}
	if len(parts) == 0 {
		return fmt.Sprintf("no alert thresholds, window %s", c.Window)
	}
	return fmt.Sprintf("WARN/CRITICAL per %s window (%s): %s", c.Window, scope, strings.Join(parts, ", "))
}

// printMonitorSummary writes the end-of-run summary: totals, problems, and
// the files written.
func printMonitorSummary(w io.Writer, s *monitor.Summary, verbose bool) {
	fmt.Fprintf(w, "monitor: stopped by %s after %.1fs: %d packets from %d files, %d alerts (%d warn, %d critical), %d cleared\n",
		s.StoppedBy, s.WallS, s.PacketsTotal, len(s.Files), s.AlertsTotal, s.Alerts.Warn, s.Alerts.Critical, s.Alerts.Cleared)
	if s.MissingFiles > 0 {
		fmt.Fprintf(w, "monitor: warning: %d ring files were removed before they could be read; their packets are not counted\n", s.MissingFiles)
	}
	if verbose {
		for _, f := range s.Files {
			line := fmt.Sprintf("monitor:   %s: %d packets, %d bytes, %s", f.Path, f.Packets, f.Bytes, f.End)
			if f.Removed {
				line += ", removed while read"
			}
			if f.PartialBytes > 0 {
				line += fmt.Sprintf(", %d bytes of an unfinished record", f.PartialBytes)
			}
			fmt.Fprintln(w, line)
		}
	}
	for _, p := range s.Written {
		fmt.Fprintf(w, "monitor: wrote %s\n", p)
	}
}
