package cli

import (
	"fmt"
	"time"

	"github.com/tcpviz/tcpviz/internal/session"
)

// createSession makes the session directory a run writes into: out, or a
// new artifacts/session_YYYYmmdd_HHMMSS. Its error carries ExitFailure.
func createSession(artifacts, out string, now time.Time) (string, error) {
	dir, err := session.Create(artifacts, out, now)
	if err != nil {
		target := out
		if target == "" {
			target = artifacts
		}
		return "", withCode(ExitFailure, fmt.Errorf("write session to %s: %w", target, err))
	}
	return dir, nil
}
