package rtp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpviz/tcpviz/internal/capture"
	"github.com/tcpviz/tcpviz/internal/decode"
	"github.com/tcpviz/tcpviz/internal/event"
)

// The oracle is tshark 4.0's RTP stream analysis (-z rtp,streams): the
// corpus' truth files hold its figures for the shared captures, and for the
// repository's samples the test runs tshark itself.
const (
	corpusDir  = "../../../shared/corpus"
	samplesDir = "../../samples"
)

// wsStream is one row of tshark's "RTP Streams" table.
type wsStream struct {
	Src        string  `json:"src"`
	SrcPort    uint16  `json:"src_port"`
	Dst        string  `json:"dst"`
	DstPort    uint16  `json:"dst_port"`
	SSRC       string  `json:"ssrc"`
	Payload    string  `json:"payload"`
	Packets    int64   `json:"packets"`
	Lost       int64   `json:"lost"`
	MaxDelta   float64 `json:"max_delta_ms"`
	MeanJitter float64 `json:"mean_jitter_ms"`
	MaxJitter  float64 `json:"max_jitter_ms"`
	Known      bool    `json:"jitter_known"`
}

// streamID names a stream as both tools key it: endpoints and SSRC.
type streamID struct {
	src, dst     netip.Addr
	sport, dport uint16
	ssrc         uint32
}

func (id streamID) String() string {
	return fmt.Sprintf("%s -> %s ssrc 0x%08X", netip.AddrPortFrom(id.src, id.sport), netip.AddrPortFrom(id.dst, id.dport), id.ssrc)
}

func (w *wsStream) id() (streamID, error) {
	ssrc, err := strconv.ParseUint(strings.TrimPrefix(w.SSRC, "0x"), 16, 32)
	if err != nil {
		return streamID{}, err
	}
	src, err := netip.ParseAddr(w.Src)
	if err != nil {
		return streamID{}, err
	}
	dst, err := netip.ParseAddr(w.Dst)
	if err != nil {
		return streamID{}, err
	}
	return streamID{src: src, dst: dst, sport: w.SrcPort, dport: w.DstPort, ssrc: uint32(ssrc)}, nil
}

// tsharkRow matches one stream line of tshark 4.0's rtp,streams table (the
// same expression the corpus' tools/truth_one.py uses).
var tsharkRow = regexp.MustCompile(`^\s*(-?[\d.]+)\s+(-?[\d.]+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-Fa-f]+)\s+(.*?)\s+(\d+)\s+(-?\d+)\s+\((-?[\d.]+|nan|-?inf)%\)` +
	`\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*(X?)\s*$`)

// parseTshark reads the stream rows of tshark's rtp,streams output.
func parseTshark(out string) []wsStream {
	var ws []wsStream
	for _, line := range strings.Split(out, "\n") {
		m := tsharkRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		num := func(i int) float64 { v, _ := strconv.ParseFloat(m[i], 64); return v }
		ws = append(ws, wsStream{
			Src: m[3], SrcPort: uint16(num(4)), Dst: m[5], DstPort: uint16(num(6)), SSRC: m[7], Payload: m[8],
			Packets: int64(num(9)), Lost: int64(num(10)), MaxDelta: num(14),
			MeanJitter: num(16), MaxJitter: num(17), Known: num(15) >= 0,
		})
	}
	return ws
}

// result is what tcpviz wrote for one capture.
type result struct {
	records []event.FlowRecord // RTPFields copied
	events  []event.Event
	stats   Stats
}

// analyseFile runs a capture through capture, decode and a Tracker. A
// damaged tail ends the read, as in tcpviz itself.
func analyseFile(tb testing.TB, path string, cfg Config) *result {
	tb.Helper()
	r, err := capture.Open(path, nil)
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	defer r.Close()
	res := &result{}
	tr := New(cfg, event.SinkFunc(func(e *event.Event) { res.events = append(res.events, *e) }), func(fr *event.FlowRecord) {
		res.records = append(res.records, fr.Clone())
	})
	dec := decode.New()
	var rec capture.Record
	var pk decode.Packet
	for frame := uint64(1); ; frame++ {
		if err := r.Next(&rec); err != nil {
			if !errors.Is(err, io.EOF) {
				tb.Logf("%s: read stopped at frame %d: %v", filepath.Base(path), frame, err)
			}
			break
		}
		if dec.Decode(frame, rec.Timestamp, rec.LinkType, rec.OrigLen, rec.Data, &pk) {
			tr.Packet(&pk)
		}
	}
	tr.Flush()
	res.stats = tr.Stats()
	return res
}

// agreement accumulates the largest disagreement per figure.
type agreement struct {
	streams, jitterCompared, jitterExcluded int
	maxErr                                  map[string]float64 // ms, or packets
}

// within reports whether got agrees with want: within 1% of want or 0.1 ms.
func within(got, want float64) bool {
	d := math.Abs(got - want)
	return d <= 0.01*math.Abs(want) || d <= 0.1
}

// compare checks tcpviz's records against tshark's rows and returns the
// agreement figures. Streams tshark does not list are logged, not failed:
// tcpviz's heuristic may rightly find more (odd ports).
func compare(t *testing.T, name string, res *result, want []wsStream) agreement {
	t.Helper()
	ag := agreement{maxErr: map[string]float64{}}
	got := map[streamID][]*event.FlowRecord{}
	for i := range res.records {
		r := &res.records[i]
		id := streamID{src: netip.MustParseAddr(r.SrcIP), dst: netip.MustParseAddr(r.DstIP), sport: r.SrcPort, dport: r.DstPort, ssrc: r.SSRC}
		got[id] = append(got[id], r)
	}
	seen := map[streamID]bool{}
	for i := range want {
		w := &want[i]
		id, err := w.id()
		if err != nil {
			t.Errorf("%s: tshark row %+v: %v", name, w, err)
			continue
		}
		seen[id] = true
		rs := got[id]
		switch len(rs) {
		case 0:
			t.Errorf("%s: stream %s (%s, %d packets) not found by tcpviz", name, id, w.Payload, w.Packets)
			continue
		case 1:
		default:
			t.Errorf("%s: stream %s split into %d records", name, id, len(rs))
			continue
		}
		r := rs[0]
		ag.streams++
		check := func(what string, g, wv float64, exact bool) {
			if d := math.Abs(g - wv); d > ag.maxErr[what] {
				ag.maxErr[what] = d
			}
			if exact && g != wv || !exact && !within(g, wv) {
				t.Errorf("%s: stream %s: %s = %v, tshark %v", name, id, what, g, wv)
			}
		}
		check("packets", float64(r.Packets), float64(w.Packets), true)
		check("lost", float64(r.Lost), float64(w.Lost), true)
		check("max_delta_ms", r.MaxDeltaMs, w.MaxDelta, false)
		if !w.Known {
			// tshark knows no clock rate for this payload type (dynamic,
			// no SDP) and reports jitter 0; tcpviz infers the rate on
			// purpose, so the jitter figures differ by design.
			ag.jitterExcluded++
			t.Logf("%s: stream %s (%s): jitter not compared (tshark: unknown clock); tcpviz clock %d Hz inferred=%v, jitter mean %.3f max %.3f ms",
				name, id, w.Payload, r.ClockRate, r.ClockInferred, r.JitterMeanMs, r.JitterMaxMs)
			continue
		}
		ag.jitterCompared++
		check("mean_jitter_ms", r.JitterMeanMs, w.MeanJitter, false)
		check("max_jitter_ms", r.JitterMaxMs, w.MaxJitter, false)
	}
	var extra []string
	for id, rs := range got {
		if !seen[id] {
			extra = append(extra, fmt.Sprintf("%s (%d packets)", id, rs[0].Packets))
		}
	}
	sort.Strings(extra)
	for _, e := range extra {
		t.Logf("%s: tcpviz found a stream tshark does not list: %s", name, e)
	}
	return ag
}

func (ag agreement) String() string {
	keys := make([]string, 0, len(ag.maxErr))
	for k := range ag.maxErr {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%d streams (jitter compared %d, excluded %d)", ag.streams, ag.jitterCompared, ag.jitterExcluded)
	for _, k := range keys {
		fmt.Fprintf(&b, ", max |Δ%s| %.4g", k, ag.maxErr[k])
	}
	return b.String()
}

// TestWiresharkCorpus compares tcpviz with the corpus' truth: every capture
// whose truth lists RTP streams (tshark 4.0.17, -z rtp,streams in the mode
// the truth file names).
func TestWiresharkCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "truth", "*.json"))
	if len(files) == 0 {
		t.Skipf("no corpus at %s", corpusDir)
	}
	sort.Strings(files)
	total := agreement{maxErr: map[string]float64{}}
	for _, f := range files {
		var truth struct {
			RTP struct {
				Primary string            `json:"primary_mode"`
				Args    map[string]string `json:"mode_args"`
				Streams []wsStream        `json:"streams"`
			} `json:"rtp"`
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &truth); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		pcap := filepath.Join(corpusDir, "pcaps", name)
		if _, err := os.Stat(pcap); err != nil {
			continue // _env.json and the like
		}
		cfg := DefaultConfig()
		cfg.Ports = decodeAsPorts(truth.RTP.Args[truth.RTP.Primary])
		res := analyseFile(t, pcap, cfg)
		if len(truth.RTP.Streams) == 0 {
			// tshark (in its default, signalled mode for non-RTP
			// captures) lists no RTP here: anything tcpviz finds is
			// a heuristic hit to look at.
			for _, r := range res.records {
				t.Logf("%s: tcpviz stream where the truth has none: %s:%d -> %s:%d ssrc 0x%08X pt %d, %d packets",
					name, r.SrcIP, r.SrcPort, r.DstIP, r.DstPort, r.SSRC, r.PayloadType, r.Packets)
			}
			continue
		}
		ag := compare(t, name, res, truth.RTP.Streams)
		t.Logf("%s: %s", name, ag)
		total.add(ag)
	}
	t.Logf("corpus total: %s", total)
}

// decodeAsPorts returns the ports of "-d udp.port==N,rtp" arguments.
func decodeAsPorts(args string) []uint16 {
	var ports []uint16
	for _, m := range regexp.MustCompile(`udp\.port==(\d+),rtp`).FindAllStringSubmatch(args, -1) {
		p, _ := strconv.Atoi(m[1])
		ports = append(ports, uint16(p))
	}
	return ports
}

func (ag *agreement) add(o agreement) {
	ag.streams += o.streams
	ag.jitterCompared += o.jitterCompared
	ag.jitterExcluded += o.jitterExcluded
	for k, v := range o.maxErr {
		ag.maxErr[k] = math.Max(ag.maxErr[k], v)
	}
}

// TestWiresharkSamples runs tshark on the repository's RTP and UDP samples
// (the heuristic on, as tcpviz's CLI has it by default) and compares.
func TestWiresharkSamples(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	var files []string
	for _, g := range []string{"*rtp*.pcap*", "*udp*.pcap*"} {
		m, _ := filepath.Glob(filepath.Join(samplesDir, g))
		files = append(files, m...)
	}
	sort.Strings(files)
	total := agreement{maxErr: map[string]float64{}}
	for _, f := range files {
		if strings.HasSuffix(f, ".txt") || strings.HasSuffix(f, ".tsv") {
			continue
		}
		out, err := exec.Command(tshark, "-n", "-q", "-z", "rtp,streams", "--enable-heuristic", "rtp_udp", "-r", f).Output()
		if err != nil {
			t.Fatalf("tshark %s: %v", f, err)
		}
		want := parseTshark(string(out))
		name := filepath.Base(f)
		res := analyseFile(t, f, DefaultConfig())
		ag := compare(t, name, res, want)
		t.Logf("%s: %s", name, ag)
		total.add(ag)
	}
	t.Logf("samples total: %s", total)
}

// TestWildCaptures runs the 830 captures of tcpdump's test suite (many
// deliberately malformed) through the tracker: none may panic, every
// counted packet must land in a record, and the streams the heuristic finds
// are logged for review (tcpdump's suite has real RTP and RTCP captures,
// and the rest is where false positives would show).
func TestWildCaptures(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	files, _ := filepath.Glob(filepath.Join(corpusDir, "wild", "*"))
	if len(files) == 0 {
		t.Skip("no wild corpus")
	}
	var streams, withStreams int
	for _, path := range files {
		if _, err := capture.Open(path, nil); err != nil {
			continue
		}
		res := analyseFileQuiet(t, path)
		var recorded uint64
		for _, r := range res.records {
			recorded += r.Packets
		}
		if recorded != res.stats.Packets {
			t.Errorf("%s: %d packets counted, %d in records", filepath.Base(path), res.stats.Packets, recorded)
		}
		if len(res.records) > 0 {
			withStreams++
			streams += len(res.records)
			for _, r := range res.records {
				t.Logf("%s: %s:%d -> %s:%d ssrc 0x%08X pt %d clock %d: %d packets, lost %d",
					filepath.Base(path), r.SrcIP, r.SrcPort, r.DstIP, r.DstPort, r.SSRC, r.PayloadType, r.ClockRate, r.Packets, r.Lost)
			}
		}
	}
	t.Logf("wild: %d streams in %d of %d captures", streams, withStreams, len(files))
}

// analyseFileQuiet is analyseFile without the read-error log line.
func analyseFileQuiet(t *testing.T, path string) *result {
	r, err := capture.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res := &result{}
	tr := New(DefaultConfig(), event.SinkFunc(func(e *event.Event) { res.events = append(res.events, *e) }), func(fr *event.FlowRecord) {
		res.records = append(res.records, fr.Clone())
	})
	dec := decode.New()
	var rec capture.Record
	var pk decode.Packet
	for frame := uint64(1); r.Next(&rec) == nil; frame++ {
		if dec.Decode(frame, rec.Timestamp, rec.LinkType, rec.OrigLen, rec.Data, &pk) {
			tr.Packet(&pk)
		}
	}
	tr.Flush()
	res.stats = tr.Stats()
	return res
}
