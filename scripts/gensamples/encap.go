package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Link is a pcap LINKTYPE_ value. gopacket's layers.LinkType is a uint8 and
// cannot hold LINKTYPE_LINUX_SLL2 (276), so we keep our own type.
type Link uint32

const (
	LinkNull     Link = 0   // DLT_NULL / BSD loopback
	LinkEthernet Link = 1   // Ethernet
	LinkRaw      Link = 101 // raw IPv4/IPv6
	LinkSLL      Link = 113 // Linux cooked v1
	LinkSLL2     Link = 276 // Linux cooked v2 (no gopacket layer)
)

// Format is an on-disk capture file format.
type Format int

const (
	PcapMicro  Format = iota // little-endian pcap, µs timestamps (pcapgo.Writer)
	PcapNano                 // little-endian pcap, ns timestamps (pcapgo.NewWriterNanos)
	PcapBigEnd               // big-endian pcap, µs timestamps, written by hand
	PcapGzip                 // gzip-compressed PcapMicro
	PcapNG                   // pcapng written by hand (per-interface if_tsresol)
)

// Iface describes a pcapng interface (or the single link type of a pcap).
type Iface struct {
	Link  Link
	Name  string
	NanoT bool // pcapng: if_tsresol=9; otherwise default µs
}

func ethType(p *Packet) layers.EthernetType {
	if p.V6 {
		return layers.EthernetTypeIPv6
	}
	return layers.EthernetTypeIPv4
}

// encap wraps a packet's L3 bytes in the given link layer.
func encap(lt Link, p *Packet) []byte {
	buf := gopacket.NewSerializeBuffer()
	var ls []gopacket.SerializableLayer
	switch lt {
	case LinkEthernet:
		eth := &layers.Ethernet{SrcMAC: p.SrcMAC, DstMAC: p.DstMAC, EthernetType: ethType(p)}
		ls = append(ls, eth)
		if len(p.VLANs) > 0 {
			if p.QinQ {
				eth.EthernetType = layers.EthernetTypeQinQ
			} else {
				eth.EthernetType = layers.EthernetTypeDot1Q
			}
			for i, v := range p.VLANs {
				next := layers.EthernetTypeDot1Q
				if i == len(p.VLANs)-1 {
					next = ethType(p)
				}
				ls = append(ls, &layers.Dot1Q{VLANIdentifier: v, Type: next})
			}
		}
	case LinkNull:
		fam := layers.ProtocolFamilyIPv4
		if p.V6 {
			fam = layers.ProtocolFamilyIPv6Darwin // 30, as written by macOS
		}
		ls = append(ls, &layers.Loopback{Family: fam})
	case LinkRaw:
		// nothing: the frame is the IP packet
	case LinkSLL:
		return append(sllHeader(p), p.L3...)
	case LinkSLL2:
		return append(sll2Header(p), p.L3...)
	default:
		panic(fmt.Sprintf("unsupported link type %v", lt))
	}
	ls = append(ls, gopacket.Payload(p.L3))
	if err := gopacket.SerializeLayers(buf, serializeOpts, ls...); err != nil {
		panic(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

func sllPktType(p *Packet) uint16 {
	if p.Outgoing {
		return 4 // PACKET_OUTGOING
	}
	return 0 // PACKET_HOST
}

// sllHeader builds the 16-byte Linux cooked (v1) header.
func sllHeader(p *Packet) []byte {
	h := make([]byte, 16)
	binary.BigEndian.PutUint16(h[0:], sllPktType(p))
	binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
	binary.BigEndian.PutUint16(h[4:], 6) // address length
	copy(h[6:14], p.SrcMAC)
	binary.BigEndian.PutUint16(h[14:], uint16(ethType(p)))
	return h
}

// sll2Header builds the 20-byte LINUX_SLL2 header.
func sll2Header(p *Packet) []byte {
	h := make([]byte, 20)
	binary.BigEndian.PutUint16(h[0:], uint16(ethType(p))) // protocol type
	// h[2:4] reserved
	binary.BigEndian.PutUint32(h[4:], 2) // interface index
	binary.BigEndian.PutUint16(h[8:], 1) // ARPHRD_ETHER
	h[10] = byte(sllPktType(p))          // packet type
	h[11] = 6                            // address length
	copy(h[12:20], p.SrcMAC)
	return h
}

// FileSpec is one output file.
type FileSpec struct {
	Name    string
	Format  Format
	Ifaces  []Iface // exactly one for pcap formats
	Snaplen uint32  // 0 = 262144
	Build   func() *Capture
}

func (fs FileSpec) snaplen() uint32 {
	if fs.Snaplen == 0 {
		return 262144
	}
	return fs.Snaplen
}

// frame is one encoded record.
type frame struct {
	p      *Packet
	data   []byte // possibly truncated
	origLn int
}

func (fs FileSpec) frames(c *Capture) []frame {
	var out []frame
	for _, p := range c.pkts {
		if p.Iface >= len(fs.Ifaces) {
			panic(fmt.Sprintf("%s: packet on interface %d", fs.Name, p.Iface))
		}
		d := encap(fs.Ifaces[p.Iface].Link, p)
		f := frame{p: p, data: d, origLn: len(d)}
		if uint32(len(d)) > fs.snaplen() {
			f.data = d[:fs.snaplen()]
		}
		out = append(out, f)
	}
	return out
}

// Encode renders the capture in the file's format.
func (fs FileSpec) Encode(c *Capture) []byte {
	frames := fs.frames(c)
	var buf bytes.Buffer
	switch fs.Format {
	case PcapMicro, PcapNano, PcapGzip:
		var w *pcapgo.Writer
		if fs.Format == PcapNano {
			w = pcapgo.NewWriterNanos(&buf)
		} else {
			w = pcapgo.NewWriter(&buf)
		}
		// pcapgo takes a uint8 layers.LinkType; patch the 32-bit
		// network field afterwards so values > 255 (SLL2) work too.
		must(w.WriteFileHeader(fs.snaplen(), layers.LinkType(0)))
		binary.LittleEndian.PutUint32(buf.Bytes()[20:24], uint32(fs.Ifaces[0].Link))
		for _, f := range frames {
			ci := gopacket.CaptureInfo{Timestamp: f.p.TS, CaptureLength: len(f.data), Length: f.origLn}
			must(w.WritePacket(ci, f.data))
		}
		if fs.Format == PcapGzip {
			var gz bytes.Buffer
			zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
			must(err)
			_, err = zw.Write(buf.Bytes())
			must(err)
			must(zw.Close())
			return gz.Bytes()
		}
	case PcapBigEnd:
		be := binary.BigEndian
		hdr := make([]byte, 24)
		be.PutUint32(hdr[0:], 0xa1b2c3d4)
		be.PutUint16(hdr[4:], 2)
		be.PutUint16(hdr[6:], 4)
		// thiszone, sigfigs = 0
		be.PutUint32(hdr[16:], fs.snaplen())
		be.PutUint32(hdr[20:], uint32(fs.Ifaces[0].Link))
		buf.Write(hdr)
		for _, f := range frames {
			rec := make([]byte, 16)
			be.PutUint32(rec[0:], uint32(f.p.TS.Unix()))
			be.PutUint32(rec[4:], uint32(f.p.TS.Nanosecond()/1000))
			be.PutUint32(rec[8:], uint32(len(f.data)))
			be.PutUint32(rec[12:], uint32(f.origLn))
			buf.Write(rec)
			buf.Write(f.data)
		}
	case PcapNG:
		writeNG(&buf, fs, frames)
	default:
		panic("unknown format")
	}
	return buf.Bytes()
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// ngOption encodes one pcapng option, little-endian. The pcapng files are
// written by hand so that each interface can carry its own if_tsresol.
func ngOption(code uint16, val []byte) []byte {
	o := make([]byte, 4, 4+len(val)+3)
	binary.LittleEndian.PutUint16(o[0:], code)
	binary.LittleEndian.PutUint16(o[2:], uint16(len(val)))
	o = append(o, val...)
	for len(o)%4 != 0 {
		o = append(o, 0)
	}
	return o
}

func ngBlock(w *bytes.Buffer, typ uint32, body []byte) {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	total := uint32(12 + len(body))
	var h [8]byte
	binary.LittleEndian.PutUint32(h[0:], typ)
	binary.LittleEndian.PutUint32(h[4:], total)
	w.Write(h[:])
	w.Write(body)
	binary.LittleEndian.PutUint32(h[0:], total)
	w.Write(h[:4])
}

func writeNG(w *bytes.Buffer, fs FileSpec, frames []frame) {
	le := binary.LittleEndian
	endOpt := []byte{0, 0, 0, 0}

	// Section Header Block
	shb := make([]byte, 16)
	le.PutUint32(shb[0:], 0x1a2b3c4d)
	le.PutUint16(shb[4:], 1)
	le.PutUint16(shb[6:], 0)
	le.PutUint64(shb[8:], 0xffffffffffffffff)
	shb = append(shb, ngOption(4, []byte("tcpviz gensamples"))...) // shb_userappl
	shb = append(shb, endOpt...)
	ngBlock(w, 0x0a0d0d0a, shb)

	// Interface Description Blocks
	for _, ifc := range fs.Ifaces {
		idb := make([]byte, 8)
		le.PutUint16(idb[0:], uint16(ifc.Link))
		le.PutUint32(idb[4:], fs.snaplen())
		if ifc.Name != "" {
			idb = append(idb, ngOption(2, []byte(ifc.Name))...) // if_name
		}
		if ifc.NanoT {
			idb = append(idb, ngOption(9, []byte{9})...) // if_tsresol = 10^-9
		}
		idb = append(idb, endOpt...)
		ngBlock(w, 1, idb)
	}

	// Enhanced Packet Blocks
	for _, f := range frames {
		ifc := fs.Ifaces[f.p.Iface]
		var ts uint64
		if ifc.NanoT {
			ts = uint64(f.p.TS.UnixNano())
		} else {
			ts = uint64(f.p.TS.UnixMicro())
		}
		epb := make([]byte, 20)
		le.PutUint32(epb[0:], uint32(f.p.Iface))
		le.PutUint32(epb[4:], uint32(ts>>32))
		le.PutUint32(epb[8:], uint32(ts))
		le.PutUint32(epb[12:], uint32(len(f.data)))
		le.PutUint32(epb[16:], uint32(f.origLn))
		epb = append(epb, f.data...)
		ngBlock(w, 6, epb)
	}
}

// Expect renders the .expect.tsv content: frame, tcp stream, flags.
func Expect(c *Capture) []byte {
	var buf bytes.Buffer
	streams := map[*Conn]int{}
	for i, p := range c.pkts {
		if p.Conn == nil {
			continue
		}
		id, ok := streams[p.Conn]
		if !ok {
			id = len(streams)
			streams[p.Conn] = id
		}
		if len(p.want) == 0 {
			continue
		}
		fl := sortFlags(p.want)
		fmt.Fprintf(&buf, "%d\t%d\t", i+1, id)
		for j, f := range fl {
			if j > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(f)
		}
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}
