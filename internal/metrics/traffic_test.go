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
	tr.Add(p, App(p), DirOut, false)
	p.TS = 2.5e9
	tr.Add(p, App(p), DirIn, true)
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
	tr.Add(p, App(p), DirOut, false)
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
