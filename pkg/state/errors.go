package state

import "fmt"

// catError is an error whose message is shown to users as is while
// errors.Is still finds its errdefs category. Wrapping with %w would append
// the category's own text ("...: not found"), which reads badly after a
// message that already says so.
type catError struct {
	msg string
	cat error
}

func (e *catError) Error() string { return e.msg }
func (e *catError) Unwrap() error { return e.cat }

func errorf(cat error, format string, args ...any) error {
	return &catError{msg: fmt.Sprintf(format, args...), cat: cat}
}
