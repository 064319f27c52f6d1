package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpviz/tcpviz/internal/capture"
)

// tbfSample is a real congested download: it raises loss and
// retransmission alerts at the default thresholds.
const tbfSample = "../../samples/rec_tbf_bulk.pcapng"

// monitorFlags is the part of monitorOptions that flags and the
// environment set.
type monitorFlags struct {
	PcapPath, OutDir, Artifacts           string
	Window, PollInterval, Duration        time.Duration
	Threshold, Loss, OOO, RTPLoss, Jitter int
	CriticalFactor, JitterMs              float64
	RTPPorts                              string
	PerFlow, FromStart, JSON, Verbose     bool
}

func monitorFlagsOf(o *monitorOptions) monitorFlags {
	return monitorFlags{o.PcapPath, o.OutDir, o.Artifacts, o.Window, o.PollInterval, o.Duration,
		o.Threshold, o.LossThreshold, o.OOOThreshold, o.RTPLossThreshold, o.JitterThreshold,
		o.CriticalFactor, o.JitterMs, fmt.Sprint(o.RTPPorts), o.PerFlow, o.FromStart, o.JSON, o.Verbose}
}

// parseMonitor parses args as monitor's flags with env as the environment
// and returns the options after the environment was applied, or the error.
func parseMonitor(t *testing.T, env map[string]string, args ...string) (monitorFlags, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	var got *monitorOptions
	cmd := newMonitorCmd(IO{Out: &out, ErrOut: &errOut}, func(k string) string { return env[k] }, func(_ context.Context, o *monitorOptions) error {
		got = o
		return o.validate()
	})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	if got == nil {
		return monitorFlags{}, err
	}
	return monitorFlagsOf(got), err
}

func TestNewMonitorCmd(t *testing.T) {
	defaults := monitorFlags{PcapPath: "ring", Artifacts: "artifacts", Window: time.Minute, PollInterval: 250 * time.Millisecond,
		Threshold: 10, Loss: 10, OOO: 20, RTPLoss: 5, Jitter: 3, CriticalFactor: 5, JitterMs: 30, RTPPorts: "[]"}
	with := func(f func(*monitorFlags)) monitorFlags {
		m := defaults
		f(&m)
		return m
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want monitorFlags
	}{
		{"defaults", nil, nil, defaults},
		{"every flag", nil, []string{"--out", "o", "--artifacts", "a", "--window", "10s", "--threshold", "3", "--loss-threshold", "4",
			"--ooo-threshold", "5", "--rtp-loss-threshold", "6", "--jitter-threshold", "7", "--critical-factor", "2.5", "--per-flow",
			"--poll-interval", "100ms", "--from-start", "--duration", "1m", "--json", "-v", "--jitter-ms", "12.5", "--rtp-port", "5004,5006"},
			monitorFlags{"ring", "o", "a", 10 * time.Second, 100 * time.Millisecond, time.Minute, 3, 4, 5, 6, 7, 2.5, 12.5, "[5004 5006]", true, true, true, true}},
		{"environment replaces defaults", map[string]string{"TCPVIZ_WINDOW": "30s", "TCPVIZ_THRESHOLD": "7", "TCPVIZ_LOSS_THRESHOLD": "8",
			"TCPVIZ_OOO_THRESHOLD": "9", "TCPVIZ_POLL_INTERVAL": "0.1"}, nil,
			with(func(m *monitorFlags) {
				m.Window, m.Threshold, m.Loss, m.OOO, m.PollInterval = 30*time.Second, 7, 8, 9, 100*time.Millisecond
			})},
		{"flags beat the environment", map[string]string{"TCPVIZ_WINDOW": "30s", "TCPVIZ_THRESHOLD": "7", "TCPVIZ_POLL_INTERVAL": "1s"},
			[]string{"--window", "5s", "--threshold", "2"},
			with(func(m *monitorFlags) { m.Window, m.Threshold, m.PollInterval = 5*time.Second, 2, time.Second })},
		{"a flag given its default still beats the environment", map[string]string{"TCPVIZ_THRESHOLD": "7"}, []string{"--threshold", "10"}, defaults},
		{"blank environment values are ignored", map[string]string{"TCPVIZ_WINDOW": " ", "TCPVIZ_THRESHOLD": ""}, nil, defaults},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseMonitor(t, tc.env, append([]string{"--pcap-path", "ring"}, tc.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("options (-want +got):\n-%+v\n+%+v", tc.want, got)
			}
		})
	}
}

func TestMonitorUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"missing --pcap-path", nil, nil, "--pcap-path is required"},
		{"zero window", nil, []string{"--pcap-path", "r", "--window", "0s"}, "--window must be > 0, got 0s"},
		{"negative window", nil, []string{"--pcap-path", "r", "--window=-5s"}, "--window must be > 0, got -5s"},
		{"negative threshold", nil, []string{"--pcap-path", "r", "--threshold=-1"}, "--threshold must be >= 0 (0 turns the alert off), got -1"},
		{"negative jitter threshold", nil, []string{"--pcap-path", "r", "--jitter-threshold=-2"}, "--jitter-threshold must be >= 0"},
		{"negative jitter ms", nil, []string{"--pcap-path", "r", "--jitter-ms=-2"}, "--jitter-ms must be a number of ms >= 0, got -2"},
		{"rtp port 0", nil, []string{"--pcap-path", "r", "--rtp-port", "0"}, "--rtp-port must be 1-65535, got 0"},
		{"critical factor below 1", nil, []string{"--pcap-path", "r", "--critical-factor", "0.5"}, "--critical-factor must be at least 1, got 0.5"},
		{"zero poll interval", nil, []string{"--pcap-path", "r", "--poll-interval", "0s"}, "--poll-interval must be > 0, got 0s"},
		{"negative duration", nil, []string{"--pcap-path", "r", "--duration=-1s"}, "--duration must be >= 0, got -1s"},
		{"bad window variable", map[string]string{"TCPVIZ_WINDOW": "soon"}, []string{"--pcap-path", "r"}, `TCPVIZ_WINDOW must be a duration such as 60s, 250ms or 2m (or seconds), got "soon"`},
		{"bad threshold variable", map[string]string{"TCPVIZ_LOSS_THRESHOLD": "lots"}, []string{"--pcap-path", "r"}, `TCPVIZ_LOSS_THRESHOLD must be a whole number, got "lots"`},
		{"bad value from a variable", map[string]string{"TCPVIZ_OOO_THRESHOLD": "-4"}, []string{"--pcap-path", "r"}, "TCPVIZ_OOO_THRESHOLD must be >= 0 (0 turns the alert off), got -4"},
		{"zero poll interval from a variable", map[string]string{"TCPVIZ_POLL_INTERVAL": "0"}, []string{"--pcap-path", "r"}, "TCPVIZ_POLL_INTERVAL must be > 0, got 0s"},
		{"stray argument", nil, []string{"ring"}, `unexpected argument "ring": give the capture to follow with --pcap-path`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseMonitor(t, tc.env, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if c := codeOf(err); c != ExitUsage {
				t.Errorf("exit code %d, want %d", c, ExitUsage)
			}
		})
	}
}

// TestRunMonitorCommand runs the whole command on a finished capture for a
// fraction of a second, in text and JSON.
func TestRunMonitorCommand(t *testing.T) {
	for _, jsonOut := range []bool{false, true} {
		out := filepath.Join(t.TempDir(), "session")
		args := []string{"monitor", "--pcap-path", tbfSample, "--duration", "300ms", "--out", out}
		if jsonOut {
			args = append(args, "--json")
		}
		r := runCLI(t, context.Background(), nil, args...)
		if r.code != ExitOK {
			t.Fatalf("exit code %d, stderr:\n%s", r.code, r.stderr)
		}
		alerts := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if len(alerts) < 2 {
			t.Fatalf("stdout has %d alert lines, want some:\n%s", len(alerts), r.stdout)
		}
		for _, l := range alerts {
			if jsonOut {
				var obj map[string]any
				if err := json.Unmarshal([]byte(l), &obj); err != nil || obj["type"] != "alert" {
					t.Errorf("not a JSON alert line (%v): %s", err, l)
				}
			} else if !strings.HasPrefix(l, "[WARN] ") && !strings.HasPrefix(l, "[CRITICAL] ") {
				t.Errorf("not a [WARN]/[CRITICAL] line: %q", l)
			}
			if strings.Contains(l, "\x1b[") {
				t.Errorf("colour on a stdout that is not a terminal: %q", l)
			}
		}
		for _, want := range []string{"monitor: following " + tbfSample, "monitor: stopped by duration", "7010 packets from 1 files",
			"monitor: wrote " + filepath.Join(out, "monitor-summary.json")} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
			}
		}
		var sum struct {
			PacketsTotal uint64 `json:"packets_total"`
			AlertsTotal  int    `json:"alerts_total"`
			Files        []struct {
				Path    string `json:"path"`
				Packets uint64 `json:"packets"`
			} `json:"files"`
		}
		b, err := os.ReadFile(filepath.Join(out, "monitor-summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &sum); err != nil {
			t.Fatal(err)
		}
		if sum.PacketsTotal != 7010 || sum.AlertsTotal != len(alerts) || len(sum.Files) != 1 || sum.Files[0].Packets != 7010 {
			t.Errorf("monitor-summary.json: %+v", sum)
		}
		for _, f := range []string{"alerts.jsonl", "events.jsonl", "flows.jsonl", "summary.json"} {
			if _, err := os.Stat(filepath.Join(out, f)); err != nil {
				t.Error(err)
			}
		}
	}
}

// TestRunMonitorColour: ANSI colour only on a terminal, and never with
// NO_COLOR.
func TestRunMonitorColour(t *testing.T) {
	for _, tc := range []struct {
		name     string
		terminal bool
		env      map[string]string
		colour   bool
	}{
		{"terminal", true, nil, true},
		{"terminal with NO_COLOR", true, map[string]string{"NO_COLOR": "1"}, false},
		{"pipe", false, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			o := defaultMonitorOptions(IO{Out: &out, ErrOut: &errOut})
			o.PcapPath, o.OutDir, o.Duration = tbfSample, t.TempDir(), 200*time.Millisecond
			o.OutTerminal = tc.terminal
			o.Env = func(k string) string { return tc.env[k] }
			if err := runMonitor(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(out.String(), "\x1b[33m[WARN]\x1b[0m"); got != tc.colour {
				t.Errorf("coloured %t, want %t:\n%s", got, tc.colour, out.String())
			}
		})
	}
}

// TestRunMonitorBadInput: what cannot be followed is an input error, one
// line on stderr, and no session directory.
func TestRunMonitorBadInput(t *testing.T) {
	dir := t.TempDir()
	notCapture := filepath.Join(dir, "notes.pcap")
	if err := os.WriteFile(notCapture, []byte("these are my notes, not packets\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"missing directory", filepath.Join(dir, "nope", "ring.pcapng"), "no such file, and no directory"},
		{"not a capture", notCapture, "not a pcap or pcapng capture"},
		{"bad glob", filepath.Join(dir, "ring[.pcapng"), "bad glob pattern"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			art := filepath.Join(t.TempDir(), "artifacts")
			r := runCLI(t, context.Background(), nil, "monitor", "--pcap-path", tc.path, "--artifacts", art)
			if r.code != ExitInput {
				t.Errorf("exit code %d, want %d (stderr %q)", r.code, ExitInput, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			checkErrLine(t, r.stderr, []string{tc.path, dir}, tc.path, tc.want)
			checkNoArtifacts(t, art)
		})
	}
}

// TestRunMonitorStopsOnSignal: cancelling the context (as SIGINT and
// SIGTERM do) ends a monitor waiting on an empty ring with exit 0 and the
// summary written.
func TestRunMonitorStopsOnSignal(t *testing.T) {
	ring, out := t.TempDir(), filepath.Join(t.TempDir(), "s")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan cliResult, 1)
	go func() { done <- runCLI(t, ctx, nil, "monitor", "--pcap-path", ring, "--out", out) }()
	time.Sleep(100 * time.Millisecond)
	cancel()
	var r cliResult
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("monitor did not stop when cancelled")
	}
	if r.code != ExitOK || !strings.Contains(r.stderr, "stopped by signal") || !strings.Contains(r.stderr, "0 packets from 0 files") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "monitor-summary.json")); err != nil {
		t.Error(err)
	}
}

// TestMonitorDefaultsMatchPackages keeps the flag defaults tied to the
// packages' (and so to the README's table).
func TestMonitorDefaultsMatchPackages(t *testing.T) {
	o := defaultMonitorOptions(IO{})
	if capture.DefaultPollInterval != 250*time.Millisecond || o.PollInterval != capture.DefaultPollInterval {
		t.Errorf("poll interval %s", o.PollInterval)
	}
	if o.Window != time.Minute || o.Threshold != 10 || o.LossThreshold != 10 || o.OOOThreshold != 20 ||
		o.RTPLossThreshold != 5 || o.JitterThreshold != 3 || o.CriticalFactor != 5 {
		t.Errorf("defaults differ from the README's: %+v", monitorFlagsOf(o))
	}
}
