// Package cli holds tcpviz's commands. Each command has an options struct
// that cobra fills from flags and a run function that does the work, so tests
// can call the run functions directly with buffers for stdout and stderr.
// Only this package imports cobra.
package cli
