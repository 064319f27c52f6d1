package rtp

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// rtpBytes builds an RTP packet with n payload bytes.
func rtpBytes(pt uint8, marker bool, seq uint16, ts, ssrc uint32, n int) []byte {
	b := make([]byte, 12+n)
	b[0] = 0x80
	b[1] = pt
	if marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	return b
}

// rtcp builds one RTCP packet of the given type and total length (bytes,
// a multiple of 4) with the first byte's count field.
func rtcp(pt, count uint8, n int) []byte {
	b := make([]byte, n)
	b[0] = 0x80 | count
	b[1] = pt
	binary.BigEndian.PutUint16(b[2:], uint16(n/4-1))
	binary.BigEndian.PutUint32(b[4:], 0x12345678)
	return b
}

func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

func TestParseHeader(t *testing.T) {
	withCSRC := rtpBytes(0, false, 1, 2, 3, 8)
	withCSRC[0] |= 2 // two CSRCs: the 8 payload bytes
	csrcOverrun := rtpBytes(0, false, 1, 2, 3, 4)
	csrcOverrun[0] |= 2
	ext := rtpBytes(96, true, 7, 8, 9, 8+10)
	ext[0] |= 0x10
	binary.BigEndian.PutUint16(ext[12:], 0xbede)
	binary.BigEndian.PutUint16(ext[14:], 1) // one word of extension
	extOverrun := append([]byte(nil), ext...)
	binary.BigEndian.PutUint16(extOverrun[14:], 100)
	padded := rtpBytes(0, false, 1, 2, 3, 20)
	padded[0] |= 0x20
	padded[len(padded)-1] = 4
	badPad := append([]byte(nil), padded...)
	badPad[len(badPad)-1] = 0
	hugePad := append([]byte(nil), padded...)
	hugePad[len(hugePad)-1] = 21
	v1 := rtpBytes(0, false, 1, 2, 3, 4)
	v1[0] = 0x40

	tests := []struct {
		name    string
		b       []byte
		wireLen int // 0: len(b)
		want    Header
		prob    Problem
	}{
		{name: "pcmu", b: rtpBytes(0, true, 0xffff, 0xfffffff0, 0xdeadbeef, 160),
			want: Header{Marker: true, PT: 0, Seq: 0xffff, TS: 0xfffffff0, SSRC: 0xdeadbeef, Len: 12, PayloadLen: 160}},
		{name: "csrc", b: withCSRC, want: Header{CC: 2, Seq: 1, TS: 2, SSRC: 3, Len: 20, PayloadLen: 0}},
		{name: "extension", b: ext, want: Header{Marker: true, Extension: true, PT: 96, Seq: 7, TS: 8, SSRC: 9, Len: 20, PayloadLen: 10}},
		{name: "extension cut by snaplen", b: ext[:14], wireLen: len(ext),
			want: Header{Marker: true, Extension: true, PT: 96, Seq: 7, TS: 8, SSRC: 9, PayloadLen: -1}},
		{name: "padding", b: padded, want: Header{Padding: true, Seq: 1, TS: 2, SSRC: 3, Len: 12, PayloadLen: 16}},
		{name: "padding not captured", b: padded[:20], wireLen: len(padded),
			want: Header{Padding: true, Seq: 1, TS: 2, SSRC: 3, Len: 12, PayloadLen: -1}},
		{name: "event", b: rtpBytes(101, false, 1, 2, 3, 4), want: Header{PT: 101, Seq: 1, TS: 2, SSRC: 3, Len: 12, PayloadLen: 4}},
		{name: "empty", b: nil, prob: ProbShort},
		{name: "short", b: rtpBytes(0, false, 1, 2, 3, 0)[:11], prob: ProbShort},
		{name: "version 1", b: v1, prob: ProbVersion},
		{name: "stun", b: []byte{0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4}, prob: ProbVersion},
		{name: "rtcp sr as rtp", b: rtcp(200, 0, 28), prob: ProbRTCPType},
		{name: "pt 76", b: rtpBytes(76, false, 1, 2, 3, 4), prob: ProbRTCPType},
		{name: "csrc overrun", b: csrcOverrun, prob: ProbCSRC},
		{name: "extension header overrun", b: ext[:14], prob: ProbExtension},
		{name: "extension overrun", b: extOverrun, prob: ProbExtension},
		{name: "padding zero", b: badPad, prob: ProbPadding},
		{name: "padding longer than payload", b: hugePad, prob: ProbPadding},
	}
	for _, tt := range tests {
		wire := tt.wireLen
		if wire == 0 {
			wire = len(tt.b)
		}
		var h Header
		prob := ParseHeader(tt.b, wire, &h)
		if prob != tt.prob {
			t.Errorf("%s: problem %v, want %v", tt.name, prob, tt.prob)
			continue
		}
		if prob != OK {
			continue
		}
		if diff := cmp.Diff(tt.want, h); diff != "" {
			t.Errorf("%s: header (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestIsRTCP(t *testing.T) {
	sr := rtcp(200, 0, 28)
	rr := rtcp(201, 1, 32)
	sdes := rtcp(202, 1, 24)
	bye := rtcp(203, 1, 8)
	pli := rtcp(206, 1, 12)
	badLen := rtcp(200, 0, 28)
	binary.BigEndian.PutUint16(badLen[2:], 20)
	badSecond := cat(rr, rtcp(202, 1, 40))
	badSecond[len(rr)] = 0x40 // version 1 in the second packet
	tests := []struct {
		name    string
		b       []byte
		wireLen int
		want    bool
	}{
		{"sr", sr, 0, true},
		{"rr", rr, 0, true},
		{"compound sr sdes", cat(sr, sdes), 0, true},
		{"compound rr sdes bye", cat(rr, sdes, bye), 0, true},
		{"reduced-size pli", pli, 0, true},
		{"xr", rtcp(207, 0, 16), 0, true},
		{"srtcp trailer", cat(sr, sdes, make([]byte, 14)), 0, true},
		{"cut by snaplen", cat(sr, sdes)[:30], 52, true},
		{"length past the end", badLen, 0, false},
		{"stray bytes", cat(rr, []byte{1, 2}), 0, false},
		{"second packet version 1", badSecond, 0, false},
		{"first type 199", rtcp(199, 0, 8), 0, false},
		{"first type 208", rtcp(208, 0, 8), 0, false},
		{"rtp pcmu", rtpBytes(0, false, 6, 0, 1, 160), 0, false},
		{"rtp pt 78 with marker", rtpBytes(78, true, 100, 0, 1, 160), 0, false},
		{"short", sr[:7], 0, false},
		{"empty", nil, 0, false},
	}
	for _, tt := range tests {
		wire := tt.wireLen
		if wire == 0 {
			wire = len(tt.b)
		}
		if got := IsRTCP(tt.b, wire); got != tt.want {
			t.Errorf("%s: IsRTCP = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestClockTables(t *testing.T) {
	for _, tt := range []struct {
		pt   uint8
		want uint32
	}{{0, 8000}, {8, 8000}, {9, 8000}, {10, 44100}, {18, 8000}, {26, 90000}, {34, 90000}, {20, 0}, {96, 0}, {127, 0}} {
		if got := StaticClock(tt.pt); got != tt.want {
			t.Errorf("StaticClock(%d) = %d, want %d", tt.pt, got, tt.want)
		}
	}
	for _, tt := range []struct {
		in   float64
		want uint32
	}{{8000, 8000}, {7700, 8000}, {7600, 0}, {15999, 16000}, {22000, 22050}, {45000, 44100}, {46500, 48000}, {89000, 90000},
		{11025, 0}, {5e7, 0}, {0, 0}, {-8000, 0}} {
		if got := snap(tt.in); got != tt.want {
			t.Errorf("snap(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
