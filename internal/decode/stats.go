package decode

// Reason is why a frame could not be decoded as far as its transport layer.
type Reason uint8

// Reasons a frame is counted as not (fully) decoded.
const (
	ReasonUnsupportedLink Reason = iota
	ReasonBadLink
	ReasonBadIP
	ReasonTruncatedIP
	ReasonIPFragment
	ReasonBadTCP
	ReasonTruncatedTCP
	ReasonBadUDP
	ReasonTruncatedUDP
	ReasonBadOther
	numReasons
)

func (r Reason) String() string {
	switch r {
	case ReasonUnsupportedLink:
		return "unsupported_link_type"
	case ReasonBadLink:
		return "bad_link_header"
	case ReasonBadIP:
		return "bad_ip_header"
	case ReasonTruncatedIP:
		return "truncated_ip_header"
	case ReasonIPFragment:
		return "ip_fragment"
	case ReasonBadTCP:
		return "bad_tcp_header"
	case ReasonTruncatedTCP:
		return "truncated_tcp_header"
	case ReasonBadUDP:
		return "bad_udp_header"
	case ReasonTruncatedUDP:
		return "truncated_udp_header"
	}
	return "bad_header"
}

// Stats counts frames by how far they decoded.
type Stats struct {
	Frames    uint64
	Failures  [numReasons]uint64
	Truncated uint64 // frames shorter than their headers declare (snaplen)
}

// Add counts a failure.
func (s *Stats) Add(r Reason) { s.Failures[r]++ }

// ByReason returns the non-zero failure counters keyed by reason name.
func (s *Stats) ByReason() map[string]uint64 {
	m := make(map[string]uint64)
	for i, n := range s.Failures {
		if n > 0 {
			m[Reason(i).String()] = n
		}
	}
	return m
}

// Total is the number of frames counted as failures.
func (s *Stats) Total() uint64 {
	var t uint64
	for _, n := range s.Failures {
		t += n
	}
	return t
}
