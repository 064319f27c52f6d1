package main

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// baseTime is the fixed start of every generated capture.
var baseTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// serializeOpts is used for every gopacket serialization.
var serializeOpts = gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}

// ms converts fractional milliseconds to a Duration (rounded to the nanosecond).
func ms(f float64) time.Duration {
	return time.Duration(f*1e6 + 0.5)
}

// Flag names as used by Wireshark's tcp.analysis.* fields, in canonical order.
var flagOrder = []string{
	"retransmission",
	"fast_retransmission",
	"spurious_retransmission",
	"out_of_order",
	"duplicate_ack",
	"lost_segment",
	"ack_lost_segment",
	"zero_window",
	"zero_window_probe",
	"zero_window_probe_ack",
	"window_full",
	"keep_alive",
	"keep_alive_ack",
	"window_update",
}

func flagRank(f string) int {
	for i, g := range flagOrder {
		if g == f {
			return i
		}
	}
	panic("unknown flag " + f)
}

// sortFlags returns the flags in canonical order (and validates them).
func sortFlags(fs []string) []string {
	out := append([]string(nil), fs...)
	sort.SliceStable(out, func(i, j int) bool { return flagRank(out[i]) < flagRank(out[j]) })
	return out
}

// Packet is one captured frame, kept at the network layer until it is
// written out with a particular link-layer encapsulation.
type Packet struct {
	TS       time.Time
	L3       []byte // IPv4 or IPv6 packet
	V6       bool
	SrcMAC   net.HardwareAddr
	DstMAC   net.HardwareAddr
	VLANs    []uint16 // 802.1Q tags, outermost first
	QinQ     bool     // outer tag uses TPID 0x88a8
	Outgoing bool     // sent by the capturing host (SLL packet type)
	Iface    int      // pcapng interface index
	Conn     *Conn    // TCP connection, nil for non-TCP
	want     []string
}

// Want records the Wireshark TCP analysis flags this frame is designed to carry.
func (p *Packet) Want(flags ...string) *Packet {
	if p == nil {
		panic("Want on a packet that was not captured")
	}
	for _, f := range flags {
		flagRank(f) // validate
	}
	p.want = append(p.want, flags...)
	return p
}

// Capture is an ordered list of packets plus bookkeeping.
type Capture struct {
	pkts []*Packet
	last time.Time
}

func (c *Capture) add(p *Packet) {
	if p.TS.Before(c.last) {
		panic(fmt.Sprintf("non-monotonic timestamp %v after %v", p.TS, c.last))
	}
	c.last = p.TS
	c.pkts = append(c.pkts, p)
}

// Merge interleaves the packets of other into c by timestamp (stable: on a
// tie, packets of c come first).
func (c *Capture) Merge(other *Capture) {
	all := append(append([]*Packet(nil), c.pkts...), other.pkts...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].TS.Before(all[j].TS) })
	c.pkts = all
	if other.last.After(c.last) {
		c.last = other.last
	}
}

// Endpoint is one side of a conversation.
type Endpoint struct {
	IP   netip.Addr
	Port uint16
	MAC  net.HardwareAddr
	TTL  uint8
}

func mac(last byte) net.HardwareAddr { return net.HardwareAddr{0x02, 0, 0, 0, 0, last} }

func ep(ip string, port uint16, macLast byte, ttl uint8) Endpoint {
	return Endpoint{IP: netip.MustParseAddr(ip), Port: port, MAC: mac(macLast), TTL: ttl}
}

// buildIP serializes an IP packet carrying the given upper layers.
// ext, if not nil, is an IPv6 extension header inserted after the IPv6 header.
func buildIP(src, dst Endpoint, ipid uint16, proto layers.IPProtocol, ext gopacket.SerializableLayer,
	netLayerSetter func(gopacket.NetworkLayer) error, upper ...gopacket.SerializableLayer) ([]byte, bool) {
	buf := gopacket.NewSerializeBuffer()
	var ls []gopacket.SerializableLayer
	v6 := src.IP.Is6()
	if v6 {
		ip := &layers.IPv6{
			Version:    6,
			HopLimit:   src.TTL,
			NextHeader: proto,
			SrcIP:      net.IP(src.IP.AsSlice()),
			DstIP:      net.IP(dst.IP.AsSlice()),
		}
		if ext != nil {
			switch e := ext.(type) {
			case *layers.IPv6HopByHop:
				ip.NextHeader = layers.IPProtocolIPv6HopByHop
				e.NextHeader = proto
			case *layers.IPv6Destination:
				ip.NextHeader = layers.IPProtocolIPv6Destination
				e.NextHeader = proto
			}
		}
		if err := netLayerSetter(ip); err != nil {
			panic(err)
		}
		ls = append(ls, ip)
		if ext != nil {
			ls = append(ls, ext)
		}
	} else {
		ip := &layers.IPv4{
			Version:  4,
			IHL:      5,
			TTL:      src.TTL,
			Id:       ipid,
			Flags:    layers.IPv4DontFragment,
			Protocol: proto,
			SrcIP:    net.IP(src.IP.AsSlice()),
			DstIP:    net.IP(dst.IP.AsSlice()),
		}
		if err := netLayerSetter(ip); err != nil {
			panic(err)
		}
		ls = append(ls, ip)
	}
	ls = append(ls, upper...)
	if err := gopacket.SerializeLayers(buf, serializeOpts, ls...); err != nil {
		panic(err)
	}
	return append([]byte(nil), buf.Bytes()...), v6
}

// UDPFlow emits UDP datagrams between two endpoints.
type UDPFlow struct {
	cap      *Capture
	a, b     Endpoint
	ipid     [2]uint16
	outgoing [2]bool
}

func (c *Capture) NewUDP(a, b Endpoint, ipidA, ipidB uint16, localA bool) *UDPFlow {
	return &UDPFlow{cap: c, a: a, b: b, ipid: [2]uint16{ipidA, ipidB}, outgoing: [2]bool{localA, !localA}}
}

// Send emits one datagram; fromA selects the direction.
func (u *UDPFlow) Send(t time.Time, fromA bool, payload ...gopacket.SerializableLayer) *Packet {
	src, dst, i := u.a, u.b, 0
	if !fromA {
		src, dst, i = u.b, u.a, 1
	}
	udp := &layers.UDP{SrcPort: layers.UDPPort(src.Port), DstPort: layers.UDPPort(dst.Port)}
	l3, v6 := buildIP(src, dst, u.ipid[i], layers.IPProtocolUDP, nil, udp.SetNetworkLayerForChecksum,
		append([]gopacket.SerializableLayer{udp}, payload...)...)
	u.ipid[i]++
	p := &Packet{TS: t, L3: l3, V6: v6, SrcMAC: src.MAC, DstMAC: dst.MAC, Outgoing: u.outgoing[i]}
	u.cap.add(p)
	return p
}
