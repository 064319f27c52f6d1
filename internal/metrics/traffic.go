package metrics

import (
	"net/netip"

	"github.com/tcpviz/tcpviz/internal/decode"
)

// Proto indexes the protocol mix.
type Proto uint8

// Protocols counted in the mix. A packet counts once for each layer it has
// (an Ethernet/IPv4/TCP frame counts for all three).
const (
	PEthernet Proto = iota
	PIPv4
	PIPv6
	PARP
	PICMP
	PICMPv6
	PTCP
	PUDP
	PRTP
	PRTCP
	PDNS
	PTLS
	PQUIC
	POther
	NumProtos
)

func (p Proto) String() string {
	switch p {
	case PEthernet:
		return "ethernet"
	case PIPv4:
		return "ipv4"
	case PIPv6:
		return "ipv6"
	case PARP:
		return "arp"
	case PICMP:
		return "icmp"
	case PICMPv6:
		return "icmpv6"
	case PTCP:
		return "tcp"
	case PUDP:
		return "udp"
	case PRTP:
		return "rtp"
	case PRTCP:
		return "rtcp"
	case PDNS:
		return "dns"
	case PTLS:
		return "tls"
	case PQUIC:
		return "quic"
	}
	return "other"
}

// Counter is packets and bytes (original lengths).
type Counter struct {
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// Direction of a packet for throughput: relative to the local networks when
// they are known (out: from a local address), else relative to the flow
// (fwd: from the connection's initiator or client).
const (
	DirOut = 0 // or fwd
	DirIn  = 1 // or rev
)

// Bucket is one interval of the throughput series.
type Bucket struct {
	Start    int64 // ns
	Packets  uint64
	Bytes    uint64
	ByProto  [NumProtos][2]uint64 // bytes by most specific protocol and direction
	NewConns uint32
	// RTP quality: jitter of the RTP packets with a known clock rate
	// (largest, and sum over JitterN for the mean), and packets lost in
	// sequence gaps.
	JitterN   uint32
	JitterMax float64 // ms
	JitterSum float64 // ms
	RTPLost   int64
}

// Traffic accumulates totals, the protocol mix, a throughput series and the
// set of addresses seen.
type Traffic struct {
	Interval int64 // ns per throughput bucket
	Packets  uint64
	Bytes    uint64 // original lengths
	Captured uint64 // captured lengths
	First    int64
	Last     int64
	Mix      [NumProtos]Counter
	Series   []Bucket
	NewConns uint64
	ips      addrSet[netip.Addr]
	macs     addrSet[[6]byte]
	cur      int // index of the bucket that bucket returned last
}

// NewTraffic returns a Traffic with throughput buckets of intervalNs.
func NewTraffic(intervalNs int64) *Traffic {
	return &Traffic{Interval: intervalNs, ips: newAddrSet[netip.Addr](), macs: newAddrSet[[6]byte]()}
}

// Seen is what one flow has already counted in the address sets. A flow's
// packets all carry the same two IP addresses and nearly always one MAC pair
// (in either order), so after its first packet a flow's packets need not
// look the sets up again: a fifth of the cost of counting a packet otherwise.
// The analysis that keeps the flow keeps its Seen; the zero value has counted
// nothing.
type Seen struct {
	ips     bool
	hasMACs bool
	macs    [12]byte // the pair counted, source first, as first seen
}

// Add counts one packet. app is its application protocol (NumProtos for
// none), dir its direction, newConn whether it opened a connection; seen,
// when not nil, is what the packet's flow has already counted.
func (t *Traffic) Add(p *decode.Packet, app Proto, dir int, newConn bool, seen *Seen) {
	n := uint64(p.OrigLen)
	if t.Packets == 0 || p.TS < t.First {
		t.First = p.TS
	}
	if p.TS > t.Last {
		t.Last = p.TS
	}
	t.Packets++
	t.Bytes += n
	t.Captured += uint64(p.CapLen)
	add := func(pr Proto) { t.Mix[pr].Packets++; t.Mix[pr].Bytes += n }
	if p.HasMAC {
		add(PEthernet)
		if seen == nil || !seen.sameMACs(p) {
			t.noteMAC(p.SrcMAC)
			t.noteMAC(p.DstMAC)
			if seen != nil {
				seen.hasMACs = true
				copy(seen.macs[:6], p.SrcMAC[:])
				copy(seen.macs[6:], p.DstMAC[:])
			}
		}
	}
	specific := POther
	switch p.Net {
	case decode.NetIPv4:
		add(PIPv4)
		specific = PIPv4
	case decode.NetIPv6:
		add(PIPv6)
		specific = PIPv6
	case decode.NetARP:
		add(PARP)
		specific = PARP
	default:
		add(POther)
	}
	if (p.Net == decode.NetIPv4 || p.Net == decode.NetIPv6) && (seen == nil || !seen.ips) {
		t.noteIP(p.Src)
		t.noteIP(p.Dst)
		if seen != nil {
			seen.ips = true
		}
	}
	switch p.Transport {
	case decode.TransTCP:
		add(PTCP)
		specific = PTCP
	case decode.TransUDP:
		add(PUDP)
		specific = PUDP
	case decode.TransICMP:
		add(PICMP)
		specific = PICMP
	case decode.TransICMPv6:
		add(PICMPv6)
		specific = PICMPv6
	}
	if app < NumProtos {
		add(app)
		specific = app
	}
	if newConn {
		t.NewConns++
	}
	if b := t.bucket(p.TS); b != nil {
		b.Packets++
		b.Bytes += n
		b.ByProto[specific][dir&1] += n
		if newConn {
			b.NewConns++
		}
	}
}

// sameMACs reports whether p carries the MAC pair already counted, in either
// direction.
func (s *Seen) sameMACs(p *decode.Packet) bool {
	if !s.hasMACs {
		return false
	}
	src, dst := [6]byte(s.macs[:6]), [6]byte(s.macs[6:])
	return (p.SrcMAC == src && p.DstMAC == dst) || (p.SrcMAC == dst && p.DstMAC == src)
}

// Reclassify moves one packet of n bytes seen at ts, counted as the most
// specific protocol from, to protocol to: a packet recognised after the
// fact (the first packets of an RTP stream). The layers it was counted in
// stay counted.
func (t *Traffic) Reclassify(ts int64, n uint64, from, to Proto, dir int) {
	t.Mix[to].Packets++
	t.Mix[to].Bytes += n
	if b := t.bucket(ts); b != nil && b.ByProto[from][dir&1] >= n {
		b.ByProto[from][dir&1] -= n
		b.ByProto[to][dir&1] += n
	}
}

// AddJitter counts one RTP packet's stream jitter (ms) in its interval.
func (t *Traffic) AddJitter(ts int64, ms float64) {
	if b := t.bucket(ts); b != nil {
		b.JitterN++
		b.JitterSum += ms
		b.JitterMax = max(b.JitterMax, ms)
	}
}

// AddRTPLoss counts n RTP packets lost in a sequence gap seen at ts.
func (t *Traffic) AddRTPLoss(ts int64, n int64) {
	if b := t.bucket(ts); b != nil {
		b.RTPLost += n
	}
}

func (t *Traffic) noteIP(a netip.Addr) { t.ips.add(a, a.As16()) }

func (t *Traffic) noteMAC(m [6]byte) {
	var b [16]byte
	copy(b[:], m[:])
	t.macs.add(m, b)
}

// UniqueIPs is the number of distinct IP addresses: exact while the set is
// below its cap (estimated false), else the HyperLogLog estimate.
func (t *Traffic) UniqueIPs() (n int, estimated bool) { return t.ips.count() }

// UniqueMACs is UniqueIPs for MAC addresses.
func (t *Traffic) UniqueMACs() (n int, estimated bool) { return t.macs.count() }

// maxBuckets bounds the series: a capture whose timestamps jump by years
// (a corrupt record) must not allocate a bucket per second in between.
const maxBuckets = 1 << 20

// bucket returns the series bucket of ts, growing the series as time
// advances. Timestamps before the first bucket count in it; a jump beyond
// maxBuckets counts in the last one.
func (t *Traffic) bucket(ts int64) *Bucket {
	if t.Interval <= 0 {
		return nil
	}
	// Consecutive packets nearly always fall in the same bucket: spare
	// the divisions.
	if c := t.cur; c < len(t.Series) && ts >= t.Series[c].Start && ts-t.Series[c].Start < t.Interval {
		return &t.Series[c]
	}
	start := ts - ((ts%t.Interval)+t.Interval)%t.Interval
	if len(t.Series) == 0 {
		t.Series = append(t.Series, Bucket{Start: start})
	}
	first := t.Series[0].Start
	idx := (start - first) / t.Interval
	if idx < 0 {
		idx = 0
	}
	if idx >= maxBuckets {
		idx = int64(len(t.Series) - 1)
	}
	for int64(len(t.Series)) <= idx {
		t.Series = append(t.Series, Bucket{Start: first + int64(len(t.Series))*t.Interval})
	}
	t.cur = int(idx)
	return &t.Series[idx]
}
