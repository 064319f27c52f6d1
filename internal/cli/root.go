package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// IO is what a command reads from and writes to.
type IO struct {
	In     io.Reader
	Out    io.Writer // data and the paths written
	ErrOut io.Writer // human messages
	// ErrTerminal says ErrOut is a terminal: progress is drawn only then.
	ErrTerminal bool
}

// Main runs tcpviz with args (without the program name) and returns the exit
// code. Errors are printed as one line on stderr.
func Main(args []string, in io.Reader, out, errOut io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	io := IO{In: in, Out: out, ErrOut: errOut}
	if f, ok := errOut.(*os.File); ok {
		io.ErrTerminal = isTerminal(f)
	}
	return run(ctx, args, io)
}

// run executes the command line args and returns the exit code. Whatever
// fails is reported as exactly one line on io.ErrOut, "tcpviz: " first.
func run(ctx context.Context, args []string, io IO) (code int) {
	// A panic is a bug, but the promise of one line on stderr and exit
	// code 1 for an internal error holds for it too.
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(io.ErrOut, "tcpviz: internal error: %s\n", oneLine(fmt.Sprint(p)))
			code = ExitFailure
		}
	}()
	root := newRoot(io)
	root.SetArgs(args)
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	code = codeOf(err)
	msg := oneLine(err.Error())
	if code == ExitUsage && cmd != nil {
		if cmd == root && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			// cobra's own suggestions span several lines; these fit on one.
			if s := root.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
		}
		// Still one line: the pointer to help goes on the message's line.
		msg += fmt.Sprintf(" (see '%s --help')", cmd.CommandPath())
	}
	fmt.Fprintf(io.ErrOut, "tcpviz: %s\n", msg)
	return code
}

// flagError gives cobra's flag errors the usage exit code and says what a
// bad value should have been, instead of the parser's own error text
// (README: a flag error names the flag, the rule and the value).
func flagError(_ *cobra.Command, err error) error {
	var iv *pflag.InvalidValueError
	if errors.As(err, &iv) {
		rule := "be valid: " + oneLine(errors.Unwrap(iv).Error())
		switch iv.GetFlag().Value.Type() {
		case "duration":
			rule = "be a duration such as 1s, 250ms or 15m"
		case "int", "uint", "int64", "uint64":
			rule = "be a whole number"
		case "bool":
			rule = "be true or false"
		}
		return usageErrorf("--%s must %s, got %q", iv.GetFlag().Name, rule, iv.GetValue())
	}
	return withCode(ExitUsage, err)
}

// noArgs rejects positional arguments: a command's inputs are all flags, so
// a stray word is most likely a file given without --in.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("unexpected argument %q: give the input with --in", args[0])
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func newRoot(io IO) *cobra.Command {
	root := &cobra.Command{
		Use:           "tcpviz",
		Short:         "Fast TCP and RTP analysis of packet captures",
		Long:          "tcpviz analyses pcap/pcapng captures like Wireshark's TCP expert analysis and RTP stream analysis, streaming, and writes JSONL events, flow records and a summary.",
		SilenceErrors: true,
		SilenceUsage:  true,
		// run prints suggestions itself, on the error's line.
		DisableSuggestions: true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(newParsePcapCmd(io, nil), newSummaryCmd(io, nil), newExportCmd(io, nil))
	root.AddCommand(newMonitorCmd(io, os.Getenv, nil))
	root.AddCommand(newReportCmd(io, nil))
	return root
}
