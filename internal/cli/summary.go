package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/session"
)

// summaryOptions holds summary's flag values and dependencies.
type summaryOptions struct {
	IO
	In   string
	JSON bool
	Top  int
}

// newSummaryCmd builds summary. runF does the work; nil means runSummary
// (tests pass their own to see the parsed options).
func newSummaryCmd(io IO, runF func(context.Context, *summaryOptions) error) *cobra.Command {
	if runF == nil {
		runF = runSummary
	}
	opts := &summaryOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "summary --in SESSION_DIR|events.jsonl [--json]",
		Short: "Print a session's event counts, worst flows, RTT distribution and RTP streams",
		Long: `Reads what parse-pcap wrote (or an events.jsonl of the Python tcpviz) and
prints event counts by type, the flows with the most problems, the RTT
distribution, the RTP streams with the most loss and jitter, the protocol mix
and throughput; --json prints the same as one JSON object.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return failure(runF(cmd.Context(), opts))
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.In, "in", "", "session directory, or an events.jsonl inside one")
	f.BoolVar(&opts.JSON, "json", false, "print JSON instead of tables")
	f.IntVar(&opts.Top, "top", 10, "how many flows to list")
	return cmd
}

// FlowProblems is one row of the worst-flows table.
type FlowProblems struct {
	Stream   uint64            `json:"stream"`
	Proto    string            `json:"proto"`
	Flow     string            `json:"flow"`
	Problems uint64            `json:"problems"`
	Events   map[string]uint64 `json:"events"`
	RTTms    *event.RTTStats   `json:"rtt_ms,omitempty"`
}

// SessionSummary is what `summary --json` prints.
type SessionSummary struct {
	Session     string             `json:"session"`
	Capture     *event.CaptureInfo `json:"capture,omitempty"`
	Events      uint64             `json:"events"`
	EventCounts map[string]uint64  `json:"event_counts"`
	Severity    map[string]uint64  `json:"severity_counts"`
	TopFlows    []FlowProblems     `json:"top_flows"`
	RTTms       *event.RTTStats    `json:"rtt_ms,omitempty"`
	Handshake   *event.RTTStats    `json:"handshake_rtt_ms,omitempty"`
	// Flags counts frames by Wireshark tcp.analysis flag (summary.json
	// tcp.analysis_flags): what tshark's expert info counts, window
	// updates and keep-alive ACKs included.
	Flags   map[string]uint64 `json:"tcp_analysis_flags,omitempty"`
	Decode  map[string]uint64 `json:"decode_errors,omitempty"`
	Legacy  bool              `json:"legacy_format"`
	Traffic *TrafficSummary   `json:"traffic,omitempty"`
	RTP     *event.RTPSummary `json:"rtp,omitempty"`
	// RTPStreams are the RTP streams of flows.jsonl, worst first (most
	// lost, then highest jitter), at most --top.
	RTPStreams []RTPStream `json:"rtp_streams"`
}

// RTPStream is one row of the RTP streams table.
type RTPStream struct {
	Stream uint64 `json:"stream"`
	Flow   string `json:"flow"`
	event.RTPFields
}

// TrafficSummary condenses summary.json's traffic metrics for the table.
type TrafficSummary struct {
	Protocols  map[string]event.Count `json:"protocols"`
	Throughput []ThroughputRow        `json:"throughput"`
	UniqueIPs  int                    `json:"unique_ips"`
	UniqueMACs int                    `json:"unique_macs"`
	NewConns   uint64                 `json:"new_connections"`
	IntervalS  float64                `json:"interval_s"`
	Filter     string                 `json:"filter,omitempty"`
}

// ThroughputRow is the mean and peak rate of one protocol in one direction.
type ThroughputRow struct {
	Protocol  string  `json:"protocol"`
	Direction string  `json:"direction"`
	MeanBits  float64 `json:"mean_bits_per_s"`
	PeakBits  float64 `json:"peak_bits_per_s"`
}

func trafficSummary(sum *event.Summary) *TrafficSummary {
	t := &TrafficSummary{Protocols: sum.Protocols, UniqueIPs: sum.UniqueIPs, UniqueMACs: sum.UniqueMACs,
		NewConns: sum.NewConns, IntervalS: sum.Throughput.IntervalS, Filter: sum.Filter, Throughput: []ThroughputRow{}}
	for _, ser := range sum.Throughput.Series {
		row := ThroughputRow{Protocol: ser.Protocol, Direction: ser.Direction}
		for _, v := range ser.Bits {
			row.MeanBits += v
			if v > row.PeakBits {
				row.PeakBits = v
			}
		}
		if len(ser.Bits) > 0 {
			row.MeanBits /= float64(len(ser.Bits))
		}
		t.Throughput = append(t.Throughput, row)
	}
	sort.Slice(t.Throughput, func(i, j int) bool {
		if t.Throughput[i].MeanBits != t.Throughput[j].MeanBits {
			return t.Throughput[i].MeanBits > t.Throughput[j].MeanBits
		}
		return t.Throughput[i].Protocol+t.Throughput[i].Direction < t.Throughput[j].Protocol+t.Throughput[j].Direction
	})
	return t
}

// rate formats bits per second with an SI prefix.
func rate(bps float64) string {
	switch {
	case bps >= 1e9:
		return fmt.Sprintf("%.2f Gbit/s", bps/1e9)
	case bps >= 1e6:
		return fmt.Sprintf("%.2f Mbit/s", bps/1e6)
	case bps >= 1e3:
		return fmt.Sprintf("%.1f kbit/s", bps/1e3)
	}
	return fmt.Sprintf("%.0f bit/s", bps)
}

func runSummary(ctx context.Context, o *summaryOptions) error {
	if o.In == "" {
		return usageErrorf("--in is required: a session directory or events.jsonl")
	}
	if o.Top < 0 {
		return usageErrorf("--top must be >= 0, got %d", o.Top)
	}
	s, err := loadSessionSummary(o.In, o.Top)
	if err != nil {
		return withCode(ExitInput, err)
	}
	if o.JSON {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return withCode(ExitFailure, fmt.Errorf("write summary: %w", err))
		}
		return nil
	}
	if err := printSummary(o.Out, s); err != nil {
		return withCode(ExitFailure, fmt.Errorf("write summary: %w", err))
	}
	return nil
}

func loadSessionSummary(in string, top int) (*SessionSummary, error) {
	dir, evPath, err := session.Resolve(in)
	if err != nil {
		return nil, err
	}
	s := &SessionSummary{Session: dir, EventCounts: map[string]uint64{}, Severity: map[string]uint64{}, TopFlows: []FlowProblems{}, RTPStreams: []RTPStream{}}
	var sum event.Summary
	if b, err := os.ReadFile(filepath.Join(dir, session.SummaryFile)); err == nil {
		if err := json.Unmarshal(b, &sum); err != nil {
			return nil, fmt.Errorf("read %s: %w", filepath.Join(dir, session.SummaryFile), err)
		}
		s.Capture = &sum.Capture
		s.Traffic = trafficSummary(&sum)
		s.RTTms = sum.TCP.RTTms
		s.Handshake = sum.TCP.HandshakeRTTms
		s.Flags = sum.TCP.AnalysisFlags
		s.Decode = sum.DecodeErrors
		if sum.RTP.Streams > 0 || sum.RTP.RTCPPackets > 0 {
			s.RTP = &sum.RTP
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read summary: %w", err)
	}

	byFlow := map[string]*FlowProblems{}
	f, err := os.Open(evPath)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", evPath, err)
	}
	defer f.Close()
	err = event.ReadAll(evPath, f, func(r *event.Record) error {
		s.Events++
		s.EventCounts[r.Type]++
		s.Severity[r.Severity]++
		s.Legacy = s.Legacy || r.Legacy
		k := fmt.Sprintf("%s/%d", r.Proto, r.Stream)
		fp := byFlow[k]
		if fp == nil {
			fp = &FlowProblems{Stream: r.Stream, Proto: r.Proto, Flow: r.Flow, Events: map[string]uint64{}}
			byFlow[k] = fp
		}
		fp.Events[r.Type]++
		if r.Severity != "info" {
			fp.Problems++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := readFlows(dir, byFlow, s); err != nil {
		return nil, err
	}
	sort.Slice(s.RTPStreams, func(i, j int) bool {
		a, b := &s.RTPStreams[i], &s.RTPStreams[j]
		if a.Lost != b.Lost {
			return a.Lost > b.Lost
		}
		if a.JitterMaxMs != b.JitterMaxMs {
			return a.JitterMaxMs > b.JitterMaxMs
		}
		return a.Stream < b.Stream
	})
	if len(s.RTPStreams) > top {
		s.RTPStreams = s.RTPStreams[:top]
	}
	rows := make([]FlowProblems, 0, len(byFlow))
	for _, fp := range byFlow {
		if fp.Problems > 0 {
			rows = append(rows, *fp)
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Problems != rows[j].Problems {
			return rows[i].Problems > rows[j].Problems
		}
		if rows[i].Proto != rows[j].Proto {
			return rows[i].Proto < rows[j].Proto
		}
		return rows[i].Stream < rows[j].Stream
	})
	if len(rows) > top {
		rows = rows[:top]
	}
	s.TopFlows = rows
	return s, nil
}

// readFlows adds each flow's RTT from flows.jsonl, when there is one, names
// flows (initiator first) as flows.jsonl does, and collects the RTP streams.
func readFlows(dir string, byFlow map[string]*FlowProblems, s *SessionSummary) error {
	p := filepath.Join(dir, session.FlowsFile)
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", p, err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	for {
		var r event.FlowRecord
		if err := dec.Decode(&r); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read %s: %w", p, err)
		}
		name := fmt.Sprintf("%s:%d -> %s:%d", r.SrcIP, r.SrcPort, r.DstIP, r.DstPort)
		if fp := byFlow[fmt.Sprintf("%s/%d", r.Proto, r.Stream)]; fp != nil {
			fp.RTTms = r.RTTms
			fp.Flow = name
		}
		if r.RTPFields != nil {
			s.RTPStreams = append(s.RTPStreams, RTPStream{Stream: r.Stream, Flow: name, RTPFields: *r.RTPFields})
		}
	}
}

func printSummary(w io.Writer, s *SessionSummary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if c := s.Capture; c != nil {
		fmt.Fprintf(tw, "capture\t%s (%s, %d packets, %d bytes, %.3f s)\n", c.File, c.Format, c.Packets, c.Bytes, c.DurationS)
		if !c.Complete && c.Error != "" {
			fmt.Fprintf(tw, "warning\tcapture incomplete: %s\n", c.Error)
		}
	}
	fmt.Fprintf(tw, "session\t%s\n", s.Session)
	if s.Legacy {
		fmt.Fprintf(tw, "format\tevents of the Python tcpviz, mapped onto schema %d\n", event.Schema)
	}
	fmt.Fprintf(tw, "\nEVENT TYPE\tCOUNT\n")
	for _, t := range mostFirst(s.EventCounts) {
		fmt.Fprintf(tw, "%s\t%d\n", t, s.EventCounts[t])
	}
	fmt.Fprintf(tw, "total\t%d\n", s.Events)
	if len(s.Flags) > 0 {
		fmt.Fprintf(tw, "\nWIRESHARK TCP FLAG\tFRAMES\n")
		for _, f := range mostFirst(s.Flags) {
			fmt.Fprintf(tw, "tcp.analysis.%s\t%d\n", f, s.Flags[f])
		}
	}

	fmt.Fprintf(tw, "\nTOP FLOWS BY PROBLEMS\n")
	if len(s.TopFlows) == 0 && s.Severity["warn"]+s.Severity["critical"] == 0 {
		fmt.Fprintf(tw, "(no flow had warnings)\n")
	} else if len(s.TopFlows) == 0 {
		fmt.Fprintf(tw, "(not listed: --top 0)\n")
	} else {
		fmt.Fprintf(tw, "STREAM\tFLOW\tPROBLEMS\tRETRANS\tDUP ACK\tOOO\tLOST\tRTT p50 ms\n")
		for _, f := range s.TopFlows {
			rtt := "-"
			if f.RTTms != nil {
				rtt = fmt.Sprintf("%.3f", f.RTTms.P50)
			}
			retr := f.Events["retransmission"] + f.Events["fast_retransmission"] + f.Events["spurious_retransmission"]
			fmt.Fprintf(tw, "%s/%d\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", f.Proto, f.Stream, f.Flow, f.Problems, retr,
				f.Events["dup_ack"], f.Events["out_of_order"], f.Events["lost_segment"], rtt)
		}
	}
	fmt.Fprintf(tw, "\nRTT (ms)\tSAMPLES\tMIN\tMEAN\tP50\tP95\tMAX\n")
	for _, row := range []struct {
		name string
		r    *event.RTTStats
	}{{"ack rtt", s.RTTms}, {"handshake", s.Handshake}} {
		if row.r == nil {
			fmt.Fprintf(tw, "%s\t0\t-\t-\t-\t-\t-\n", row.name)
			continue
		}
		r := row.r
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\n", row.name, r.Samples, r.Min, r.Mean, r.P50, r.P95, r.Max)
	}
	printRTP(tw, s)
	if t := s.Traffic; t != nil {
		if t.Filter != "" {
			fmt.Fprintf(tw, "\nfilter\t%s\n", t.Filter)
		}
		fmt.Fprintf(tw, "\nPROTOCOL\tPACKETS\tBYTES\tAVG SIZE\n")
		protos := slices.Sorted(maps.Keys(t.Protocols))
		sort.SliceStable(protos, func(i, j int) bool { return t.Protocols[protos[i]].Bytes > t.Protocols[protos[j]].Bytes })
		for _, p := range protos {
			c := t.Protocols[p]
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\n", p, c.Packets, c.Bytes, c.AvgSize)
		}
		if len(t.Throughput) > 0 {
			fmt.Fprintf(tw, "\nTHROUGHPUT (per %gs)\tDIRECTION\tMEAN\tPEAK\n", t.IntervalS)
			for _, r := range t.Throughput {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Protocol, r.Direction, rate(r.MeanBits), rate(r.PeakBits))
			}
		}
		fmt.Fprintf(tw, "\nunique addresses\t%d IP, %d MAC\n", t.UniqueIPs, t.UniqueMACs)
		fmt.Fprintf(tw, "new connections\t%d\n", t.NewConns)
	}
	if len(s.Decode) > 0 {
		fmt.Fprintf(tw, "\nDECODE FAILURE\tFRAMES\n")
		for _, k := range slices.Sorted(maps.Keys(s.Decode)) {
			fmt.Fprintf(tw, "%s\t%d\n", k, s.Decode[k])
		}
	}
	return tw.Flush()
}

// mostFirst returns m's keys by count, highest first, then by name.
func mostFirst(m map[string]uint64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// printRTP writes the RTP totals and the worst streams.
func printRTP(w io.Writer, s *SessionSummary) {
	if r := s.RTP; r != nil {
		fmt.Fprintf(w, "\nrtp\t%d streams, %d packets, %d expected, %d lost (%.2f%%), %d rtcp packets\n",
			r.Streams, r.Packets, r.Expected, r.Lost, r.LossPct, r.RTCPPackets)
		if j := r.JitterMs; j != nil {
			fmt.Fprintf(w, "rtp jitter ms\tmean %.3f, p50 %.3f, p95 %.3f, max %.3f over %d packets\n", j.Mean, j.P50, j.P95, j.Max, j.Samples)
		}
		if r.ClockUnknown > 0 {
			fmt.Fprintf(w, "rtp clock\t%d streams of unknown clock rate: no jitter\n", r.ClockUnknown)
		}
	}
	if len(s.RTPStreams) == 0 {
		return
	}
	fmt.Fprintf(w, "\nRTP STREAM\tFLOW\tSSRC\tPT\tCLOCK Hz\tPACKETS\tLOST\tSEQ ERR\tMAX DELTA ms\tJITTER MEAN ms\tJITTER MAX ms\n")
	for _, r := range s.RTPStreams {
		clock := "-"
		if r.ClockRate > 0 {
			clock = fmt.Sprint(r.ClockRate)
			if r.ClockInferred {
				clock += "*"
			}
		}
		fmt.Fprintf(w, "rtp/%d\t%s\t0x%08X\t%d\t%s\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\n", r.Stream, r.Flow, r.SSRC, r.PayloadType,
			clock, r.Packets, r.Lost, r.SeqErrors, r.MaxDeltaMs, r.JitterMeanMs, r.JitterMaxMs)
	}
	if slices.ContainsFunc(s.RTPStreams, func(r RTPStream) bool { return r.ClockInferred }) {
		fmt.Fprintf(w, "(* clock rate inferred from the RTP timestamps: dynamic payload type)\n")
	}
}
