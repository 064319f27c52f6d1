package capture

import (
	"errors"
	"fmt"
)

// Sentinel errors classify what is wrong with an input; test with errors.Is.
var (
	// ErrNotCapture means the input does not start with a known capture magic.
	ErrNotCapture = errors.New("not a pcap or pcapng capture")
	// ErrEmpty means the input holds no bytes at all.
	ErrEmpty = errors.New("empty file")
	// ErrTruncated means the input ends in the middle of a header or record.
	ErrTruncated = errors.New("truncated")
	// ErrCorrupt means a header or block holds values no valid capture has.
	ErrCorrupt = errors.New("corrupt")
)

// Error locates a problem in a capture: which input, at which byte offset (of
// the decompressed stream for gzip input) and, once records were read, after
// which frame.
//
// For ErrTruncated, Offset is where the input ended; for ErrCorrupt, it is the
// start of the file header, record or pcapng block that holds the bad value
// (for damage inside a gzip stream, how far decompression got).
type Error struct {
	File   string
	Offset int64
	Frame  uint64 // number of records read successfully before the problem
	Kind   error  // one of the sentinel errors above
	Detail string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: %s at byte %d", e.File, e.Kind, e.Offset)
	if e.Frame > 0 {
		msg += fmt.Sprintf(" (after frame %d)", e.Frame)
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap lets errors.Is match the sentinel kind.
func (e *Error) Unwrap() error { return e.Kind }
