package event

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func sampleEvent() Event {
	return Event{
		TS: 1704067200_060820001, Frame: 47, Type: DupAck, Severity: Info, Proto: TCP, Stream: 3,
		Src: netip.MustParseAddr("2001:db8::1"), Dst: netip.MustParseAddr("2001:db8::2"), SrcPort: 443, DstPort: 51000,
		Seq: 1, Ack: 40881, Len: 0,
		Extra: Extra{HasAbs: true, AbsSeq: 7, AbsAck: 9, DupAckCount: 2, DupAckOfFrame: 46, HasRTT: true, SRTTms: 1.5,
			HasBIF: true, BytesInFlight: 0, NSACK: 1, SACK: [4][2]uint32{{100, 200}}, Reason: `a "quoted" </script>`},
	}
}

func TestAppendJSONRoundTrip(t *testing.T) {
	e := sampleEvent()
	line := AppendJSON(nil, &e)
	var rec Record
	if err := ParseLine(line, &rec); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	want := Record{
		Schema: 1, TS: "2024-01-01T00:00:00.060820001Z", TSEpoch: 1704067200.060820001, Frame: 47, Type: "dup_ack",
		Severity: "info", Flow: "[2001:db8::1]:443 -> [2001:db8::2]:51000", Stream: 3, Proto: "tcp",
		SrcIP: "2001:db8::1", SrcPort: 443, DstIP: "2001:db8::2", DstPort: 51000, Seq: 1, Ack: 40881,
		Extra: map[string]any{"abs_seq": 7.0, "abs_ack": 9.0, "dup_ack_count": 2.0, "dup_ack_of_frame": 46.0,
			"srtt_ms": 1.5, "rttvar_ms": 0.0, "bytes_in_flight": 0.0, "sack": []any{[]any{100.0, 200.0}},
			"reason": `a "quoted" </script>`},
	}
	if diff := cmp.Diff(want, rec); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(line), `"ts_epoch":1704067200.060820001,`) {
		t.Errorf("ts_epoch not exact to the nanosecond: %s", line)
	}
}

func TestAppendJSONNeverWritesNaN(t *testing.T) {
	e := sampleEvent()
	e.Extra.SRTTms = math.NaN()
	e.Extra.HasJitter, e.Extra.JitterMs = true, math.Inf(1)
	line := AppendJSON(nil, &e)
	if !json.Valid(line) {
		t.Errorf("invalid JSON with NaN/Inf figures: %s", line)
	}
}

func TestWriterAllocatesNothing(t *testing.T) {
	w := NewWriter(&bytes.Buffer{})
	e := sampleEvent()
	if n := testing.AllocsPerRun(100, func() { w.Event(&e) }); n != 0 {
		t.Errorf("Writer.Event allocates %.1f times per event, want 0", n)
	}
}

func TestReadAllLegacyAndErrors(t *testing.T) {
	in := strings.Join([]string{
		`{"event":"duplicate_ack","flow_id":"3","src":"10.0.0.1","dst":"10.0.0.2","sport":443,"dport":51000,"ts":1700000000.25,"severity":"WARNING"}`,
		``,
		`{"event":"Retransmit","flow_id":7,"src":"10.0.0.1","dst":"10.0.0.2","sport":443,"dport":51000,"ts":"1700000001.5","severity":"CRITICAL"}`,
	}, "\n")
	var got []string
	err := ReadAll("old.jsonl", strings.NewReader(in), func(r *Record) error {
		got = append(got, r.Type+"/"+r.Severity+"/"+r.TS+"/"+r.Flow)
		if !r.Legacy {
			t.Errorf("record not marked legacy")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"dup_ack/info/2023-11-14T22:13:20.250000000Z/10.0.0.1:443 -> 10.0.0.2:51000",
		"retransmission/critical/2023-11-14T22:13:21.500000000Z/10.0.0.1:443 -> 10.0.0.2:51000",
	}
	// WARNING maps to warn; the first line says WARNING.
	want[0] = strings.Replace(want[0], "/info/", "/warn/", 1)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("legacy records (-want +got):\n%s", diff)
	}
	err = ReadAll("bad.jsonl", strings.NewReader("{\"type\":\"dup_ack\"}\nnot json\n"), func(*Record) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "bad.jsonl:2:") {
		t.Errorf("malformed line error = %v, want it to name bad.jsonl:2", err)
	}
}

func TestParseTypeNames(t *testing.T) {
	for ty := Type(1); ty < numTypes; ty++ {
		got, ok := ParseType(ty.String())
		if !ok || got != ty {
			t.Errorf("ParseType(%q) = %v, %v", ty.String(), got, ok)
		}
	}
	if _, ok := ParseType("nonsense"); ok {
		t.Error("ParseType accepted an unknown name")
	}
}

// FuzzParseLine feeds arbitrary lines to the events reader: it must return
// a record or an error, never panic.
func FuzzParseLine(f *testing.F) {
	e := sampleEvent()
	f.Add(AppendJSON(nil, &e))
	f.Add([]byte(`{"event":"retransmission","flow_id":"3","src":"10.0.0.1","ts":1e300,"severity":"WARNING"}`))
	f.Add([]byte(`{"type":1}`))
	f.Add([]byte(`{"event":null,"ts":"NaN"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Record
		if err := ParseLine(b, &r); err == nil && r.Type == "" && !r.Legacy {
			// A schema-1 line must at least have had a "type" key.
			if !bytes.Contains(b, []byte(`"type"`)) {
				t.Errorf("accepted a line without a type: %q", b)
			}
		}
	})
}

// BenchmarkAppendJSON: one event line (a fast retransmission with SACK
// blocks, RTT and bytes in flight), as the events writer builds it.
func BenchmarkAppendJSON(b *testing.B) {
	e := Event{TS: 1764633600123456789, Frame: 123456, Type: FastRetransmission, Severity: Warn,
		Src: netip.MustParseAddr("192.168.10.23"), SrcPort: 51234, Dst: netip.MustParseAddr("203.0.113.80"), DstPort: 443,
		Stream: 77, Proto: TCP, Seq: 1448001, Ack: 1, Len: 1448}
	e.Extra.HasAbs, e.Extra.AbsSeq, e.Extra.AbsAck = true, 3000000001, 17
	e.Extra.HasRTT, e.Extra.SRTTms, e.Extra.RTTVARms = true, 14.25, 3.5
	e.Extra.HasBIF, e.Extra.BytesInFlight = true, 64000
	e.Extra.NSACK, e.Extra.SACK[0] = 1, [2]uint32{1449449, 1452345}
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = AppendJSON(buf[:0], &e)
	}
	b.SetBytes(int64(len(buf)))
}

// TestAppendTimestampIsTimeFormat: the event time stamp as the time package
// formats it, at the edges of days, months, leap years and centuries, before
// 1970, across the whole int64 range of nanoseconds, and at random.
func TestAppendTimestampIsTimeFormat(t *testing.T) {
	check := func(ns int64) {
		t.Helper()
		want := time.Unix(0, ns).UTC().Format(tsLayout)
		if got := string(appendTimestamp(nil, ns)); got != want {
			t.Fatalf("%d: %s, want %s", ns, got, want)
		}
	}
	for _, d := range []string{"1970-01-01", "1969-12-31", "2000-02-28", "2000-02-29", "2000-03-01", "1900-02-28", "1900-03-01",
		"2024-12-31", "2026-12-02", "2100-02-28", "2100-03-01", "1677-09-22", "2262-04-11", "1600-02-29"} {
		day, err := time.Parse("2006-01-02", d)
		if err != nil {
			t.Fatal(err)
		}
		for _, off := range []time.Duration{0, 1, time.Second - 1, time.Hour + time.Minute + time.Second, 24*time.Hour - 1, -1} {
			if ns := day.Add(off); ns.Year() > 1677 && ns.Year() < 2262 {
				check(ns.UnixNano())
			}
		}
	}
	for _, ns := range []int64{0, -1, 1, math.MaxInt64, math.MinInt64, math.MinInt64 + 1, 1764633600123456789} {
		check(ns)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 100000 {
		check(rng.Int64() - rng.Int64())
	}
}
