package event

import "net/netip"

// Schema is the version written in every event line.
const Schema = 1

// Type is an event type. Names follow Wireshark's expert info where one exists.
type Type uint8

// Event types (DESIGN.md, "Event schema").
const (
	Retransmission Type = iota + 1
	FastRetransmission
	SpuriousRetransmission
	OutOfOrder
	DupAck
	LostSegment
	AckUnseen
	ZeroWindow
	ZeroWindowProbe
	WindowFull
	KeepAlive
	LossInfer
	HandshakeAnomaly
	TeardownAnomaly
	RTPLoss
	RTPSeqError
	RTPJitter
	Alert
	numTypes
)

// NumTypes is one more than the largest Type, for arrays indexed by Type.
const NumTypes = int(numTypes)

// String returns the schema name of t.
func (t Type) String() string {
	switch t {
	case Retransmission:
		return "retransmission"
	case FastRetransmission:
		return "fast_retransmission"
	case SpuriousRetransmission:
		return "spurious_retransmission"
	case OutOfOrder:
		return "out_of_order"
	case DupAck:
		return "dup_ack"
	case LostSegment:
		return "lost_segment"
	case AckUnseen:
		return "ack_unseen"
	case ZeroWindow:
		return "zero_window"
	case ZeroWindowProbe:
		return "zero_window_probe"
	case WindowFull:
		return "window_full"
	case KeepAlive:
		return "keep_alive"
	case LossInfer:
		return "loss_infer"
	case HandshakeAnomaly:
		return "handshake_anomaly"
	case TeardownAnomaly:
		return "teardown_anomaly"
	case RTPLoss:
		return "rtp_loss"
	case RTPSeqError:
		return "rtp_seq_error"
	case RTPJitter:
		return "rtp_jitter"
	case Alert:
		return "alert"
	}
	return "unknown"
}

// ParseType maps a schema name back to its Type; ok is false for unknown names.
func ParseType(s string) (Type, bool) {
	for t := Type(1); t < numTypes; t++ {
		if t.String() == s {
			return t, true
		}
	}
	return 0, false
}

// Severity grades an event.
type Severity uint8

// Severities, lowest first.
const (
	Info Severity = iota
	Warn
	Critical
)

func (s Severity) String() string {
	switch s {
	case Warn:
		return "warn"
	case Critical:
		return "critical"
	}
	return "info"
}

// Proto is the protocol an event concerns.
type Proto uint8

// Protocols of events and flows.
const (
	TCP Proto = iota + 1
	UDP
	RTP
)

func (p Proto) String() string {
	switch p {
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	case RTP:
		return "rtp"
	}
	return "other"
}

// Event is one detected event. Analysers own and reuse their Event values;
// a Sink must finish with an Event before returning.
type Event struct {
	TS       int64 // ns since the Unix epoch
	Frame    uint64
	Type     Type
	Severity Severity
	Proto    Proto
	Stream   uint64
	Src, Dst netip.Addr
	SrcPort  uint16
	DstPort  uint16
	Seq, Ack uint32 // relative to the ISN of each direction, as Wireshark shows them
	Len      int
	Extra    Extra
}

// Extra holds the figures behind a verdict. Has* flags say which optional
// figures are present; unset figures are not written.
type Extra struct {
	Reason string

	HasAbs         bool
	AbsSeq, AbsAck uint32

	DupAckCount   int
	DupAckOfFrame uint64

	HasRTT   bool
	SRTTms   float64
	RTTVARms float64

	HasBIF        bool
	BytesInFlight int64

	Window      int64 // scaled receive window of the packet, when relevant
	HasWindow   bool
	StallMs     float64
	ThresholdMs float64
	Retry       int
	Count       int

	NSACK uint8
	SACK  [4][2]uint32 // relative left/right edges

	// RTP
	SSRC        uint32
	HasSSRC     bool
	Lost        int64
	ExpectedSeq int
	GotSeq      int
	JitterMs    float64
	HasJitter   bool
}

// Sink receives events.
type Sink interface {
	Event(e *Event)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(e *Event)

// Event calls f(e).
func (f SinkFunc) Event(e *Event) { f(e) }
