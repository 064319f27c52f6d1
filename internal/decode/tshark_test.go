package decode_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tcpviz/tcpviz/internal/decode"
)

// tsharkTCP is what tshark says about one frame. Fields come from the last
// occurrence of each (-E occurrence=l): a tunnelled frame has two ip layers
// and the inner one is the one whose TCP header is dissected.
type tsharkTCP struct {
	frame            int
	protocols        []string
	srcPort, dstPort int
	seqRaw           uint64
	tcpLen           int
	ipMF             string // ip.flags.mf of the last ip layer: "1", "0" or ""
	ipFragOffset     int    // ip.frag_offset of the last ip layer
	ip6FragOffset    int    // ipv6.fraghdr.offset
	ip6More          string // ipv6.fraghdr.more: "1", "0" or ""
}

func (r *tsharkTCP) has(proto string) bool {
	for _, p := range r.protocols {
		if p == proto {
			return true
		}
	}
	return false
}

// runTshark dissects every frame of path. It returns nil when tshark printed
// nothing (an empty or unreadable file); tshark's exit status 2 for a
// truncated file is not an error, its output up to the damage is used.
func runTshark(t *testing.T, path string) []tsharkTCP {
	t.Helper()
	cmd := exec.Command("tshark", "-n", "-r", path, "-T", "fields", "-E", "occurrence=l",
		"-e", "frame.number", "-e", "frame.protocols",
		"-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.seq_raw", "-e", "tcp.len",
		"-e", "ip.flags.mf", "-e", "ip.frag_offset", "-e", "ipv6.fraghdr.offset", "-e", "ipv6.fraghdr.more")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && len(out) == 0 {
		t.Logf("tshark %s: %v: %s", filepath.Base(path), err, stderr.String())
		return nil
	}
	var rows []tsharkTCP
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		for len(f) < 10 {
			f = append(f, "")
		}
		atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
		seq, _ := strconv.ParseUint(f[4], 10, 32)
		rows = append(rows, tsharkTCP{
			frame:         atoi(f[0]),
			protocols:     strings.Split(f[1], ":"),
			srcPort:       atoi(f[2]),
			dstPort:       atoi(f[3]),
			seqRaw:        seq,
			tcpLen:        atoi(f[5]),
			ipMF:          f[6],
			ipFragOffset:  atoi(f[7]),
			ip6FragOffset: atoi(f[8]),
			ip6More:       f[9],
		})
	}
	return rows
}

// exclusion says why a frame tshark decodes as TCP is left out of the
// comparison, or "" when it is compared.
func exclusion(r *tsharkTCP, linkType uint32) string {
	switch {
	case !decode.Supported(linkType):
		// FDDI, Cisco HDLC/PPP...: tcpviz counts the frame as an
		// unsupported link type instead of decoding it.
		return "unsupported link type"
	case r.has("icmp") || r.has("icmpv6"):
		// An ICMP error quotes the start of the offending packet;
		// Wireshark dissects the quoted TCP header, tcpviz stops at
		// ICMP because the quote is not a segment of any connection.
		return "tcp quoted inside icmp"
	case r.ipMF == "1" || r.ipFragOffset != 0 || r.ip6More == "1" || r.ip6FragOffset != 0:
		// Wireshark reassembles IP fragments and dissects TCP in the
		// frame that completes the datagram; tcpviz does not reassemble
		// (it counts ip_fragment), so these frames cannot agree.
		return "reassembled ip fragments"
	}
	return ""
}

// TestTsharkAgreement checks, frame by frame over the real-capture corpus,
// that every TCP segment tshark dissects is decoded as TCP with the same
// ports, raw sequence number and segment length (tcp.len).
func TestTsharkAgreement(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	if testing.Short() {
		t.Skip("runs tshark over the whole corpus")
	}
	var (
		mu                         sync.Mutex
		compared, agreed, extraTCP int
		excluded                   = map[string]int{}
	)
	t.Cleanup(func() {
		t.Logf("tshark agreement: %d/%d TCP frames agree; excluded %v; decoded as TCP where tshark has none: %d",
			agreed, compared, excluded, extraTCP)
	})
	for _, path := range corpusFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			frames, err := readCapture(path, 0)
			if err != nil {
				t.Fatal(err)
			}
			rows := runTshark(t, path)
			if len(rows) != len(frames) {
				t.Fatalf("tshark dissects %d frames, pcapgo reads %d", len(rows), len(frames))
			}
			d := decode.New()
			var p decode.Packet
			var nCmp, nAgree, nExtra, nBad int
			excl := map[string]int{}
			for i := range frames {
				fr, r := &frames[i], &rows[i]
				ok := d.Decode(uint64(i+1), 0, fr.linkType, fr.origLen, fr.data, &p)
				if !r.has("tcp") {
					if ok && p.IsTCP() {
						nExtra++
						t.Logf("frame %d: decoded as TCP %d->%d, tshark: %s", i+1, p.SrcPort, p.DstPort, strings.Join(r.protocols, ":"))
					}
					continue
				}
				if why := exclusion(r, fr.linkType); why != "" {
					excl[why]++
					continue
				}
				nCmp++
				want := tcpFacts{OK: true, TCP: true, SrcPort: r.srcPort, DstPort: r.dstPort, Seq: r.seqRaw, Len: r.tcpLen}
				got := tcpFacts{OK: ok, TCP: p.IsTCP(), SrcPort: int(p.SrcPort), DstPort: int(p.DstPort), Seq: uint64(p.TCP.Seq), Len: p.PayloadLen}
				if want == got {
					nAgree++
					continue
				}
				if nBad++; nBad <= 10 {
					t.Errorf("frame %d (%s) (-tshark +tcpviz):\n%s", i+1, strings.Join(r.protocols, ":"), diffValues(want, got))
				}
			}
			mu.Lock()
			compared += nCmp
			agreed += nAgree
			extraTCP += nExtra
			for k, v := range excl {
				excluded[k] += v
			}
			mu.Unlock()
			if nBad > 0 {
				t.Errorf("%d of %d TCP frames disagree with tshark", nBad, nCmp)
			}
		})
	}
}

// tcpFacts are the TCP facts compared with tshark.
type tcpFacts struct {
	OK, TCP          bool
	SrcPort, DstPort int
	Seq              uint64
	Len              int
}
