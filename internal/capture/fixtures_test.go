package capture

import (
	"testing"
)

// Hand-built captures for what pcapgo cannot write: other byte orders,
// timestamp resolutions, several sections, old and simple packet blocks.

const (
	linkEthernet = 1
	linkRaw      = 101
	linkSLL      = 113
)

// ts2024 is 2024-01-02T03:04:05Z, a timestamp all fixtures start from.
const ts2024 = 1704164645

// fixture is one hand-built capture and what reading it must give.
type fixture struct {
	name string
	file []byte
	want []rec
	info Info
	// pcapgo names the pcapgo reader that must agree with ours ("pcap" or
	// "pcapng"), or is empty where pcapgo reads the file differently.
	pcapgo string
}

func fixtures() []fixture {
	d1, d2, d3 := payload(1, 60), payload(2, 1514), payload(3, 5)
	return []fixture{
		{
			name: "big-endian pcap microseconds",
			file: cat(
				pcapHeader(be, false, 65535, linkEthernet),
				pcapRecord(be, ts2024, 123456, d1, 60),
				pcapRecord(be, ts2024+1, 999999, d2, 2000),
			),
			want: []rec{
				{TS: ts2024*1e9 + 123456000, Link: linkEthernet, Orig: 60, Data: d1},
				{TS: (ts2024+1)*1e9 + 999999000, Link: linkEthernet, Orig: 2000, Data: d2},
			},
			info:   Info{Format: FormatPcap, BigEndian: true, LinkTypes: []uint32{linkEthernet}, Snaplen: 65535},
			pcapgo: "pcap",
		},
		{
			name: "big-endian pcap nanoseconds",
			file: cat(
				pcapHeader(be, true, 262144, linkRaw),
				pcapRecord(be, ts2024, 123456789, d1, 60),
				pcapRecord(be, ts2024, 999999999, d3, 5),
			),
			want: []rec{
				{TS: ts2024*1e9 + 123456789, Link: linkRaw, Orig: 60, Data: d1},
				{TS: ts2024*1e9 + 999999999, Link: linkRaw, Orig: 5, Data: d3},
			},
			info:   Info{Format: FormatPcap, BigEndian: true, Nanosecond: true, LinkTypes: []uint32{linkRaw}, Snaplen: 262144},
			pcapgo: "pcap",
		},
		{
			name: "little-endian pcap nanoseconds",
			file: cat(
				pcapHeader(le, true, 262144, linkSLL),
				pcapRecord(le, 0, 1, d3, 5),
			),
			want:   []rec{{TS: 1, Link: linkSLL, Orig: 5, Data: d3}},
			info:   Info{Format: FormatPcap, Nanosecond: true, LinkTypes: []uint32{linkSLL}, Snaplen: 262144},
			pcapgo: "pcap",
		},
		{
			// The upper bits of the link-type field say an FCS of 4
			// bytes is present (pcap spec, LinkType and additional
			// information); the link type is still Ethernet.
			name: "pcap with FCS bits in the link-type field",
			file: cat(
				pcapHeader(le, false, 65535, 0x44000000|linkEthernet),
				pcapRecord(le, ts2024, 0, d1, 60),
			),
			want: []rec{{TS: ts2024 * 1e9, Link: linkEthernet, Orig: 60, Data: d1}},
			info: Info{Format: FormatPcap, LinkTypes: []uint32{linkEthernet}, Snaplen: 65535},
		},
		{
			// Wireshark reads records longer than the header's snaplen
			// (snaplen is advice from the writer); pcapgo refuses them.
			name: "pcap caplen above snaplen up to MaxRecord",
			file: cat(
				pcapHeader(le, false, 64, linkEthernet),
				pcapRecord(le, ts2024, 0, d2, 1514),
				pcapRecord(le, ts2024, 1, payload(9, MaxRecord), MaxRecord),
			),
			want: []rec{
				{TS: ts2024 * 1e9, Link: linkEthernet, Orig: 1514, Data: d2},
				{TS: ts2024*1e9 + 1000, Link: linkEthernet, Orig: MaxRecord, Data: payload(9, MaxRecord)},
			},
			info: Info{Format: FormatPcap, LinkTypes: []uint32{linkEthernet}, Snaplen: 64},
		},
		{
			// An original length below the captured length is a
			// writer's bug; Record promises OrigLen >= len(Data), so
			// it is raised to the captured length.
			name: "pcap origLen below capLen",
			file: cat(
				pcapHeader(le, false, 65535, linkEthernet),
				pcapRecord(le, ts2024, 0, d1, 40),
				pcapRecord(le, ts2024, 0, d3, 0),
			),
			want: []rec{
				{TS: ts2024 * 1e9, Link: linkEthernet, Orig: 60, Data: d1},
				{TS: ts2024 * 1e9, Link: linkEthernet, Orig: 5, Data: d3},
			},
			info: Info{Format: FormatPcap, LinkTypes: []uint32{linkEthernet}, Snaplen: 65535},
		},
		{
			name: "pcap empty records",
			file: cat(
				pcapHeader(le, false, 65535, linkEthernet),
				pcapRecord(le, 1, 2, nil, 0),
				pcapRecord(le, 3, 4, nil, 1500),
			),
			want: []rec{
				{TS: 1e9 + 2000, Link: linkEthernet, Orig: 0},
				{TS: 3e9 + 4000, Link: linkEthernet, Orig: 1500},
			},
			info:   Info{Format: FormatPcap, LinkTypes: []uint32{linkEthernet}, Snaplen: 65535},
			pcapgo: "pcap",
		},
		{
			name: "big-endian pcapng",
			file: cat(
				shb(be, 1, 0),
				idb(be, linkEthernet, 0),
				epb(be, 0, ts2024*1e6+1, d1, 60),
				epb(be, 0, ts2024*1e6+2, d3, 100),
			),
			want: []rec{
				{TS: ts2024*1e9 + 1000, Link: linkEthernet, Orig: 60, Data: d1},
				{TS: ts2024*1e9 + 2000, Link: linkEthernet, Orig: 100, Data: d3},
			},
			info:   Info{Format: FormatPcapNG, BigEndian: true, LinkTypes: []uint32{linkEthernet}},
			pcapgo: "pcapng",
		},
		{
			// Interface 0 counts nanoseconds (if_tsresol 9), interface
			// 1 units of 2^-8 s (if_tsresol 0x88), interface 2 µs
			// (no option) an hour after its if_tsoffset.
			name: "pcapng timestamp resolutions and offset",
			file: cat(
				shb(le, 1, 0),
				idb(le, linkEthernet, 65535, ngOpt(le, 2, []byte("eth0")), optTsresol(le, 9)),
				idb(le, linkRaw, 0, optTsresol(le, 0x88)),
				idb(le, linkSLL, 0, optTsoffset(le, ts2024)),
				epb(le, 0, ts2024*1e9+123456789, d1, 60),
				epb(le, 1, ts2024<<8|0x80, d3, 5), // half a second
				epb(le, 1, ts2024<<8|1, d3, 5),    // 1/256 s = 3906250 ns
				epb(le, 2, 3600*1e6+7, d3, 5),
			),
			want: []rec{
				{TS: ts2024*1e9 + 123456789, Link: linkEthernet, Orig: 60, Data: d1},
				{TS: ts2024*1e9 + 500_000_000, Link: linkRaw, Iface: 1, Orig: 5, Data: d3},
				{TS: ts2024*1e9 + 3_906_250, Link: linkRaw, Iface: 1, Orig: 5, Data: d3},
				{TS: (ts2024+3600)*1e9 + 7000, Link: linkSLL, Iface: 2, Orig: 5, Data: d3},
			},
			info:   Info{Format: FormatPcapNG, Nanosecond: true, LinkTypes: []uint32{linkEthernet, linkRaw, linkSLL}, Snaplen: 65535},
			pcapgo: "pcapng",
		},
		{
			// if_tsresol 0 counts whole seconds (pcapgo takes it for
			// the µs default); 12 counts picoseconds; a negative
			// if_tsoffset moves timestamps back.
			name: "pcapng seconds picoseconds and a negative offset",
			file: cat(
				shb(le, 1, 0),
				idb(le, linkEthernet, 0, optTsresol(le, 0)),
				idb(le, linkEthernet, 0, optTsresol(le, 12), optTsoffset(le, -10)),
				epb(le, 0, ts2024, d3, 5),
				epb(le, 1, 10e12+123456789012, d3, 5),
			),
			want: []rec{
				{TS: ts2024 * 1e9, Link: linkEthernet, Orig: 5, Data: d3},
				{TS: 123456789, Link: linkEthernet, Iface: 1, Orig: 5, Data: d3},
			},
			info: Info{Format: FormatPcapNG, Nanosecond: true, LinkTypes: []uint32{linkEthernet}},
		},
		{
			// The second section, written big-endian, starts its own
			// interface list: its interface 0 is Linux SLL.
			name: "pcapng two sections different byte orders",
			file: cat(
				shb(le, 1, 0),
				idb(le, linkEthernet, 1500),
				idb(le, linkRaw, 1500),
				epb(le, 1, 1, d3, 5),
				epb(le, 0, 2, d1, 60),
				shb(be, 1, 0),
				idb(be, linkSLL, 9000),
				epb(be, 0, 3, d2, 1514),
			),
			want: []rec{
				{TS: 1000, Link: linkRaw, Iface: 1, Orig: 5, Data: d3},
				{TS: 2000, Link: linkEthernet, Orig: 60, Data: d1},
				{TS: 3000, Link: linkSLL, Orig: 1514, Data: d2},
			},
			info:   Info{Format: FormatPcapNG, BigEndian: true, LinkTypes: []uint32{linkEthernet, linkRaw, linkSLL}, Snaplen: 1500},
			pcapgo: "pcapng",
		},
		{
			// A Simple Packet Block has no timestamp and belongs to
			// interface 0; its captured length is the original length
			// cut to that interface's snaplen (pcapng §4.4).
			name: "pcapng simple packet blocks",
			file: cat(
				shb(le, 1, 0),
				idb(le, linkEthernet, 64),
				spb(le, 60, d1),
				spb(le, 1514, d2[:64]),
				spb(le, 5, d3),
				spb(le, 0, nil),
			),
			want: []rec{
				{Link: linkEthernet, Orig: 60, Data: d1},
				{Link: linkEthernet, Orig: 1514, Data: d2[:64]},
				{Link: linkEthernet, Orig: 5, Data: d3},
				{Link: linkEthernet, Orig: 0},
			},
			info:   Info{Format: FormatPcapNG, LinkTypes: []uint32{linkEthernet}, Snaplen: 64},
			pcapgo: "pcapng",
		},
		{
			name: "pcapng simple packet block without snaplen",
			file: cat(
				shb(be, 1, 0),
				idb(be, linkRaw, 0),
				spb(be, 1514, d2),
			),
			want:   []rec{{Link: linkRaw, Orig: 1514, Data: d2}},
			info:   Info{Format: FormatPcapNG, BigEndian: true, LinkTypes: []uint32{linkRaw}},
			pcapgo: "pcapng",
		},
		{
			name: "pcapng obsolete packet blocks",
			file: cat(
				shb(le, 1, 0),
				idb(le, linkEthernet, 0),
				idb(le, linkRaw, 0),
				pb(le, 1, ts2024*1e6, d3, 5),
				pb(le, 0, ts2024*1e6+1, d1, 61),
			),
			want: []rec{
				{TS: ts2024 * 1e9, Link: linkRaw, Iface: 1, Orig: 5, Data: d3},
				{TS: ts2024*1e9 + 1000, Link: linkEthernet, Orig: 61, Data: d1},
			},
			info:   Info{Format: FormatPcapNG, LinkTypes: []uint32{linkEthernet, linkRaw}},
			pcapgo: "pcapng",
		},
		{
			// Name resolution, statistics, decryption secrets, custom
			// and unassigned blocks carry nothing tcpviz reads; packet
			// options after the data are skipped with the block.
			name: "pcapng unknown and skipped blocks",
			file: cat(
				shb(le, 1, 0),
				ngBlock(le, 4, []byte{0, 0, 0, 0}), // NRB, end of records
				idb(le, linkEthernet, 0),
				ngBlock(le, 0x0bad, payload(4, 21)),
				epb(le, 0, 1, d3, 5, ngOpt(le, 2, []byte{1, 0, 0, 0}), ngOpt(le, 1, []byte("a comment"))),
				isb(le, 0),
				ngBlock(le, 0x0a, payload(5, 16)),        // DSB
				ngBlock(le, 0x40000bad, payload(6, 100)), // custom
				ngBlock(le, 0x7fffffff, nil),
				epb(le, 0, 2, d1, 60),
			),
			want: []rec{
				{TS: 1000, Link: linkEthernet, Orig: 5, Data: d3},
				{TS: 2000, Link: linkEthernet, Orig: 60, Data: d1},
			},
			info:   Info{Format: FormatPcapNG, LinkTypes: []uint32{linkEthernet}},
			pcapgo: "pcapng",
		},
		{
			// Options run to the end of the block without an
			// opt_endofopt, and an if_tsresol of unexpected length is
			// skipped like any unknown option.
			name: "pcapng interface options without end marker",
			file: cat(
				shb(le, 1, 0),
				ngBlock(le, ngIDB, cat(
					[]byte{linkEthernet, 0, 0, 0, 0, 0, 0, 0},
					ngOpt(le, 2, []byte("eth0")),
					ngOpt(le, 9, []byte{3, 3}),
					optTsresol(le, 3),
				)),
				epb(le, 0, 1234, d3, 5),
			),
			want: []rec{{TS: 1234 * 1e6, Link: linkEthernet, Orig: 5, Data: d3}},
			info: Info{Format: FormatPcapNG, LinkTypes: []uint32{linkEthernet}},
		},
		{
			name: "pcapng origLen below capLen",
			file: cat(
				shb(le, 1, 0),
				idb(le, linkEthernet, 0),
				epb(le, 0, 1, d1, 10),
			),
			want: []rec{{TS: 1000, Link: linkEthernet, Orig: 60, Data: d1}},
			info: Info{Format: FormatPcapNG, LinkTypes: []uint32{linkEthernet}},
		},
		{
			// Only the major version changes the format (pcapng
			// §4.1); pcapgo also refuses minor versions other than 0.
			name: "pcapng version 1.2",
			file: cat(
				shb(le, 1, 2),
				idb(le, linkEthernet, 0),
				epb(le, 0, 1, d3, 5),
			),
			want: []rec{{TS: 1000, Link: linkEthernet, Orig: 5, Data: d3}},
			info: Info{Format: FormatPcapNG, LinkTypes: []uint32{linkEthernet}},
		},
		{
			name: "pcapng section without interfaces",
			file: shb(le, 1, 0),
			info: Info{Format: FormatPcapNG},
		},
	}
}

func TestFixtures(t *testing.T) {
	for _, fx := range fixtures() {
		for _, compressed := range []bool{false, true} {
			name, file := fx.name, fx.file
			if compressed {
				name += " gzip"
				file = gzipped(t, file, 6)
			}
			t.Run(name, func(t *testing.T) {
				got := readBytes(t, file)
				if got.err != nil {
					t.Fatalf("read: %v", got.err)
				}
				if d := diffRecs(fx.want, got.recs); d != "" {
					t.Errorf("records (-want +got):\n%s", d)
				}
				info := fx.info
				info.Compressed = compressed
				if d := diff(info, got.info); d != "" {
					t.Errorf("Info (-want +got):\n%s", d)
				}
				if got.r.Offset() != int64(len(fx.file)) {
					t.Errorf("Offset() = %d at the end, want %d", got.r.Offset(), len(fx.file))
				}
				var other []rec
				switch fx.pcapgo {
				case "pcap":
					other = readPcapgo(t, file)
				case "pcapng":
					other = readPcapgoNG(t, file)
				default:
					return
				}
				if d := diffRecs(got.recs, other); d != "" {
					t.Errorf("pcapgo disagrees (-ours +pcapgo):\n%s", d)
				}
			})
		}
	}
}
