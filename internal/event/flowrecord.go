package event

import "slices"

// RTTStats summarises RTT samples in milliseconds.
type RTTStats struct {
	Samples int     `json:"samples"`
	Min     float64 `json:"min"`
	Mean    float64 `json:"mean"`
	P50     float64 `json:"p50"`
	P95     float64 `json:"p95"`
	Max     float64 `json:"max"`
}

// FlowRecord is one line of flows.jsonl: a conversation at its end. For TCP
// the initiator (sender of the first SYN, else the first sender) is src.
type FlowRecord struct {
	Proto      string  `json:"proto"`
	Stream     uint64  `json:"stream"`
	SrcIP      string  `json:"src_ip"`
	SrcPort    uint16  `json:"src_port"`
	DstIP      string  `json:"dst_ip"`
	DstPort    uint16  `json:"dst_port"`
	FirstTS    float64 `json:"first_ts"`
	LastTS     float64 `json:"last_ts"`
	DurationS  float64 `json:"duration_s"`
	FwdPackets uint64  `json:"fwd_packets"`
	RevPackets uint64  `json:"rev_packets"`
	FwdBytes   uint64  `json:"fwd_bytes"`
	RevBytes   uint64  `json:"rev_bytes"`
	End        string  `json:"end"` // why the record was written: capture_end, idle, capacity, port_reuse

	// TCP
	State           string            `json:"state,omitempty"`
	Retransmissions uint64            `json:"retransmissions"`
	LossEvents      uint64            `json:"loss_events"`
	RTTms           *RTTStats         `json:"rtt_ms,omitempty"`
	HandshakeRTTms  *float64          `json:"handshake_rtt_ms"`
	FwdPayload      uint64            `json:"fwd_payload_bytes"`
	RevPayload      uint64            `json:"rev_payload_bytes"`
	MSS             uint16            `json:"mss,omitempty"`
	WindowScale     [2]int8           `json:"window_scale"`
	Events          map[string]uint64 `json:"events"`

	// RTTHist is the connection's RTT histogram: its non-empty buckets.
	RTTHist []HistBucket `json:"rtt_hist,omitempty"`

	// RTP: set in RTP records only. encoding/json writes its fields at the
	// top level of the record, and none of them when the pointer is nil,
	// so TCP records are unchanged (zero values such as ssrc 0 or
	// payload_type 0 stay in RTP records). Check it for nil before reading
	// the promoted fields.
	*RTPFields

	// Timeline is the conversation over time, in at most 64 equal steps;
	// nil for TCP connections that carried no payload and had no RTT sample.
	Timeline *Timeline `json:"timeline,omitempty"`
}

// HistBucket is one bucket of a histogram: its lower bound and count.
type HistBucket struct {
	Ms    float64 `json:"ms"`
	Count uint32  `json:"count"`
}

// RTPFields are the figures of an RTP stream's record (DESIGN.md contract),
// computed as Wireshark's RTP stream analysis does (tshark -z rtp,streams).
type RTPFields struct {
	SSRC          uint32  `json:"ssrc"`
	PayloadType   uint8   `json:"payload_type"`   // of the first packet
	ClockRate     uint32  `json:"clock_rate"`     // Hz; 0 when unknown
	ClockInferred bool    `json:"clock_inferred"` // from the timestamp/arrival slope, not the static payload-type table
	Packets       uint64  `json:"packets"`
	Expected      int64   `json:"expected"`   // extended last minus first sequence number, plus one
	Lost          int64   `json:"lost"`       // expected - packets; negative with duplicates
	SeqErrors     uint64  `json:"seq_errors"` // gaps, duplicates and late packets, as Wireshark counts them
	MaxDeltaMs    float64 `json:"max_delta_ms"`
	JitterMeanMs  float64 `json:"jitter_mean_ms"`
	JitterMaxMs   float64 `json:"jitter_max_ms"`
	Markers       uint64  `json:"markers"` // packets with the marker bit
}

// Timeline is a conversation over time in equal steps from its first
// packet: 10 ms steps, doubled as often as needed to fit 64 of them. The
// columns of the other protocol are empty and not written.
type Timeline struct {
	Start   float64  `json:"start"`  // epoch seconds of the first step
	StepS   float64  `json:"step_s"` // seconds per step
	Packets []uint32 `json:"packets"`

	// TCP: frame bytes of both directions, the mean and largest RTT sample
	// (0: none in the step), the largest bytes in flight, retransmissions
	// of every kind.
	Bytes            []uint64  `json:"bytes,omitempty"`
	RTTMeanMs        []float64 `json:"rtt_mean_ms,omitempty"`
	RTTMaxMs         []float64 `json:"rtt_max_ms,omitempty"`
	BytesInFlightMax []uint64  `json:"bytes_in_flight_max,omitempty"`
	Retransmissions  []uint32  `json:"retransmissions,omitempty"`

	// RTP: the largest jitter (0 while the clock rate is unknown) and the
	// packets lost in sequence gaps seen in the step.
	JitterMaxMs []float64 `json:"jitter_max_ms,omitempty"`
	Lost        []uint32  `json:"lost,omitempty"`
}

// Reset empties t for a timeline whose first step starts at startNs and
// lasts stepNs, keeping its slices' memory for the next record.
func (t *Timeline) Reset(startNs, stepNs int64) {
	*t = Timeline{
		Start: float64(startNs) / 1e9, StepS: float64(stepNs) / 1e9,
		Packets: t.Packets[:0], Bytes: t.Bytes[:0], RTTMeanMs: t.RTTMeanMs[:0], RTTMaxMs: t.RTTMaxMs[:0],
		BytesInFlightMax: t.BytesInFlightMax[:0], Retransmissions: t.Retransmissions[:0],
		JitterMaxMs: t.JitterMaxMs[:0], Lost: t.Lost[:0],
	}
}

func (t *Timeline) clone() *Timeline {
	c := *t
	c.Packets = slices.Clone(t.Packets)
	c.Bytes = slices.Clone(t.Bytes)
	c.RTTMeanMs = slices.Clone(t.RTTMeanMs)
	c.RTTMaxMs = slices.Clone(t.RTTMaxMs)
	c.BytesInFlightMax = slices.Clone(t.BytesInFlightMax)
	c.Retransmissions = slices.Clone(t.Retransmissions)
	c.JitterMaxMs = slices.Clone(t.JitterMaxMs)
	c.Lost = slices.Clone(t.Lost)
	return &c
}

// Clone returns a deep copy of r. Analyzers reuse the record they pass to
// their callback; a callback that keeps records keeps clones.
func (r *FlowRecord) Clone() FlowRecord {
	c := *r
	if r.RTTms != nil {
		v := *r.RTTms
		c.RTTms = &v
	}
	if r.HandshakeRTTms != nil {
		v := *r.HandshakeRTTms
		c.HandshakeRTTms = &v
	}
	if r.Events != nil {
		c.Events = make(map[string]uint64, len(r.Events))
		for k, v := range r.Events {
			c.Events[k] = v
		}
	}
	c.RTTHist = slices.Clone(r.RTTHist)
	if r.RTPFields != nil {
		f := *r.RTPFields
		c.RTPFields = &f
	}
	if r.Timeline != nil {
		c.Timeline = r.Timeline.clone()
	}
	return c
}
