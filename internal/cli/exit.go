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

func usageErrorf(format string, args ...any) error {
	return withCode(ExitUsage, fmt.Errorf(format, args...))
}

// codeOf maps an error to its exit code.
func codeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return ExitFailure
}
