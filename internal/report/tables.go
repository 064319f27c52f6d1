package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tcpviz/tcpviz/internal/event"
)

// table is an HTML table of a page. Cells are text: the template escapes
// them. A sortable table sorts by a column when its header is clicked
// (page.js), numerically on each cell's Sort value when it has one.
type table struct {
	ID       string
	Heading  string
	Caption  string
	Columns  []column
	Rows     [][]cell
	Empty    string // shown instead of a table without rows
	Sortable bool
}

type column struct {
	Name string
	Num  bool // right-aligned, sorted on cell.Sort
}

type cell struct {
	Text   string
	Sort   string // number to sort by; "" sorts by Text
	NoWrap bool
}

func text(s string) cell { return cell{Text: s} }

// flowText is a flow's name, kept on one line.
func flowText(s string) cell { return cell{Text: s, NoWrap: true} }

func num(v uint64) cell { return cell{Text: count(v), Sort: strconv.FormatUint(v, 10)} }

func signed(v int64) cell {
	return cell{Text: strconv.FormatInt(v, 10), Sort: strconv.FormatInt(v, 10)}
}

func msCell(v *float64) cell {
	if v == nil {
		return cell{Text: "–", Sort: "-1"}
	}
	return cell{Text: ms(*v, true), Sort: fmtFloat(*v)}
}

// linkTypeName names the link types tcpviz reads (LINKTYPE_* numbers).
func linkTypeName(lt uint32) string {
	switch lt {
	case 0:
		return "BSD loopback"
	case 1:
		return "Ethernet"
	case 12, 14, 101:
		return "raw IP"
	case 108:
		return "OpenBSD loopback"
	case 113:
		return "Linux cooked (SLL)"
	case 228:
		return "raw IPv4"
	case 229:
		return "raw IPv6"
	case 239:
		return "NFLOG"
	case 276:
		return "Linux cooked v2 (SLL2)"
	}
	return "link type"
}

// metaTable is the capture metadata: file, packets, duration, link types,
// decode failures and the session's totals.
func (d *Data) metaTable() *table {
	t := &table{ID: "capture", Heading: "Capture", Columns: []column{{Name: "item"}, {Name: "value"}}}
	row := func(k, v string) { t.Rows = append(t.Rows, []cell{text(k), text(v)}) }
	row("session", d.Dir)
	if s := d.Summary; s != nil {
		c := s.Capture
		format := c.Format
		if c.Compressed {
			format += ", gzip-compressed"
		}
		row("file", c.File)
		row("format", format)
		var lts []string
		for _, lt := range c.LinkTypes {
			lts = append(lts, fmt.Sprintf("%s (%d)", linkTypeName(lt), lt))
		}
		row("link types", strings.Join(lts, ", "))
		row("packets", count(c.Packets))
		row("bytes", fmt.Sprintf("%s (%s on the wire, %s captured)", count(c.Bytes), size(c.Bytes), size(c.CapturedBytes)))
		if c.TruncatedFrames > 0 {
			row("snaplen-truncated frames", fmt.Sprintf("%s (snaplen %d)", count(c.TruncatedFrames), c.Snaplen))
		}
		if c.FilteredOut > 0 || s.Filter != "" {
			row("filter", fmt.Sprintf("%s (%s frames left out)", s.Filter, count(c.FilteredOut)))
		}
		row("duration", fmt.Sprintf("%s (%s to %s)", duration(c.DurationS), c.FirstTS, c.LastTS))
		if !c.Complete {
			row("capture incomplete", c.Error)
		}
		var df uint64
		for _, v := range s.DecodeErrors {
			df += v
		}
		row("decode failures", count(df)+" frames not fully decoded (by reason below)")
		ips, macs := strconv.Itoa(s.UniqueIPs), strconv.Itoa(s.UniqueMACs)
		if s.UniqueIPsEstimated {
			ips = "≈ " + ips + " (HyperLogLog estimate)"
		}
		if s.UniqueMACsEstimated {
			macs = "≈ " + macs + " (HyperLogLog estimate)"
		}
		row("unique addresses", ips+" IP, "+macs+" MAC")
		row("connections", fmt.Sprintf("%s TCP flows (%s ended idle, %s at the flow-table limit), %s new connections",
			count(s.Flows.TCP), count(s.Flows.EvictedIdle), count(s.Flows.EvictedLimit), count(s.NewConns)))
		if r := d.rtpSum.RTP; r != nil && r.Streams > 0 {
			v := fmt.Sprintf("%s, %s packets (%s RTCP), %s lost of %s expected (%s %%)",
				plural(int(r.Streams), "stream"), count(r.Packets), count(r.RTCPPackets), strconv.FormatInt(r.Lost, 10), strconv.FormatInt(r.Expected, 10),
				fmtFloat(roundSig(r.LossPct, 3)))
			if j := r.JitterMs; j != nil && j.Samples > 0 {
				v += fmt.Sprintf("; jitter p50 %s ms, p95 %s ms, max %s ms", ms(j.P50, true), ms(j.P95, true), ms(j.Max, true))
			}
			if r.ClockInferred > 0 || r.ClockUnknown > 0 {
				v += fmt.Sprintf("; clock rate inferred for %s, unknown (no jitter) for %s", plural(int(r.ClockInferred), "stream"), plural(int(r.ClockUnknown), "stream"))
			}
			row("RTP", v)
		}
		for _, w := range s.Warnings {
			row("warning", w)
		}
	} else {
		row("capture", "no summary.json in this session: capture metadata is not available")
	}
	if d.hasFlowsFile {
		row("flow records", fmt.Sprintf("%s TCP/UDP, %s RTP (flows.jsonl)", count(uint64(d.tcpFlows)), count(uint64(d.rtpFlows))))
	}
	row("events", fmt.Sprintf("%s (%s info, %s warn, %s critical)", count(d.Events), count(d.sevCounts[0]), count(d.sevCounts[1]), count(d.sevCounts[2])))
	if d.Legacy {
		row("events format", fmt.Sprintf("Python tcpviz events.jsonl, mapped onto schema %d", event.Schema))
	}
	if d.t0Text != "" {
		row("time 0 of the charts", d.t0Text)
	}
	return t
}

// decodeTable lists frames not fully decoded, by reason.
func (d *Data) decodeTable() *table {
	t := &table{ID: "decode-failures", Heading: "Decode failures", Columns: []column{{Name: "reason"}, {Name: "frames", Num: true}},
		Empty: "Every frame was decoded."}
	if d.Summary == nil {
		t.Empty = "No summary.json in this session."
		return t
	}
	for _, k := range slices.Sorted(maps.Keys(d.Summary.DecodeErrors)) {
		t.Rows = append(t.Rows, []cell{text(k), num(d.Summary.DecodeErrors[k])})
	}
	return t
}

// flagsTable lists the frames carrying each of Wireshark's tcp.analysis
// flags (summary.json tcp.analysis_flags), most first: what tshark's expert
// info counts, window updates and keep-alive ACKs included.
func (d *Data) flagsTable() *table {
	t := &table{ID: "tcp-flags", Heading: "Wireshark TCP analysis flags", Sortable: true,
		Columns: []column{{Name: "flag"}, {Name: "frames", Num: true}},
		Empty:   "No frame carries a tcp.analysis flag."}
	if d.Summary == nil {
		t.Empty = "No summary.json in this session."
		return t
	}
	f := d.Summary.TCP.AnalysisFlags
	for _, k := range mostFirst(f) {
		t.Rows = append(t.Rows, []cell{text("tcp.analysis." + k), num(f[k])})
	}
	return t
}

// mostFirst returns m's keys by value, largest first, then by name.
func mostFirst[V cmp.Ordered](m map[string]V) []string {
	return slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
}

// countsTable lists the events by type and severity.
func (d *Data) countsTable() *table {
	t := &table{ID: "event-count-table", Heading: "Events by type", Sortable: true, Empty: "No events.",
		Columns: []column{{Name: "type"}, {Name: "info", Num: true}, {Name: "warn", Num: true}, {Name: "critical", Num: true}, {Name: "total", Num: true}}}
	for _, ti := range d.timeline.order {
		c := d.timeline.counts[ti]
		t.Rows = append(t.Rows, []cell{text(d.types[ti]), num(c[0]), num(c[1]), num(c[2]), num(c[0] + c[1] + c[2])})
	}
	return t
}

// flowsTable lists the worst TCP flows: the union of the top rows by
// retransmissions, by loss events and by RTT p95.
func (d *Data) flowsTable() *table {
	t := &table{ID: "flows", Heading: "Flows", Sortable: true}
	if !d.hasFlowsFile {
		return d.flowsFromEvents(t)
	}
	t.Columns = []column{{Name: "stream", Num: true}, {Name: "proto"}, {Name: "flow (initiator first)"}, {Name: "state"},
		{Name: "packets", Num: true}, {Name: "bytes", Num: true}, {Name: "duration (s)", Num: true},
		{Name: "retrans", Num: true}, {Name: "loss events", Num: true}, {Name: "dup ACKs", Num: true},
		{Name: "out of order", Num: true}, {Name: "lost segments", Num: true},
		{Name: "RTT p50 (ms)", Num: true}, {Name: "RTT p95 (ms)", Num: true}, {Name: "RTT max (ms)", Num: true},
		{Name: "handshake RTT (ms)", Num: true}}
	for _, r := range d.tcpRows {
		var p50, p95, mx *float64
		if r.RTTms != nil && r.RTTms.Samples > 0 {
			p50, p95, mx = &r.RTTms.P50, &r.RTTms.P95, &r.RTTms.Max
		}
		t.Rows = append(t.Rows, []cell{num(r.Stream), text(r.Proto), flowText(r.endpoints()), text(r.State),
			num(r.FwdPackets + r.RevPackets), num(r.FwdBytes + r.RevBytes),
			{Text: strconv.FormatFloat(r.DurationS, 'f', 3, 64), Sort: fmtFloat(r.DurationS)},
			num(r.Retransmissions), num(r.LossEvents), num(r.Events["dup_ack"]), num(r.Events["out_of_order"]),
			num(r.Events["lost_segment"]), msCell(p50), msCell(p95), msCell(mx), msCell(r.HandshakeRTTms)})
	}
	t.Empty = "flows.jsonl has no TCP or UDP records."
	if len(t.Rows) > 0 {
		t.Caption = fmt.Sprintf("%s in flows.jsonl%s, worst retransmitters first. Click a column heading to sort by it.",
			upper(shown(len(d.tcpRows), d.tcpFlows, "flow")), topNote(len(d.tcpRows), d.tcpFlows, d.opts.TableRows, "by retransmissions, by loss events and by RTT p95"))
	}
	return t
}

// flowsFromEvents is the flows table of a session without flows.jsonl
// (such as one of the Python tool): counts from the events.
func (d *Data) flowsFromEvents(t *table) *table {
	t.Columns = []column{{Name: "stream", Num: true}, {Name: "proto"}, {Name: "flow"}, {Name: "events", Num: true},
		{Name: "warnings", Num: true}, {Name: "retrans", Num: true}, {Name: "loss events", Num: true}}
	idx := make([]int, len(d.flows))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return d.worse(d.flows[idx[i]], d.flows[idx[j]]) })
	rows := idx[:min(len(idx), d.opts.TableRows)]
	for _, i := range rows {
		f := d.flows[i]
		t.Rows = append(t.Rows, []cell{num(f.key.stream), text(f.key.proto), flowText(f.label), num(f.events), num(f.problems), num(f.retrans), num(f.loss)})
	}
	t.Caption = fmt.Sprintf("No flows.jsonl in this session: %s seen in the events%s, counted from the events. Click a column heading to sort by it.",
		shown(len(rows), len(d.flows), "flow"), topNote(len(rows), len(d.flows), d.opts.TableRows, "by warnings"))
	t.Empty = "No flows.jsonl in this session, and no flow in the events."
	if len(rows) == 0 {
		t.Caption = ""
	}
	return t
}

// rtpTable lists the RTP streams of flows.jsonl.
func (d *Data) rtpTable() *table {
	t := &table{ID: "rtp-table", Heading: "RTP streams", Sortable: true,
		Columns: []column{{Name: "stream", Num: true}, {Name: "SSRC"}, {Name: "flow"}, {Name: "payload type", Num: true},
			{Name: "packets", Num: true}, {Name: "expected", Num: true}, {Name: "lost", Num: true}, {Name: "seq errors", Num: true},
			{Name: "jitter mean (ms)", Num: true}, {Name: "jitter max (ms)", Num: true}, {Name: "max delta (ms)", Num: true}}}
	for _, r := range d.rtpRows {
		ssrc, pt := "–", cell{Text: "–", Sort: "-1"}
		if r.SSRC != nil {
			ssrc = fmt.Sprintf("0x%08x", *r.SSRC)
		}
		if r.PayloadType != nil {
			pt = signed(int64(*r.PayloadType))
		}
		t.Rows = append(t.Rows, []cell{num(r.Stream), text(ssrc), flowText(r.endpoints()), pt, num(r.Packets), signed(r.Expected),
			signed(r.Lost), signed(r.SeqErrors), msCell(r.JitterMeanMs), msCell(r.JitterMaxMs), msCell(r.MaxDeltaMs)})
	}
	if len(t.Rows) > 0 {
		t.Caption = fmt.Sprintf("%s in flows.jsonl%s. Click a column heading to sort by it.",
			upper(shown(len(d.rtpRows), d.rtpFlows, "RTP stream")), topNote(len(d.rtpRows), d.rtpFlows, d.opts.TableRows, "by packets lost and by maximum jitter"))
	}
	t.Empty = "No RTP streams in this session."
	if d.hasRTP() && d.rtpFlows == 0 {
		t.Empty = "flows.jsonl has no RTP records (the RTP events are charted above)."
	}
	return t
}

// topNote says which rows a table kept when it could not keep them all.
func topNote(n, total, top int, by string) string {
	if n == total {
		return ""
	}
	return fmt.Sprintf(": the top %d %s", top, by)
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
