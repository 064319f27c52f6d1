package tcpanalysis

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"github.com/tcpviz/tcpviz/internal/event"
	"github.com/tcpviz/tcpviz/internal/flow"
)

// TestClosedConnectionsLetGo: thousands of short connections one after the
// other. Each closed one is written once, as "closed", CloseLinger after its
// last packet, and is buried then: only the connections of the last
// CloseLinger keep their entries and per-flow figures, the others a grave. A
// straggler after that resumes its stream, is analysed as before (a
// retransmitted FIN), and is not written again.
func TestClosedConnectionsLetGo(t *testing.T) {
	const conns = 3000
	c := newConv(DefaultConfig()) // CloseLinger 2 s
	const ci, si = 1000, 5000
	for i := range conns {
		c.cli = netip.AddrPortFrom(c.cli.Addr(), uint16(20000+i))
		c.handshake(ci, si) // 20 ms
		c.send(pkt{fromCli: true, dtMs: 1, flags: ack | psh, seq: ci + 1, ack: si + 1, n: 500, win: 502})
		c.send(pkt{dtMs: 5, flags: ack, seq: si + 1, ack: ci + 501, win: 512})
		if i%2 == 0 {
			c.send(pkt{fromCli: true, dtMs: 1, flags: fin | ack, seq: ci + 501, ack: si + 1, win: 502})
			c.send(pkt{dtMs: 1, flags: fin | ack, seq: si + 1, ack: ci + 502, win: 512})
			c.send(pkt{fromCli: true, dtMs: 1, flags: ack, seq: ci + 502, ack: si + 2, win: 502})
		} else {
			c.send(pkt{fromCli: true, dtMs: 1, flags: rst, seq: ci + 501, win: 0})
		}
		c.now += int64(10e6) // the next one 10 ms later: ~37 ms apart
	}
	held := 0
	c.a.flows.Each(func(e *flow.Entry[flow.Key, conn]) {
		st := &e.State
		if st.tl != nil || st.rtt != nil || st.h[0].ring != nil || st.h[1].ring != nil {
			held++
		}
	})
	// 2 s / ~37 ms per connection: about 55 still within their linger.
	if held > 80 {
		t.Errorf("%d connections still hold their per-flow figures, want those of the last 2 s only", held)
	}
	if live, buried := c.a.Live(), c.a.buried.Len(); live > 80 || live+buried != conns {
		t.Errorf("%d connections live and %d buried, want those of the last 2 s live and all %d known (their streams stay until the idle timeout)", live, buried, conns)
	}
	// A grave in the archive against a connection's entry (its rings,
	// histogram and timeline back in the pools): a fifth at most.
	perGrave, entry := c.a.buried.Bytes()/c.a.buried.Len(), int(unsafe.Sizeof(flow.Entry[flow.Key, conn]{}))
	if 5*perGrave > entry {
		t.Errorf("a grave takes %d bytes, a connection's entry %d: burying saves too little", perGrave, entry)
	}
	t.Logf("%d bytes per grave, %d per connection entry", perGrave, entry)
	written := len(c.flows)
	for i, r := range c.flows {
		if r.End != "closed" || r.Timeline == nil || r.RTTms == nil || r.FwdPackets+r.RevPackets < 5 {
			t.Fatalf("record %d: end %q, timeline %v, rtt %v, %d packets", i, r.End, r.Timeline != nil, r.RTTms, r.FwdPackets+r.RevPackets)
		}
	}
	if written < conns-80 {
		t.Errorf("%d records written at close, want all but the last 2 s of %d", written, conns)
	}

	// A straggler: the first connection's FIN again, long after its record.
	c.cli = netip.AddrPortFrom(c.cli.Addr(), 20000)
	frame := c.send(pkt{fromCli: true, dtMs: 1, flags: fin | ack, seq: ci + 501, ack: si + 2, win: 502})
	if !slices.Contains(c.events, strconv.FormatUint(frame, 10)+":retransmission") {
		t.Errorf("the straggling FIN was not analysed as a retransmission: %v", c.events[len(c.events)-3:])
	}
	c.a.Flush()
	streams := map[uint64]int{}
	for _, r := range c.flows {
		streams[r.Stream]++
	}
	if len(c.flows) != conns || len(streams) != conns {
		t.Errorf("%d records for %d streams, want one for each of %d", len(c.flows), len(streams), conns)
	}
	if c.a.Stats.Connections != conns {
		t.Errorf("%d connections counted, want %d: the straggler opened a new stream", c.a.Stats.Connections, conns)
	}
}

// TestSYNAfterBurial: a SYN on the port pair of a buried connection is a
// retransmission of its SYN when it carries the same ISN (the old stream
// resumes, no new connection) and a new connection when it carries another
// (port reuse: a new stream with its own record).
func TestSYNAfterBurial(t *testing.T) {
	for _, tc := range []struct {
		name      string
		isn       uint32
		wantConns uint64
	}{
		{"same ISN", 1000, 1},
		{"new ISN", 9000, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConv(DefaultConfig())
			c.handshake(1000, 5000)
			c.send(pkt{fromCli: true, dtMs: 1, flags: ack | psh, seq: 1001, ack: 5001, n: 100, win: 502})
			c.send(pkt{dtMs: 1, flags: fin | ack, seq: 5001, ack: 1101, win: 512})
			c.send(pkt{fromCli: true, dtMs: 1, flags: fin | ack, seq: 1101, ack: 5002, win: 502})
			c.send(pkt{dtMs: 1, flags: ack, seq: 5002, ack: 1102, win: 512})
			// 3 s later: past CloseLinger, the connection is buried
			// before the SYN is looked up.
			f := c.send(pkt{fromCli: true, dtMs: 3000, flags: syn, seq: tc.isn, win: 64240, wscale: 7})
			if reused := c.flagged[f]&FReusedPorts != 0; reused != (tc.wantConns == 2) {
				t.Errorf("the SYN is flagged %v; want reused_ports only with a new ISN", flagNames(c.flagged[f]))
			}
			if c.a.buried.Len() != 0 || c.a.Live() != 1 {
				t.Fatalf("%d live, %d buried; want the SYN's connection live and no grave", c.a.Live(), c.a.buried.Len())
			}
			c.a.Flush()
			if c.a.Stats.Connections != tc.wantConns || uint64(len(c.flows)) != tc.wantConns {
				t.Errorf("%d connections, %d records; want %d of each", c.a.Stats.Connections, len(c.flows), tc.wantConns)
			}
			for i, r := range c.flows {
				if r.Stream != uint64(i) {
					t.Errorf("record %d has stream %d", i, r.Stream)
				}
			}
		})
	}
}

// TestConnectionLifeAllocs: in the steady state of connections opening,
// carrying data, closing and being buried after their linger, a connection
// costs two allocations, its record's address strings: its entry, rings,
// histogram and timeline come from pools, its grave goes into the archive's
// chunks, and its record's parts are reused.
func TestConnectionLifeAllocs(t *testing.T) {
	cfg := DefaultConfig()
	cfg.IdleTimeout = 5 * time.Second // graves come and go: a steady state
	c := newConv(cfg)
	c.a = New(cfg, event.SinkFunc(func(*event.Event) {}), func(r *event.FlowRecord) {
		if r.RTTms == nil || r.Events == nil {
			t.Fatal("record without RTT or events")
		}
	})
	const ci, si = 1000, 5000
	port := 0
	life := func() {
		c.cli = netip.AddrPortFrom(c.cli.Addr(), uint16(20000+port%40000))
		port++
		c.handshake(ci, si)
		c.send(pkt{fromCli: true, dtMs: 1, flags: ack | psh, seq: ci + 1, ack: si + 1, n: 500, win: 502})
		c.send(pkt{dtMs: 5, flags: ack, seq: si + 1, ack: ci + 501, win: 512})
		c.send(pkt{fromCli: true, dtMs: 1, flags: fin | ack, seq: ci + 501, ack: si + 1, win: 502})
		c.send(pkt{dtMs: 1, flags: fin | ack, seq: si + 1, ack: ci + 502, win: 512})
		c.send(pkt{fromCli: true, dtMs: 1, flags: ack, seq: ci + 502, ack: si + 2, win: 502})
		c.now += int64(10e6)
	}
	for range 3000 {
		life()
	}
	if allocs := testing.AllocsPerRun(2000, life); allocs > 2 {
		t.Errorf("%v allocations per connection, want at most 2 (its record's addresses)", allocs)
	}
	// A connection every ~39 ms, graves kept for the 5 s idle timeout:
	// about 130 of the 5,000 connections, the rest let go.
	if n := c.a.buried.Len(); n == 0 || n > 200 {
		t.Errorf("%d graves kept, want those of the last 5 s (~130)", n)
	}
}

// TestBurialKeepsVerdicts: a closed connection's late packets get the same
// Wireshark flags whether it was buried (its grave restored) or had stayed in
// the table (CloseLinger 0), frame by frame, and its handshake is measured
// once either way. Random conversations and random late packets; the first
// case is zeek's reassembly.pcap stream 0, where a lost firstRTT made the
// segment after a late retransmission out of order (a window of 3.2 s, the
// SYN to the first ACK after the burial) where Wireshark says retransmission.
func TestBurialKeepsVerdicts(t *testing.T) {
	const ci, si = 1000, 5000
	type late = pkt
	cases := [][]late{{
		{fromCli: true, dtMs: 3000, flags: ack, seq: ci + 1, ack: si + 2, n: 100, win: 502},
		{dtMs: 0.1, flags: ack, seq: si + 2, ack: ci + 101, win: 512},
		{fromCli: true, dtMs: 8, flags: ack, seq: ci + 101, ack: si + 2, n: 12, win: 502},
	}}
	r := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		var ls []late
		for j := range 1 + r.IntN(6) {
			p := late{fromCli: r.IntN(2) == 0, dtMs: []float64{0.1, 5, 30, 100}[r.IntN(4)]}
			if j == 0 {
				p.dtMs = 3000 // past CloseLinger
			}
			p.flags = []uint8{ack, ack | psh, ack | fin, rst, rst | ack, syn}[r.IntN(6)]
			base, other := uint32(ci), uint32(si)
			if !p.fromCli {
				base, other = si, ci
			}
			p.seq = base + uint32(r.IntN(420))
			p.ack = other + uint32(r.IntN(420))
			p.n = []int{0, 0, 1, 12, 100}[r.IntN(5)]
			p.win = []uint16{0, 502, 512}[r.IntN(3)]
			ls = append(ls, p)
		}
		cases = append(cases, ls)
	}
	for i, ls := range cases {
		kept := DefaultConfig()
		kept.CloseLinger = 0
		convs := [2]*conv{newConv(DefaultConfig()), newConv(kept)}
		for _, c := range convs {
			c.handshake(ci, si)
			c.send(pkt{fromCli: true, dtMs: 1, flags: ack | psh, seq: ci + 1, ack: si + 1, n: 100, win: 502})
			// ci+101..ci+201 is lost: a gap the late packets may fill.
			c.send(pkt{fromCli: true, dtMs: 1, flags: ack | psh, seq: ci + 201, ack: si + 1, n: 100, win: 502})
			c.send(pkt{dtMs: 10, flags: ack, seq: si + 1, ack: ci + 101, win: 512})
			c.send(pkt{dtMs: 1, flags: ack, seq: si + 1, ack: ci + 101, win: 512})
			c.send(pkt{fromCli: true, dtMs: 10, flags: ack | psh, seq: ci + 101, ack: si + 1, n: 100, win: 502})
			c.send(pkt{dtMs: 10, flags: ack, seq: si + 1, ack: ci + 301, win: 512})
			c.send(pkt{dtMs: 1, flags: fin | ack, seq: si + 1, ack: ci + 301, win: 512})
			c.send(pkt{fromCli: true, dtMs: 1, flags: fin | ack, seq: ci + 301, ack: si + 2, win: 502})
			c.send(pkt{dtMs: 1, flags: ack, seq: si + 2, ack: ci + 302, win: 512})
		}
		for j, p := range ls {
			f := convs[0].send(p)
			convs[1].send(p)
			if b, k := convs[0].flagged[f], convs[1].flagged[f]; b != k {
				t.Fatalf("case %d, late packet %d %+v: flagged %v buried, %v kept\nlate packets: %+v", i, j, p, flagNames(b), flagNames(k), ls)
			}
		}
		if i == 0 && convs[0].a.buried.Len()+convs[0].a.Live() == 0 {
			t.Fatal("case 0: the connection was neither buried nor live")
		}
		for _, c := range convs {
			c.a.Flush()
		}
		if b, k := convs[0].a.Stats.HandshakeMs.N, convs[1].a.Stats.HandshakeMs.N; b != k {
			t.Fatalf("case %d: %d handshake RTTs buried, %d kept\nlate packets: %+v", i, b, k, ls)
		}
	}
}
