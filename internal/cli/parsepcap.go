package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/decode"
	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/pipeline"
	"github.com/tcpviz/tcpviz/internal/rtp"
	"github.com/tcpviz/tcpviz/internal/session"
)

// parseOptions holds parse-pcap's flag values and dependencies.
type parseOptions struct {
	IO
	In          string
	OutDir      string
	Artifacts   string
	Interval    time.Duration
	IdleTimeout time.Duration
	MaxFlows    int
	LocalNets   []string
	Hosts       []string
	Nets        []string
	Ports       []uint
	Proto       string
	Start, End  string
	Quiet       bool
	Debug       bool
	Workers     int
	RTPPorts    []uint
	JitterMs    float64
	NoRTPHeur   bool
	Now         func() time.Time // names new session directories

	filter    pipeline.Filter // parsed by validate
	localNets []netip.Prefix
}

// newParsePcapCmd builds parse-pcap. runF does the work; nil means
// runParsePcap (tests pass their own to see the parsed options).
func newParsePcapCmd(io IO, runF func(context.Context, *parseOptions) error) *cobra.Command {
	if runF == nil {
		runF = runParsePcap
	}
	opts := &parseOptions{IO: io, Now: time.Now}
	def := pipeline.DefaultOptions()
	cmd := &cobra.Command{
		Use:   "parse-pcap --in FILE [--out DIR]",
		Short: "Analyse a capture and write events, flows and a summary",
		Long: `Reads a pcap or pcapng file (optionally gzip-compressed; "-" for stdin),
analyses every TCP connection like Wireshark's TCP expert analysis and every
RTP stream like its RTP stream analysis (jitter, loss, sequence errors), and
writes events.jsonl, flows.jsonl, summary.json and benchmark.log into a session
directory (artifacts/session_YYYYmmdd_HHMMSS by default). Prints each path written.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return failure(runF(cmd.Context(), opts))
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.In, "in", "", `capture file to read (pcap, pcapng, gzip; "-" for stdin)`)
	f.StringVar(&opts.OutDir, "out", "", "session directory to write (default: a new artifacts/session_YYYYmmdd_HHMMSS)")
	f.StringVar(&opts.Artifacts, "artifacts", "artifacts", "parent directory of new session directories")
	f.DurationVar(&opts.Interval, "interval", def.Interval, "throughput interval")
	f.DurationVar(&opts.IdleTimeout, "idle-timeout", def.TCP.IdleTimeout, "end a flow after this much capture time without packets")
	f.IntVar(&opts.MaxFlows, "max-flows", def.TCP.MaxFlows, "most live flows kept; the least recently active is ended beyond it")
	f.StringSliceVar(&opts.LocalNets, "local-net", nil, "local networks (CIDR, repeatable or comma-separated): throughput is split in/out relative to them instead of per flow direction")
	f.StringSliceVar(&opts.Hosts, "host", nil, "analyse only packets to or from this address (repeatable)")
	f.StringSliceVar(&opts.Nets, "net", nil, "analyse only packets to or from this network, CIDR (repeatable)")
	f.UintSliceVar(&opts.Ports, "port", nil, "analyse only TCP/UDP packets with this source or destination port (repeatable)")
	f.StringVar(&opts.Proto, "proto", "", "analyse only this protocol: tcp, udp or rtp")
	f.StringVar(&opts.Start, "start", "", "analyse only packets at or after this time (RFC 3339 or epoch seconds)")
	f.StringVar(&opts.End, "end", "", "analyse only packets at or before this time (RFC 3339 or epoch seconds)")
	f.UintSliceVar(&opts.RTPPorts, "rtp-port", nil, "decode UDP on this port as RTP (source or destination; repeatable or comma-separated), like Wireshark's decode-as")
	f.Float64Var(&opts.JitterMs, "jitter-threshold", def.RTP.JitterThresholdMs, "raise rtp_jitter when an RTP stream's jitter reaches this many ms (0: never)")
	f.BoolVar(&opts.NoRTPHeur, "no-rtp-heuristic", false, "find RTP only on --rtp-port ports, not by its headers on any UDP port")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no progress line on stderr")
	f.IntVar(&opts.Workers, "workers", runtime.NumCPU(), "1 runs everything in one goroutine; 2 or more read and decode in one goroutine while another analyses (results are identical for any value)")
	f.BoolVar(&opts.Debug, "debug", false, "print details on stderr: reader, decode failures by reason, evictions, the error's cause")
	return cmd
}

// parseTime accepts RFC 3339 (with or without fraction) or epoch seconds.
func parseTime(flag, v string) (int64, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UnixNano(), nil
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f < 1e11 {
		sec, frac := math.Modf(f)
		return int64(sec)*1e9 + int64(math.Round(frac*1e9)), nil
	}
	return 0, usageErrorf("--%s must be an RFC 3339 time or epoch seconds, got %q", flag, v)
}

// parseFilters turns the filter and local-net flags into pipeline values.
func (o *parseOptions) parseFilters() error {
	o.filter = pipeline.Filter{}
	for _, h := range o.Hosts {
		a, err := netip.ParseAddr(strings.TrimSpace(h))
		if err != nil {
			return usageErrorf("--host must be an IP address, got %q", h)
		}
		o.filter.Hosts = append(o.filter.Hosts, a.Unmap())
	}
	prefixes := func(flag string, vs []string) ([]netip.Prefix, error) {
		var out []netip.Prefix
		for _, v := range vs {
			p, err := netip.ParsePrefix(strings.TrimSpace(v))
			if err != nil {
				return nil, usageErrorf("--%s must be a CIDR such as 10.0.0.0/8, got %q", flag, v)
			}
			out = append(out, p.Masked())
		}
		return out, nil
	}
	var err error
	if o.filter.Nets, err = prefixes("net", o.Nets); err != nil {
		return err
	}
	if o.localNets, err = prefixes("local-net", o.LocalNets); err != nil {
		return err
	}
	for _, p := range o.Ports {
		if p == 0 || p > 65535 {
			return usageErrorf("--port must be 1-65535, got %d", p)
		}
		o.filter.Ports = append(o.filter.Ports, uint16(p))
	}
	switch o.Proto {
	case "", "tcp", "udp", "rtp":
		o.filter.Proto = o.Proto
	default:
		return usageErrorf("--proto must be tcp, udp or rtp, got %q", o.Proto)
	}
	if o.Start != "" {
		if o.filter.Start, err = parseTime("start", o.Start); err != nil {
			return err
		}
	}
	if o.End != "" {
		if o.filter.End, err = parseTime("end", o.End); err != nil {
			return err
		}
	}
	if o.filter.Start != 0 && o.filter.End != 0 && o.filter.End < o.filter.Start {
		return usageErrorf("--end must not be before --start, got %s < %s", o.End, o.Start)
	}
	return nil
}

func (o *parseOptions) validate() error {
	switch {
	case o.In == "":
		return usageErrorf("--in is required: the capture file to analyse")
	case o.Interval <= 0:
		return usageErrorf("--interval must be > 0, got %s", o.Interval)
	case o.IdleTimeout <= 0:
		return usageErrorf("--idle-timeout must be > 0, got %s", o.IdleTimeout)
	case o.MaxFlows <= 0:
		return usageErrorf("--max-flows must be > 0, got %d", o.MaxFlows)
	case o.Workers < 0 || o.Workers > 256:
		return usageErrorf("--workers must be 1-256, got %d", o.Workers)
	case o.JitterMs < 0 || math.IsNaN(o.JitterMs) || math.IsInf(o.JitterMs, 0):
		return usageErrorf("--jitter-threshold must be a number of ms >= 0, got %v", o.JitterMs)
	case o.Workers == 0: // an options struct built in code: the default
		o.Workers = runtime.NumCPU()
	}
	for _, p := range o.RTPPorts {
		if p == 0 || p > 65535 {
			return usageErrorf("--rtp-port must be 1-65535, got %d", p)
		}
	}
	return o.parseFilters()
}

func runParsePcap(ctx context.Context, o *parseOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	r, err := capture.Open(o.In, o.IO.In)
	if err != nil {
		return withCode(ExitInput, err)
	}
	defer r.Close()

	dir, err := createSession(o.Artifacts, o.OutDir, now())
	if err != nil {
		return err
	}
	evFile, err := os.Create(filepath.Join(dir, session.EventsFile))
	if err != nil {
		return withCode(ExitFailure, fmt.Errorf("create events file: %w", err))
	}
	defer evFile.Close()
	flFile, err := os.Create(filepath.Join(dir, session.FlowsFile))
	if err != nil {
		return withCode(ExitFailure, fmt.Errorf("create flows file: %w", err))
	}
	defer flFile.Close()

	events := event.NewWriter(evFile)
	flows := event.NewFlowWriter(flFile)
	opts := pipeline.DefaultOptions()
	opts.Interval = o.Interval
	opts.TCP.IdleTimeout = o.IdleTimeout
	opts.TCP.MaxFlows = o.MaxFlows
	opts.Filter = o.filter
	opts.LocalNets = o.localNets
	opts.Workers = o.Workers
	o.rtpConfig(&opts.RTP)
	var bar *progress
	if o.ErrTerminal && !o.Quiet {
		var size int64
		if st, err := os.Stat(o.In); err == nil && o.In != "-" && !r.Info().Compressed {
			size = st.Size()
		}
		bar = newProgress(o.ErrOut, size, r.Offset)
		opts.Progress = bar.update
	}
	pl := pipeline.New(opts, events, flows.Write)

	start := time.Now()
	readErr := pl.Run(ctx, r)
	pl.Finish()
	wall := time.Since(start)
	if bar != nil {
		bar.done()
	}

	var written []string
	if err := events.Flush(); err != nil {
		return withCode(ExitFailure, fmt.Errorf("write %s: %w", evFile.Name(), err))
	}
	written = append(written, evFile.Name())
	if err := flows.Flush(); err != nil {
		return withCode(ExitFailure, fmt.Errorf("write %s: %w", flFile.Name(), err))
	}
	written = append(written, flFile.Name())

	name := o.In
	if name == "-" {
		name = "stdin"
	}
	sum := pl.Summary(name, r.Info(), readErr)
	p, err := session.WriteJSON(dir, session.SummaryFile, sum)
	if err != nil {
		return withCode(ExitFailure, err)
	}
	written = append(written, p)
	p, err = writeBenchmark(dir, r, sum, wall, o.Workers)
	if err != nil {
		return withCode(ExitFailure, err)
	}
	written = append(written, p)
	for _, p := range written {
		fmt.Fprintln(o.Out, p)
	}
	if o.Debug {
		printDebug(o.ErrOut, r, sum, readErr, wall)
	}

	switch {
	case readErr != nil && ctx.Err() != nil && errors.Is(readErr, ctx.Err()):
		return withCode(ExitInterrupted, fmt.Errorf("interrupted after %d frames; results so far written to %s", pl.Frames(), dir))
	case readErr != nil:
		return withCode(ExitPartial, fmt.Errorf("%w; %d frames before it were analysed and written to %s", readErr, pl.Frames(), dir))
	}
	if err := unsupportedOnly(name, r.Info(), sum); err != nil {
		return withCode(ExitInput, err)
	}
	return nil
}

// rtpConfig applies the RTP flags to c.
func (o *parseOptions) rtpConfig(c *rtp.Config) {
	c.Ports = c.Ports[:0]
	for _, p := range o.RTPPorts {
		c.Ports = append(c.Ports, uint16(p))
	}
	c.JitterThresholdMs = o.JitterMs
	c.Heuristic = !o.NoRTPHeur
}

// unsupportedOnly reports a capture none of whose link types tcpviz decodes.
func unsupportedOnly(name string, info capture.Info, sum *event.Summary) error {
	if sum.Capture.Packets == 0 || len(info.LinkTypes) == 0 {
		return nil
	}
	var bad []string
	for _, lt := range info.LinkTypes {
		if decode.Supported(lt) {
			return nil
		}
		bad = append(bad, strconv.FormatUint(uint64(lt), 10))
	}
	return fmt.Errorf("%s: unsupported link type %s: no frame could be decoded", name, strings.Join(bad, ", "))
}

func writeBenchmark(dir string, r *capture.Reader, sum *event.Summary, wall time.Duration, workers int) (string, error) {
	secs := wall.Seconds()
	pps, mbps := 0.0, 0.0
	if secs > 0 {
		pps = float64(sum.Capture.Packets) / secs
		mbps = float64(sum.Capture.CapturedBytes) / secs / 1e6
	}
	var b strings.Builder
	fmt.Fprintf(&b, "reader=%s\n", r.Info().Format)
	fmt.Fprintf(&b, "compressed=%t\n", r.Info().Compressed)
	fmt.Fprintf(&b, "file=%s\n", sum.Capture.File)
	fmt.Fprintf(&b, "packets=%d\n", sum.Capture.Packets)
	fmt.Fprintf(&b, "bytes=%d\n", sum.Capture.Bytes)
	fmt.Fprintf(&b, "captured_bytes=%d\n", sum.Capture.CapturedBytes)
	fmt.Fprintf(&b, "wall_s=%.6f\n", secs)
	fmt.Fprintf(&b, "packets_per_s=%.0f\n", pps)
	fmt.Fprintf(&b, "mb_per_s=%.1f\n", mbps)
	fmt.Fprintf(&b, "peak_rss_kb=%d\n", peakRSSKB())
	fmt.Fprintf(&b, "workers=%d\n", workers)
	fmt.Fprintf(&b, "go=%s gomaxprocs=%d\n", runtime.Version(), runtime.GOMAXPROCS(0))
	p := filepath.Join(dir, session.BenchmarkFile)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		return "", fmt.Errorf("write %s: %w", p, err)
	}
	return p, nil
}

// peakRSSKB reads the process's peak resident set (VmHWM) on Linux, falling
// back to the Go runtime's view of memory obtained from the OS.
func peakRSSKB() uint64 {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "VmHWM:") {
				f := strings.Fields(line)
				if len(f) >= 2 {
					if n, err := strconv.ParseUint(f[1], 10, 64); err == nil {
						return n
					}
				}
			}
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Sys / 1024
}

// printDebug writes what --debug adds: how the input was read, what could
// not be decoded and why, what the flow table evicted, and the error's
// location.
func printDebug(w io.Writer, r *capture.Reader, sum *event.Summary, readErr error, wall time.Duration) {
	info := r.Info()
	fmt.Fprintf(w, "debug: reader %s compressed=%t big-endian=%t nanosecond=%t link types %v snaplen %d, %d bytes consumed\n",
		info.Format, info.Compressed, info.BigEndian, info.Nanosecond, info.LinkTypes, info.Snaplen, r.Offset())
	fmt.Fprintf(w, "debug: %d frames in %s, %d truncated by the snapshot length, %d left out by filters\n",
		sum.Capture.Packets, wall.Round(time.Millisecond), sum.Capture.TruncatedFrames, sum.Capture.FilteredOut)
	for _, k := range slices.Sorted(maps.Keys(sum.DecodeErrors)) {
		fmt.Fprintf(w, "debug: not fully decoded: %s: %d frames\n", k, sum.DecodeErrors[k])
	}
	fmt.Fprintf(w, "debug: %d tcp streams, %d ended idle, %d ended by the flow cap\n", sum.Flows.TCP, sum.Flows.EvictedIdle, sum.Flows.EvictedLimit)
	var ce *capture.Error
	if errors.As(readErr, &ce) {
		fmt.Fprintf(w, "debug: input damaged at byte %d after frame %d: %s (%s)\n", ce.Offset, ce.Frame, ce.Kind, ce.Detail)
	}
}
