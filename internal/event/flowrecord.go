package event

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
}
