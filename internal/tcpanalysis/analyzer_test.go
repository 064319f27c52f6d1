package tcpanalysis

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tcpviz/tcpviz/internal/decode"
	"github.com/tcpviz/tcpviz/internal/event"
)

const (
	syn = decode.FlagSYN
	ack = decode.FlagACK
	fin = decode.FlagFIN
	rst = decode.FlagRST
	psh = decode.FlagPSH
)

// conv builds a conversation packet by packet and records what the analyzer
// says about it.
type conv struct {
	a      *Analyzer
	now    int64
	frame  uint64
	events []string
	extras map[string]event.Extra // by "frame:type"
	flows  []event.FlowRecord
	cli    netip.AddrPort
	srv    netip.AddrPort
	// flagged is the analysis flags of each frame that had any, as
	// counted in Stats.Flags.
	flagged map[uint64]Flags
}

func newConv(cfg Config) *conv {
	c := &conv{
		now:     time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano(),
		extras:  map[string]event.Extra{},
		cli:     netip.MustParseAddrPort("192.0.2.1:40000"),
		srv:     netip.MustParseAddrPort("198.51.100.2:443"),
		flagged: map[uint64]Flags{},
	}
	c.a = New(cfg, event.SinkFunc(func(e *event.Event) {
		k := fmt.Sprintf("%d:%s", e.Frame, e.Type)
		if e.Extra.Reason != "" {
			k += ":" + e.Extra.Reason
		}
		c.events = append(c.events, k)
		c.extras[k] = e.Extra
	}), func(r *event.FlowRecord) { c.flows = append(c.flows, r.Clone()) })
	return c
}

// pkt describes one packet; wscale -1 means no window-scale option.
type pkt struct {
	fromCli  bool
	dtMs     float64
	flags    uint8
	seq, ack uint32
	n        int
	win      uint16
	wscale   int8
}

func (c *conv) send(s pkt) uint64 {
	c.frame++
	c.now += int64(s.dtMs * float64(time.Millisecond))
	src, dst := c.cli, c.srv
	if !s.fromCli {
		src, dst = dst, src
	}
	ws := s.wscale
	if s.flags&syn == 0 {
		ws = -1
	}
	p := &decode.Packet{
		Frame: c.frame, TS: c.now, OrigLen: 54 + s.n, CapLen: 54 + s.n,
		Net: decode.NetIPv4, Transport: decode.TransTCP,
		Src: src.Addr(), Dst: dst.Addr(), SrcPort: src.Port(), DstPort: dst.Port(),
		PayloadLen: s.n,
		TCP:        decode.TCP{Seq: s.seq, Ack: s.ack, Flags: s.flags, Window: s.win, HeaderLen: 20, WScale: ws},
	}
	before := c.a.Stats.Flags
	c.a.Packet(p)
	var fl Flags
	for b, n := range c.a.Stats.Flags {
		if n != before[b] {
			fl |= 1 << b
		}
	}
	if fl != 0 {
		c.flagged[c.frame] = fl
	}
	return c.frame
}

// handshake opens the connection: client ISN ci, server ISN si, both with
// window scale 7 and window 512 (65536 bytes once scaled).
func (c *conv) handshake(ci, si uint32) {
	c.send(pkt{fromCli: true, flags: syn, seq: ci, win: 64240, wscale: 7})
	c.send(pkt{dtMs: 10, flags: syn | ack, seq: si, ack: ci + 1, win: 65160, wscale: 7})
	c.send(pkt{fromCli: true, dtMs: 10, flags: ack, seq: ci + 1, ack: si + 1, win: 502})
}

func TestDetectors(t *testing.T) {
	const ci, si = 1000, 5000
	d := func(fromCli bool, dt float64, seq uint32, n int) pkt { // data from client
		return pkt{fromCli: fromCli, dtMs: dt, flags: ack | psh, seq: seq, ack: si + 1, n: n, win: 502}
	}
	a := func(dt float64, ackNo uint32, win uint16) pkt { // pure ACK from server
		return pkt{dtMs: dt, flags: ack, seq: si + 1, ack: ackNo, win: win}
	}
	tests := []struct {
		name string
		cfg  func(*Config)
		run  func(c *conv)
		want []string
	}{{
		name: "clean transfer raises nothing",
		run: func(c *conv) {
			c.handshake(ci, si)
			c.send(d(true, 1, ci+1, 1000))
			c.send(d(true, 1, ci+1001, 1000))
			c.send(a(20, ci+2001, 512))
			c.send(pkt{fromCli: true, dtMs: 1, flags: fin | ack, seq: ci + 2001, ack: si + 1, win: 502})
			c.send(pkt{dtMs: 10, flags: fin | ack, seq: si + 1, ack: ci + 2002, win: 512})
			c.send(pkt{fromCli: true, dtMs: 10, flags: ack, seq: ci + 2002, ack: si + 2, win: 502})
		},
		want: nil,
	}, {
		name: "lost segment, three dup ACKs, fast retransmission",
		run: func(c *conv) {
			c.handshake(ci, si)
			c.send(d(true, 1, ci+1, 1000))    // 4
			c.send(a(20, ci+1001, 512))       // 5
			c.send(d(true, 1, ci+2001, 1000)) // 6: ci+1001 was never captured
			c.send(a(20, ci+1001, 512))       // 7: dup 1
			c.send(d(true, 1, ci+3001, 1000)) // 8
			c.send(a(20, ci+1001, 512))       // 9: dup 2
			c.send(d(true, 1, ci+4001, 1000)) // 10
			c.send(a(20, ci+1001, 512))       // 11: dup 3
			c.send(d(true, 5, ci+1001, 1000)) // 12: fast retransmission
			c.send(a(20, ci+5001, 512))       // 13
		},
		want: []string{"6:lost_segment", "7:dup_ack", "9:dup_ack", "11:dup_ack", "11:loss_infer:triple_dup_ack", "12:fast_retransmission"},
	}, {
		name: "retransmission after a timeout, no dup ACKs",
		run: func(c *conv) {
			c.handshake(ci, si)
			c.send(d(true, 1, ci+1, 1000))
			c.send(d(true, 300, ci+1, 1000)) // 5
			c.send(a(20, ci+1001, 512))
		},
		want: []string{"5:retransmission", "5:loss_infer:retransmission_without_dup_acks"},
	}, {
		name: "spurious retransmission of acknowledged data",
		run: func(c *conv) {
			c.handshake(ci, si)
			c.send(d(true, 1, ci+1, 1000))
			c.send(a(20, ci+1001, 512))
			c.send(d(true, 300, ci+1, 1000)) // 6
		},
		want: []string{"6:spurious_retransmission"},
	}, {
		name: "out of order within the first RTT",
		run: func(c *conv) {
			c.handshake(ci, si)
			c.send(d(true, 1, ci+1, 1000))
			c.send(d(true, 1, ci+2001, 1000)) // 5: gap
			c.send(d(true, 1, ci+1001, 1000)) // 6: the late one, 1 ms later
		},
		want: []string{"5:lost_segment", "6:out_of_order"},
	}, {
		name: "ACK of data the capture never saw",
		run: func(c *conv) {
			c.handshake(ci, si)
			c.send(d(true, 1, ci+1, 1000))
			c.send(a(20, ci+3001, 512)) // 5
		},
		want: []string{"5:ack_unseen"},
	}, {
		name: "window full, zero window, zero-window probe",
		run: func(c *conv) {
			c.handshake(ci, si)
			// The server's window 8 << 7 = 1024 bytes after ack ci+1.
			c.send(a(1, ci+1, 8))             // 4
			c.send(d(true, 1, ci+1, 1024))    // 5: fills it
			c.send(a(20, ci+1025, 0))         // 6: zero window
			c.send(d(true, 200, ci+1025, 1))  // 7: probe
			c.send(a(20, ci+1025, 0))         // 8: probe ACK, still zero
			c.send(a(100, ci+1025, 512))      // 9: window update
			c.send(d(true, 1, ci+1025, 1000)) // 10
		},
		want: []string{"5:window_full", "6:zero_window", "7:zero_window_probe", "8:zero_window"},
	}, {
		name: "keep-alive and its ACK",
		run: func(c *conv) {
			c.handshake(ci, si)
			c.send(d(true, 1, ci+1, 100))
			c.send(a(20, ci+101, 512))
			c.send(pkt{fromCli: true, dtMs: 45000, flags: ack, seq: ci + 100, ack: si + 1, win: 502}) // 6
			c.send(a(20, ci+101, 512))                                                                // 7: not a dup ACK
		},
		want: []string{"6:keep_alive"},
	}, {
		name: "SYN retries without SYN/ACK",
		run: func(c *conv) {
			c.send(pkt{fromCli: true, flags: syn, seq: ci, win: 64240, wscale: 7})
			c.send(pkt{fromCli: true, dtMs: 1000, flags: syn, seq: ci, win: 64240, wscale: 7})
			c.send(pkt{fromCli: true, dtMs: 2000, flags: syn, seq: ci, win: 64240, wscale: 7})
		},
		want: []string{"2:retransmission", "2:handshake_anomaly:syn_retry", "3:retransmission", "3:handshake_anomaly:syn_retry"},
	}, {
		name: "ACK stall",
		run: func(c *conv) {
			c.handshake(ci, si)
			c.send(d(true, 1, ci+1, 1000))
			c.send(d(true, 1, ci+1001, 1000))
			c.send(a(900, ci+1001, 512)) // 6: first ACK progress after 900 ms
		},
		want: []string{"6:loss_infer:ack_stall"},
	}, {
		name: "sequence numbers wrap at 2^32",
		run: func(c *conv) {
			var wci uint32 = 0xfffff000
			c.handshake(wci, si)
			c.send(pkt{fromCli: true, dtMs: 1, flags: ack, seq: wci + 1, ack: si + 1, n: 1460, win: 502})           // 4
			c.send(pkt{fromCli: true, dtMs: 1, flags: ack, seq: wci + 1461, ack: si + 1, n: 1460, win: 502})        // 5
			c.send(pkt{fromCli: true, dtMs: 1, flags: ack, seq: wci + 2921, ack: si + 1, n: 1460, win: 502})        // 6: crosses 2^32
			c.send(pkt{fromCli: true, dtMs: 1, flags: ack, seq: wci + 4381 + 1460, ack: si + 1, n: 1460, win: 502}) // 7: gap after the wrap
			c.send(a(20, wci+4381, 512))                                                                            // 8
			c.send(pkt{fromCli: true, dtMs: 300, flags: ack, seq: wci + 4381, ack: si + 1, n: 1460, win: 502})      // 9: fills the gap late
		},
		want: []string{"7:lost_segment", "9:retransmission", "9:loss_infer:retransmission_without_dup_acks"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			c := newConv(cfg)
			tt.run(c)
			if diff := cmp.Diff(tt.want, c.events); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDupAckExtras(t *testing.T) {
	c := newConv(DefaultConfig())
	c.handshake(1000, 5000)
	c.send(pkt{fromCli: true, dtMs: 1, flags: ack, seq: 1001, ack: 5001, n: 1000, win: 502})
	first := c.send(pkt{dtMs: 20, flags: ack, seq: 5001, ack: 2001, win: 512})
	c.send(pkt{fromCli: true, dtMs: 1, flags: ack, seq: 3001, ack: 5001, n: 1000, win: 502})
	dup := c.send(pkt{dtMs: 20, flags: ack, seq: 5001, ack: 2001, win: 512})
	x := c.extras[fmt.Sprintf("%d:dup_ack", dup)]
	if x.DupAckCount != 1 || x.DupAckOfFrame != first {
		t.Errorf("dup ack extra = count %d of frame %d, want count 1 of frame %d", x.DupAckCount, x.DupAckOfFrame, first)
	}
	if !x.HasRTT || x.SRTTms <= 0 {
		t.Errorf("dup ack carries no SRTT: %+v", x)
	}
	if !x.HasBIF {
		t.Errorf("dup ack carries no bytes in flight: %+v", x)
	}
}

func TestRSTStorm(t *testing.T) {
	c := newConv(DefaultConfig())
	for i := 0; i < 25; i++ {
		c.cli = netip.AddrPortFrom(c.cli.Addr(), uint16(40000+i))
		c.send(pkt{fromCli: true, dtMs: 10, flags: syn, seq: 1000, win: 64240, wscale: -1})
		c.send(pkt{dtMs: 1, flags: rst | ack, seq: 0, ack: 1001})
	}
	// Ten RSTs within a second make one storm, however long it goes on.
	want := []string{"20:teardown_anomaly:rst_storm"}
	if diff := cmp.Diff(want, c.events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestPortReuseStartsNewStream(t *testing.T) {
	c := newConv(DefaultConfig())
	c.handshake(1000, 5000)
	c.send(pkt{fromCli: true, dtMs: 1, flags: fin | ack, seq: 1001, ack: 5001, win: 502})
	c.send(pkt{dtMs: 1, flags: fin | ack, seq: 5001, ack: 1002, win: 512})
	c.send(pkt{fromCli: true, dtMs: 1, flags: ack, seq: 1002, ack: 5002, win: 502})
	c.handshake(90000, 70000) // same ports, new ISN
	c.a.Flush()
	if len(c.flows) != 2 {
		t.Fatalf("got %d flow records, want 2", len(c.flows))
	}
	got := []string{}
	for _, f := range c.flows {
		got = append(got, fmt.Sprintf("stream %d %s %s", f.Stream, f.State, f.End))
	}
	want := []string{"stream 0 closed port_reuse", "stream 1 established capture_end"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flow records (-want +got):\n%s", diff)
	}
	if len(c.events) != 0 {
		t.Errorf("a reused port pair raised %v", c.events)
	}
	// Frame 7, the new SYN, is flagged as Wireshark flags it.
	if diff := cmp.Diff(map[uint64]Flags{7: FReusedPorts}, c.flagged); diff != "" {
		t.Errorf("flags by frame (-want +got):\n%s", diff)
	}
}

// TestReusedPorts: Wireshark's reused_ports flag. A SYN/ACK with another
// sequence number than the side's first moves the side's base and is
// flagged, in the same stream (zeek's gopacket__cip.pcap has four, nDPI's
// KakaoTalk_talk.pcap one); a retransmitted SYN or SYN/ACK is not.
func TestReusedPorts(t *testing.T) {
	for _, tc := range []struct {
		name     string
		synAck   uint32 // the second SYN/ACK's sequence number
		wantFlag bool
	}{
		{"SYN/ACK with a new sequence number", 7000, true},
		{"retransmitted SYN/ACK", 5000, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConv(DefaultConfig())
			c.send(pkt{fromCli: true, flags: syn, seq: 1000, win: 64240, wscale: 7})
			c.send(pkt{dtMs: 10, flags: syn | ack, seq: 5000, ack: 1001, win: 65160, wscale: 7})
			f := c.send(pkt{dtMs: 10, flags: syn | ack, seq: tc.synAck, ack: 1001, win: 65160, wscale: 7})
			c.send(pkt{fromCli: true, dtMs: 10, flags: ack, seq: 1001, ack: tc.synAck + 1, win: 502})
			if got := c.flagged[f]&FReusedPorts != 0; got != tc.wantFlag {
				t.Errorf("frame %d flagged %s, want reused_ports %v", f, flagNames(c.flagged[f]), tc.wantFlag)
			}
			c.a.Flush()
			if c.a.Stats.Connections != 1 || len(c.flows) != 1 {
				t.Errorf("%d connections, %d records; want one stream", c.a.Stats.Connections, len(c.flows))
			}
		})
	}
}

// flagNames lists fl's flags by Wireshark's names.
func flagNames(fl Flags) []string {
	var names []string
	for b := range NumFlags {
		if fl&(1<<b) != 0 {
			names = append(names, Flags(1<<b).Name())
		}
	}
	return names
}

func TestFlowRecordRTTKarn(t *testing.T) {
	c := newConv(DefaultConfig())
	c.handshake(1000, 5000)                                                                  // SYN → SYN/ACK and SYN/ACK → ACK: two 10 ms samples
	c.send(pkt{fromCli: true, dtMs: 1, flags: ack, seq: 1001, ack: 5001, n: 1000, win: 502}) // sent
	c.send(pkt{dtMs: 50, flags: ack, seq: 5001, ack: 2001, win: 512})                        // 50 ms sample
	c.send(pkt{fromCli: true, dtMs: 1, flags: ack, seq: 2001, ack: 5001, n: 1000, win: 502})
	c.send(pkt{fromCli: true, dtMs: 300, flags: ack, seq: 2001, ack: 5001, n: 1000, win: 502}) // retransmitted
	c.send(pkt{dtMs: 40, flags: ack, seq: 5001, ack: 3001, win: 512})                          // no sample (Karn)
	c.a.Flush()
	if len(c.flows) != 1 {
		t.Fatalf("got %d flow records, want 1", len(c.flows))
	}
	f := c.flows[0]
	if f.RTTms == nil || f.RTTms.Samples != 3 || f.RTTms.Min != 10 || f.RTTms.Max != 50 {
		t.Errorf("rtt = %+v, want 3 samples from 10 to 50 ms", f.RTTms)
	}
	if f.HandshakeRTTms == nil || *f.HandshakeRTTms != 20 {
		t.Errorf("handshake rtt = %v, want 20 ms (SYN to the first ACK)", f.HandshakeRTTms)
	}
	if f.SrcIP != "192.0.2.1" || f.SrcPort != 40000 || f.FwdPackets != 5 || f.RevPackets != 3 {
		t.Errorf("flow = %s:%d fwd %d rev %d, want the client as src with 5 and 3 packets", f.SrcIP, f.SrcPort, f.FwdPackets, f.RevPackets)
	}
	if f.Retransmissions != 1 || f.State != "established" {
		t.Errorf("retransmissions %d state %q, want 1 and established", f.Retransmissions, f.State)
	}
}

// TestHandshakeRTT: the handshake RTT is Wireshark's initial RTT, from the
// SYN to the first ACK after it, from either side: the handshake's ACK (the
// SYN/ACK captured or not, as in gopacket's cip.pcap) or a refusal's RST/ACK
// (chrissanders' synscan.pcapng). SYNs nobody answered, then an RST/ACK
// from the same side a minute later (nDPI's alexa-app.pcapng), set
// Wireshark's ts_first_rtt (the out-of-order window) but time no round
// trip: no handshake_rtt_ms, no sample in the summary.
func TestHandshakeRTT(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(c *conv)
		want float64 // ms; 0: none
	}{
		{"handshake", func(c *conv) { c.handshake(1000, 5000) }, 20},
		{"SYN/ACK not captured", func(c *conv) {
			c.send(pkt{fromCli: true, flags: syn, seq: 1000, win: 64240, wscale: 7})
			c.send(pkt{fromCli: true, dtMs: 0.5, flags: ack, seq: 1001, ack: 5001, win: 502})
		}, 0.5},
		{"refused: RST/ACK", func(c *conv) {
			c.send(pkt{fromCli: true, flags: syn, seq: 1000, win: 64240, wscale: 7})
			c.send(pkt{dtMs: 61, flags: rst | ack, seq: 0, ack: 1001})
		}, 61},
		{"SYNs, then the client's RST/ACK", func(c *conv) {
			c.send(pkt{fromCli: true, flags: syn, seq: 1000, win: 64240, wscale: 7})
			c.send(pkt{fromCli: true, dtMs: 1000, flags: syn, seq: 1000, win: 64240, wscale: 7})
			c.send(pkt{fromCli: true, dtMs: 60000, flags: rst | ack, seq: 1001, ack: 1})
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConv(DefaultConfig())
			tc.run(c)
			c.a.Flush()
			if len(c.flows) != 1 {
				t.Fatalf("%d flow records, want 1", len(c.flows))
			}
			got, n := 0.0, c.a.Stats.HandshakeMs.N
			if r := c.flows[0].HandshakeRTTms; r != nil {
				got = *r
			}
			if wantN := map[bool]uint64{true: 1, false: 0}[tc.want > 0]; got != tc.want || n != wantN {
				t.Errorf("handshake_rtt_ms %v and %d summary samples, want %v and %d", got, n, tc.want, wantN)
			}
		})
	}
}
