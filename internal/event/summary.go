package event

// Summary is summary.json: totals and time series of one parse-pcap run.
type Summary struct {
	Schema       int               `json:"schema"`
	Tool         string            `json:"tool"`
	Capture      CaptureInfo       `json:"capture"`
	EventCounts  map[string]uint64 `json:"event_counts"`
	DecodeErrors map[string]uint64 `json:"decode_errors"`
	Protocols    map[string]Count  `json:"protocols"`
	Filter       string            `json:"filter,omitempty"`
	Throughput   Throughput        `json:"throughput"`
	Flows        FlowCounts        `json:"flows"`
	TCP          TCPSummary        `json:"tcp"`
	RTP          RTPSummary        `json:"rtp"`
	UniqueIPs    int               `json:"unique_ips"`
	// The *Estimated flags say the count is a HyperLogLog estimate (±1%):
	// the exact set was capped at 2^20 addresses to bound memory.
	UniqueIPsEstimated  bool     `json:"unique_ips_estimated,omitempty"`
	UniqueMACsEstimated bool     `json:"unique_macs_estimated,omitempty"`
	NewConns            uint64   `json:"new_connections"`
	UniqueMACs          int      `json:"unique_macs"`
	Warnings            []string `json:"warnings,omitempty"`
}

// CaptureInfo describes the input.
type CaptureInfo struct {
	File            string   `json:"file"`
	Format          string   `json:"format"`
	Compressed      bool     `json:"compressed"`
	ByteOrder       string   `json:"byte_order"`
	TSResolution    string   `json:"ts_resolution"`
	LinkTypes       []uint32 `json:"link_types"`
	Snaplen         uint32   `json:"snaplen"`
	Packets         uint64   `json:"packets"`
	Bytes           uint64   `json:"bytes"`
	CapturedBytes   uint64   `json:"captured_bytes"`
	FilteredOut     uint64   `json:"filtered_out,omitempty"` // frames a filter left out of the analysis
	TruncatedFrames uint64   `json:"truncated_frames"`
	FirstTS         string   `json:"first_ts,omitempty"`
	LastTS          string   `json:"last_ts,omitempty"`
	DurationS       float64  `json:"duration_s"`
	Complete        bool     `json:"complete"`
	Error           string   `json:"error,omitempty"`
}

// Count is packets and bytes.
type Count struct {
	Packets uint64  `json:"packets"`
	Bytes   uint64  `json:"bytes"`
	AvgSize float64 `json:"avg_size"`
}

// Throughput is a time series of equal intervals.
type Throughput struct {
	IntervalS float64   `json:"interval_s"`
	Start     []float64 `json:"start"` // epoch seconds of each interval
	Packets   []uint64  `json:"packets"`
	Bits      []float64 `json:"bits_per_s"`
	// Directions names the two directions of Series: "out"/"in" relative
	// to --local-net, else "fwd"/"rev" relative to each flow's initiator.
	Directions [2]string     `json:"directions"`
	Series     []ProtoSeries `json:"series"`
	NewConns   []float64     `json:"new_connections_per_s"`
	// RTP quality per interval, over the RTP packets of every stream:
	// jitter (largest and mean, ms; 0 where no packet of a known clock
	// rate arrived) and packets lost in sequence gaps.
	RTPJitterMaxMs  []float64 `json:"rtp_jitter_max_ms"`
	RTPJitterMeanMs []float64 `json:"rtp_jitter_mean_ms"`
	RTPLost         []int64   `json:"rtp_lost"`
}

// ProtoSeries is the throughput of one protocol in one direction.
type ProtoSeries struct {
	Protocol  string    `json:"protocol"`
	Direction string    `json:"direction"`
	Bits      []float64 `json:"bits_per_s"`
}

// FlowCounts counts conversations.
type FlowCounts struct {
	TCP          uint64 `json:"tcp"`
	RTP          uint64 `json:"rtp"` // RTP streams
	EvictedIdle  uint64 `json:"evicted_idle"`
	EvictedLimit uint64 `json:"evicted_capacity"`
}

// TCPSummary is the TCP analysis over all connections.
type TCPSummary struct {
	Packets        uint64            `json:"packets"`
	AnalysisFlags  map[string]uint64 `json:"analysis_flags"` // Wireshark's tcp.analysis.* names
	RTTms          *RTTStats         `json:"rtt_ms,omitempty"`
	HandshakeRTTms *RTTStats         `json:"handshake_rtt_ms,omitempty"`
}

// RTPSummary is the RTP analysis over all streams (figures as in the
// streams' flow records).
type RTPSummary struct {
	Streams     uint64 `json:"streams"`
	Packets     uint64 `json:"packets"`
	RTCPPackets uint64 `json:"rtcp_packets"`
	Expected    int64  `json:"expected"`
	Lost        int64  `json:"lost"` // expected - received; negative with duplicates
	// LossPct is Lost per Expected, in percent (0 without packets).
	LossPct       float64 `json:"loss_pct"`
	ClockInferred uint64  `json:"clock_inferred"` // streams whose clock rate was inferred
	ClockUnknown  uint64  `json:"clock_unknown"`  // streams without a known or inferable clock rate: no jitter
	// UnconfirmedPackets were held by the heuristic for streams that never
	// confirmed (fewer than four packets in order).
	UnconfirmedPackets uint64            `json:"unconfirmed_packets"`
	Malformed          map[string]uint64 `json:"malformed"` // invalid headers on RTP 5-tuples, by reason
	EvictedIdle        uint64            `json:"evicted_idle"`
	EvictedLimit       uint64            `json:"evicted_capacity"`
	// JitterMs is the distribution of every packet's stream jitter;
	// StreamJitterMs that of each stream's mean jitter.
	JitterMs       *RTTStats `json:"jitter_ms,omitempty"`
	StreamJitterMs *RTTStats `json:"stream_jitter_mean_ms,omitempty"`
}
