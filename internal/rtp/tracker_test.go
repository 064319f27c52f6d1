package rtp

import (
	"encoding/json"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tcpviz/tcpviz/internal/decode"
	"github.com/tcpviz/tcpviz/internal/event"
)

// base is the capture time of the hand-built packets' first frame.
const base = int64(1_700_000_000) * 1e9

var (
	alice = netip.MustParseAddr("192.0.2.10")
	bob   = netip.MustParseAddr("198.51.100.20")
)

// harness drives a Tracker with hand-built packets and keeps what it
// reports.
type harness struct {
	t       *testing.T
	tr      *Tracker
	frame   uint64
	events  []event.Event
	records []event.FlowRecord
}

func newHarness(t *testing.T, cfg Config) *harness {
	h := &harness{t: t}
	h.tr = New(cfg, event.SinkFunc(func(e *event.Event) { h.events = append(h.events, *e) }), func(r *event.FlowRecord) {
		if _, err := json.Marshal(r); err != nil {
			t.Errorf("flow record does not encode: %v", err)
		}
		h.records = append(h.records, r.Clone())
	})
	return h
}

// udp sends payload from alice:sport to bob:dport at ms after base.
func (h *harness) udp(atMs float64, sport, dport uint16, payload []byte) Kind {
	h.frame++
	p := &decode.Packet{
		Frame: h.frame, TS: base + int64(atMs*1e6), OrigLen: 42 + len(payload), CapLen: 42 + len(payload),
		Net: decode.NetIPv4, Src: alice, Dst: bob, IPProto: 17, Transport: decode.TransUDP,
		SrcPort: sport, DstPort: dport, PayloadLen: len(payload), Payload: payload,
	}
	return h.tr.Packet(p)
}

// voice is a 20 ms PCMU stream from alice:40000 to bob:5004.
type voice struct {
	h    *harness
	ssrc uint32
	pt   uint8
}

// send sends sequence number seq at ms, with the timestamp of a 20 ms
// packet sent at that time.
func (v voice) send(atMs float64, seq uint16, marker bool) Kind {
	return v.sendTS(atMs, seq, uint32(1000+8*atMs), marker)
}

func (v voice) sendTS(atMs float64, seq uint16, ts uint32, marker bool) Kind {
	return v.h.udp(atMs, 40000, 5004, rtpBytes(v.pt, marker, seq, ts, v.ssrc, 160))
}

// sendAll sends seqs, 20 ms apart from 0, timestamps advancing 160 a packet
// whatever the sequence numbers do.
func (v voice) sendAll(seqs ...uint16) {
	for i, s := range seqs {
		v.send(float64(20*i), s, false)
	}
}

func (h *harness) flush() []event.FlowRecord {
	h.tr.Flush()
	return h.records
}

// eventSummary lists events as "type/reason/lost/expected/got".
func (h *harness) eventSummary() []string {
	var out []string
	for _, e := range h.events {
		x := e.Extra
		out = append(out, strings.Join([]string{e.Type.String(), x.Reason, itoa(int(x.Lost)), itoa(x.ExpectedSeq), itoa(x.GotSeq)}, "/"))
	}
	return out
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// figures are a record's Wireshark figures, for table tests.
type figures struct {
	Packets   uint64
	Expected  int64
	Lost      int64
	SeqErrors uint64
	Markers   uint64
	MaxDelta  float64
}

func figs(r *event.FlowRecord) figures {
	return figures{r.Packets, r.Expected, r.Lost, r.SeqErrors, r.Markers, r.MaxDeltaMs}
}

func TestSequenceCases(t *testing.T) {
	tests := []struct {
		name   string
		seqs   []uint16
		want   figures
		events []string
	}{
		{name: "in order", seqs: []uint16{10, 11, 12, 13, 14},
			want: figures{Packets: 5, Expected: 5, MaxDelta: 20}},
		{name: "wraparound 65535 to 0", seqs: []uint16{65533, 65534, 65535, 0, 1, 2, 3},
			want: figures{Packets: 7, Expected: 7, MaxDelta: 20}},
		{name: "loss across the wrap", seqs: []uint16{65532, 65533, 65534, 1, 2, 3},
			// Wireshark: 65534 -> 1 is a jump (a sequence error); the
			// cycle is counted, so expected spans the wrap.
			want:   figures{Packets: 6, Expected: 8, Lost: 2, SeqErrors: 1, MaxDelta: 20},
			events: []string{"rtp_loss/sequence_gap/2/65535/1"}},
		{name: "reordering", seqs: []uint16{10, 11, 13, 12, 14},
			want:   figures{Packets: 5, Expected: 5, SeqErrors: 2, MaxDelta: 20},
			events: []string{"rtp_loss/sequence_gap/1/12/13", "rtp_seq_error/out_of_order/0/14/12"}},
		{name: "duplicate", seqs: []uint16{10, 11, 12, 12, 13},
			want:   figures{Packets: 5, Expected: 4, Lost: -1, SeqErrors: 1, MaxDelta: 20},
			events: []string{"rtp_seq_error/duplicate/0/13/12"}},
		{name: "late duplicate", seqs: []uint16{10, 11, 12, 13, 11},
			want:   figures{Packets: 5, Expected: 2, Lost: -3, SeqErrors: 1, MaxDelta: 20},
			events: []string{"rtp_seq_error/duplicate/0/14/11"}},
		{name: "jump of 30000", seqs: []uint16{10, 11, 12, 13, 30013, 30014},
			want:   figures{Packets: 6, Expected: 30005, Lost: 29999, SeqErrors: 1, MaxDelta: 20},
			events: []string{"rtp_seq_error/sequence_jump/0/14/30013"}},
		{name: "sender restart", seqs: []uint16{5000, 5001, 5002, 5003, 10, 11},
			// Wireshark keeps waiting for 5004: every later packet is
			// "late", and 10 < 5000 counts a wrap cycle.
			want:   figures{Packets: 6, Expected: 60548, Lost: 60542, SeqErrors: 2, MaxDelta: 20},
			events: []string{"rtp_seq_error/sequence_jump/0/5004/10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, DefaultConfig())
			voice{h: h, ssrc: 0x1234}.sendAll(tt.seqs...)
			recs := h.flush()
			if len(recs) != 1 {
				t.Fatalf("%d records, want 1", len(recs))
			}
			if diff := cmp.Diff(tt.want, figs(&recs[0])); diff != "" {
				t.Errorf("figures (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.events, h.eventSummary()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// TestJitterByHand checks Wireshark's jitter arithmetic on arrivals 0, 20,
// 45, 60 ms of a 20 ms PCMU stream:
// D = 0, 5, 5 ms; J = 0, 5/16, (15*5/16 + 5)/16; mean over packets 2-4.
func TestJitterByHand(t *testing.T) {
	h := newHarness(t, DefaultConfig())
	v := voice{h: h, ssrc: 7}
	for i, at := range []float64{0, 20, 45, 60} {
		v.sendTS(at, uint16(100+i), uint32(160*i), false)
	}
	recs := h.flush()
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	j3 := 5.0 / 16
	j4 := (15*j3 + 5) / 16
	mean := (0 + j3 + j4) / 3
	if math.Abs(r.JitterMaxMs-j4) > 1e-6 || math.Abs(r.JitterMeanMs-mean) > 1e-6 || r.MaxDeltaMs != 25 {
		t.Errorf("jitter max %v mean %v, max delta %v; want %v, %v, 25", r.JitterMaxMs, r.JitterMeanMs, r.MaxDeltaMs, j4, mean)
	}
	if r.ClockRate != 8000 || r.ClockInferred || r.PayloadType != 0 {
		t.Errorf("clock %d inferred %v pt %d, want 8000 false 0", r.ClockRate, r.ClockInferred, r.PayloadType)
	}
}

func TestHeuristicConfirmsAndReplays(t *testing.T) {
	h := newHarness(t, DefaultConfig())
	v := voice{h: h, ssrc: 99}
	var kinds []Kind
	for i := range 6 {
		kinds = append(kinds, v.send(float64(20*i), uint16(i), i == 0))
	}
	want := []Kind{KindNone, KindNone, KindNone, KindRTP, KindRTP, KindRTP}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
	st := h.tr.Stats()
	if st.Packets != 6 || st.Replayed != 3 || st.Streams != 1 || st.Candidates != 1 {
		t.Errorf("stats: packets %d replayed %d streams %d candidates %d; want 6 3 1 1", st.Packets, st.Replayed, st.Streams, st.Candidates)
	}
	recs := h.flush()
	if len(recs) != 1 || recs[0].Packets != 6 || recs[0].Markers != 1 || recs[0].FirstTS != float64(base)/1e9 {
		t.Fatalf("records %+v", recs)
	}
	r := recs[0]
	if r.Proto != "rtp" || r.SrcIP != "192.0.2.10" || r.DstPort != 5004 || r.SSRC != 99 || r.End != "capture_end" {
		t.Errorf("record %+v", r)
	}
}

func TestHeuristicNeedsConsistentPackets(t *testing.T) {
	h := newHarness(t, DefaultConfig())
	// Three packets, then silence: never confirmed.
	v := voice{h: h, ssrc: 1}
	v.sendAll(1, 2, 3)
	// Version-2 bytes with random-looking sequence numbers: never confirmed.
	for i, seq := range []uint16{9000, 17, 44000, 3, 60000, 12345} {
		h.udp(float64(i), 50000, 53, rtpBytes(0, false, seq, uint32(seq)*7919, 0xabcdef, 20))
	}
	if recs := h.flush(); len(recs) != 0 {
		t.Errorf("%d records from unconfirmed candidates", len(recs))
	}
	if st := h.tr.Stats(); st.Unconfirmed != 9 || st.Packets != 0 {
		t.Errorf("unconfirmed %d packets %d, want 9 0", st.Unconfirmed, st.Packets)
	}
}

func TestForcedPortsAndHeuristicOff(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Heuristic = false
	cfg.Ports = []uint16{5004}
	h := newHarness(t, cfg)
	if k := (voice{h: h, ssrc: 5}).send(0, 1, false); k != KindRTP {
		t.Errorf("first packet on a forced port: %v, want rtp", k)
	}
	if k := h.udp(1, 40000, 6000, rtpBytes(0, false, 1, 1, 1, 20)); k != KindNone {
		t.Errorf("heuristic off: %v, want none", k)
	}
	// Damage on a forced port is counted, never fatal.
	h.udp(2, 40000, 5004, []byte{0x80, 0})
	h.udp(3, 40000, 5004, []byte{0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	st := h.tr.Stats()
	if st.Malformed[ProbShort] != 1 || st.Malformed[ProbVersion] != 1 {
		t.Errorf("malformed %v", st.MalformedByReason())
	}
}

func TestSSRCChangeOnOneTuple(t *testing.T) {
	h := newHarness(t, DefaultConfig())
	a, b := voice{h: h, ssrc: 0xaaaa}, voice{h: h, ssrc: 0xbbbb}
	for i := range 10 {
		a.send(float64(20*i), uint16(100+i), i == 0)
	}
	// The new SSRC on a 5-tuple known to carry RTP is a stream at once.
	if k := b.send(200, 7000, true); k != KindRTP {
		t.Errorf("first packet of the second SSRC: %v, want rtp", k)
	}
	for i := 1; i < 10; i++ {
		b.send(float64(200+20*i), uint16(7000+i), false)
	}
	recs := h.flush()
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	for i, want := range []struct {
		stream  uint64
		ssrc    uint32
		packets uint64
	}{{0, 0xaaaa, 10}, {1, 0xbbbb, 10}} {
		r := recs[i]
		if r.Stream != want.stream || r.SSRC != want.ssrc || r.Packets != want.packets || r.Lost != 0 {
			t.Errorf("record %d: stream %d ssrc %#x packets %d lost %d; want %+v", i, r.Stream, r.SSRC, r.Packets, r.Lost, want)
		}
	}
}

func TestInterleavedSSRCsConfirmTogether(t *testing.T) {
	h := newHarness(t, DefaultConfig())
	a, b := voice{h: h, ssrc: 1}, voice{h: h, ssrc: 2}
	for i := range 6 {
		a.send(float64(20*i), uint16(10+i), false)
		b.send(float64(20*i+5), uint16(500+i), false)
	}
	recs := h.flush()
	if len(recs) != 2 || recs[0].Packets != 6 || recs[1].Packets != 6 {
		t.Fatalf("records: %+v", recs)
	}
}

func TestMarkersAndComfortNoise(t *testing.T) {
	h := newHarness(t, DefaultConfig())
	v := voice{h: h, ssrc: 3}
	v.send(0, 0, true)
	v.send(20, 1, false)
	v.send(40, 2, false)
	v.send(60, 3, false)
	v.send(560, 4, true) // a talkspurt after 500 ms of silence: not a delta
	v.send(580, 5, false)
	cn := voice{h: h, ssrc: 3, pt: 13}
	cn.send(900, 6, false) // comfort noise and the packet after it: not deltas
	v.send(1300, 7, false)
	v.send(1320, 8, false)
	recs := h.flush()
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	if r := recs[0]; r.Markers != 2 || r.MaxDeltaMs != 20 || r.Packets != 9 {
		t.Errorf("markers %d max delta %v packets %d, want 2 20 9", r.Markers, r.MaxDeltaMs, r.Packets)
	}
}

func TestRTCPIsNotRTP(t *testing.T) {
	h := newHarness(t, DefaultConfig())
	v := voice{h: h, ssrc: 0x5e5e}
	v.sendAll(1, 2, 3, 4, 5)
	sr, rr, sdes, pli := rtcp(200, 0, 28), rtcp(201, 1, 32), rtcp(202, 1, 24), rtcp(206, 1, 12)
	for _, b := range [][]byte{cat(sr, sdes), cat(rr, sdes), rr, pli} {
		if k := h.udp(200, 40001, 5005, b); k != KindRTCP {
			t.Errorf("rtcp on the next port: %v", k)
		}
		// Multiplexed on the RTP 5-tuple (RFC 5761).
		if k := h.udp(210, 40000, 5004, b); k != KindRTCP {
			t.Errorf("muxed rtcp: %v", k)
		}
	}
	if k := h.udp(220, 40000, 5004, cat(sr, sdes)[:30]); k != KindNone {
		t.Errorf("rtcp with lengths that do not add up: %v, want none", k)
	}
	st := h.tr.Stats()
	if st.RTCPPackets != 8 || st.Packets != 5 || st.Malformed[ProbRTCP] != 1 {
		t.Errorf("rtcp %d rtp %d bad rtcp %d, want 8 5 1", st.RTCPPackets, st.Packets, st.Malformed[ProbRTCP])
	}
	if recs := h.flush(); len(recs) != 1 || recs[0].Packets != 5 {
		t.Errorf("records %+v", recs)
	}
}

func TestJitterEventsOncePerCrossing(t *testing.T) {
	h := newHarness(t, DefaultConfig())
	v := voice{h: h, ssrc: 8}
	shift := 0.0
	for i := range 40 {
		if i == 10 || i == 25 {
			shift += 600 // the sender stalls: every later packet is 600 ms late
		}
		v.sendTS(float64(20*i)+shift, uint16(i), uint32(160*i), false)
	}
	var jit []float64
	for _, e := range h.events {
		if e.Type == event.RTPJitter {
			jit = append(jit, e.Extra.JitterMs)
			if e.Extra.ThresholdMs != 30 || !e.Extra.HasSSRC || e.Extra.SSRC != 8 || e.Proto != event.RTP {
				t.Errorf("jitter event %+v", e)
			}
		}
	}
	if len(jit) != 2 || jit[0] != 37.5 {
		t.Errorf("jitter events at %v ms, want two, the first at 37.5", jit)
	}
	recs := h.flush()
	if recs[0].Events["rtp_jitter"] != 2 || recs[0].MaxDeltaMs != 620 {
		t.Errorf("record events %v max delta %v", recs[0].Events, recs[0].MaxDeltaMs)
	}
}

func TestClockInference(t *testing.T) {
	h := newHarness(t, DefaultConfig())
	// 90 kHz video, PT 96: 30 frames 40 ms apart, 3 packets each.
	seq := uint16(0)
	for f := range 30 {
		for k := range 3 {
			h.udp(float64(40*f)+0.2*float64(k), 41000, 6000, rtpBytes(96, k == 2, seq, uint32(3600*f), 0xd0d0, 900))
			seq++
		}
	}
	// PT 97 advancing 1 000 000 ticks per 20 ms: 50 MHz, no codec's.
	for i := range 60 {
		h.udp(float64(20*i)+0.1, 41002, 6002, rtpBytes(97, false, uint16(i), uint32(1_000_000*i), 0xbad, 40))
	}
	// RFC 4733 events: 4-byte payloads, one timestamp per event.
	for i := range 30 {
		h.udp(float64(20*i)+0.3, 41004, 6004, rtpBytes(101, i%10 == 0, uint16(i), uint32(8000*(i/10)), 0xe7, 4))
	}
	recs := h.flush()
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	type clk struct {
		Rate     uint32
		Inferred bool
		Finite   bool
	}
	var got []clk
	for _, r := range recs {
		got = append(got, clk{r.ClockRate, r.ClockInferred, !math.IsNaN(r.JitterMeanMs) && !math.IsInf(r.JitterMaxMs, 0)})
	}
	want := []clk{{90000, true, true}, {0, false, true}, {0, false, true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("clocks (-want +got):\n%s", diff)
	}
	if recs[0].JitterMaxMs > 0.5 {
		t.Errorf("video jitter max %v ms with the inferred clock, want < 0.5", recs[0].JitterMaxMs)
	}
	if recs[1].JitterMaxMs != 0 || recs[2].JitterMaxMs != 0 {
		t.Errorf("unknown clocks must report jitter 0, got %v and %v", recs[1].JitterMaxMs, recs[2].JitterMaxMs)
	}
	if st := h.tr.Stats(); st.ClockInferred != 1 || st.ClockUnknown != 2 {
		t.Errorf("inferred %d unknown %d", st.ClockInferred, st.ClockUnknown)
	}
}

func TestEvictionAndRecordJSON(t *testing.T) {
	cfg := DefaultConfig()
	cfg.IdleTimeout = time.Second
	cfg.MaxStreams = 2
	h := newHarness(t, cfg)
	for s := range 3 {
		for i := range 5 {
			h.udp(float64(20*i+s), uint16(40000+2*s), 5004, rtpBytes(0, false, uint16(i), uint32(160*i), uint32(s), 160))
		}
	}
	// Stream 0 was ended for capacity when stream 2 started; stream 1 ends
	// idle when a packet comes 5 s later.
	h.udp(5000, 50000, 5004, rtpBytes(0, false, 1, 1, 1, 160))
	recs := h.flush()
	var ends []string
	for _, r := range recs {
		ends = append(ends, r.End)
	}
	if diff := cmp.Diff([]string{"capacity", "idle", "idle"}, ends); diff != "" {
		t.Errorf("end reasons (-want +got):\n%s", diff)
	}
	st := h.tr.Stats()
	if st.Evicted.Capacity != 1 || st.Evicted.Idle != 2 || st.Live != 0 {
		t.Errorf("evicted %+v live %d", st.Evicted, st.Live)
	}
	b, err := json.Marshal(&recs[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"proto":"rtp"`, `"ssrc":0`, `"payload_type":0`, `"clock_rate":8000`, `"clock_inferred":false`,
		`"expected":5`, `"lost":0`, `"seq_errors":0`, `"jitter_mean_ms":`, `"markers":0`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("record JSON lacks %s: %s", k, b)
		}
	}
	tcp, _ := json.Marshal(&event.FlowRecord{Proto: "tcp"})
	if strings.Contains(string(tcp), "ssrc") {
		t.Errorf("a TCP record carries RTP fields: %s", tcp)
	}
}

func TestNonUDPAndFragmentsIgnored(t *testing.T) {
	tr := New(DefaultConfig(), nil, nil)
	p := &decode.Packet{Transport: decode.TransTCP, Payload: rtpBytes(0, false, 1, 1, 1, 10)}
	if k := tr.Packet(p); k != KindNone {
		t.Errorf("tcp: %v", k)
	}
	p = &decode.Packet{Transport: decode.TransUDP, Fragment: true, Payload: rtpBytes(0, false, 1, 1, 1, 10)}
	if k := tr.Packet(p); k != KindNone {
		t.Errorf("fragment: %v", k)
	}
}

// TestSampleEvents checks the events of the generated edge-case samples
// end to end (scripts/genrtp describes each scenario).
func TestSampleEvents(t *testing.T) {
	count := func(res *result) map[string]int {
		m := map[string]int{}
		for _, e := range res.events {
			m[e.Type.String()+"/"+e.Extra.Reason]++
		}
		return m
	}
	tests := []struct {
		file string
		want map[string]int
	}{
		{"rtp_reorder_dups.pcap", map[string]int{
			// 5021 before 5020; 5061-5065 before 5060; 5080-5082 lost.
			"rtp_loss/sequence_gap": 3, "rtp_seq_error/out_of_order": 2,
			// 5040 twice, 5100 three times.
			"rtp_seq_error/duplicate": 3,
			// stream B's 30000 jump.
			"rtp_seq_error/sequence_jump": 1,
		}},
		{"rtp_wrap.pcap", map[string]int{"rtp_loss/sequence_gap": 1}},
		{"rtp_ssrc_change.pcap", map[string]int{}},
		{"rtp_rtcp.pcap", map[string]int{}},
	}
	for _, tt := range tests {
		res := analyseFile(t, samplesDir+"/"+tt.file, DefaultConfig())
		if diff := cmp.Diff(tt.want, count(res)); diff != "" {
			t.Errorf("%s: events (-want +got):\n%s", tt.file, diff)
		}
	}
	res := analyseFile(t, samplesDir+"/rtp_rtcp.pcap", DefaultConfig())
	if res.stats.RTCPPackets != 15 || res.stats.Packets != 300 {
		t.Errorf("rtp_rtcp.pcap: %d RTCP and %d RTP packets, want 15 and 300", res.stats.RTCPPackets, res.stats.Packets)
	}
}
