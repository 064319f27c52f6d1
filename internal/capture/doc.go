// Package capture opens packet capture files and yields their records one at a
// time: timestamp, link type, captured bytes and original length.
//
// Formats are recognised by their magic number, never by file name: classic
// pcap (microsecond or nanosecond timestamps, either byte order), pcapng (any
// number of sections and interfaces, each with its own link type and timestamp
// resolution, either byte order), and either of them gzip-compressed. A path of
// "-" reads standard input.
//
// Data enters as an io.Reader and leaves through Reader.Next, which fills a
// caller-owned Record. The bytes in Record.Data belong to the Reader and are
// valid only until the next call to Next: a caller that keeps them must copy.
//
// The reader is written here rather than taken from gopacket's pcapgo because
// tcpviz needs three things pcapgo does not give: every allocation is bounded
// (a record or block claiming gigabytes is an error, not a make), every error
// carries the byte offset of the damage, and the reader never consumes half a
// record from a source that blocks, so a follower of a growing file can hand it
// a reader that waits for the rest. pcapgo remains the writer of the project's
// generated samples and an independent reader in this package's tests.
package capture
