package event

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// Strings that exercise every escape encoding/json makes, or none.
var jsonStrings = []string{"", "tcp", "10.0.0.1", "2001:db8::1", "capture_end", "established",
	"a\"b\\c", "<script>&amp;</script>", "\x00\x01\b\f\n\r\t\x1f\x7f", "é ü 日本", "\u2028\u2029",
	"bad \xff\xfe utf-8", "\xed\xa0\x80 surrogate", "trailing \xe6\x97"}

// jsonFloats are the float forms encoding/json writes differently: zero,
// negative zero, integers, fractions, the exponent thresholds, extremes.
var jsonFloats = []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1.5, 1e-6, 9.99e-7, 1e-7, 1.234e-9,
	1e20, 1e21, 123456789012345678901234.0, -2.5e-10, math.MaxFloat64, math.SmallestNonzeroFloat64,
	1764633600.123456, 0.000123}

// randomRecord builds a record with every optional part present or not.
func randomRecord(rng *rand.Rand) FlowRecord {
	str := func() string { return jsonStrings[rng.IntN(len(jsonStrings))] }
	flt := func() float64 {
		if rng.IntN(3) == 0 {
			return jsonFloats[rng.IntN(len(jsonFloats))]
		}
		f := math.Float64frombits(rng.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return rng.NormFloat64() * 1e3
		}
		return f
	}
	r := FlowRecord{
		Proto: str(), Stream: rng.Uint64(), SrcIP: str(), SrcPort: uint16(rng.Uint32()), DstIP: str(), DstPort: uint16(rng.Uint32()),
		FirstTS: flt(), LastTS: flt(), DurationS: flt(),
		FwdPackets: rng.Uint64(), RevPackets: rng.Uint64N(100), FwdBytes: rng.Uint64(), RevBytes: 0,
		End: str(), Retransmissions: rng.Uint64N(5), LossEvents: rng.Uint64(),
		FwdPayload: rng.Uint64(), RevPayload: rng.Uint64N(3),
		WindowScale: [2]int8{int8(rng.IntN(256) - 128), -1},
	}
	if rng.IntN(2) == 0 {
		r.State = str()
	}
	if rng.IntN(2) == 0 {
		r.RTTms = &RTTStats{Samples: rng.IntN(1000) - 5, Min: flt(), Mean: flt(), P50: flt(), P95: flt(), Max: flt()}
	}
	if rng.IntN(2) == 0 {
		h := flt()
		r.HandshakeRTTms = &h
	}
	if rng.IntN(2) == 0 {
		r.MSS = uint16(rng.Uint32())
	}
	switch rng.IntN(3) {
	case 0:
		r.Events = map[string]uint64{}
	case 1:
		r.Events = map[string]uint64{}
		for range rng.IntN(6) + 1 {
			r.Events[str()] = rng.Uint64()
		}
	}
	switch rng.IntN(3) {
	case 0:
		r.RTTHist = []HistBucket{}
	case 1:
		for range rng.IntN(5) + 1 {
			r.RTTHist = append(r.RTTHist, HistBucket{Ms: flt(), Count: rng.Uint32()})
		}
	}
	if rng.IntN(2) == 0 {
		r.RTPFields = &RTPFields{SSRC: rng.Uint32(), PayloadType: uint8(rng.Uint32()), ClockRate: rng.Uint32(), ClockInferred: rng.IntN(2) == 0,
			Packets: rng.Uint64(), Expected: rng.Int64() - math.MaxInt64/2, Lost: -rng.Int64N(10), SeqErrors: rng.Uint64N(9),
			MaxDeltaMs: flt(), JitterMeanMs: flt(), JitterMaxMs: flt(), Markers: rng.Uint64N(4)}
	}
	if rng.IntN(3) > 0 {
		t := &Timeline{Start: flt(), StepS: flt()}
		n := rng.IntN(65)
		// Each column absent (nil), empty or n long.
		t.Packets = column[uint32](rng, n)
		t.Bytes = column[uint64](rng, n)
		t.RTTMeanMs = column[float64](rng, n)
		t.RTTMaxMs = column[float64](rng, n)
		t.BytesInFlightMax = column[uint64](rng, n)
		t.Retransmissions = column[uint32](rng, n)
		t.JitterMaxMs = column[float64](rng, n)
		t.Lost = column[uint32](rng, n)
		for i := range t.Packets {
			t.Packets[i] = rng.Uint32()
		}
		for i := range t.Bytes {
			t.Bytes[i] = rng.Uint64()
		}
		for _, s := range [][]float64{t.RTTMeanMs, t.RTTMaxMs, t.JitterMaxMs} {
			for i := range s {
				s[i] = flt()
			}
		}
		for i := range t.BytesInFlightMax {
			t.BytesInFlightMax[i] = rng.Uint64N(1 << 30)
		}
		for _, s := range [][]uint32{t.Retransmissions, t.Lost} {
			for i := range s {
				s[i] = rng.Uint32N(50)
			}
		}
		r.Timeline = t
	}
	return r
}

// column returns, at random, nil, an empty slice or n zeros.
func column[T any](rng *rand.Rand, n int) []T {
	switch rng.IntN(3) {
	case 0:
		return nil
	case 1:
		return []T{}
	}
	return make([]T, n)
}

// sameAsEncodingJSON checks AppendFlowJSON against encoding/json.
func sameAsEncodingJSON(t *testing.T, r *FlowRecord) {
	t.Helper()
	want, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	if got := AppendFlowJSON(nil, r); !bytes.Equal(got, want) {
		t.Fatalf("AppendFlowJSON differs from encoding/json:\n got %s\nwant %s", got, want)
	}
}

// TestAppendFlowJSONIsEncodingJSON: the same bytes as encoding/json for
// records real analyses write (the shipped samples' are covered by the
// golden sessions) and for random ones with every optional part present,
// empty or absent, every escape and every float form.
func TestAppendFlowJSONIsEncodingJSON(t *testing.T) {
	hs := 0.25
	sameAsEncodingJSON(t, &FlowRecord{})
	sameAsEncodingJSON(t, &FlowRecord{Proto: "tcp", SrcIP: "10.0.0.1", DstIP: "10.0.0.2", End: "capture_end", State: "established",
		HandshakeRTTms: &hs, Events: map[string]uint64{"retransmission": 3, "dup_ack": 7}, WindowScale: [2]int8{7, -1},
		RTTHist: []HistBucket{{Ms: 0.125, Count: 4}}, Timeline: &Timeline{Start: 1764633600.5, StepS: 0.01, Packets: []uint32{}}})
	for _, s := range jsonStrings {
		sameAsEncodingJSON(t, &FlowRecord{Proto: s, Events: map[string]uint64{s: 1, s + "x": 2}})
	}
	for _, f := range jsonFloats {
		sameAsEncodingJSON(t, &FlowRecord{FirstTS: f, LastTS: -f})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		r := randomRecord(rng)
		sameAsEncodingJSON(t, &r)
	}
}

// TestAppendFlowJSONWritesEveryField fills every field of a record, nested
// ones included, through reflection: a field added to FlowRecord (or to the
// types in it) that AppendFlowJSON does not write fails here.
func TestAppendFlowJSONWritesEveryField(t *testing.T) {
	var r FlowRecord
	fillAll(t, reflect.ValueOf(&r).Elem())
	if r.RTPFields == nil || r.Timeline == nil || len(r.Timeline.Lost) == 0 || len(r.Events) == 0 {
		t.Fatalf("fillAll left parts empty: %+v", r)
	}
	sameAsEncodingJSON(t, &r)
}

// fillAll sets every settable field under v to a non-zero value.
func fillAll(t *testing.T, v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fillAll(t, v.Field(i))
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillAll(t, v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := 0; i < 2; i++ {
			fillAll(t, v.Index(i))
		}
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fillAll(t, v.Index(i))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fillAll(t, k)
		fillAll(t, e)
		v.SetMapIndex(k, e)
	case reflect.String:
		v.SetString("x<&>")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(-7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(0.07)
	default:
		t.Fatalf("fillAll: no value for a %s field", v.Type())
	}
}

// TestAppendFlowJSONNonFinite: NaN and ±Inf, which encoding/json refuses to
// write at all, are written as 0 (as in events), so one odd value cannot
// cost the rest of the file.
func TestAppendFlowJSONNonFinite(t *testing.T) {
	inf := math.Inf(1)
	r := FlowRecord{FirstTS: math.NaN(), LastTS: inf, HandshakeRTTms: &inf,
		RTTms: &RTTStats{Mean: math.Inf(-1)}, Timeline: &Timeline{Packets: []uint32{1}, RTTMeanMs: []float64{math.NaN()}}}
	got := string(AppendFlowJSON(nil, &r))
	for _, want := range []string{`"first_ts":0,`, `"last_ts":0,`, `"handshake_rtt_ms":0,`, `"mean":0,`, `"rtt_mean_ms":[0]`} {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %s", got, want)
		}
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(got), &back); err != nil {
		t.Errorf("not JSON: %v\n%s", err, got)
	}
}

// FuzzAppendFlowJSON: arbitrary strings (any bytes) and a random record
// from the fuzzer's seed, against encoding/json.
func FuzzAppendFlowJSON(f *testing.F) {
	for _, s := range jsonStrings {
		f.Add(s, uint64(len(s)))
	}
	f.Fuzz(func(t *testing.T, s string, seed uint64) {
		r := randomRecord(rand.New(rand.NewPCG(seed, binary.LittleEndian.Uint64(append([]byte(s), make([]byte, 8)...)))))
		r.SrcIP, r.State = s, s
		if r.Events != nil {
			r.Events[s] = seed
		}
		sameAsEncodingJSON(t, &r)
	})
}

// TestFlowWriter: one record a line, as json.Encoder wrote them; the first
// write error is kept and returned by Flush.
func TestFlowWriter(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	recs := []FlowRecord{randomRecord(rng), randomRecord(rng), randomRecord(rng)}
	var got, want bytes.Buffer
	w := NewFlowWriter(&got)
	enc := json.NewEncoder(&want)
	for i := range recs {
		w.Write(&recs[i])
		if err := enc.Encode(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("FlowWriter wrote\n%s\nencoding/json\n%s", got.String(), want.String())
	}

	fail := errors.New("disk full")
	w = NewFlowWriter(failingWriter{fail})
	for range 100 { // past the buffer
		w.Write(&recs[0])
	}
	if err := w.Flush(); !errors.Is(err, fail) {
		t.Errorf("Flush = %v, want %v", err, fail)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// BenchmarkFlowRecordJSON: a TCP record with a full timeline, RTT
// statistics and histogram and a few event counts, by AppendFlowJSON and
// by encoding/json.
func BenchmarkFlowRecordJSON(b *testing.B) {
	hs := 12.5
	r := FlowRecord{Proto: "tcp", Stream: 1234, SrcIP: "192.168.10.23", SrcPort: 51234, DstIP: "203.0.113.80", DstPort: 443,
		FirstTS: 1764633600.123456, LastTS: 1764633607.654321, DurationS: 7.530865, FwdPackets: 812, RevPackets: 1530,
		FwdBytes: 61234, RevBytes: 2212345, End: "fin", State: "closed", Retransmissions: 4, LossEvents: 2,
		RTTms: &RTTStats{Samples: 400, Min: 11.2, Mean: 14.75, P50: 13.9, P95: 22.4, Max: 48.1}, HandshakeRTTms: &hs,
		FwdPayload: 20000, RevPayload: 2150000, MSS: 1460, WindowScale: [2]int8{7, 9},
		Events: map[string]uint64{"retransmission": 2, "fast_retransmission": 2, "dup_ack": 9, "out_of_order": 1}}
	for i := range 12 {
		r.RTTHist = append(r.RTTHist, HistBucket{Ms: float64(i) * 2.5, Count: uint32(i * 7)})
	}
	t := &Timeline{Start: 1764633600.12, StepS: 0.16}
	for i := range 64 {
		t.Packets = append(t.Packets, uint32(30+i))
		t.Bytes = append(t.Bytes, uint64(40000+i*977))
		t.RTTMeanMs = append(t.RTTMeanMs, 14.0+float64(i)/7)
		t.RTTMaxMs = append(t.RTTMaxMs, 20.0+float64(i)/3)
		t.BytesInFlightMax = append(t.BytesInFlightMax, uint64(64000+i*100))
		t.Retransmissions = append(t.Retransmissions, uint32(i%3/2))
	}
	r.Timeline = t
	b.Run("AppendFlowJSON", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		var keys []string
		for b.Loop() {
			buf, keys = appendFlowJSON(buf[:0], &r, keys)
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			out, err := json.Marshal(&r)
			if err != nil {
				b.Fatal(err)
			}
			n = len(out)
		}
		b.SetBytes(int64(n))
	})
}
