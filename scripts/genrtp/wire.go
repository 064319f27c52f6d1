package main

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"sort"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// baseTime is the start of every generated capture.
var baseTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// endpoint is one side of a UDP conversation.
type endpoint struct {
	addr netip.Addr
	port uint16
	mac  net.HardwareAddr
}

func ep(addr string, port uint16, mac byte) endpoint {
	return endpoint{addr: netip.MustParseAddr(addr), port: port,
		mac: net.HardwareAddr{0x02, 0, 0, 0, 0, mac}}
}

// datagram is one UDP payload sent at a given time.
type datagram struct {
	at       time.Duration // since baseTime
	src, dst endpoint
	payload  []byte
	order    int // creation order, to keep sorting stable and deterministic
}

// capture collects datagrams and renders them as an Ethernet pcap.
type capture struct {
	dgrams []datagram
	ipID   uint16
}

func (c *capture) send(at time.Duration, src, dst endpoint, payload []byte) {
	c.dgrams = append(c.dgrams, datagram{at: at, src: src, dst: dst, payload: payload, order: len(c.dgrams)})
}

var serializeOpts = gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}

// frame serializes one datagram as Ethernet/IP/UDP with correct checksums.
func (c *capture) frame(d *datagram) []byte {
	eth := &layers.Ethernet{SrcMAC: d.src.mac, DstMAC: d.dst.mac}
	udp := &layers.UDP{SrcPort: layers.UDPPort(d.src.port), DstPort: layers.UDPPort(d.dst.port)}
	buf := gopacket.NewSerializeBuffer()
	var err error
	if d.src.addr.Is4() {
		eth.EthernetType = layers.EthernetTypeIPv4
		c.ipID++
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: c.ipID, Flags: layers.IPv4DontFragment,
			Protocol: layers.IPProtocolUDP, SrcIP: d.src.addr.AsSlice(), DstIP: d.dst.addr.AsSlice()}
		must(udp.SetNetworkLayerForChecksum(ip))
		err = gopacket.SerializeLayers(buf, serializeOpts, eth, ip, udp, gopacket.Payload(d.payload))
	} else {
		eth.EthernetType = layers.EthernetTypeIPv6
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP,
			SrcIP: d.src.addr.AsSlice(), DstIP: d.dst.addr.AsSlice()}
		must(udp.SetNetworkLayerForChecksum(ip))
		err = gopacket.SerializeLayers(buf, serializeOpts, eth, ip, udp, gopacket.Payload(d.payload))
	}
	must(err)
	out := buf.Bytes()
	if len(out) < 60 {
		out = append(out, make([]byte, 60-len(out))...)
	}
	return out
}

// encode renders the capture as a little-endian microsecond pcap, frames in
// time order (ties in creation order).
func (c *capture) encode() []byte {
	sort.SliceStable(c.dgrams, func(i, j int) bool {
		if c.dgrams[i].at != c.dgrams[j].at {
			return c.dgrams[i].at < c.dgrams[j].at
		}
		return c.dgrams[i].order < c.dgrams[j].order
	})
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	must(w.WriteFileHeader(65535, layers.LinkTypeEthernet))
	c.ipID = 0
	for i := range c.dgrams {
		d := &c.dgrams[i]
		data := c.frame(d)
		ci := gopacket.CaptureInfo{Timestamp: baseTime.Add(d.at), CaptureLength: len(data), Length: len(data)}
		must(w.WritePacket(ci, data))
	}
	return buf.Bytes()
}

// rtpPacket builds an RTP packet (RFC 3550 §5.1) with a payload of n bytes
// of a deterministic pattern.
func rtpPacket(pt uint8, marker bool, seq uint16, ts, ssrc uint32, n int) []byte {
	b := make([]byte, 12+n)
	b[0] = 0x80
	b[1] = pt & 0x7f
	if marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	for i := 12; i < len(b); i++ {
		b[i] = byte(0xd5 ^ (int(seq)+i)&0x0f)
	}
	return b
}

// rtcpHeader appends the common RTCP header (RFC 3550 §6.4.1): version 2,
// count, packet type, and the length in 32-bit words minus one.
func rtcpHeader(b []byte, count, pt uint8, words int) []byte {
	b = append(b, 0x80|count&0x1f, pt)
	return binary.BigEndian.AppendUint16(b, uint16(words-1))
}

// rtcpSR appends a sender report without report blocks (28 bytes).
func rtcpSR(b []byte, ssrc uint32, ntp uint64, rtpTS, packets, octets uint32) []byte {
	b = rtcpHeader(b, 0, 200, 7)
	b = binary.BigEndian.AppendUint32(b, ssrc)
	b = binary.BigEndian.AppendUint64(b, ntp)
	b = binary.BigEndian.AppendUint32(b, rtpTS)
	b = binary.BigEndian.AppendUint32(b, packets)
	return binary.BigEndian.AppendUint32(b, octets)
}

// rtcpRR appends a receiver report with one report block (32 bytes).
func rtcpRR(b []byte, ssrc, about uint32, lost uint32, highest uint32, jitter uint32) []byte {
	b = rtcpHeader(b, 1, 201, 8)
	b = binary.BigEndian.AppendUint32(b, ssrc)
	b = binary.BigEndian.AppendUint32(b, about)
	b = binary.BigEndian.AppendUint32(b, lost&0xffffff)
	b = binary.BigEndian.AppendUint32(b, highest)
	b = binary.BigEndian.AppendUint32(b, jitter)
	b = binary.BigEndian.AppendUint32(b, 0)    // LSR
	return binary.BigEndian.AppendUint32(b, 0) // DLSR
}

// rtcpSDES appends an SDES chunk with one CNAME item, padded to a word.
func rtcpSDES(b []byte, ssrc uint32, cname string) []byte {
	item := []byte{1, byte(len(cname))}
	item = append(item, cname...)
	item = append(item, 0) // end of items
	for len(item)%4 != 0 {
		item = append(item, 0)
	}
	b = rtcpHeader(b, 1, 202, 2+len(item)/4)
	b = binary.BigEndian.AppendUint32(b, ssrc)
	return append(b, item...)
}

// rtcpPLI appends a payload-specific feedback Picture Loss Indication
// (RFC 4585 §6.3.1: PT 206, FMT 1).
func rtcpPLI(b []byte, sender, media uint32) []byte {
	b = rtcpHeader(b, 1, 206, 3)
	b = binary.BigEndian.AppendUint32(b, sender)
	return binary.BigEndian.AppendUint32(b, media)
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
