package pipeline

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand"
	"runtime"
	"testing"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/event"
)

// synFlood writes a pcap of n SYNs from random addresses and ports to one
// server: every packet is a new flow.
func synFlood(n int) []byte {
	var buf bytes.Buffer
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], 101) // raw IP
	buf.Write(hdr)
	rng := rand.New(rand.NewSource(1))
	pkt := make([]byte, 40)
	rec := make([]byte, 16)
	for i := 0; i < n; i++ {
		pkt[0], pkt[9] = 0x45, 6
		binary.BigEndian.PutUint16(pkt[2:], 40)
		binary.BigEndian.PutUint32(pkt[12:], rng.Uint32())
		copy(pkt[16:], []byte{192, 0, 2, 1})
		binary.BigEndian.PutUint16(pkt[20:], uint16(rng.Intn(64000)+1024))
		binary.BigEndian.PutUint16(pkt[22:], 80)
		binary.BigEndian.PutUint32(pkt[24:], rng.Uint32())
		pkt[32], pkt[33] = 5<<4, 0x02 // SYN
		binary.BigEndian.PutUint16(pkt[34:], 1024)
		binary.LittleEndian.PutUint32(rec[0:], uint32(1700000000+i/100000))
		binary.LittleEndian.PutUint32(rec[4:], uint32(i%100000)*10)
		binary.LittleEndian.PutUint32(rec[8:], 40)
		binary.LittleEndian.PutUint32(rec[12:], 40)
		buf.Write(rec)
		buf.Write(pkt)
	}
	return buf.Bytes()
}

// TestSYNFloodMemoryIsBounded sends 400k one-packet flows through a table
// capped at 20k flows: the cap holds, the evictions are counted and
// reported, and the heap stays small.
func TestSYNFloodMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("large generated capture")
	}
	const n, limit = 400000, 20000
	file := synFlood(n)
	r, err := capture.NewReader("flood", bytes.NewReader(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := DefaultOptions()
	opts.TCP.MaxFlows = limit
	flows := 0
	pl := New(opts, event.NewWriter(&bytes.Buffer{}), func(*event.FlowRecord) { flows++ })
	var peak uint64
	for i := 0; ; i++ {
		var rec capture.Record
		if err := r.Next(&rec); err != nil {
			break
		}
		pl.Record(&rec)
		if i%50000 == 0 {
			if live := pl.tcp.Live(); live > limit {
				t.Fatalf("%d live flows, cap %d", live, limit)
			}
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak {
				peak = ms.HeapInuse
			}
		}
	}
	if err := pl.Run(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	pl.Finish()
	s := pl.Summary("flood", r.Info(), nil)
	if s.Flows.TCP != n || s.Flows.EvictedLimit != n-limit || flows != n {
		t.Errorf("flows %d, evicted by the cap %d, records %d; want %d, %d, %d", s.Flows.TCP, s.Flows.EvictedLimit, flows, n, n-limit, n)
	}
	// The heap holds the capture itself (~22 MB) plus at most the capped
	// table; 400k uncapped flows would need several hundred MB.
	const budget = 120 << 20
	if peak > budget {
		t.Errorf("peak heap %d MB, want < %d MB", peak>>20, budget>>20)
	}
	t.Logf("peak heap %d MB for %d SYNs through a %d-flow table", peak>>20, n, limit)
}
