// Package errdefs names the error categories every pod package wraps its
// errors in, so that callers test with errors.Is and the CLI can choose
// messages and exit codes in one place.
package errdefs

import "errors"

var (
	ErrNotFound      = errors.New("not found")
	ErrAlreadyExists = errors.New("already exists")
	ErrInvalidArg    = errors.New("invalid argument")
	ErrConflict      = errors.New("conflict") // in use, wrong state
)
