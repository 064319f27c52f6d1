package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"time"
)

// Config says what to generate.
type Config struct {
	Seed    uint64
	Packets int64 // frames to write
	Conns   int   // concurrent TCP connections
	Calls   int   // concurrent RTP calls, two streams each
	Snaplen int   // bytes kept per frame, 0 for whole frames
}

// DefaultConfig is the mix make bench uses.
func DefaultConfig() Config {
	return Config{Seed: 1, Packets: 1000000, Conns: 400, Calls: 3}
}

// Stats counts what was written, as a capture-side analyser should see it.
type Stats struct {
	Packets, Bytes int64
	TCP, UDP       int64 // frames
	RTP, DNS, IPv6 int64 // frames
	Conns          int64 // TCP connections whose first SYN was written
	// Retransmissions counts TCP frames (data or SYN) that repeat sequence
	// space the capture already saw from that side: what Wireshark flags as
	// retransmission, fast retransmission or out-of-order.
	Retransmissions int64
	// DupAcks counts pure ACKs that repeat the sender's previous ACK with
	// the same window: Wireshark's duplicate_ack.
	DupAcks int64
	// Lost counts data segments dropped (before or after the capture point).
	Lost     int64
	RTOs     int64 // retransmission rounds started by a timeout
	Recovery int64 // loss recoveries started by three dup ACKs
	First    int64 // first and last frame time, ns since the epoch
	Last     int64
}

func (s Stats) String() string {
	d := time.Duration(s.Last - s.First)
	return fmt.Sprintf("%d packets, %.1f MB, %s of traffic (%.0f pkts/s): tcp %d, udp %d (rtp %d, dns %d), ipv6 %d; %d tcp connections, %d retransmissions (%d fast recoveries, %d timeouts), %d dup acks, %d segments lost",
		s.Packets, float64(s.Bytes)/1e6, d.Round(time.Millisecond), float64(s.Packets)/math.Max(d.Seconds(), 1e-9),
		s.TCP, s.UDP, s.RTP, s.DNS, s.IPv6, s.Conns, s.Retransmissions, s.Recovery, s.RTOs, s.DupAcks, s.Lost)
}

// baseNs is the capture's start: 2026-11-23T08:00:00Z.
const baseNs = int64(1795420800) * 1e9

// source is one traffic generator (a TCP connection, an RTP call) on the
// global time line.
type source interface {
	// next returns the time of the source's next frame, generating more of
	// its traffic as needed, or ok=false when it has ended.
	next(g *gen) (t int64, ok bool)
	// emit writes that frame.
	emit(g *gen) error
}

type entry struct {
	t   int64
	id  uint64 // ties broken by creation order: deterministic
	src source
}

// gen holds the whole simulation. All randomness comes from rng, consumed in
// global time order, so output depends only on the seed.
type gen struct {
	cfg    Config
	rng    *rand.Rand
	w      *wire
	st     Stats
	h      []entry
	nextID uint64
	plan   addrPlan
	now    int64 // time of the last frame written, ns since the start
}

// Generate writes cfg.Packets frames of pcap (Ethernet, microsecond
// timestamps) to out.
func Generate(out io.Writer, cfg Config) (Stats, error) {
	g := &gen{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))}
	g.plan = newAddrPlan(g.rng)
	var err error
	if g.w, err = newWire(out, cfg.Snaplen, g.rng); err != nil {
		return g.st, err
	}
	// Start the connections over the first second and the calls (already
	// under way) over the first 200 ms, as if the capture began on a busy
	// link.
	for i := 0; i < cfg.Conns; i++ {
		g.push(newConn(g, g.rng.Int64N(int64(time.Second))))
	}
	for i := 0; i < cfg.Calls; i++ {
		g.push(newCall(g, g.rng.Int64N(int64(200*time.Millisecond)), true))
	}
	for g.st.Packets < cfg.Packets && len(g.h) > 0 {
		e := &g.h[0]
		if err := e.src.emit(g); err != nil {
			return g.st, err
		}
		t, ok := e.src.next(g)
		if !ok {
			// Keep the mix stationary: an ended connection or call is
			// replaced by a new one shortly after.
			switch e.src.(type) {
			case *conn:
				e.src = newConn(g, g.now+int64(g.rng.ExpFloat64()*float64(2*time.Millisecond)))
			case *call:
				e.src = newCall(g, g.now+int64(g.rng.ExpFloat64()*float64(2*time.Second)), false)
			}
			e.id = g.nextID
			g.nextID++
			if t, ok = e.src.next(g); !ok {
				panic("new source without frames")
			}
		}
		e.t = t
		g.down(0)
	}
	return g.st, nil
}

func (g *gen) push(s source) {
	t, ok := s.next(g)
	if !ok {
		return
	}
	g.h = append(g.h, entry{t: t, id: g.nextID, src: s})
	g.nextID++
	g.up(len(g.h) - 1)
}

func (g *gen) less(i, j int) bool {
	a, b := &g.h[i], &g.h[j]
	return a.t < b.t || a.t == b.t && a.id < b.id
}

func (g *gen) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !g.less(i, p) {
			return
		}
		g.h[i], g.h[p] = g.h[p], g.h[i]
		i = p
	}
}

func (g *gen) down(i int) {
	n := len(g.h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && g.less(r, l) {
			m = r
		}
		if !g.less(m, i) {
			return
		}
		g.h[i], g.h[m] = g.h[m], g.h[i]
		i = m
	}
}

// Random helpers.

// logNormal returns a value with the given median and spread (sigma of the
// underlying normal), clamped to [lo, hi].
func (g *gen) logNormal(median, sigma, lo, hi float64) float64 {
	v := median * math.Exp(sigma*g.rng.NormFloat64())
	return math.Min(math.Max(v, lo), hi)
}

// uniform returns a value in [lo, hi).
func (g *gen) uniform(lo, hi float64) float64 { return lo + (hi-lo)*g.rng.Float64() }

// chance reports true with probability p.
func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

// ms and us convert to nanoseconds.
func ms(f float64) int64 { return int64(f * 1e6) }
func us(f float64) int64 { return int64(f * 1e3) }

// host is one address with the MAC the capture sees for it.
type host struct {
	ip  net.IP
	mac net.HardwareAddr
	// nextPort is the host's next ephemeral port (clients only).
	nextPort uint16
	name     []byte // DNS name (servers only)
}

// addrPlan is the network around the capture point: a LAN of clients
// behind a gateway, servers beyond it, a resolver, phones and a media
// gateway. The capture sees the LAN side, so every frame from beyond has the
// gateway's MAC.
type addrPlan struct {
	gw                 net.HardwareAddr
	cli4, cli6         []host
	srv4, srv6         []host
	dns4, dns6         host
	phones, mediaGates []host
}

func newAddrPlan(rng *rand.Rand) addrPlan {
	p := addrPlan{gw: net.HardwareAddr{0x00, 0x1b, 0x21, 0x0a, 0x00, 0x01}}
	mac := func(a, b, c byte) net.HardwareAddr { return net.HardwareAddr{0x02, 0x42, 0x0a, a, b, c} }
	port := func() uint16 { return uint16(32768 + rng.IntN(28000)) }
	for i := 0; i < 300; i++ {
		p.cli4 = append(p.cli4, host{ip: net.IP{10, 1, byte(i / 250), byte(i%250 + 1)}, mac: mac(1, byte(i>>8), byte(i)), nextPort: port()})
	}
	for i := 0; i < 40; i++ {
		ip := net.ParseIP(fmt.Sprintf("2001:db8:1::%x", 0x100+i))
		p.cli6 = append(p.cli6, host{ip: ip, mac: mac(6, byte(i>>8), byte(i)), nextPort: port()})
	}
	for i := 0; i < 150; i++ {
		ip := net.IP{198, 51, 100, byte(i + 1)}
		if i >= 100 {
			ip = net.IP{203, 0, 113, byte(i - 99)}
		}
		p.srv4 = append(p.srv4, host{ip: ip, mac: p.gw, name: []byte(fmt.Sprintf("s%d.cdn%d.example.net", i, i%7))})
	}
	for i := 0; i < 30; i++ {
		ip := net.ParseIP(fmt.Sprintf("2001:db8:2::%x", 0x10+i))
		p.srv6 = append(p.srv6, host{ip: ip, mac: p.gw, name: []byte(fmt.Sprintf("v6-%d.example.org", i))})
	}
	p.dns4 = host{ip: net.IP{10, 0, 0, 53}, mac: p.gw}
	p.dns6 = host{ip: net.ParseIP("2001:db8::53"), mac: p.gw}
	for i := 0; i < 16; i++ {
		p.phones = append(p.phones, host{ip: net.IP{10, 3, 0, byte(i + 10)}, mac: mac(3, 0, byte(i))})
		p.mediaGates = append(p.mediaGates, host{ip: net.IP{192, 0, 2, byte(i%4 + 20)}, mac: p.gw})
	}
	return p
}

// ephemeral hands out the client's next source port, wrapping in the Linux
// default range 32768-60999.
func (h *host) ephemeral() uint16 {
	p := h.nextPort
	h.nextPort++
	if h.nextPort > 60999 {
		h.nextPort = 32768
	}
	return p
}
