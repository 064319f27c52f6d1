package capture

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"testing"
	"testing/iotest"
)

// FuzzReader feeds arbitrary bytes through NewReader and Next. Besides not
// panicking and terminating, the reader must keep its promises: errors are
// io.EOF or *Error with an offset inside the input, records fit MaxRecord and
// OrigLen covers Data, the record buffer never exceeds MaxRecord, and the same
// bytes read one byte at a time, or gzip-compressed, or with records and
// packet blocks read piece by piece instead of taken whole, give the same
// records and the same error (offsets count the decompressed stream).
func FuzzReader(f *testing.F) {
	for _, fx := range fixtures() {
		f.Add(fx.file)
	}
	for _, tc := range damagedInputs(f) {
		f.Add(tc.file)
	}
	// Small real captures, read from the shared corpus when it is there.
	for _, dir := range []string{corpusPcaps, corpusWild} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if info, err := e.Info(); err != nil || info.Size() > 4<<10 {
				continue
			}
			if b, err := os.ReadFile(dir + "/" + e.Name()); err == nil {
				f.Add(b)
			}
		}
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		got := fuzzRead(t, bytes.NewReader(data), len(data), false)
		if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
			checkErrorOffset(t, got.err, len(data))
			// The same input compressed must read the same: the
			// gzip layer is transparent, offsets included.
			zipped := fuzzRead(t, bytes.NewReader(gzipped(t, data, gzip.BestSpeed)), len(data), false)
			sameRead(t, "gzip", got, zipped)
		}
		oneByte := fuzzRead(t, iotest.OneByteReader(bytes.NewReader(data)), len(data), false)
		sameRead(t, "one byte at a time", got, oneByte)
		byPieces := fuzzRead(t, bytes.NewReader(data), len(data), true)
		sameRead(t, "piece by piece", got, byPieces)
	})
}

type fuzzResult struct {
	recs []rec
	err  error
}

// fuzzRead reads src to its first error, checking each record. n is the
// input's (decompressed) size, which bounds the number of records: each one
// costs at least 12 bytes. pieceByPiece is the Reader's.
func fuzzRead(t *testing.T, src io.Reader, n int, pieceByPiece bool) fuzzResult {
	r, err := NewReader("fuzz", src, nil)
	if err != nil {
		if r != nil {
			t.Fatalf("NewReader returned a Reader with error %v", err)
		}
		return fuzzResult{err: err}
	}
	r.pieceByPiece = pieceByPiece
	var res fuzzResult
	var rc Record
	for {
		err := r.Next(&rc)
		if err != nil {
			if err != io.EOF {
				res.err = err
			}
			return res
		}
		if len(rc.Data) > MaxRecord {
			t.Fatalf("record %d holds %d bytes, over MaxRecord", len(res.recs), len(rc.Data))
		}
		if rc.OrigLen < len(rc.Data) {
			t.Fatalf("record %d: OrigLen %d < len(Data) %d", len(res.recs), rc.OrigLen, len(rc.Data))
		}
		if cap(r.buf) > MaxRecord {
			t.Fatalf("record buffer grew to %d bytes", cap(r.buf))
		}
		if len(res.recs) > n/12 {
			t.Fatalf("%d records from %d bytes", len(res.recs)+1, n)
		}
		res.recs = append(res.recs, keep(&rc))
	}
}

// checkErrorOffset checks that err is nil or an *Error pointing into the
// input (a bytes.Reader cannot fail in any other way).
func checkErrorOffset(t *testing.T, err error, n int) {
	if err == nil {
		return
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *capture.Error", err, err)
	}
	if ce.Offset < 0 || ce.Offset > int64(n) {
		t.Fatalf("Error.Offset %d outside the %d-byte input: %v", ce.Offset, n, err)
	}
	if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrNotCapture) && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrCorrupt) {
		t.Fatalf("error %v wraps no sentinel", err)
	}
}

func sameRead(t *testing.T, how string, want, got fuzzResult) {
	if d := diff(errString(want.err), errString(got.err)); d != "" {
		t.Fatalf("%s: error (-plain +%s):\n%s", how, how, d)
	}
	if d := diffRecs(want.recs, got.recs); d != "" {
		t.Fatalf("%s: records (-plain +%s):\n%s", how, how, d)
	}
}
