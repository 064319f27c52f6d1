package cli

import (
	"errors"
	"fmt"
)

// Exit codes (README.md, "Exit codes").
const (
	ExitOK      = 0 // success
	ExitFailure = 1 // runtime failure: cannot write output, internal error
	ExitUsage   = 2 // bad command line
	ExitInput   = 3 // input unreadable: missing, not a capture, empty, unsupported
	ExitPartial = 4 // input damaged part-way: what came before was analysed and written

	// ExitInterrupted is returned when Ctrl-C or SIGTERM ended a run early;
	// what was read before was analysed and written.
	ExitInterrupted = 130
)

// exitError carries the exit code a failure maps to.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// failure gives err exit code 1 unless it already carries a code, so that
// every error a command returns has one and run can treat the rest as
// cobra's own usage errors.
func failure(err error) error {
	var e *exitError
	if err == nil || errors.As(err, &e) {
		return err
	}
	return withCode(ExitFailure, err)
}

func usageErrorf(format string, args ...any) error {
	return withCode(ExitUsage, fmt.Errorf(format, args...))
}

// codeOf maps an error returned by the root command to its exit code. The
// commands give every error of theirs a code (failure), so one without is
// cobra's: an unknown flag or command, a bad flag value, a stray argument.
func codeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return ExitUsage
}
