package capture

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// damaged is one broken input: what Next or NewReader must report, and how
// many of the records in front of the damage must have been returned first.
type damaged struct {
	name   string
	file   []byte
	kind   error
	offset int
	frame  int
	// plainOnly marks damage to the gzip stream itself, which the test
	// must not gzip again.
	plainOnly bool
}

func damagedInputs(t testing.TB) []damaged {
	d := payload(1, 60)

	// Three good pcap records in front of the damage.
	pcap := cat(pcapHeader(le, false, 65535, linkEthernet), pcapRecord(le, 1, 0, d, 60), pcapRecord(le, 2, 0, d, 60), pcapRecord(le, 3, 0, d, 60))
	// Three good pcapng records in front of the damage.
	ng := cat(shb(le, 1, 0), idb(le, linkEthernet, 0), epb(le, 0, 1, d, 60), epb(le, 0, 2, d, 60), epb(le, 0, 3, d, 60))
	next := epb(le, 0, 4, d, 60)

	withU32 := func(b []byte, at int, v uint32) []byte {
		b = append([]byte(nil), b...)
		le.PutUint32(b[at:], v)
		return b
	}
	withU16 := func(b []byte, at int, v uint16) []byte {
		b = append([]byte(nil), b...)
		le.PutUint16(b[at:], v)
		return b
	}
	elf := []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0, 1, 0, 0, 0}
	idbShort := ngRawBlock(le, ngIDB, 16, []byte{1, 0, 0, 0}, 16)
	// An if_name option claiming 200 bytes in a 28-byte block.
	idbOverrun := ngBlock(le, ngIDB, cat([]byte{1, 0, 0, 0, 0, 0, 0, 0}, le.AppendUint16(le.AppendUint16(nil, 2), 200), []byte("eth0")))

	gzCorrupt := gzipped(t, pcap, gzip.BestCompression)
	gzCorrupt[10] = 0xff // final block of reserved type 3 (RFC 1951 §3.2.3)
	gzStored := gzipped(t, pcap, gzip.NoCompression)
	gzStored[len(gzStored)-9] ^= 0x40 // last data byte, so the CRC-32 no longer matches
	gzCut := gzipped(t, pcap, gzip.NoCompression)

	return []damaged{
		// Nothing or not a capture: NewReader fails.
		{name: "empty file", file: nil, kind: ErrEmpty},
		{name: "three bytes of text", file: []byte("hi\n"), kind: ErrNotCapture},
		{name: "three bytes of pcap magic", file: []byte{0xd4, 0xc3, 0xb2}, kind: ErrTruncated, offset: 3},
		{name: "three bytes of pcapng magic", file: []byte{0x0a, 0x0d, 0x0d}, kind: ErrTruncated, offset: 3},
		{name: "text file", file: []byte("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), kind: ErrNotCapture},
		{name: "ELF executable", file: elf, kind: ErrNotCapture},
		{name: "pcap file header cut short", file: pcap[:20], kind: ErrTruncated, offset: 20},
		{name: "pcap version 3", file: withU16(pcap, 4, 3), kind: ErrCorrupt},
		{name: "pcapng section header cut in its length", file: ng[:7], kind: ErrTruncated, offset: 7},
		{name: "pcapng section header cut in its version", file: ng[:14], kind: ErrTruncated, offset: 14},
		{name: "pcapng section header cut in its options", file: ng[:30], kind: ErrTruncated, offset: 30},
		{name: "pcapng version 2", file: withU16(ng, 12, 2), kind: ErrCorrupt},
		{name: "pcapng byte-order magic wrong", file: withU32(ng, 8, 0x12345678), kind: ErrCorrupt},
		{name: "pcapng section header length 24", file: withU32(ng, 4, 24), kind: ErrCorrupt},
		{name: "pcapng section header length not a multiple of 4", file: withU32(ng, 4, 50), kind: ErrCorrupt},
		{name: "pcapng section header trailer mismatch", file: withU32(ng, 44, 52), kind: ErrCorrupt},

		// Damage after three good pcap records.
		{name: "pcap cut in a record header", file: cat(pcap, pcapRecord(le, 4, 0, d, 60)[:10]), kind: ErrTruncated, offset: len(pcap) + 10, frame: 3},
		{name: "pcap cut in record data", file: cat(pcap, pcapRecord(le, 4, 0, d, 60)[:46]), kind: ErrTruncated, offset: len(pcap) + 46, frame: 3},
		{name: "pcap record claiming 4 GiB", file: cat(pcap, pcapRecordHeader(le, 0xffffffff, 0xffffffff), d), kind: ErrCorrupt, offset: len(pcap), frame: 3},
		{name: "pcap record one byte over MaxRecord", file: cat(pcap, pcapRecordHeader(le, MaxRecord+1, MaxRecord+1), d), kind: ErrCorrupt, offset: len(pcap), frame: 3},
		{name: "big-endian pcap record claiming 4 GiB", file: cat(pcapHeader(be, true, 65535, 1), pcapRecord(be, 1, 0, d, 60), pcapRecordHeader(be, 0xfffffff0, 60)), kind: ErrCorrupt, offset: 24 + 76, frame: 1},

		// Damage after three good pcapng records.
		{name: "pcapng cut in a block header", file: cat(ng, next[:5]), kind: ErrTruncated, offset: len(ng) + 5, frame: 3},
		{name: "pcapng cut in packet data", file: cat(ng, next[:40]), kind: ErrTruncated, offset: len(ng) + 40, frame: 3},
		{name: "pcapng cut in a block trailer", file: cat(ng, next[:len(next)-2]), kind: ErrTruncated, offset: len(ng) + len(next) - 2, frame: 3},
		{name: "pcapng cut in a skipped block", file: cat(ng, ngBlock(le, 0x0bad, payload(3, 100))[:60]), kind: ErrTruncated, offset: len(ng) + 60, frame: 3},
		{name: "pcapng block length 8", file: cat(ng, ngRawBlock(le, ngEPB, 8, nil, 8), next), kind: ErrCorrupt, offset: len(ng), frame: 3},
		{name: "pcapng block length 0", file: cat(ng, ngRawBlock(le, 0x0bad, 0, nil, 0)), kind: ErrCorrupt, offset: len(ng), frame: 3},
		{name: "pcapng block length not a multiple of 4", file: cat(ng, withU32(next, 4, 94)), kind: ErrCorrupt, offset: len(ng), frame: 3},
		{name: "pcapng block length over the limit", file: cat(ng, withU32(next, 4, 0x7ffffff0)), kind: ErrCorrupt, offset: len(ng), frame: 3},
		{name: "pcapng block length 4 GiB", file: cat(ng, withU32(next, 4, 0xfffffffc)), kind: ErrCorrupt, offset: len(ng), frame: 3},
		{name: "pcapng block trailer mismatch", file: cat(ng, withU32(next, len(next)-4, 96), next), kind: ErrCorrupt, offset: len(ng), frame: 3},
		{name: "pcapng skipped block trailer mismatch", file: cat(ng, withU32(isb(le, 0), 20, 0), next), kind: ErrCorrupt, offset: len(ng), frame: 3},
		{name: "pcapng packet block shorter than its header", file: cat(ng, ngBlock(le, ngEPB, make([]byte, 16)), next), kind: ErrCorrupt, offset: len(ng), frame: 3},
		{name: "pcapng captured length beyond its block", file: cat(ng, withU32(next, 20, 64), next), kind: ErrCorrupt, offset: len(ng), frame: 3},
		{name: "pcapng captured length 4 GiB", file: cat(ng, withU32(next, 20, 0xffffffff), next), kind: ErrCorrupt, offset: len(ng), frame: 3},
		{name: "pcapng packet on interface 1 of 1", file: cat(ng, epb(le, 1, 4, d, 60)), kind: ErrCorrupt, offset: len(ng), frame: 3},
		{name: "pcapng obsolete packet on interface 7 of 1", file: cat(ng, pb(le, 7, 4, d, 60)), kind: ErrCorrupt, offset: len(ng), frame: 3},
		{name: "pcapng interface block shorter than its header", file: cat(ng, idbShort, next), kind: ErrCorrupt, offset: len(ng), frame: 3},
		{name: "pcapng interface option overruns its block", file: cat(ng, idbOverrun, next), kind: ErrCorrupt, offset: len(ng), frame: 3},
		{name: "pcapng if_tsresol 10^-19", file: cat(ng, idb(le, 1, 0, optTsresol(le, 19)), next), kind: ErrCorrupt, offset: len(ng), frame: 3},
		{name: "pcapng if_tsresol 2^-64", file: cat(ng, idb(le, 1, 0, optTsresol(le, 0x80|64)), next), kind: ErrCorrupt, offset: len(ng), frame: 3},
		{name: "pcapng second section version 2", file: cat(ng, withU16(shb(le, 1, 0), 12, 2), next), kind: ErrCorrupt, offset: len(ng), frame: 3},
		{name: "pcapng second section forgets the interfaces", file: cat(ng, shb(be, 1, 0), epb(be, 0, 4, d, 60)), kind: ErrCorrupt, offset: len(ng) + len(shb(be, 1, 0)), frame: 3},
		{name: "pcapng packet before any interface", file: cat(shb(le, 1, 0), epb(le, 0, 1, d, 60)), kind: ErrCorrupt, offset: len(shb(le, 1, 0))},
		{name: "pcapng simple packet before any interface", file: cat(shb(le, 1, 0), spb(le, 60, d)), kind: ErrCorrupt, offset: len(shb(le, 1, 0))},
		{name: "pcapng simple packet block shorter than its header", file: cat(ng, ngRawBlock(le, ngSPB, 12, nil, 12)), kind: ErrCorrupt, offset: len(ng), frame: 3},

		// Damage to the gzip stream itself.
		{name: "gzip header cut short", file: gzCut[:5], kind: ErrTruncated, plainOnly: true},
		{name: "gzip invalid deflate block", file: gzCorrupt, kind: ErrCorrupt, plainOnly: true},
		{name: "gzip checksum mismatch", file: gzStored, kind: ErrCorrupt, offset: len(pcap), frame: 3, plainOnly: true},
		{name: "gzip followed by garbage", file: cat(gzCut, []byte("this is not a gzip member")), kind: ErrCorrupt, offset: len(pcap), frame: 3, plainOnly: true},
		{name: "gzip cut before its trailer", file: gzCut[:len(gzCut)-8], kind: ErrTruncated, offset: len(pcap), frame: 3, plainOnly: true},
	}
}

// TestDamagedInput checks each broken input, plain and gzip-compressed (where
// offsets, counted in the decompressed stream, must not change): the sentinel,
// the offset and frame of the *Error, and that every record in front of the
// damage was returned intact.
func TestDamagedInput(t *testing.T) {
	for _, tc := range damagedInputs(t) {
		for _, compressed := range []bool{false, true} {
			if compressed && tc.plainOnly {
				continue
			}
			name, file := tc.name, tc.file
			if compressed {
				name += " gzip"
				file = gzipped(t, file, gzip.DefaultCompression)
			}
			t.Run(name, func(t *testing.T) {
				got := readBytes(t, file)
				if !errors.Is(got.err, tc.kind) {
					t.Fatalf("error = %v, want %v", got.err, tc.kind)
				}
				ce := asError(t, got.err)
				if ce.File != "test" {
					t.Errorf("Error.File = %q, want %q", ce.File, "test")
				}
				if d := diff(tc.offset, int(ce.Offset)); d != "" {
					t.Errorf("Error.Offset (-want +got):\n%s\n(%v)", d, ce)
				}
				if d := diff(uint64(tc.frame), ce.Frame); d != "" {
					t.Errorf("Error.Frame (-want +got):\n%s", d)
				}
				if len(got.recs) != tc.frame {
					t.Errorf("%d records before the error, want %d", len(got.recs), tc.frame)
				}
				for i, r := range got.recs {
					if !bytes.Equal(r.Data, payload(1, 60)) && !tc.plainOnly {
						t.Errorf("record %d data damaged: %v", i, r)
					}
				}
				// House style: lower case, no trailing punctuation.
				if ce.Detail == "" || ce.Detail != strings.ToLower(ce.Detail[:1])+ce.Detail[1:] || strings.HasSuffix(ce.Detail, ".") {
					t.Errorf("detail %q should be a lower-case phrase without final punctuation", ce.Detail)
				}
			})
		}
	}
}

// TestGzipCutMidStream cuts a compressed capture at many points: each must end
// in ErrTruncated after a prefix of the records, never a bare error.
func TestGzipCutMidStream(t *testing.T) {
	pkts := genPackets(3, 200, 1, 0)
	var plain []byte
	plain = append(plain, pcapHeader(le, true, MaxRecord, linkEthernet)...)
	var want []rec
	for _, p := range pkts {
		plain = append(plain, pcapRecord(le, uint32(p.ts.Unix()), uint32(p.ts.Nanosecond()), p.data, uint32(p.orig))...)
		want = append(want, rec{TS: p.ts.UnixNano(), Link: linkEthernet, Orig: p.orig, Data: p.data})
	}
	gz := gzipped(t, plain, gzip.BestCompression)
	for _, frac := range []float64{0.1, 0.25, 0.5, 0.75, 0.9, 0.99} {
		cut := int(float64(len(gz)) * frac)
		got := readBytes(t, gz[:cut])
		if !errors.Is(got.err, ErrTruncated) {
			t.Errorf("cut at %d of %d: error = %v, want ErrTruncated", cut, len(gz), got.err)
			continue
		}
		ce := asError(t, got.err)
		if int(ce.Frame) != len(got.recs) {
			t.Errorf("cut at %d: Error.Frame = %d, %d records returned", cut, ce.Frame, len(got.recs))
		}
		if len(got.recs) == 0 && frac >= 0.25 {
			t.Errorf("cut at %d of %d: no records before the cut", cut, len(gz))
		}
		if d := diffRecs(want[:len(got.recs)], got.recs); d != "" {
			t.Errorf("cut at %d: records (-want +got):\n%s", cut, d)
		}
	}
}

// TestHugeClaimsAllocateLittle proves a length field claiming gigabytes is
// rejected before any buffer of that size is made.
func TestHugeClaimsAllocateLittle(t *testing.T) {
	d := payload(1, 60)
	tests := []struct {
		name string
		file []byte
	}{
		{name: "pcap record of 4 GiB", file: cat(pcapHeader(le, false, 65535, 1), pcapRecordHeader(le, 0xffffffff, 0xffffffff), d)},
		{name: "pcap record of 1 GiB", file: cat(pcapHeader(be, false, 65535, 1), pcapRecordHeader(be, 1<<30, 1<<30))},
		{name: "pcapng block of 4 GiB", file: cat(shb(le, 1, 0), idb(le, 1, 0), ngRawBlock(le, ngEPB, 0xfffffffc, nil, 0))},
		{name: "pcapng packet of 4 GiB", file: cat(shb(le, 1, 0), idb(le, 1, 0), ngRawBlock(le, ngEPB, 0x03fffffc, epbClaiming(0xffffffff), 0))},
		{name: "pcapng packet filling a 64 MiB block", file: cat(shb(le, 1, 0), idb(le, 1, 0), ngRawBlock(le, ngEPB, maxBlock, epbClaiming(maxBlock-32), 0))},
		{name: "pcapng skipped block of 64 MiB", file: cat(shb(le, 1, 0), ngRawBlock(le, 0x0bad, maxBlock, nil, maxBlock))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got result
			start := time.Now()
			alloc := allocatedBytes(func() { got = readBytes(t, tt.file) })
			if got.err == nil {
				t.Fatal("read the file without an error")
			}
			if !errors.Is(got.err, ErrCorrupt) && !errors.Is(got.err, ErrTruncated) {
				t.Errorf("error = %v, want ErrCorrupt or ErrTruncated", got.err)
			}
			// The 256 KiB read buffer is the one big allocation.
			if alloc > 1<<20 {
				t.Errorf("reading allocated %d bytes, want under 1 MiB", alloc)
			}
			if el := time.Since(start); el > 2*time.Second {
				t.Errorf("took %v to reject", el)
			}
		})
	}
}

// epbClaiming is the fixed part of an Enhanced Packet Block on interface 0
// claiming capLen captured bytes.
func epbClaiming(capLen uint32) []byte {
	b := make([]byte, 20)
	le.PutUint32(b[12:], capLen)
	le.PutUint32(b[16:], capLen)
	return b
}

// allocatedBytes reports how many bytes f allocated on the heap.
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestOffsetAfterCorruption is a regression test: the reader used to rewind
// its own offset to point an error at a record's start, so Offset() went
// backwards past bytes it had consumed.
func TestOffsetAfterCorruption(t *testing.T) {
	good := cat(pcapHeader(le, false, 65535, 1), pcapRecord(le, 1, 0, payload(1, 60), 60))
	file := cat(good, pcapRecordHeader(le, 0xffffffff, 60))
	got := readBytes(t, file)
	ce := asError(t, got.err)
	if d := diff(int64(len(good)), ce.Offset); d != "" {
		t.Errorf("Error.Offset (-want +got):\n%s", d)
	}
	if d := diff(int64(len(file)), got.r.Offset()); d != "" {
		t.Errorf("Offset() after the error (-want +got):\n%s", d)
	}
}

// TestSourceErrors checks that a failing source, as opposed to damaged
// content, is passed on wrapped with the name and offset.
func TestSourceErrors(t *testing.T) {
	boom := errors.New("disk on fire")
	file := cat(pcapHeader(le, false, 65535, 1), pcapRecord(le, 1, 0, payload(1, 60), 60), pcapRecord(le, 2, 0, payload(1, 60), 60))
	tests := []struct {
		name  string
		after int // bytes delivered before the failure
		recs  int
	}{
		{name: "in the file header", after: 2},
		{name: "in the file header after the magic", after: 10},
		{name: "in a record", after: 60, recs: 0},
		{name: "after a record", after: 100, recs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := io.MultiReader(bytes.NewReader(file[:tt.after]), iotest.ErrReader(boom))
			got := readAll(t, "flaky", src)
			if !errors.Is(got.err, boom) {
				t.Fatalf("error = %v, want one wrapping %v", got.err, boom)
			}
			var ce *Error
			if errors.As(got.err, &ce) {
				t.Errorf("a source failure must not be reported as damage: %v", got.err)
			}
			if !strings.Contains(got.err.Error(), "flaky") {
				t.Errorf("error %q does not name the input", got.err)
			}
			if len(got.recs) != tt.recs {
				t.Errorf("%d records before the failure, want %d", len(got.recs), tt.recs)
			}
		})
	}
}

// TestSourceShapes reads every fixture through sources that return a byte at
// a time, half of what is asked, or the last bytes together with io.EOF: the
// records must not change.
func TestSourceShapes(t *testing.T) {
	shapes := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{name: "one byte", wrap: iotest.OneByteReader},
		{name: "half", wrap: iotest.HalfReader},
		{name: "data with EOF", wrap: iotest.DataErrReader},
	}
	for _, fx := range fixtures() {
		for _, sh := range shapes {
			t.Run(fx.name+" "+sh.name, func(t *testing.T) {
				got := readAll(t, "test", sh.wrap(bytes.NewReader(fx.file)))
				if got.err != nil {
					t.Fatalf("read: %v", got.err)
				}
				if d := diffRecs(fx.want, got.recs); d != "" {
					t.Errorf("records (-want +got):\n%s", d)
				}
			})
		}
	}
	for _, tc := range damagedInputs(t) {
		want := readBytes(t, tc.file)
		got := readAll(t, "test", iotest.OneByteReader(bytes.NewReader(tc.file)))
		if d := diff(errString(want.err), errString(got.err)); d != "" {
			t.Errorf("%s one byte at a time: error (-want +got):\n%s", tc.name, d)
		}
		if d := diffRecs(want.recs, got.recs); d != "" {
			t.Errorf("%s one byte at a time: records (-want +got):\n%s", tc.name, d)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestNextAfterEnd checks that io.EOF is repeated, not turned into an error.
func TestNextAfterEnd(t *testing.T) {
	for _, fx := range fixtures()[:2] {
		r, err := NewReader("test", bytes.NewReader(fx.file), nil)
		if err != nil {
			t.Fatal(err)
		}
		var rc Record
		n := 0
		for r.Next(&rc) == nil {
			n++
		}
		for i := 0; i < 3; i++ {
			if err := r.Next(&rc); err != io.EOF {
				t.Errorf("%s: Next after the end = %v, want io.EOF", fx.name, err)
			}
		}
		if n != len(fx.want) {
			t.Errorf("%s: %d records, want %d", fx.name, n, len(fx.want))
		}
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{err: Error{File: "a.pcap", Offset: 0, Kind: ErrEmpty}, want: "a.pcap: empty file at byte 0"},
		{err: Error{File: "a.pcap", Offset: 24, Kind: ErrTruncated, Detail: "record header cut short (3 of 16 bytes)"}, want: "a.pcap: truncated at byte 24: record header cut short (3 of 16 bytes)"},
		{err: Error{File: "b.pcapng", Offset: 1024, Frame: 7, Kind: ErrCorrupt, Detail: "bad"}, want: "b.pcapng: corrupt at byte 1024 (after frame 7): bad"},
		{err: Error{File: "-", Offset: 3, Kind: ErrNotCapture}, want: "-: not a pcap or pcapng capture at byte 3"},
	}
	for _, tt := range tests {
		if d := diff(tt.want, tt.err.Error()); d != "" {
			t.Errorf("Error() (-want +got):\n%s", d)
		}
		if !errors.Is(&tt.err, tt.err.Kind) {
			t.Errorf("errors.Is(%v, %v) = false", &tt.err, tt.err.Kind)
		}
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.pcap")
	fx := fixtures()[0]
	if err := os.WriteFile(good, fx.file, 0o644); err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(dir, "named-without-suffix")
	if err := os.WriteFile(gz, gzipped(t, fx.file, 9), 0o644); err != nil {
		t.Fatal(err)
	}
	text := filepath.Join(dir, "notes.pcap")
	if err := os.WriteFile(text, []byte("not a capture\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pcap")

	t.Run("files", func(t *testing.T) {
		for _, path := range []string{good, gz} {
			r, err := Open(path, nil)
			if err != nil {
				t.Fatalf("Open(%s): %v", path, err)
			}
			if r.Name() != path {
				t.Errorf("Name() = %q, want %q", r.Name(), path)
			}
			var rc Record
			var got []rec
			for r.Next(&rc) == nil {
				got = append(got, keep(&rc))
			}
			if d := diffRecs(fx.want, got); d != "" {
				t.Errorf("%s: records (-want +got):\n%s", path, d)
			}
			if err := r.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
	})
	t.Run("stdin", func(t *testing.T) {
		r, err := Open("-", bytes.NewReader(fx.file))
		if err != nil {
			t.Fatal(err)
		}
		if r.Name() != "stdin" {
			t.Errorf("Name() = %q, want stdin", r.Name())
		}
		if err := r.Close(); err != nil {
			t.Errorf("Close on stdin: %v", err)
		}
		if _, err := Open("-", nil); err == nil {
			t.Error("Open(-) without a standard input succeeded")
		}
	})
	t.Run("errors", func(t *testing.T) {
		tests := []struct {
			path string
			is   error
		}{
			{path: dir},
			{path: missing, is: fs.ErrNotExist},
			{path: text, is: ErrNotCapture},
		}
		for _, tt := range tests {
			r, err := Open(tt.path, nil)
			if err == nil {
				r.Close()
				t.Errorf("Open(%s) succeeded", tt.path)
				continue
			}
			if r != nil {
				t.Errorf("Open(%s) returned a Reader with error %v", tt.path, err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Open(%s) = %v, want errors.Is %v", tt.path, err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.path) {
				t.Errorf("Open(%s) error %q does not name the path", tt.path, err)
			}
		}
	})
}
