package capture

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
)

// MaxRecord is the largest captured length accepted for one record, the same
// bound Wireshark uses (WTAP_MAX_PACKET_SIZE_STANDARD). A larger claim is
// treated as corruption instead of an allocation request.
const MaxRecord = 262144

// maxBlock bounds a pcapng block. Blocks other than packets are skipped
// without being buffered, so this only stops absurd lengths early.
const maxBlock = 64 << 20

// Format is the container format of a capture.
type Format uint8

// Formats recognised by their magic numbers.
const (
	FormatPcap Format = iota + 1
	FormatPcapNG
)

func (f Format) String() string {
	switch f {
	case FormatPcap:
		return "pcap"
	case FormatPcapNG:
		return "pcapng"
	}
	return "unknown"
}

// Record is one captured packet. Data aliases the Reader's buffer and is valid
// until the next call to Next.
type Record struct {
	Timestamp int64 // nanoseconds since the Unix epoch, UTC
	LinkType  uint32
	Interface int
	OrigLen   int // length on the wire; may exceed len(Data) when snaplen cut it
	Data      []byte
}

// Info describes the capture as a whole.
type Info struct {
	Format     Format
	Compressed bool
	BigEndian  bool
	Nanosecond bool     // pcap: nanosecond magic; pcapng: finer than µs on any interface
	LinkTypes  []uint32 // distinct link types, in order of appearance
	Snaplen    uint32   // pcap header snaplen; pcapng: the first interface's
}

// Reader reads records from one capture. It is not safe for concurrent use.
type Reader struct {
	name   string
	br     *bufio.Reader
	closer io.Closer
	gz     *gzip.Reader

	offset  int64  // bytes consumed from the (decompressed) stream
	records uint64 // records returned so far
	info    Info
	order   endian

	// pcap
	pcapNanos bool
	pcapLink  uint32

	// pcapng: interfaces of the current section, and where the block
	// being read starts (the Offset of its ErrCorrupt errors)
	ifaces []ngInterface
	block  int64

	hdr [32]byte
	buf []byte

	// pieceByPiece turns off the paths that take a whole record or
	// packet block with one look at the buffer: the fuzz test compares.
	pieceByPiece bool
}

type ngInterface struct {
	linkType uint32
	snaplen  uint32
	// Timestamp conversion: units per second is 10^dec or 2^bin.
	decimal  bool
	exponent uint8
	// pow10 is 10^|9-exponent| for a decimal resolution: what a time
	// stamp is multiplied (units coarser than 1 ns) or divided by.
	pow10    uint64
	offsetNs int64
}

// Open opens path ("-" for stdin) and reads its file header.
func Open(path string, stdin io.Reader) (*Reader, error) {
	if path == "-" {
		// Fix: a nil stdin used to reach bufio and panic on the first
		// read; say what is missing instead.
		if stdin == nil {
			return nil, fmt.Errorf("open -: no standard input to read")
		}
		return NewReader("stdin", stdin, nil)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("open %s: is a directory, not a capture file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r, err := NewReader(path, f, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// NewReader reads the file header from src. name is used in error messages;
// closer, if not nil, is closed by Close.
func NewReader(name string, src io.Reader, closer io.Closer) (*Reader, error) {
	r := &Reader{name: name, closer: closer, br: bufio.NewReaderSize(src, 256<<10)}
	magic, err := r.br.Peek(4)
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, gerr := gzip.NewReader(r.br)
		if gerr != nil {
			// Fix: a gzip header cut short is truncation, not corruption.
			if errors.Is(gerr, io.EOF) || errors.Is(gerr, io.ErrUnexpectedEOF) {
				return nil, r.errorf(ErrTruncated, "gzip header cut short")
			}
			return nil, r.errorf(ErrCorrupt, "gzip header: %v", gerr)
		}
		r.gz = gz
		r.info.Compressed = true
		r.br = bufio.NewReaderSize(gz, 256<<10)
		magic, err = r.br.Peek(4)
	}
	if err != nil {
		if len(magic) == 0 && (errors.Is(err, io.EOF)) {
			return nil, r.errorf(ErrEmpty, "no bytes to read")
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			// Fix: a short input is only a truncated capture if what
			// there is could begin one; a 3-byte text file is not a
			// capture at all.
			if !magicPrefix(magic) {
				return nil, r.errorf(ErrNotCapture, "%d bytes that begin no capture format", len(magic))
			}
			// Fix: report where the input ended, as every other
			// ErrTruncated does, not byte 0.
			return nil, r.errorAt(r.offset+int64(len(magic)), ErrTruncated, "file header cut short (%d bytes)", len(magic))
		}
		// Fix: a damaged gzip stream used to surface here as a bare
		// error that errors.Is(err, ErrCorrupt) did not match.
		return nil, r.sourceError(err, "file header")
	}
	order, nanos := endian{}, false
	switch binary.LittleEndian.Uint32(magic) {
	case 0xa1b2c3d4:
	case 0xa1b23c4d:
		nanos = true
	case 0xd4c3b2a1:
		order = endian{big: true}
	case 0x4d3cb2a1:
		order, nanos = endian{big: true}, true
	case 0x0a0d0d0a:
		r.info.Format = FormatPcapNG
		if err := r.readBlockHeaderAndSection(); err != nil {
			return nil, err
		}
		return r, nil
	default:
		return nil, r.errorf(ErrNotCapture, "unknown magic %02x%02x%02x%02x", magic[0], magic[1], magic[2], magic[3])
	}
	// Fix: the pcap cases used to return r alongside a header error, a
	// half-built Reader that a caller checking only err could not tell from
	// a good one; every error now comes with a nil Reader.
	if err := r.readPcapHeader(order, nanos); err != nil {
		return nil, err
	}
	return r, nil
}

// Info returns what the file header (and, for pcapng, the blocks read so far)
// say about the capture.
func (r *Reader) Info() Info { return r.info }

// Name is the input's name as given to Open or NewReader.
func (r *Reader) Name() string { return r.name }

// Offset is the number of bytes consumed so far.
func (r *Reader) Offset() int64 { return r.offset }

// Close releases the underlying file.
func (r *Reader) Close() error {
	if r.gz != nil {
		r.gz.Close()
	}
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// errorf reports a problem at the current offset: where the input ended, for
// ErrTruncated.
func (r *Reader) errorf(kind error, format string, args ...any) error {
	return r.errorAt(r.offset, kind, format, args...)
}

// errorAt reports a problem found in the header, record or block that starts
// at off.
//
// Fix: corrupt-value errors used to rewind r.offset itself (r.offset -= 16),
// which left Offset() wrong for any later call, and the other corrupt errors
// reported wherever reading had got to inside the block. Every ErrCorrupt now
// names the start of the structure holding the bad value.
func (r *Reader) errorAt(off int64, kind error, format string, args ...any) error {
	return &Error{File: r.name, Offset: off, Frame: r.records, Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// sourceError classifies an error from the underlying stream.
//
// Fix: errors from a gzip stream used to be returned bare. A cut gzip stream
// reports io.ErrUnexpectedEOF (also from Peek and Discard, which the old code
// did not treat as truncation) and a damaged one flate.CorruptInputError,
// gzip.ErrChecksum or gzip.ErrHeader; they are now ErrTruncated and ErrCorrupt
// like the same damage in an uncompressed file.
func (r *Reader) sourceError(err error, what string) error {
	var flateErr flate.CorruptInputError
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return r.errorf(ErrTruncated, "%s cut short", what)
	case errors.As(err, &flateErr) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader):
		return r.errorf(ErrCorrupt, "%s: damaged gzip stream: %v", what, err)
	}
	return fmt.Errorf("read %s at byte %d: %w", r.name, r.offset, err)
}

// read fills p completely or reports where the input ended.
func (r *Reader) read(p []byte, what string) error {
	n, err := io.ReadFull(r.br, p)
	r.offset += int64(n)
	if err == nil {
		return nil
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return r.errorf(ErrTruncated, "%s cut short (%d of %d bytes)", what, n, len(p))
	}
	return r.sourceError(err, what)
}

// view returns the next n bytes in place, without copying, and consumes
// them, when the read buffer holds them or can after one fill; the bytes are
// valid until the next read. ok is false, and nothing is consumed, when they
// are not all available (the copying path then reports why).
func (r *Reader) view(n int) ([]byte, bool) {
	if n > r.br.Size() {
		return nil, false
	}
	b, err := r.br.Peek(n)
	if err != nil {
		return nil, false
	}
	// Discard of peeked bytes cannot fail, and leaves them in the buffer
	// until the next read refills it.
	r.br.Discard(n)
	r.offset += int64(n)
	return b, true
}

func (r *Reader) skip(n int, what string) error {
	d, err := r.br.Discard(n)
	r.offset += int64(d)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return r.errorf(ErrTruncated, "%s cut short (%d of %d bytes)", what, d, n)
		}
		return r.sourceError(err, what)
	}
	return nil
}

// atEOF reports a clean end of input at a record boundary. Only a plain
// io.EOF is clean: a gzip stream cut at a record boundary reports
// io.ErrUnexpectedEOF because its trailer is missing.
func (r *Reader) atEOF() (bool, error) {
	_, err := r.br.Peek(1)
	if err == io.EOF {
		return true, nil
	}
	if err != nil {
		return false, r.sourceError(err, "compressed stream")
	}
	return false, nil
}

// magicPrefix reports whether b, shorter than a magic number, could be the
// start of one of the formats NewReader recognises.
func magicPrefix(b []byte) bool {
	for _, m := range [...][]byte{
		{0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, // pcap µs
		{0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d}, // pcap ns
		{0x0a, 0x0d, 0x0d, 0x0a}, // pcapng
		{0x1f, 0x8b},             // gzip
	} {
		if bytes.HasPrefix(m, b) || bytes.HasPrefix(b, m) {
			return true
		}
	}
	return false
}

// endian reads the capture's integers in its byte order. It is a concrete
// type, not a binary.ByteOrder: an interface method call cannot be inlined,
// and the reader makes several per record.
type endian struct{ big bool }

func (e endian) Uint16(b []byte) uint16 {
	if e.big {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (e endian) Uint32(b []byte) uint32 {
	if e.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (e endian) Uint64(b []byte) uint64 {
	if e.big {
		return binary.BigEndian.Uint64(b)
	}
	return binary.LittleEndian.Uint64(b)
}

func (r *Reader) buffer(n int) []byte {
	if cap(r.buf) < n {
		// Grow in steps so a capture of growing packet sizes does not
		// reallocate for every new maximum.
		c := 2048
		for c < n {
			c *= 2
		}
		r.buf = make([]byte, c)
	}
	return r.buf[:n]
}

func (r *Reader) noteLinkType(lt uint32) {
	for _, seen := range r.info.LinkTypes {
		if seen == lt {
			return
		}
	}
	r.info.LinkTypes = append(r.info.LinkTypes, lt)
}

// Next reads the next record into rec. It returns io.EOF at a clean end of
// input, and an *Error (wrapping ErrTruncated or ErrCorrupt) when the input is
// damaged; records returned before that remain valid results.
func (r *Reader) Next(rec *Record) error {
	var err error
	if r.info.Format == FormatPcap {
		err = r.nextPcap(rec)
	} else {
		err = r.nextPcapNG(rec)
	}
	if err == nil {
		r.records++
	}
	return err
}

// ---- classic pcap ----

func (r *Reader) readPcapHeader(order endian, nanos bool) error {
	h := r.hdr[:24]
	if err := r.read(h, "pcap file header"); err != nil {
		return err
	}
	r.info.Format = FormatPcap
	r.order = order
	r.info.BigEndian = order.big
	r.pcapNanos = nanos
	r.info.Nanosecond = nanos
	if major := order.Uint16(h[4:6]); major != 2 {
		return r.errorAt(0, ErrCorrupt, "pcap version %d.%d is not 2.x", major, order.Uint16(h[6:8]))
	}
	r.info.Snaplen = order.Uint32(h[16:20])
	// The upper bits of the link-type field carry FCS information
	// (pcap spec, LinkType and additional information); only the low 16
	// bits name the link type.
	r.pcapLink = order.Uint32(h[20:24]) & 0xffff
	r.noteLinkType(r.pcapLink)
	return nil
}

func (r *Reader) nextPcap(rec *Record) error {
	start := r.offset
	// Nearly always the buffer holds the whole record (or can after one
	// fill): one look at it, in place.
	if h, err := r.br.Peek(16); err == nil && !r.pieceByPiece {
		capLen := r.order.Uint32(h[8:12])
		if n := 16 + int(capLen); capLen <= MaxRecord && n <= r.br.Size() {
			if b, err := r.br.Peek(n); err == nil {
				r.br.Discard(n)
				r.offset += int64(n)
				r.setPcapRecord(rec, b[:16], b[16:n])
				return nil
			}
		}
	}
	// Otherwise piece by piece. The header is viewed in place when the
	// buffer holds it; near the end of the input, the copying path tells a
	// clean end from a header cut short.
	h, ok := r.view(16)
	if !ok {
		if eof, err := r.atEOF(); eof || err != nil {
			if eof {
				return io.EOF
			}
			return err
		}
		h = r.hdr[:16]
		if err := r.read(h, "record header"); err != nil {
			return err
		}
	}
	capLen := r.order.Uint32(h[8:12])
	if capLen > MaxRecord {
		return r.errorAt(start, ErrCorrupt, "record claims %d captured bytes (limit %d)", capLen, MaxRecord)
	}
	// h may alias the buffer the data is read into next.
	copy(r.hdr[:16], h)
	data, ok := r.view(int(capLen))
	if !ok {
		data = r.buffer(int(capLen))
		if err := r.read(data, "record data"); err != nil {
			return err
		}
	}
	r.setPcapRecord(rec, r.hdr[:16], data)
	return nil
}

// setPcapRecord fills rec from a record's header h and its data.
func (r *Reader) setPcapRecord(rec *Record, h, data []byte) {
	sec := int64(r.order.Uint32(h[0:4]))
	frac := int64(r.order.Uint32(h[4:8]))
	if !r.pcapNanos {
		frac *= 1000
	}
	rec.Timestamp = sec*1e9 + frac
	rec.LinkType = r.pcapLink
	rec.Interface = 0
	rec.Data = data
	rec.OrigLen = max(int(r.order.Uint32(h[12:16])), len(data))
}

// ---- pcapng ----

const (
	ngSHB = 0x0a0d0d0a
	ngIDB = 1
	ngPB  = 2 // obsolete Packet Block
	ngSPB = 3
	ngISB = 5
	ngEPB = 6
)

// readBlockHeaderAndSection reads a Section Header Block; the block type has
// been peeked already.
func (r *Reader) readBlockHeaderAndSection() error {
	r.block = r.offset
	h := r.hdr[:12]
	if err := r.read(h, "pcapng section header"); err != nil {
		return err
	}
	switch binary.LittleEndian.Uint32(h[8:12]) {
	case 0x1a2b3c4d:
		r.order = endian{}
	case 0x4d3c2b1a:
		r.order = endian{big: true}
	default:
		return r.errorAt(r.block, ErrCorrupt, "pcapng byte-order magic %x is neither 1a2b3c4d nor 4d3c2b1a", h[8:12])
	}
	r.info.BigEndian = r.order.big
	total := r.order.Uint32(h[4:8])
	if total < 28 || total%4 != 0 || total > maxBlock {
		return r.errorAt(r.block, ErrCorrupt, "pcapng section header length %d", total)
	}
	v := r.hdr[:4]
	if err := r.read(v, "pcapng section header"); err != nil {
		return err
	}
	if major := r.order.Uint16(v[0:2]); major != 1 {
		return r.errorAt(r.block, ErrCorrupt, "pcapng version %d.%d is not 1.x", major, r.order.Uint16(v[2:4]))
	}
	r.ifaces = r.ifaces[:0]
	// Section length (8 bytes) and options are not needed; the trailing
	// length is checked like every block's.
	return r.finishBlock(total, 16)
}

// finishBlock skips what is left of a block after consumed bytes and checks
// the trailing copy of its length.
func (r *Reader) finishBlock(total, consumed uint32) error {
	if consumed+4 > total {
		return r.errorAt(r.block, ErrCorrupt, "pcapng block contents overrun its length %d", total)
	}
	if rest := int(total - consumed - 4); rest > 0 {
		if err := r.skip(rest, "pcapng block"); err != nil {
			return err
		}
	}
	t := r.hdr[28:32]
	if err := r.read(t, "pcapng block trailer"); err != nil {
		return err
	}
	if got := r.order.Uint32(t); got != total {
		return r.errorAt(r.block, ErrCorrupt, "pcapng block trailer says %d bytes, header said %d", got, total)
	}
	return nil
}

func (r *Reader) nextPcapNG(rec *Record) error {
	for {
		if !r.pieceByPiece && r.viewPacketBlock(rec) {
			return nil
		}
		if eof, err := r.atEOF(); eof || err != nil {
			if eof {
				return io.EOF
			}
			return err
		}
		peek, _ := r.br.Peek(4)
		if len(peek) == 4 && binary.LittleEndian.Uint32(peek) == ngSHB {
			if err := r.readBlockHeaderAndSection(); err != nil {
				return err
			}
			continue
		}
		r.block = r.offset
		h := r.hdr[:8]
		if err := r.read(h, "pcapng block header"); err != nil {
			return err
		}
		typ := r.order.Uint32(h[0:4])
		total := r.order.Uint32(h[4:8])
		if total < 12 || total%4 != 0 || total > maxBlock {
			return r.errorAt(r.block, ErrCorrupt, "pcapng block of type %#x has length %d", typ, total)
		}
		switch typ {
		case ngIDB:
			if err := r.readIDB(total); err != nil {
				return err
			}
		case ngEPB, ngPB:
			return r.readPacketBlock(rec, typ, total)
		case ngSPB:
			return r.readSimplePacket(rec, total)
		default:
			// Statistics, name resolution, custom and unknown blocks
			// carry nothing tcpviz analyses.
			if err := r.finishBlock(total, 8); err != nil {
				return err
			}
		}
	}
}

func (r *Reader) readIDB(total uint32) error {
	if total < 20 {
		return r.errorAt(r.block, ErrCorrupt, "pcapng interface block length %d", total)
	}
	h := r.hdr[:8]
	if err := r.read(h, "pcapng interface block"); err != nil {
		return err
	}
	iface := ngInterface{
		linkType: uint32(r.order.Uint16(h[0:2])),
		snaplen:  r.order.Uint32(h[4:8]),
		decimal:  true,
		exponent: 6,
	}
	consumed := uint32(16)
	// Options: code, length, value padded to 32 bits (pcapng §3.5).
	for consumed+4 <= total-4 {
		o := r.hdr[8:12]
		if err := r.read(o, "pcapng interface option"); err != nil {
			return err
		}
		consumed += 4
		code, olen := r.order.Uint16(o[0:2]), uint32(r.order.Uint16(o[2:4]))
		if code == 0 {
			break
		}
		padded := (olen + 3) &^ 3
		if consumed+padded > total-4 {
			return r.errorAt(r.block, ErrCorrupt, "pcapng interface option %d overruns its block", code)
		}
		val := r.hdr[12:20]
		switch {
		case code == 9 && olen == 1: // if_tsresol
			if err := r.read(val[:4], "pcapng if_tsresol"); err != nil {
				return err
			}
			v := val[0]
			iface.decimal = v&0x80 == 0
			iface.exponent = v & 0x7f
			if (iface.decimal && iface.exponent > 18) || (!iface.decimal && iface.exponent > 63) {
				return r.errorAt(r.block, ErrCorrupt, "pcapng if_tsresol %#x out of range", v)
			}
			if iface.decimal && iface.exponent > 6 || !iface.decimal && iface.exponent > 20 {
				r.info.Nanosecond = true
			}
		case code == 14 && olen == 8: // if_tsoffset, seconds
			if err := r.read(val[:8], "pcapng if_tsoffset"); err != nil {
				return err
			}
			iface.offsetNs = int64(r.order.Uint64(val[:8])) * 1e9
		default:
			if err := r.skip(int(padded), "pcapng interface option"); err != nil {
				return err
			}
			consumed += padded
			continue
		}
		consumed += padded
	}
	if len(r.ifaces) >= 1<<16 {
		return r.errorAt(r.block, ErrCorrupt, "more than 65536 interfaces in one section")
	}
	if e := int(iface.exponent); iface.decimal {
		iface.pow10 = pow10(uint8(max(9-e, e-9)))
	}
	r.ifaces = append(r.ifaces, iface)
	if len(r.ifaces) == 1 && r.info.Snaplen == 0 {
		r.info.Snaplen = iface.snaplen
	}
	r.noteLinkType(iface.linkType)
	return r.finishBlock(total, consumed)
}

// toNanos converts an interface timestamp to nanoseconds since the epoch.
func (i *ngInterface) toNanos(ts uint64) int64 {
	var ns int64
	if i.decimal {
		if i.exponent <= 9 {
			ns = int64(ts) * int64(i.pow10)
		} else {
			ns = int64(ts / i.pow10)
		}
	} else if e := i.exponent; e == 0 {
		ns = int64(ts) * 1e9
	} else {
		sec := ts >> e
		frac := ts & (1<<e - 1)
		// frac/2^e of a second is below 1e9 ns, so the 128-bit product
		// shifted right by e fits in 64 bits.
		hi, lo := bits.Mul64(frac, 1e9)
		ns = int64(sec)*1e9 + int64(hi<<(64-e)|lo>>e)
	}
	return ns + i.offsetNs
}

func pow10(e uint8) uint64 {
	p := uint64(1)
	for ; e > 0; e-- {
		p *= 10
	}
	return p
}

// viewPacketBlock takes the next block in place, with one look at the read
// buffer, when it is a packet block the buffer holds (or can after one fill)
// whole, whose lengths agree and whose interface the section described:
// nearly every block of a capture. It reports false, consuming nothing, for
// anything else, which the block-by-block path then reads and, when it is
// damaged, reports precisely.
func (r *Reader) viewPacketBlock(rec *Record) bool {
	h, err := r.br.Peek(28)
	if err != nil {
		return false
	}
	typ, total := r.order.Uint32(h[0:4]), r.order.Uint32(h[4:8])
	if typ != ngEPB && typ != ngPB || total < 32 || total%4 != 0 || int(total) > r.br.Size() {
		return false
	}
	ifID, ts, capLen, origLen := r.packetFields(typ, h[8:28])
	if ifID >= uint32(len(r.ifaces)) || capLen > MaxRecord || capLen > total-32 {
		return false
	}
	b, err := r.br.Peek(int(total))
	if err != nil || r.order.Uint32(b[total-4:]) != total {
		return false
	}
	r.block = r.offset
	r.br.Discard(int(total))
	r.offset += int64(total)
	r.setPacket(rec, ifID, ts, capLen, origLen, b[28:28+capLen])
	return true
}

// packetFields reads the fixed fields of a packet block (h: the 20 bytes
// after its type and length).
func (r *Reader) packetFields(typ uint32, h []byte) (ifID uint32, ts uint64, capLen, origLen uint32) {
	if typ == ngEPB {
		ifID = r.order.Uint32(h[0:4])
	} else {
		ifID = uint32(r.order.Uint16(h[0:2])) // then a drops count
	}
	ts = uint64(r.order.Uint32(h[4:8]))<<32 | uint64(r.order.Uint32(h[8:12]))
	return ifID, ts, r.order.Uint32(h[12:16]), r.order.Uint32(h[16:20])
}

// setPacket fills rec with a packet block's record.
func (r *Reader) setPacket(rec *Record, ifID uint32, ts uint64, capLen, origLen uint32, data []byte) {
	iface := &r.ifaces[ifID]
	rec.Timestamp = iface.toNanos(ts)
	rec.LinkType = iface.linkType
	rec.Interface = int(ifID)
	rec.OrigLen = max(int(origLen), int(capLen))
	rec.Data = data
}

func (r *Reader) readPacketBlock(rec *Record, typ, total uint32) error {
	if total < 32 {
		return r.errorAt(r.block, ErrCorrupt, "pcapng packet block length %d", total)
	}
	h := r.hdr[:20]
	if err := r.read(h, "pcapng packet block"); err != nil {
		return err
	}
	ifID, ts, capLen, origLen := r.packetFields(typ, h)
	if ifID >= uint32(len(r.ifaces)) {
		return r.errorAt(r.block, ErrCorrupt, "packet names interface %d but the section describes %d", ifID, len(r.ifaces))
	}
	if capLen > MaxRecord || capLen > total-32 {
		return r.errorAt(r.block, ErrCorrupt, "packet block claims %d captured bytes in a %d-byte block", capLen, total)
	}
	data := r.buffer(int(capLen))
	if err := r.read(data, "packet data"); err != nil {
		return err
	}
	r.setPacket(rec, ifID, ts, capLen, origLen, data)
	return r.finishBlock(total, 28+capLen)
}

func (r *Reader) readSimplePacket(rec *Record, total uint32) error {
	if total < 16 {
		return r.errorAt(r.block, ErrCorrupt, "pcapng simple packet block length %d", total)
	}
	if len(r.ifaces) == 0 {
		return r.errorAt(r.block, ErrCorrupt, "simple packet block before any interface block")
	}
	h := r.hdr[:4]
	if err := r.read(h, "pcapng simple packet block"); err != nil {
		return err
	}
	origLen := r.order.Uint32(h)
	capLen := origLen
	if s := r.ifaces[0].snaplen; s != 0 && capLen > s {
		capLen = s
	}
	if capLen > total-16 {
		capLen = total - 16
	}
	if capLen > MaxRecord {
		return r.errorAt(r.block, ErrCorrupt, "simple packet block claims %d bytes", capLen)
	}
	data := r.buffer(int(capLen))
	if err := r.read(data, "packet data"); err != nil {
		return err
	}
	// A simple packet block has no timestamp (pcapng §4.4).
	rec.Timestamp = 0
	rec.LinkType = r.ifaces[0].linkType
	rec.Interface = 0
	rec.Data = data
	rec.OrigLen = int(origLen)
	return r.finishBlock(total, 12+capLen)
}
