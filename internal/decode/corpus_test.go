package decode_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// corpusDir holds real captures shared by the project's tests (see its
// README). It lives outside the repository, so tests that need it skip when
// it is absent.
const corpusDir = "../../../shared/corpus/pcaps"

// capFrame is one record of a capture file. data is a private copy.
type capFrame struct {
	linkType uint32
	origLen  int
	data     []byte
}

// corpusFiles returns the captures in corpusDir, sorted, or skips the test.
// TCPVIZ_CORPUS names another folder instead, e.g. the corpus' wild/ captures
// for an exploratory tshark comparison.
func corpusFiles(tb testing.TB) []string {
	tb.Helper()
	dir := corpusDir
	if d := os.Getenv("TCPVIZ_CORPUS"); d != "" {
		dir = d
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) == 0 {
		tb.Skipf("no capture corpus at %s", dir)
	}
	sort.Strings(files)
	return files
}

// readCapture reads up to max records (all when max <= 0) of a pcap or pcapng
// file, told apart by magic number, not by name. A damaged tail ends the read
// without an error: what was read is returned, as tcpviz itself would analyse
// it.
func readCapture(path string, max int) ([]capFrame, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	magic, err := br.Peek(4)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var next func() (capFrame, error)
	if string(magic) == "\x0a\x0d\x0d\x0a" {
		// Mixed link types must be asked for: by default pcapgo drops
		// packets of interfaces whose link type differs from the first,
		// and frame numbers would drift from Wireshark's.
		r, err := pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		next = func() (capFrame, error) {
			data, ci, err := r.ReadPacketData()
			if err != nil {
				return capFrame{}, err
			}
			lt := uint32(r.LinkType())
			if len(ci.AncillaryData) > 0 {
				if l, ok := ci.AncillaryData[0].(layers.LinkType); ok {
					lt = uint32(l)
				}
			}
			return capFrame{linkType: lt, origLen: ci.Length, data: data}, nil
		}
	} else {
		r, err := pcapgo.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		next = func() (capFrame, error) {
			data, ci, err := r.ReadPacketData()
			if err != nil {
				return capFrame{}, err
			}
			return capFrame{linkType: uint32(r.LinkType()), origLen: ci.Length, data: data}, nil
		}
	}
	var frames []capFrame
	for max <= 0 || len(frames) < max {
		fr, err := next()
		if err != nil {
			break
		}
		frames = append(frames, fr)
	}
	return frames, nil
}
