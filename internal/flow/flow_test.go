package flow

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMakeKeyIsDirectionless(t *testing.T) {
	a, b := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	v6 := netip.MustParseAddr("2001:db8::1")
	tests := []struct {
		name             string
		src, dst         netip.Addr
		sp, dp           uint16
		wantFwd, wantRev bool
	}{
		{"lower address first", a, b, 40000, 80, true, false},
		{"same address, lower port first", a, a, 80, 40000, true, false},
		{"ipv6 against ipv4-mapped order", v6, a, 1, 2, false, true},
	}
	for _, tt := range tests {
		k1, fwd := MakeKey(tt.src, tt.dst, tt.sp, tt.dp, 6)
		k2, rev := MakeKey(tt.dst, tt.src, tt.dp, tt.sp, 6)
		if k1 != k2 {
			t.Errorf("%s: keys differ by direction: %+v vs %+v", tt.name, k1, k2)
		}
		if fwd != tt.wantFwd || rev != tt.wantRev {
			t.Errorf("%s: forward = %v/%v, want %v/%v", tt.name, fwd, rev, tt.wantFwd, tt.wantRev)
		}
	}
	k3, _ := MakeKey(a, b, 40000, 80, 17)
	k1, _ := MakeKey(a, b, 40000, 80, 6)
	if k1 == k3 {
		t.Error("tcp and udp flows share a key")
	}
}

// TestHalvesIsAs16 checks the words MakeKey builds against the 16-byte form
// netip gives, for IPv4, IPv6, IPv4-mapped IPv6 (the same key as its IPv4
// address, as before), zoned addresses (a zone longer than halves' buffer
// included) and the zero Addr; and that it allocates nothing.
func TestHalvesIsAs16(t *testing.T) {
	addrs := []netip.Addr{{}}
	for _, s := range []string{"0.0.0.0", "10.0.0.1", "192.168.255.254", "255.255.255.255", "::", "::1",
		"2001:db8::1", "::ffff:10.0.0.1", "fe80::1%eth0", "fe80::2%a-zone-name-longer-than-eight-bytes",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"} {
		addrs = append(addrs, netip.MustParseAddr(s))
	}
	for _, a := range addrs {
		b := a.As16()
		hi, lo := halves(a)
		if want := binary.BigEndian.Uint64(b[:8]); hi != want {
			t.Errorf("%v: high word %#x, want %#x", a, hi, want)
		}
		if want := binary.BigEndian.Uint64(b[8:]); lo != want {
			t.Errorf("%v: low word %#x, want %#x", a, lo, want)
		}
	}
	v4, v6 := addrs[2], addrs[7]
	if n := testing.AllocsPerRun(100, func() { halves(v4); halves(v6) }); n != 0 {
		t.Errorf("halves allocates %v times, want 0", n)
	}
}

type ended struct {
	stream uint64
	why    EndReason
}

func TestTableStreamsEvictionAndReuse(t *testing.T) {
	var got []ended
	tab := NewTable[Key, int](100, 2, func(e *Entry[Key, int], why EndReason) { got = append(got, ended{e.Stream, why}) })
	key := func(port uint16) Key {
		k, _ := MakeKey(netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), port, 80, 6)
		return k
	}
	e0, created := tab.Get(key(1), 0)
	if !created || e0.Stream != 0 {
		t.Fatalf("first flow: created %v stream %d", created, e0.Stream)
	}
	e0.State = 42
	if e, created := tab.Get(key(1), 10); created || e.State != 42 {
		t.Errorf("second packet of a flow created %v, state %d", created, e.State)
	}
	tab.Get(key(2), 20)  // stream 1
	tab.Get(key(3), 30)  // stream 2: over capacity, stream 0 (least recent) ends
	tab.Get(key(2), 200) // streams 1 and 2 idle > 100 ns: both end; key 2 starts stream 3
	e := tab.Replace(tab.Peek(key(2)), 210)
	if e.Stream != 4 || e.State != 0 {
		t.Errorf("replaced entry has stream %d state %d, want a fresh stream 4", e.Stream, e.State)
	}
	tab.Flush()
	want := []ended{{0, EndCapacity}, {1, EndIdle}, {2, EndIdle}, {3, EndReplaced}, {4, EndFlush}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(ended{})); diff != "" {
		t.Errorf("ended flows (-want +got):\n%s", diff)
	}
	if tab.Len() != 0 || tab.Evicted.Idle != 2 || tab.Evicted.Capacity != 1 {
		t.Errorf("after flush: len %d evicted %+v", tab.Len(), tab.Evicted)
	}
}

func TestTableRecyclesEntries(t *testing.T) {
	tab := NewTable[Key, [64]byte](10, 0, nil)
	k, _ := MakeKey(netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), 1, 2, 6)
	now := int64(0)
	allocs := testing.AllocsPerRun(1000, func() {
		now += 100 // every lookup finds the last flow idle: it ends and a new one starts
		tab.Get(k, now)
	})
	if allocs != 0 {
		t.Errorf("a flow ending and starting allocates %.1f times, want 0", allocs)
	}
}
