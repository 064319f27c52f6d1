package report

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"testing"

	"github.com/tcpviz/tcpviz/internal/event"
)

// checkScan compares scanEvent with event.ParseLine on one line: when the
// fast path accepts a line, ParseLine must accept it too and mean the same.
func checkScan(t *testing.T, line []byte) (accepted bool) {
	t.Helper()
	var fast eventFields
	if !scanEvent(line, &fast) {
		return false
	}
	var r event.Record
	if err := event.ParseLine(line, &r); err != nil {
		t.Fatalf("scanEvent accepted %q, which event.ParseLine rejects: %v", line, err)
	}
	if r.Legacy {
		t.Fatalf("scanEvent accepted legacy line %q", line)
	}
	var want eventFields
	fromRecord(&r, &want)
	if d := diffFields(want, fast); d != "" {
		t.Fatalf("scanEvent(%q) (-want +got):\n%s", line, d)
	}
	return true
}

func diffFields(want, got eventFields) string {
	var b bytes.Buffer
	str := func(name string, w, g []byte) {
		if !bytes.Equal(w, g) {
			b.WriteString("- " + name + " " + string(w) + "\n+ " + name + " " + string(g) + "\n")
		}
	}
	num := func(name string, w, g float64) {
		if math.Float64bits(w) != math.Float64bits(g) {
			b.WriteString("- " + name + " " + fmtFloat(w) + "\n+ " + name + " " + fmtFloat(g) + "\n")
		}
	}
	str("type", want.Type, got.Type)
	str("severity", want.Severity, got.Severity)
	str("proto", want.Proto, got.Proto)
	str("flow", want.Flow, got.Flow)
	num("ts", want.TS, got.TS)
	num("stream", float64(want.Stream), float64(got.Stream))
	num("has", float64(want.Has), float64(got.Has))
	num("srtt", want.SRTT, got.SRTT)
	num("bif", want.BIF, got.BIF)
	num("jitter", want.Jitter, got.Jitter)
	num("lost", want.Lost, got.Lost)
	num("ssrc", want.SSRC, got.SSRC)
	return b.String()
}

const demoLine = `{"schema":1,"ts":"2026-11-23T09:45:17.400300991Z","ts_epoch":1795427117.400300991,"frame":64,"type":"dup_ack","severity":"info","flow":"10.200.1.1:43990 -> 10.200.2.2:8080","stream":0,"proto":"tcp","src_ip":"10.200.1.1","src_port":43990,"dst_ip":"10.200.2.2","dst_port":8080,"seq":90,"ack":42198,"len":0,"extra":{"abs_seq":2559408345,"abs_ack":1158534799,"dup_ack_count":1,"dup_ack_of_frame":62,"srtt_ms":0.087,"rttvar_ms":0.149,"bytes_in_flight":0,"window":81920,"sack":[[46542,47990],[43646,45094]]}}`

func TestScanEvent(t *testing.T) {
	for _, tc := range []struct {
		name string
		line string
		fast bool // the fast path takes it
	}{
		{"schema 1", demoLine, true},
		{"rtp", `{"ts_epoch":5.5,"type":"rtp_jitter","severity":"warn","proto":"rtp","stream":3,"extra":{"jitter_ms":31.25,"ssrc":3735928559,"lost":-2}}`, true},
		{"extra null", `{"ts_epoch":5.5,"type":"x","extra":null}`, true},
		{"extra twice accumulates", `{"ts_epoch":5.5,"type":"x","extra":{"srtt_ms":1},"extra":{"lost":2}}`, true},
		{"extra then null", `{"ts_epoch":5.5,"type":"x","extra":{"srtt_ms":1},"extra":null}`, true},
		{"figure not a number", `{"ts_epoch":5.5,"type":"x","extra":{"srtt_ms":"1","bytes_in_flight":[1],"lost":null}}`, true},
		{"figure repeated", `{"ts_epoch":5.5,"type":"x","extra":{"srtt_ms":1,"srtt_ms":true}}`, true},
		{"unknown keys", `{"ts_epoch":5.5,"type":"x","zz":[1,{"a":[]},"s",true,false,null,-0.5e-3]}`, true},
		{"whitespace", " \t{ \"ts_epoch\" : 5.5 , \"type\" : \"x\" } \r", true},
		{"no ts_epoch", `{"ts":"2024-01-01T00:00:00Z","type":"x"}`, false},
		{"zero ts_epoch", `{"ts_epoch":0,"type":"x"}`, false},
		{"legacy", `{"event":"retransmission","flow_id":"3","src":"10.0.0.1","dst":"10.0.0.2","sport":443,"dport":51000,"ts":1700000000.25,"severity":"WARNING"}`, false},
		{"escape", `{"ts_epoch":5.5,"type":"x","flow":"a\u003cb"}`, false},
		{"upper-case key", `{"ts_epoch":5.5,"Type":"x"}`, false},
		{"folding key", "{\"ts_epoch\":5.5,\"type\":\"x\",\"\u017fchema\":1}", false},
		{"null known key", `{"ts_epoch":5.5,"type":"x","stream":null}`, false},
		{"port too big", `{"ts_epoch":5.5,"type":"x","src_port":65536}`, false},
		{"stream float", `{"ts_epoch":5.5,"type":"x","stream":1.0}`, false},
		{"huge number in extra", `{"ts_epoch":5.5,"type":"x","extra":{"k":1e999}}`, false},
		{"huge number elsewhere", `{"ts_epoch":5.5,"type":"x","k":1e999}`, true},
		{"invalid utf-8 kept", "{\"ts_epoch\":5.5,\"type\":\"x\xff\"}", false},
		{"invalid utf-8 skipped", "{\"ts_epoch\":5.5,\"type\":\"x\",\"k\":\"\xff\"}", true},
		{"control char", "{\"ts_epoch\":5.5,\"type\":\"x\",\"k\":\"\x01\"}", false},
		{"trailing garbage", `{"ts_epoch":5.5,"type":"x"} x`, false},
		{"trailing comma", `{"ts_epoch":5.5,"type":"x",}`, false},
		{"leading zero", `{"ts_epoch":05.5,"type":"x"}`, false},
		{"array", `[1]`, false},
		{"empty object", `{}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkScan(t, []byte(tc.line)); got != tc.fast {
				t.Errorf("fast path took it: %v, want %v", got, tc.fast)
			}
		})
	}
}

// FuzzScanEvent checks the fast path against event.ParseLine, seeded with
// the lines of real sessions and the table above.
func FuzzScanEvent(f *testing.F) {
	f.Add([]byte(demoLine))
	for _, p := range []string{"testdata/session/events.jsonl", "testdata/legacy/events.jsonl", "testdata/hostile/events.jsonl"} {
		file, err := os.Open(p)
		if err != nil {
			f.Fatal(err)
		}
		sc := bufio.NewScanner(file)
		for sc.Scan() {
			f.Add(append([]byte(nil), sc.Bytes()...))
		}
		file.Close()
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		checkScan(t, line)
	})
}
