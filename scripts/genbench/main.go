// Command genbench writes a large, realistic, deterministic Ethernet pcap for
// `make bench`: hundreds of concurrent TCP connections (handshakes, web-style
// request/response, bulk downloads and uploads, FIN and RST teardown, SYN
// retries and refused connections) with losses on both sides of the capture
// point (dup ACKs with SACK, fast retransmissions, RTO retransmissions), a
// few 20 ms PCMU RTP calls and DNS lookups, over IPv4 with some IPv6.
//
// The traffic is a stationary simulation: a connection that ends is replaced
// by a new one, so a capture N times longer (-repeat N, or a larger
// -packets) is the same traffic mix for N times as long, with time and
// sequence numbers continuing; its first packets are byte-identical to the
// shorter capture's. Everything follows from -seed.
//
// Usage:
//
//	go run ./scripts/genbench -seed 1 -packets 1M -out bench/tcpmix.pcap
//	go run ./scripts/genbench -seed 1 -packets 1M -repeat 10 -out bench/tcpmix_10x.pcap
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run parses args, writes the capture and reports on stderr; it returns the
// process exit code.
func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("genbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := DefaultConfig()
	var packets string
	var repeat int64
	var out string
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed: the same seed and size give a byte-identical file")
	fs.StringVar(&packets, "packets", "1M", "packets to write (suffix k or M: 20k, 1M, 10M)")
	fs.Int64Var(&repeat, "repeat", 1, "write the same traffic mix this many times longer (packets × repeat)")
	fs.StringVar(&out, "out", "", "pcap file to write (required; written to a temporary name, then renamed)")
	fs.IntVar(&cfg.Conns, "conns", cfg.Conns, "concurrent TCP connections kept open")
	fs.IntVar(&cfg.Calls, "calls", cfg.Calls, "concurrent RTP calls (two PCMU streams each)")
	fs.IntVar(&cfg.Snaplen, "snaplen", cfg.Snaplen, "bytes kept per frame (0: whole frames)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	n, err := parseCount(packets)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "genbench: -packets must be a count such as 20k or 1M, got %q\n", packets)
		return 2
	case repeat < 1:
		fmt.Fprintf(stderr, "genbench: -repeat must be >= 1, got %d\n", repeat)
		return 2
	case out == "":
		fmt.Fprintln(stderr, "genbench: -out is required: the pcap file to write")
		return 2
	case cfg.Conns < 1 || cfg.Calls < 0 || cfg.Snaplen < 0:
		fmt.Fprintln(stderr, "genbench: -conns must be >= 1, -calls and -snaplen >= 0")
		return 2
	}
	cfg.Packets = n * repeat
	start := time.Now()
	st, err := writeFile(out, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "genbench: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "genbench: wrote %s in %.1fs: %s\n", out, time.Since(start).Seconds(), st)
	return 0
}

// parseCount reads 20000, 20k or 1M.
func parseCount(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult, s = 1000, s[:len(s)-1]
	case strings.HasSuffix(s, "M"), strings.HasSuffix(s, "m"):
		mult, s = 1000000, s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if n <= 0 {
		return 0, errors.New("must be > 0")
	}
	return n * mult, nil
}

// writeFile generates into path via a temporary file in the same directory,
// so an interrupted run never leaves a truncated capture under the final
// name (make bench caches files by name).
func writeFile(path string, cfg Config) (Stats, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return Stats{}, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return Stats{}, err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	// CreateTemp makes the file private; a capture is for everyone to read.
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return Stats{}, err
	}
	bw := bufio.NewWriterSize(tmp, 8<<20)
	st, err := Generate(bw, cfg)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return st, fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return st, err
	}
	return st, nil
}
