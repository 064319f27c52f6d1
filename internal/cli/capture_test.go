package cli

import (
	"bytes"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// This file builds the small captures the command tests run on. They are
// generated rather than stored so that each test says what is in its input.

// captureEpoch is the first frame's time in every generated capture, so
// timestamps (and the golden files) are fixed.
var captureEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// segment is one TCP segment of the test conversation.
type segment struct {
	at         time.Duration // after captureEpoch
	fromClient bool
	syn, fin   bool
	ack        bool
	seq, ackNo uint32 // absolute
	payload    int
}

// frame is one captured record.
type frame struct {
	ts   time.Time
	data []byte
}

// Endpoints and initial sequence numbers of the test conversation.
var (
	clientIP, serverIP        = net.IPv4(10, 0, 0, 1).To4(), net.IPv4(10, 0, 0, 2).To4()
	clientMAC, serverMAC      = net.HardwareAddr{2, 0, 0, 0, 0, 1}, net.HardwareAddr{2, 0, 0, 0, 0, 2}
	clientPort, serverPort    = uint16(51000), uint16(443)
	clientISN, serverISN      = uint32(1000), uint32(5000)
	conversationFlow          = "10.0.0.1:51000 -> 10.0.0.2:443"
	conversationReverseFlow   = "10.0.0.2:443 -> 10.0.0.1:51000"
	conversationFrames        = 17
	conversationPayloadClient = 600 // six 100-byte segments, two of them retransmitted
)

// conversation is a short TCP connection: handshake, three segments of which
// the server acknowledges only the first, twice repeated (frames 8 and 9 are
// dup ACKs), a fast retransmission (10), a segment retransmitted after
// 300 ms (13), and a FIN exchange.
func conversation() []segment {
	c, s := clientISN, serverISN
	ms := time.Millisecond
	return []segment{
		{at: 0, fromClient: true, syn: true, seq: c},                                       // 1
		{at: 10 * ms, syn: true, ack: true, seq: s, ackNo: c + 1},                          // 2
		{at: 20 * ms, fromClient: true, ack: true, seq: c + 1, ackNo: s + 1},               // 3
		{at: 30 * ms, fromClient: true, ack: true, seq: c + 1, ackNo: s + 1, payload: 100}, // 4
		{at: 31 * ms, fromClient: true, ack: true, seq: c + 101, ackNo: s + 1, payload: 100},
		{at: 32 * ms, fromClient: true, ack: true, seq: c + 201, ackNo: s + 1, payload: 100},
		{at: 40 * ms, ack: true, seq: s + 1, ackNo: c + 101},                                 // 7
		{at: 41 * ms, ack: true, seq: s + 1, ackNo: c + 101},                                 // 8: dup ACK
		{at: 42 * ms, ack: true, seq: s + 1, ackNo: c + 101},                                 // 9: dup ACK
		{at: 43 * ms, fromClient: true, ack: true, seq: c + 101, ackNo: s + 1, payload: 100}, // 10: fast retransmission
		{at: 53 * ms, ack: true, seq: s + 1, ackNo: c + 301},
		{at: 60 * ms, fromClient: true, ack: true, seq: c + 301, ackNo: s + 1, payload: 100},
		{at: 360 * ms, fromClient: true, ack: true, seq: c + 301, ackNo: s + 1, payload: 100}, // 13: retransmission
		{at: 370 * ms, ack: true, seq: s + 1, ackNo: c + 401},
		{at: 380 * ms, fromClient: true, fin: true, ack: true, seq: c + 401, ackNo: s + 1},
		{at: 390 * ms, fin: true, ack: true, seq: s + 1, ackNo: c + 402},
		{at: 400 * ms, fromClient: true, ack: true, seq: c + 402, ackNo: s + 2}, // 17
	}
}

// ethernetFrames serialises segs as Ethernet/IPv4/TCP frames.
func ethernetFrames(t testing.TB, segs []segment) []frame {
	t.Helper()
	out := make([]frame, 0, len(segs))
	for i, sg := range segs {
		eth := layers.Ethernet{SrcMAC: serverMAC, DstMAC: clientMAC, EthernetType: layers.EthernetTypeIPv4}
		ip := layers.IPv4{Version: 4, TTL: 64, Id: uint16(i + 1), Protocol: layers.IPProtocolTCP, SrcIP: serverIP, DstIP: clientIP}
		tcp := layers.TCP{SrcPort: layers.TCPPort(serverPort), DstPort: layers.TCPPort(clientPort),
			Seq: sg.seq, Ack: sg.ackNo, SYN: sg.syn, FIN: sg.fin, ACK: sg.ack, PSH: sg.payload > 0, Window: 65535}
		if sg.fromClient {
			eth.SrcMAC, eth.DstMAC = clientMAC, serverMAC
			ip.SrcIP, ip.DstIP = clientIP, serverIP
			tcp.SrcPort, tcp.DstPort = layers.TCPPort(clientPort), layers.TCPPort(serverPort)
		}
		if err := tcp.SetNetworkLayerForChecksum(&ip); err != nil {
			t.Fatal(err)
		}
		buf := gopacket.NewSerializeBuffer()
		opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
		payload := bytes.Repeat([]byte{byte('a' + i)}, sg.payload)
		if err := gopacket.SerializeLayers(buf, opts, &eth, &ip, &tcp, gopacket.Payload(payload)); err != nil {
			t.Fatal(err)
		}
		out = append(out, frame{ts: captureEpoch.Add(sg.at), data: buf.Bytes()})
	}
	return out
}

// pcapBytes writes frames as a classic pcap of the given link type.
func pcapBytes(t testing.TB, link layers.LinkType, frames []frame) []byte {
	t.Helper()
	var b bytes.Buffer
	w := pcapgo.NewWriter(&b)
	if err := w.WriteFileHeader(65535, link); err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: f.ts, CaptureLength: len(f.data), Length: len(f.data)}
		if err := w.WritePacket(ci, f.data); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// pcapngBytes writes frames as a pcapng with one Ethernet interface.
func pcapngBytes(t testing.TB, frames []frame) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := pcapgo.NewNgWriter(&b, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: f.ts, CaptureLength: len(f.data), Length: len(f.data)}
		if err := w.WritePacket(ci, f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// conversationPcap is the conversation as an Ethernet pcap.
func conversationPcap(t testing.TB) []byte {
	t.Helper()
	return pcapBytes(t, layers.LinkTypeEthernet, ethernetFrames(t, conversation()))
}

// pcapRecordOffsets returns the byte offset of each record header of a
// little-endian classic pcap.
func pcapRecordOffsets(t testing.TB, b []byte) []int {
	t.Helper()
	var offs []int
	for off := 24; off < len(b); {
		if off+16 > len(b) {
			t.Fatalf("pcap record header at %d cut short", off)
		}
		offs = append(offs, off)
		off += 16 + int(binary.LittleEndian.Uint32(b[off+8:off+12]))
	}
	return offs
}

// pcapngBlock is one block of a little-endian pcapng.
type pcapngBlock struct {
	off  int
	typ  uint32
	size int
}

func pcapngBlocks(t testing.TB, b []byte) []pcapngBlock {
	t.Helper()
	var blocks []pcapngBlock
	for off := 0; off < len(b); {
		if off+8 > len(b) {
			t.Fatalf("pcapng block header at %d cut short", off)
		}
		blk := pcapngBlock{off: off, typ: binary.LittleEndian.Uint32(b[off:]), size: int(binary.LittleEndian.Uint32(b[off+4:]))}
		blocks = append(blocks, blk)
		off += blk.size
	}
	return blocks
}

// writeFile writes b to name in a new temporary directory and returns its path.
func writeFile(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
