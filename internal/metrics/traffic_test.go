package metrics

import (
	"math"
	"net/netip"
	"testing"

	"github.com/tcpviz/tcpviz/internal/decode"
)

func TestHLLEstimate(t *testing.T) {
	for _, n := range []int{10, 1000, 200000} {
		var h HLL
		for i := 0; i < n; i++ {
			a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
			h.Add(hash16(a.As16()))
			h.Add(hash16(a.As16())) // duplicates do not count
		}
		if got := h.Estimate(); math.Abs(got-float64(n))/float64(n) > 0.03 {
			t.Errorf("estimate of %d distinct = %.0f, want within 3%%", n, got)
		}
	}
}

func TestTrafficCountsAndDirections(t *testing.T) {
	tr := NewTraffic(1e9)
	p := &decode.Packet{TS: 5e8, OrigLen: 100, CapLen: 60, Net: decode.NetIPv4, Transport: decode.TransUDP,
		Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), SrcPort: 5353, DstPort: 5353,
		HasMAC: true, SrcMAC: [6]byte{2, 0, 0, 0, 0, 1}, DstMAC: [6]byte{2, 0, 0, 0, 0, 2}}
	tr.Add(p, App(p), DirOut, false, nil)
	p.TS = 2.5e9
	tr.Add(p, App(p), DirIn, true, nil)
	if tr.Mix[PDNS].Packets != 2 || tr.Mix[PUDP].Bytes != 200 || tr.Mix[PEthernet].Packets != 2 {
		t.Errorf("mix: dns %+v udp %+v eth %+v", tr.Mix[PDNS], tr.Mix[PUDP], tr.Mix[PEthernet])
	}
	if len(tr.Series) != 3 || tr.Series[0].ByProto[PDNS][DirOut] != 100 || tr.Series[2].ByProto[PDNS][DirIn] != 100 || tr.Series[2].NewConns != 1 {
		t.Errorf("series: %+v", tr.Series)
	}
	if n, est := tr.UniqueIPs(); n != 2 || est {
		t.Errorf("unique IPs %d estimated %v", n, est)
	}
	if n, _ := tr.UniqueMACs(); n != 2 {
		t.Errorf("unique MACs %d", n)
	}
	// A timestamp decades away does not allocate a bucket per interval.
	p.TS = 5e8 + 1e18
	tr.Add(p, App(p), DirOut, false, nil)
	if len(tr.Series) > maxBuckets {
		t.Errorf("series grew to %d buckets", len(tr.Series))
	}
}

func TestAppClassification(t *testing.T) {
	tests := []struct {
		name    string
		trans   uint8
		sp, dp  uint16
		payload []byte
		want    Proto
	}{
		{"tls handshake on any port", decode.TransTCP, 40000, 8443, []byte{22, 3, 1, 0, 200}, PTLS},
		{"not tls", decode.TransTCP, 40000, 443, []byte("GET / HTTP/1.1"), NumProtos},
		{"dns over tcp", decode.TransTCP, 40000, 53, nil, PDNS},
		{"quic long header v1", decode.TransUDP, 40000, 8443, []byte{0xc3, 0, 0, 0, 1, 8}, PQUIC},
		{"quic short header on 443", decode.TransUDP, 443, 40000, []byte{0x41, 1, 2, 3, 4, 5}, PQUIC},
		{"rtp-like udp", decode.TransUDP, 40000, 5004, []byte{0x80, 0, 0, 1, 0, 0}, NumProtos},
	}
	for _, tt := range tests {
		p := &decode.Packet{Transport: tt.trans, SrcPort: tt.sp, DstPort: tt.dp, Payload: tt.payload}
		if got := App(p); got != tt.want {
			t.Errorf("%s: App = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestRTPQualitySeries checks the per-interval RTP figures and moving
// packets recognised late from UDP to RTP.
func TestRTPQualitySeries(t *testing.T) {
	tr := NewTraffic(1e9)
	udp := func(ts int64) *decode.Packet {
		return &decode.Packet{TS: ts, OrigLen: 200, CapLen: 200, Net: decode.NetIPv4, Transport: decode.TransUDP}
	}
	// Three packets go by as UDP, the fourth confirms the stream.
	for _, ts := range []int64{0.2e9, 0.4e9, 1.1e9} {
		tr.Add(udp(ts), NumProtos, DirOut, false, nil)
	}
	tr.Add(udp(1.3e9), PRTP, DirOut, false, nil)
	for _, ts := range []int64{0.2e9, 0.4e9, 1.1e9} {
		tr.Reclassify(ts, 200, PUDP, PRTP, DirOut)
	}
	// A packet counted as something else is not taken from UDP's bytes.
	tr.Reclassify(1.2e9, 5000, PUDP, PRTP, DirOut)
	tr.AddJitter(1.3e9, 2)
	tr.AddJitter(1.5e9, 4)
	tr.AddJitter(2.5e9, 1)
	tr.AddRTPLoss(1.3e9, 3)
	tr.AddRTPLoss(0.1e9, 1)

	if got := tr.Mix[PRTP]; got.Packets != 5 || got.Bytes != 5800 {
		t.Errorf("rtp mix = %+v, want 5 packets (4 + one reclassified blindly), 5800 bytes", got)
	}
	if got := tr.Mix[PUDP]; got.Packets != 4 {
		t.Errorf("udp layer = %+v, want all 4 packets still counted", got)
	}
	want := []struct {
		udp, rtp  uint64
		n         uint32
		max, mean float64
		lost      int64
	}{
		{0, 400, 0, 0, 0, 1},
		{0, 400, 2, 4, 3, 3},
		{0, 0, 1, 1, 1, 0},
	}
	if len(tr.Series) != len(want) {
		t.Fatalf("%d intervals, want %d", len(tr.Series), len(want))
	}
	for i, w := range want {
		b := &tr.Series[i]
		mean := 0.0
		if b.JitterN > 0 {
			mean = b.JitterSum / float64(b.JitterN)
		}
		if b.ByProto[PUDP][DirOut] != w.udp || b.ByProto[PRTP][DirOut] != w.rtp || b.JitterN != w.n || b.JitterMax != w.max || mean != w.mean || b.RTPLost != w.lost {
			t.Errorf("interval %d: udp %d rtp %d jitter n %d max %v mean %v lost %d, want %+v",
				i, b.ByProto[PUDP][DirOut], b.ByProto[PRTP][DirOut], b.JitterN, b.JitterMax, mean, b.RTPLost, w)
		}
	}
}

// TestSeenCountsLikeEveryPacket feeds the same packets with a per-flow Seen
// and without: the unique IP and MAC counts must agree, through both
// directions of a flow, a flow whose MAC pair changes (a router's MAC after
// a path change) and flows that share addresses.
func TestSeenCountsLikeEveryPacket(t *testing.T) {
	mac := func(b byte) [6]byte { return [6]byte{2, 0, 0, 0, 0, b} }
	type pkt struct {
		flow     int
		src, dst string
		smac     [6]byte
		dmac     [6]byte
		hasMAC   bool
		wantIPs  int
		wantMACs int
	}
	pkts := []pkt{
		{0, "10.0.0.1", "10.0.0.2", mac(1), mac(2), true, 2, 2},
		{0, "10.0.0.2", "10.0.0.1", mac(2), mac(1), true, 2, 2}, // reply
		{0, "10.0.0.1", "10.0.0.2", mac(1), mac(3), true, 2, 3}, // new next hop
		{0, "10.0.0.2", "10.0.0.1", mac(3), mac(1), true, 2, 3},
		{0, "10.0.0.1", "10.0.0.2", mac(1), mac(2), true, 2, 3}, // the old pair again
		{1, "10.0.0.1", "10.0.0.9", mac(1), mac(9), true, 3, 4},
		{1, "10.0.0.9", "10.0.0.1", [6]byte{}, [6]byte{}, false, 3, 4}, // no link layer
		{2, "2001:db8::1", "2001:db8::2", mac(4), mac(5), true, 5, 6},
	}
	with, without := NewTraffic(1e9), NewTraffic(1e9)
	var seen [3]Seen
	for i, k := range pkts {
		p := &decode.Packet{TS: int64(i) * 1e6, OrigLen: 60, CapLen: 60, Net: decode.NetIPv4, Transport: decode.TransTCP,
			Src: netip.MustParseAddr(k.src), Dst: netip.MustParseAddr(k.dst), HasMAC: k.hasMAC, SrcMAC: k.smac, DstMAC: k.dmac}
		if p.Src.Is6() {
			p.Net = decode.NetIPv6
		}
		with.Add(p, NumProtos, DirOut, false, &seen[k.flow])
		without.Add(p, NumProtos, DirOut, false, nil)
		for _, tr := range []*Traffic{with, without} {
			ips, _ := tr.UniqueIPs()
			macs, _ := tr.UniqueMACs()
			if ips != k.wantIPs || macs != k.wantMACs {
				t.Errorf("packet %d (seen %v): %d IPs, %d MACs; want %d, %d", i, tr == with, ips, macs, k.wantIPs, k.wantMACs)
			}
		}
	}
}
