package engine

import "errors"

// Error categories. Engine functions wrap one of these with context; callers
// test with errors.Is and the CLI turns them into messages and exit codes.
var (
	ErrNotFound      = errors.New("not found")
	ErrAlreadyExists = errors.New("already exists")
	ErrInvalidArg    = errors.New("invalid argument")
	ErrConflict      = errors.New("conflict")
)
