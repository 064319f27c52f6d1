package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// IO is what a command reads from and writes to.
type IO struct {
	In     io.Reader
	Out    io.Writer // data and the paths written
	ErrOut io.Writer // human messages
}

// Main runs tcpviz with args (without the program name) and returns the exit
// code. Errors are printed as one line on stderr.
func Main(args []string, in io.Reader, out, errOut io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, IO{In: in, Out: out, ErrOut: errOut})
}

func run(ctx context.Context, args []string, io IO) int {
	root := newRoot(io)
	root.SetArgs(args)
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := codeOf(err)
	if _, ok := err.(*exitError); !ok && isCobraUsage(err) {
		code = ExitUsage
	}
	fmt.Fprintf(io.ErrOut, "tcpviz: %s\n", oneLine(err.Error()))
	if code == ExitUsage {
		fmt.Fprintln(io.ErrOut, "run 'tcpviz --help' for usage")
	}
	return code
}

// isCobraUsage recognises the flag and argument errors cobra returns itself.
func isCobraUsage(err error) bool {
	m := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand", "unknown command", "flag needs an argument", "invalid argument", "required flag", "accepts ", "bad flag syntax"} {
		if strings.Contains(m, p) {
			return true
		}
	}
	return false
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func newRoot(io IO) *cobra.Command {
	root := &cobra.Command{
		Use:           "tcpviz",
		Short:         "Fast TCP and RTP analysis of packet captures",
		Long:          "tcpviz analyses pcap/pcapng captures like Wireshark's TCP expert analysis, streaming, and writes JSONL events, flow records and a summary.",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(newParsePcapCmd(io), newSummaryCmd(io))
	return root
}
