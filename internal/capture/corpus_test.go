package capture

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The shared corpus lives beside the repository and is never copied into it;
// these tests skip when it is absent.
const (
	corpusPcaps = "../../../shared/corpus/pcaps"
	corpusWild  = "../../../shared/corpus/wild"
	corpusTruth = "../../../shared/corpus/truth"
)

func corpusFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("corpus %s not present", dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		t.Skipf("corpus %s is empty", dir)
	}
	return files
}

// capinfosCount is what `capinfos -c -M` says about path: the number of
// packets it read, and whether it stopped on an error (a truncated or
// damaged file, or record data it does not support). ok is false when
// capinfos printed no count.
func capinfosCount(path string) (n int, failed, ok bool) {
	out, err := exec.Command("capinfos", "-c", "-M", path).CombinedOutput()
	m := regexp.MustCompile(`Number of packets:\s+(\d+)`).FindSubmatch(out)
	if m == nil {
		return 0, err != nil, false
	}
	n, _ = strconv.Atoi(string(m[1]))
	return n, err != nil, true
}

// truth is the part of the corpus's tshark truth file this package checks.
type truth struct {
	Frames     int `json:"frames"`
	FileHeader struct {
		Format      string `json:"format"`
		ByteOrder   string `json:"byte_order"`
		TSPrecision string `json:"ts_precision"`
		Snaplen     uint32 `json:"snaplen"`
		LinkTypes   []struct {
			LinkType uint32 `json:"linktype"`
		} `json:"linktypes"`
	} `json:"file_header"`
	TsharkExitCode int `json:"tshark_exit_code"`
}

func readTruth(path string) (*truth, bool) {
	b, err := os.ReadFile(filepath.Join(corpusTruth, filepath.Base(path)+".json"))
	if err != nil {
		return nil, false
	}
	var tr truth
	if err := json.Unmarshal(b, &tr); err != nil {
		return nil, false
	}
	return &tr, true
}

// readFile reads path to its end, counting records; recs collects them when
// keepRecs is set.
func readFile(path string, keepRecs bool) (info Info, n int, recs []rec, err error) {
	r, err := Open(path, nil)
	if err != nil {
		return Info{}, 0, nil, err
	}
	defer r.Close()
	var rc Record
	for {
		if err = r.Next(&rc); err != nil {
			break
		}
		n++
		if keepRecs {
			recs = append(recs, keep(&rc))
		}
	}
	if err == io.EOF {
		err = nil
	}
	return r.Info(), n, recs, err
}

// TestCorpus reads every real capture to its end and checks the count against
// capinfos (or, without capinfos, against the corpus's tshark truth), and the
// file header against the truth file: a file Wireshark reads cleanly must read
// cleanly here, and a truncated one must stop with ErrTruncated or ErrCorrupt
// after the same number of records.
func TestCorpus(t *testing.T) {
	files := corpusFiles(t, corpusPcaps)
	_, lookErr := exec.LookPath("capinfos")
	haveCapinfos := lookErr == nil
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			info, n, _, err := readFile(path, false)
			var ce *Error
			if err != nil && !errors.As(err, &ce) {
				t.Fatalf("read: %v", err)
			}

			var want int
			var damaged, ok bool
			if haveCapinfos {
				want, damaged, ok = capinfosCount(path)
			} else if tr, found := readTruth(path); found {
				want, damaged, ok = tr.Frames, tr.TsharkExitCode != 0, true
			}
			if !ok {
				t.Logf("no reference count; read %d records, error %v", n, err)
				return
			}
			if n != want {
				t.Errorf("%d records, Wireshark reads %d (error %v)", n, want, err)
			}
			switch {
			case damaged && err == nil:
				t.Errorf("read cleanly a file Wireshark calls damaged")
			case damaged && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrCorrupt):
				t.Errorf("error %v, want ErrTruncated or ErrCorrupt", err)
			case !damaged && err != nil:
				t.Errorf("error %v on a file Wireshark reads cleanly", err)
			}
			if ce != nil && ce.Frame != uint64(n) {
				t.Errorf("Error.Frame = %d after %d records", ce.Frame, n)
			}

			tr, found := readTruth(path)
			if !found || err != nil && info.Format == 0 {
				return
			}
			h := tr.FileHeader
			var links []uint32
			for _, l := range h.LinkTypes {
				if !slices.Contains(links, l.LinkType) {
					links = append(links, l.LinkType)
				}
			}
			want2 := Info{
				Format:     map[string]Format{"pcap": FormatPcap, "pcapng": FormatPcapNG}[h.Format],
				BigEndian:  h.ByteOrder == "big",
				Nanosecond: h.TSPrecision == "nsec",
				LinkTypes:  links,
				Snaplen:    h.Snaplen,
			}
			if h.Format == "pcapng" {
				// The truth file gives neither a resolution nor a
				// snaplen for pcapng (tshark shows 262144 for
				// "unlimited"); the fixtures test both.
				want2.Nanosecond, want2.Snaplen = info.Nanosecond, info.Snaplen
			}
			if d := diff(want2, info); d != "" {
				t.Errorf("Info against the tshark truth file (-want +got):\n%s", d)
			}
		})
	}
}

// TestCorpusFramesAgainstTshark compares every record of every real capture
// with what tshark says about the frame: timestamp to the nanosecond, wire
// and captured lengths, interface. It runs tshark once per file, so -short
// skips it.
func TestCorpusFramesAgainstTshark(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tshark over the whole corpus")
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	for _, path := range corpusFiles(t, corpusPcaps) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			_, _, got, _ := readFile(path, true)
			want, err := tsharkFrames(path)
			if err != nil {
				t.Skipf("tshark: %v", err)
			}
			// tshark has no link type per frame in DLT numbers and
			// shows no data here; compare what it does show.
			for i := range got {
				got[i].Link, got[i].Data = 0, make([]byte, len(got[i].Data))
			}
			if d := diffRecs(want, got); d != "" {
				t.Errorf("records (-tshark +ours):\n%s", d)
			}
		})
	}
}

// tsharkFrames lists what tshark reports of each frame in path, with the
// captured length standing in for the data (as a zeroed slice of that length,
// which the caller compares by length only).
func tsharkFrames(path string) ([]rec, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "tshark", "-n", "-r", path, "-T", "fields",
		"-e", "frame.time_epoch", "-e", "frame.len", "-e", "frame.cap_len", "-e", "frame.interface_id")
	out, err := cmd.Output()
	if len(out) == 0 && err != nil {
		return nil, err
	}
	var recs []rec
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("line %q", sc.Text())
		}
		ts, err := parseEpoch(f[0])
		if err != nil {
			return nil, err
		}
		orig, err1 := strconv.Atoi(f[1])
		capLen, err2 := strconv.Atoi(f[2])
		iface := 0
		var err3 error
		if f[3] != "" {
			iface, err3 = strconv.Atoi(f[3])
		}
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, err
		}
		recs = append(recs, rec{TS: ts, Iface: iface, Orig: max(orig, capLen), Data: make([]byte, capLen)})
	}
	return recs, nil
}

// parseEpoch reads tshark's "seconds.nanoseconds" without going through a
// float, which would lose the nanoseconds.
func parseEpoch(s string) (int64, error) {
	sec, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return 0, err
	}
	frac = (frac + "000000000")[:9]
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0, err
	}
	return n*1e9 + f, nil
}

// TestWildCorpus feeds the tcpdump test suite's captures, many of them
// deliberately malformed, through the reader: none may panic or hang, every
// error must be one the reader documents, and, where capinfos gives a count
// and -short is not set, the record counts must agree.
func TestWildCorpus(t *testing.T) {
	files := corpusFiles(t, corpusWild)
	_, lookErr := exec.LookPath("capinfos")
	compare := lookErr == nil && !testing.Short()
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			type outcome struct {
				n     int
				err   error
				panic any
			}
			done := make(chan outcome, 1)
			go func() {
				var o outcome
				defer func() {
					o.panic = recover()
					done <- o
				}()
				_, o.n, _, o.err = readFile(path, false)
			}()
			var o outcome
			select {
			case o = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("still reading after 30s")
			}
			if o.panic != nil {
				t.Fatalf("panic: %v", o.panic)
			}
			var ce *Error
			var pe *os.PathError
			if o.err != nil && !errors.As(o.err, &ce) && !errors.As(o.err, &pe) {
				t.Fatalf("error %v (%T) is neither a *capture.Error nor a path error", o.err, o.err)
			}
			if !compare {
				return
			}
			want, _, ok := capinfosCount(path)
			if ok && want != o.n {
				t.Errorf("%d records, capinfos reads %d (error %v)", o.n, want, o.err)
			}
		})
	}
}
