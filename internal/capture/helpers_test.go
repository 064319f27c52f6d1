package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

// rec is a Record with its Data copied, so a test can keep it past the next
// call to Next and compare it with ==-like helpers.
type rec struct {
	TS    int64
	Link  uint32
	Iface int
	Orig  int
	Data  []byte
}

func (r rec) String() string {
	d := r.Data
	more := ""
	if len(d) > 12 {
		d, more = d[:12], "…"
	}
	return fmt.Sprintf("{ts %d link %d iface %d orig %d len %d data %x%s}", r.TS, r.Link, r.Iface, r.Orig, len(r.Data), d, more)
}

func (r rec) equal(o rec) bool {
	return r.TS == o.TS && r.Link == o.Link && r.Iface == o.Iface && r.Orig == o.Orig && bytes.Equal(r.Data, o.Data)
}

// keep copies rec out of the Reader's buffer on purpose: the test holds it
// after the next call to Next.
func keep(r *Record) rec {
	return rec{TS: r.Timestamp, Link: r.LinkType, Iface: r.Interface, Orig: r.OrigLen, Data: append([]byte(nil), r.Data...)}
}

// diffRecs returns "" when want and got hold the same records, else one
// "-want"/"+got" pair per differing index.
func diffRecs(want, got []rec) string {
	var b strings.Builder
	for i := 0; i < max(len(want), len(got)); i++ {
		switch {
		case i >= len(got):
			fmt.Fprintf(&b, "-[%d] %v\n", i, want[i])
		case i >= len(want):
			fmt.Fprintf(&b, "+[%d] %v\n", i, got[i])
		case !want[i].equal(got[i]):
			fmt.Fprintf(&b, "-[%d] %v\n+[%d] %v\n", i, want[i], i, got[i])
		}
		if b.Len() > 4000 {
			b.WriteString("…\n")
			break
		}
	}
	return b.String()
}

// diff returns "" when want and got are deeply equal, else both values in
// "-want +got" form.
func diff(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return fmt.Sprintf("-%+v\n+%+v", want, got)
}

// result is everything reading a capture to its end produced.
type result struct {
	info Info
	recs []rec
	err  error // nil after a clean io.EOF; the open error when open failed
	r    *Reader
}

// readAll reads src with NewReader and Next until the first error.
func readAll(t testing.TB, name string, src io.Reader) result {
	t.Helper()
	r, err := NewReader(name, src, nil)
	if err != nil {
		if r != nil {
			t.Errorf("NewReader returned a Reader alongside error %v", err)
		}
		return result{err: err}
	}
	res := result{r: r}
	var rc Record
	for {
		err := r.Next(&rc)
		if err == io.EOF {
			break
		}
		if err != nil {
			res.err = err
			break
		}
		if rc.OrigLen < len(rc.Data) {
			t.Errorf("record %d: OrigLen %d < len(Data) %d", len(res.recs), rc.OrigLen, len(rc.Data))
		}
		res.recs = append(res.recs, keep(&rc))
	}
	res.info = r.Info()
	return res
}

func readBytes(t testing.TB, data []byte) result {
	t.Helper()
	return readAll(t, "test", bytes.NewReader(data))
}

// asError returns err as *Error or fails the test.
func asError(t testing.TB, err error) *Error {
	t.Helper()
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *capture.Error", err, err)
	}
	return ce
}

func gzipped(t testing.TB, data []byte, level int) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func cat(parts ...[]byte) []byte {
	return bytes.Join(parts, nil)
}

// ---- hand-built pcap ----

// byteOrder is what the builders need: reading and appending in one order.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

var (
	le byteOrder = binary.LittleEndian
	be byteOrder = binary.BigEndian
)

// pcapHeader is a classic pcap file header (version 2.4). The magic is
// written in order, so a big-endian file starts a1 b2 c3 d4.
func pcapHeader(order byteOrder, nanos bool, snaplen, linkField uint32) []byte {
	h := make([]byte, 24)
	magic := uint32(0xa1b2c3d4)
	if nanos {
		magic = 0xa1b23c4d
	}
	order.PutUint32(h[0:], magic)
	order.PutUint16(h[4:], 2)
	order.PutUint16(h[6:], 4)
	order.PutUint32(h[16:], snaplen)
	order.PutUint32(h[20:], linkField)
	return h
}

// pcapRecord is a record header and data; frac is µs or ns per the file.
func pcapRecord(order byteOrder, sec, frac uint32, data []byte, origLen uint32) []byte {
	h := make([]byte, 16, 16+len(data))
	order.PutUint32(h[0:], sec)
	order.PutUint32(h[4:], frac)
	order.PutUint32(h[8:], uint32(len(data)))
	order.PutUint32(h[12:], origLen)
	return append(h, data...)
}

// pcapRecordHeader is a record header claiming capLen bytes, without them.
func pcapRecordHeader(order byteOrder, capLen, origLen uint32) []byte {
	h := make([]byte, 16)
	order.PutUint32(h[0:], 1)
	order.PutUint32(h[8:], capLen)
	order.PutUint32(h[12:], origLen)
	return h
}

// payload is n deterministic bytes that differ with seed.
func payload(seed byte, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = seed + byte(i*7)
	}
	return p
}

// ---- hand-built pcapng ----

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// ngBlock frames body (padded to 32 bits) as a block of type typ.
func ngBlock(order byteOrder, typ uint32, body []byte) []byte {
	body = pad4(append([]byte(nil), body...))
	total := uint32(12 + len(body))
	return ngRawBlock(order, typ, total, body, total)
}

// ngRawBlock writes a block with the given header and trailer lengths, for
// building damaged blocks.
func ngRawBlock(order byteOrder, typ, total uint32, body []byte, trailer uint32) []byte {
	b := make([]byte, 8, 12+len(body))
	order.PutUint32(b[0:], typ)
	order.PutUint32(b[4:], total)
	b = append(b, body...)
	return order.AppendUint32(b, trailer)
}

// shb is a Section Header Block of the given version with an unknown section
// length and, to exercise option skipping, a shb_userappl option.
func shb(order byteOrder, major, minor uint16) []byte {
	body := order.AppendUint32(nil, 0x1a2b3c4d)
	body = order.AppendUint16(body, major)
	body = order.AppendUint16(body, minor)
	body = order.AppendUint64(body, ^uint64(0))
	body = append(body, ngOpt(order, 4, []byte("tcpviz test"))...)
	body = append(body, ngOpt(order, 0, nil)...)
	return ngBlock(order, ngSHB, body)
}

// ngOpt is one option: code, length, value padded to 32 bits.
func ngOpt(order byteOrder, code uint16, val []byte) []byte {
	b := order.AppendUint16(nil, code)
	b = order.AppendUint16(b, uint16(len(val)))
	return pad4(append(b, val...))
}

func optTsresol(order byteOrder, v byte) []byte { return ngOpt(order, 9, []byte{v}) }

func optTsoffset(order byteOrder, sec int64) []byte {
	return ngOpt(order, 14, order.AppendUint64(nil, uint64(sec)))
}

// idb is an Interface Description Block; opts are already encoded and an
// opt_endofopt is added when there are any.
func idb(order byteOrder, link uint16, snaplen uint32, opts ...[]byte) []byte {
	body := order.AppendUint16(nil, link)
	body = order.AppendUint16(body, 0)
	body = order.AppendUint32(body, snaplen)
	for _, o := range opts {
		body = append(body, o...)
	}
	if len(opts) > 0 {
		body = append(body, ngOpt(order, 0, nil)...)
	}
	return ngBlock(order, ngIDB, body)
}

// epb is an Enhanced Packet Block; opts follow the padded data.
func epb(order byteOrder, iface uint32, ts uint64, data []byte, origLen uint32, opts ...[]byte) []byte {
	body := order.AppendUint32(nil, iface)
	body = order.AppendUint32(body, uint32(ts>>32))
	body = order.AppendUint32(body, uint32(ts))
	body = order.AppendUint32(body, uint32(len(data)))
	body = order.AppendUint32(body, origLen)
	body = pad4(append(body, data...))
	for _, o := range opts {
		body = append(body, o...)
	}
	if len(opts) > 0 {
		body = append(body, ngOpt(order, 0, nil)...)
	}
	return ngBlock(order, ngEPB, body)
}

// pb is an obsolete Packet Block (type 2): 16-bit interface id and drops.
func pb(order byteOrder, iface uint16, ts uint64, data []byte, origLen uint32) []byte {
	body := order.AppendUint16(nil, iface)
	body = order.AppendUint16(body, 0xffff) // drops count
	body = order.AppendUint32(body, uint32(ts>>32))
	body = order.AppendUint32(body, uint32(ts))
	body = order.AppendUint32(body, uint32(len(data)))
	body = order.AppendUint32(body, origLen)
	return ngBlock(order, ngPB, append(body, data...))
}

// spb is a Simple Packet Block holding data, claiming origLen.
func spb(order byteOrder, origLen uint32, data []byte) []byte {
	return ngBlock(order, ngSPB, append(order.AppendUint32(nil, origLen), data...))
}

// isb is an Interface Statistics Block with no options.
func isb(order byteOrder, iface uint32) []byte {
	body := order.AppendUint32(nil, iface)
	body = order.AppendUint64(body, 0)
	return ngBlock(order, ngISB, body)
}
