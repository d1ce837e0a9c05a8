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

// WithCategory puts err in category cat without adding the category's words
// to its message: errors.Is(e, cat) and errors.Is(e, err) hold, and e's
// message is err's alone. For errors from other libraries whose own words
// already say what is wrong.
func WithCategory(err, cat error) error {
	if err == nil {
		return nil
	}
	return &categorized{err: err, cat: cat}
}

type categorized struct{ err, cat error }

func (e *categorized) Error() string   { return e.err.Error() }
func (e *categorized) Unwrap() []error { return []error{e.err, e.cat} }
