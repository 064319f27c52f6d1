package decode_test

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/tcpviz/tcpviz/internal/decode"
)

// wildDir holds tcpdump's test captures, many deliberately malformed: good
// fuzz seeds for every link type (see the corpus README).
const wildDir = "../../../shared/corpus/wild"

// FuzzDecode feeds arbitrary frames of arbitrary link types to Decode. It is
// seeded with the hand-built frames of TestDecode, the first 50 frames of
// every capture of the real-capture corpus and the first frames of tcpdump's
// malformed-capture collection, when those folders are present.
func FuzzDecode(f *testing.F) {
	for _, tc := range decodeCases(f) {
		f.Add(uint16(tc.link), tc.frame)
	}
	if files, _ := filepath.Glob(filepath.Join(corpusDir, "*")); len(files) > 0 {
		sort.Strings(files)
		for _, path := range files {
			addSeeds(f, path, 50)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(wildDir, "*")); len(files) > 0 {
		sort.Strings(files)
		for _, path := range files {
			addSeeds(f, path, 5)
		}
	}

	// One Decoder per worker: New builds seven parsers, a thousand
	// times slower than a decode. Each input is decoded twice and must
	// decode the same both times, which catches state left behind by
	// the input before. The fast path must decode as the general decoder does.
	d, general := decode.New(), decode.NewGeneral()
	f.Fuzz(func(t *testing.T, linkType uint16, data []byte) {
		for _, origLen := range []int{len(data), len(data) + 1000} {
			sameAsGeneral(t, d, general, uint32(linkType), origLen, data)
			frames, fails := d.Stats.Frames, d.Stats.Total()
			var p, again decode.Packet
			ok := d.Decode(1, 0, uint32(linkType), origLen, data, &p)
			checkInvariants(t, ok, &p, data)
			if got := d.Stats.Frames - frames; got != 1 {
				t.Errorf("Stats.Frames grew by %d, want 1", got)
			}
			if got := d.Stats.Total() - fails; got > 1 {
				t.Errorf("one frame counted as %d failures, want at most 1", got)
			}
			okAgain := d.Decode(1, 0, uint32(linkType), origLen, data, &again)
			if diff := diffValues(p, again); diff != "" || ok != okAgain {
				t.Errorf("decoding the frame again differs (ok %v, %v) (-first +second):\n%s", ok, okAgain, diff)
			}
		}
	})
}

func addSeeds(f *testing.F, path string, n int) {
	frames, err := readCapture(path, n)
	if err != nil {
		return // not a capture pcapgo reads: nothing to seed
	}
	for _, fr := range frames {
		if fr.linkType <= 0xffff {
			f.Add(uint16(fr.linkType), fr.data)
		}
	}
}

// checkInvariants holds for every frame, however malformed.
func checkInvariants(t *testing.T, ok bool, p *decode.Packet, data []byte) {
	t.Helper()
	isIP := p.Net == decode.NetIPv4 || p.Net == decode.NetIPv6
	switch {
	case p.PayloadLen < 0:
		t.Errorf("PayloadLen = %d, want >= 0", p.PayloadLen)
	case (p.Transport == decode.TransTCP || p.Transport == decode.TransUDP) && len(p.Payload) > p.PayloadLen:
		t.Errorf("captured payload %d bytes, more than PayloadLen %d", len(p.Payload), p.PayloadLen)
	case p.Transport == decode.TransTCP && !isIP:
		t.Errorf("TCP decoded with Net = %d, want IPv4 or IPv6", p.Net)
	case p.Transport == decode.TransTCP && (p.TCP.HeaderLen < 20 || p.TCP.WScale > 14 || p.TCP.NSACK > 4):
		t.Errorf("impossible TCP header: %+v", p.TCP)
	case ok && p.Transport != decode.TransTCP && p.Transport != decode.TransUDP:
		t.Errorf("Decode returned true with Transport = %d, want TCP or UDP", p.Transport)
	case ok && (p.Fragment || !p.Src.IsValid() || !p.Dst.IsValid()):
		t.Errorf("Decode returned true for a fragment or without addresses: %+v", p)
	case p.Fragment && p.Transport != decode.TransNone:
		t.Errorf("fragment with Transport = %d, want none", p.Transport)
	case p.CapLen != len(data):
		t.Errorf("CapLen = %d, want %d", p.CapLen, len(data))
	}
	if len(p.Payload) > 0 && !within(p.Payload, data) {
		t.Errorf("Payload does not alias the frame")
	}
}

// within reports whether sub is a slice of frame's bytes.
func within(sub, frame []byte) bool {
	if len(frame) == 0 {
		return false
	}
	off := cap(frame) - cap(sub)
	return off >= 0 && off+len(sub) <= len(frame) && &frame[off] == &sub[0]
}

// TestWildCorpus decodes every frame of tcpdump's malformed-capture
// collection: nothing may panic, and the invariants hold.
func TestWildCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 830 captures")
	}
	files, _ := filepath.Glob(filepath.Join(wildDir, "*"))
	if len(files) == 0 {
		t.Skipf("no captures at %s", wildDir)
	}
	d := decode.New()
	var p decode.Packet
	var n, tcp int
	for _, path := range files {
		if st, err := os.Stat(path); err != nil || st.IsDir() {
			continue
		}
		frames, err := readCapture(path, 0)
		if err != nil {
			continue
		}
		for i, fr := range frames {
			ok := d.Decode(uint64(i+1), 0, fr.linkType, fr.origLen, fr.data, &p)
			checkInvariants(t, ok, &p, fr.data)
			if t.Failed() {
				t.Fatalf("%s frame %d", filepath.Base(path), i+1)
			}
			n++
			if p.IsTCP() {
				tcp++
			}
		}
	}
	t.Logf("decoded %d frames of %d captures, %d as TCP; failures by reason: %v", n, len(files), tcp, d.Stats.ByReason())
}
