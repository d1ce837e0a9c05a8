package container

import (
	"errors"
	"fmt"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

// startError gives a failed start the exit code Docker and Podman use: 127
// when the container's command does not exist, 126 when it cannot be
// executed, else 125.
func startError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, engine.ErrCommandNotFound):
		return &cli.ExitError{Code: cli.ExitNotFound, Err: err}
	case errors.Is(err, engine.ErrCommandCannotRun):
		return &cli.ExitError{Code: cli.ExitCannotRun, Err: err}
	}
	return err
}

// each runs fn on every name, printing the name on success as podman does.
// Every failure but the last is printed at once; the last is returned, with
// the exit code code(err) picks, for main to print.
func each(g *cli.Globals, names []string, code func(error) int, fn func(name string) error) error {
	var last error
	for _, n := range names {
		err := fn(n)
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

// engineCode is 125 for every error.
func engineCode(error) int { return cli.ExitEngine }
