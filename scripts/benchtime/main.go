// Command benchtime runs a command and writes its wall time, peak resident
// set and CPU time, as GNU time's %e %M %U+%S would, so that scripts/bench.sh
// measures tcpviz and tshark alike without an extra package:
//
//	benchtime -o out.time -- tshark -2 -r FILE -q -z io,stat,0,tcp.analysis.flags
//
// writes one line "WALL_S PEAK_RSS_KB CPU_S" to out.time (stdout without -o).
// The peak RSS is the kernel's ru_maxrss of the child (getrusage(2)), which
// counts the largest resident set of the process itself, not of this
// wrapper. The command's stdin, stdout and stderr are this process's; its
// exit code is returned (1 if it could not be started, 128+N if killed by
// signal N).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("benchtime", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "file to write \"WALL_S PEAK_RSS_KB CPU_S\" to (default stdout)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "benchtime: a command to run is required: benchtime [-o FILE] -- CMD [ARGS...]")
		return 2
	}
	cmd := exec.Command(fs.Arg(0), fs.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	case err != nil:
		fmt.Fprintf(stderr, "benchtime: %v\n", err)
		return 1
	}
	line := measurement(cmd.ProcessState, wall)
	if *out == "" {
		fmt.Fprint(stdout, line)
		return code
	}
	if err := os.WriteFile(*out, []byte(line), 0o644); err != nil {
		fmt.Fprintf(stderr, "benchtime: %v\n", err)
		return 1
	}
	return code
}

// measurement formats wall time, peak RSS (KiB; Linux reports ru_maxrss in
// kilobytes) and user+system CPU time of a finished process.
func measurement(ps *os.ProcessState, wall time.Duration) string {
	var rss int64
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	cpu := ps.UserTime() + ps.SystemTime()
	return fmt.Sprintf("%.3f %d %.2f\n", wall.Seconds(), rss, cpu.Seconds())
}
