package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Exit codes podman's removal commands (rm, rmi, volume rm) use besides 125.
const (
	ExitNoSuchObject = 1 // every failure was an object that does not exist
	ExitInUse        = 2 // an object is in use (by a container, say)
)

// ReportErrors prints every error but the last as an "Error: ..." line on w
// and returns the last for main to print, so that a command working on
// several objects reports each failure once and still exits non-zero.
func ReportErrors(w io.Writer, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	for _, e := range errs[:len(errs)-1] {
		fmt.Fprintln(w, Message(e))
	}
	return errs[len(errs)-1]
}

// RemoveError reports errs as ReportErrors does, with podman's exit code
// for a removal: 2 when an object is in use, 1 when every failure was a
// missing object, else 125.
func RemoveError(w io.Writer, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	code := ExitNoSuchObject
	for _, e := range errs {
		switch {
		case errors.Is(e, errdefs.ErrConflict):
			code = ExitInUse
		case errors.Is(e, errdefs.ErrNotFound):
		default:
			if code != ExitInUse {
				code = ExitEngine
			}
		}
	}
	return &ExitError{Code: code, Err: ReportErrors(w, errs)}
}

// Confirm prints warning and podman's question on out and reports whether
// the line read from in says yes.
func Confirm(in io.Reader, out io.Writer, warning string) bool {
	fmt.Fprintf(out, "WARNING! %s\nAre you sure you want to continue? [y/N] ", warning)
	answer, _ := bufio.NewReader(in).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(answer))
	return a == "y" || a == "yes"
}
