// Command tcpviz analyses packet captures: see README.md.
package main

import (
	"os"

	"github.com/tcpviz/tcpviz/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
