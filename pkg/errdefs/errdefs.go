// Package errdefs names the error categories every pod package puts its
// errors in, so that callers test with errors.Is (or the IsX helpers) and
// the CLI and the API service choose a message, an exit code or an HTTP
// status in one place each.
//
// The contract, in containerd's errdefs style:
//
//   - A category never adds words to a message. errdefs.InvalidArgumentf(
//     "bad mode %q", m) reads `bad mode "x"`, not `bad mode "x": invalid
//     argument`; errdefs.NotFound(err) reads as err does. Do not wrap a
//     sentinel with %w (fmt.Errorf("...: %w", ErrNotFound)): that appends
//     the category's words, which are for programs, not people.
//   - errors.Is(err, ErrX) and IsX(err) hold for an error put in category X
//     and for anything wrapping it with %w, so context can be added freely
//     (fmt.Errorf("create %s: %w", name, err)) without losing the category.
//   - errors.Is(err, cause) still holds for the error a constructor was
//     given: errdefs.NotFound(fs.ErrNotExist) is both.
//   - An error in no category is an internal failure of the engine.
//
// Mapping categories to outcomes lives in one place per front end:
// cmd/pod/cli (ExitCode, Message) for the CLI, HTTPStatus here for the API.
package errdefs

import (
	"errors"
	"fmt"
)

// The categories. Test with errors.Is or the IsX helpers; make errors with
// the constructors below rather than wrapping these.
var (
	ErrNotFound       = errors.New("not found")
	ErrAlreadyExists  = errors.New("already exists")
	ErrInvalidArg     = errors.New("invalid argument")
	ErrConflict       = errors.New("conflict") // in use, wrong state
	ErrNotImplemented = errors.New("not implemented")
	ErrUnavailable    = errors.New("unavailable")

	// ErrCannotInvoke is a container or exec process whose command exists
	// but could not be executed (permission denied, a directory, a bad
	// binary format): Docker's exit code 126.
	ErrCannotInvoke = errors.New("command cannot be invoked")
	// ErrCommandNotFound is a container or exec process whose command does
	// not exist: Docker's exit code 127.
	ErrCommandNotFound = errors.New("command not found")
)

// categorized is err in category cat: it reads as err alone.
type categorized struct{ err, cat error }

func (e *categorized) Error() string   { return e.err.Error() }
func (e *categorized) Unwrap() []error { return []error{e.err, e.cat} }

// WithCategory puts err in category cat (one of the Err sentinels) without
// adding words to its message; nil stays nil. The named constructors
// (NotFound, InvalidArgumentf...) are this for each category.
func WithCategory(err, cat error) error {
	if err == nil {
		return nil
	}
	return &categorized{err: err, cat: cat}
}

// NotFound puts err in ErrNotFound.
func NotFound(err error) error { return WithCategory(err, ErrNotFound) }

// NotFoundf is a new ErrNotFound error reading fmt.Errorf(format, args...).
func NotFoundf(format string, args ...any) error {
	return NotFound(fmt.Errorf(format, args...))
}

// IsNotFound reports whether err is in ErrNotFound.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// AlreadyExists puts err in ErrAlreadyExists.
func AlreadyExists(err error) error { return WithCategory(err, ErrAlreadyExists) }

// AlreadyExistsf is a new ErrAlreadyExists error reading fmt.Errorf(format, args...).
func AlreadyExistsf(format string, args ...any) error {
	return AlreadyExists(fmt.Errorf(format, args...))
}

// IsAlreadyExists reports whether err is in ErrAlreadyExists.
func IsAlreadyExists(err error) bool { return errors.Is(err, ErrAlreadyExists) }

// InvalidArgument puts err in ErrInvalidArg.
func InvalidArgument(err error) error { return WithCategory(err, ErrInvalidArg) }

// InvalidArgumentf is a new ErrInvalidArg error reading fmt.Errorf(format, args...).
func InvalidArgumentf(format string, args ...any) error {
	return InvalidArgument(fmt.Errorf(format, args...))
}

// IsInvalidArgument reports whether err is in ErrInvalidArg.
func IsInvalidArgument(err error) bool { return errors.Is(err, ErrInvalidArg) }

// Conflict puts err in ErrConflict.
func Conflict(err error) error { return WithCategory(err, ErrConflict) }

// Conflictf is a new ErrConflict error reading fmt.Errorf(format, args...).
func Conflictf(format string, args ...any) error {
	return Conflict(fmt.Errorf(format, args...))
}

// IsConflict reports whether err is in ErrConflict.
func IsConflict(err error) bool { return errors.Is(err, ErrConflict) }

// NotImplemented puts err in ErrNotImplemented.
func NotImplemented(err error) error { return WithCategory(err, ErrNotImplemented) }

// NotImplementedf is a new ErrNotImplemented error reading fmt.Errorf(format, args...).
func NotImplementedf(format string, args ...any) error {
	return NotImplemented(fmt.Errorf(format, args...))
}

// IsNotImplemented reports whether err is in ErrNotImplemented.
func IsNotImplemented(err error) bool { return errors.Is(err, ErrNotImplemented) }

// Unavailable puts err in ErrUnavailable.
func Unavailable(err error) error { return WithCategory(err, ErrUnavailable) }

// Unavailablef is a new ErrUnavailable error reading fmt.Errorf(format, args...).
func Unavailablef(format string, args ...any) error {
	return Unavailable(fmt.Errorf(format, args...))
}

// IsUnavailable reports whether err is in ErrUnavailable.
func IsUnavailable(err error) bool { return errors.Is(err, ErrUnavailable) }

// CannotInvoke puts err in ErrCannotInvoke.
func CannotInvoke(err error) error { return WithCategory(err, ErrCannotInvoke) }

// CannotInvokef is a new ErrCannotInvoke error reading fmt.Errorf(format, args...).
func CannotInvokef(format string, args ...any) error {
	return CannotInvoke(fmt.Errorf(format, args...))
}

// IsCannotInvoke reports whether err is in ErrCannotInvoke.
func IsCannotInvoke(err error) bool { return errors.Is(err, ErrCannotInvoke) }

// CommandNotFound puts err in ErrCommandNotFound.
func CommandNotFound(err error) error { return WithCategory(err, ErrCommandNotFound) }

// CommandNotFoundf is a new ErrCommandNotFound error reading fmt.Errorf(format, args...).
func CommandNotFoundf(format string, args ...any) error {
	return CommandNotFound(fmt.Errorf(format, args...))
}

// IsCommandNotFound reports whether err is in ErrCommandNotFound.
func IsCommandNotFound(err error) bool { return errors.Is(err, ErrCommandNotFound) }
