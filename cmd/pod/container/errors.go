package container

import (
	"errors"
	"fmt"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

// errSkipped, returned by each's fn, means the name was passed over
// without an error (rm --ignore of a missing container): nothing is printed.
var errSkipped = errors.New("skipped")

// each runs fn on every name, printing the name on success as podman does.
// Every failure but the last is printed at once; the last is returned, with
// the exit code code(err) picks, for main to print.
func each(g *cli.Globals, names []string, code func(error) int, fn func(name string) error) error {
	var last error
	for _, n := range names {
		err := fn(n)
		if errors.Is(err, errSkipped) {
			continue
		}
		if err == nil {
			fmt.Fprintln(g.Stdout, n)
			continue
		}
		if last != nil {
			fmt.Fprintln(g.Stderr, cli.Message(last))
		}
		last = &cli.ExitError{Code: code(err), Err: err}
	}
	return last
}
