package errdefs

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"testing"
)

func TestCategories(t *testing.T) {
	cause := errors.New(`short-name "x" did not resolve to an alias`)
	cats := []error{ErrNotFound, ErrAlreadyExists, ErrInvalidArg, ErrConflict,
		ErrNotImplemented, ErrUnavailable, ErrCannotInvoke, ErrCommandNotFound}
	for _, tc := range []struct {
		err  error
		cat  error
		is   func(error) bool
		msg  string
		http int
	}{
		{NotFound(cause), ErrNotFound, IsNotFound, cause.Error(), http.StatusNotFound},
		{NotFoundf("no such image %q", "x"), ErrNotFound, IsNotFound, `no such image "x"`, 404},
		{AlreadyExists(cause), ErrAlreadyExists, IsAlreadyExists, cause.Error(), 409},
		{AlreadyExistsf("volume %s already exists", "v"), ErrAlreadyExists, IsAlreadyExists, "volume v already exists", 409},
		{InvalidArgument(cause), ErrInvalidArg, IsInvalidArgument, cause.Error(), 400},
		{InvalidArgumentf("bad mode %q", "z"), ErrInvalidArg, IsInvalidArgument, `bad mode "z"`, 400},
		{Conflict(cause), ErrConflict, IsConflict, cause.Error(), 409},
		{Conflictf("container %s is running", "c"), ErrConflict, IsConflict, "container c is running", 409},
		{NotImplemented(cause), ErrNotImplemented, IsNotImplemented, cause.Error(), 501},
		{NotImplementedf("no %s", "checkpoint"), ErrNotImplemented, IsNotImplemented, "no checkpoint", 501},
		{Unavailable(cause), ErrUnavailable, IsUnavailable, cause.Error(), 503},
		{Unavailablef("registry %s down", "r"), ErrUnavailable, IsUnavailable, "registry r down", 503},
		{CannotInvoke(cause), ErrCannotInvoke, IsCannotInvoke, cause.Error(), 500},
		{CannotInvokef("exec %s: permission denied", "/etc"), ErrCannotInvoke, IsCannotInvoke, "exec /etc: permission denied", 500},
		{CommandNotFound(cause), ErrCommandNotFound, IsCommandNotFound, cause.Error(), 500},
		{CommandNotFoundf("%s: not in $PATH", "nosuch"), ErrCommandNotFound, IsCommandNotFound, "nosuch: not in $PATH", 500},
	} {
		t.Run(tc.msg+"/"+tc.cat.Error(), func(t *testing.T) {
			// Context added with %w keeps the category and adds no words.
			wrapped := fmt.Errorf("ctx: %w", tc.err)
			for _, err := range []error{tc.err, wrapped} {
				if !errors.Is(err, tc.cat) || !tc.is(err) {
					t.Errorf("%v is not in %v", err, tc.cat)
				}
				for _, other := range cats {
					if other != tc.cat && errors.Is(err, other) {
						t.Errorf("%v is also in %v", err, other)
					}
				}
				if got := HTTPStatus(err); got != tc.http {
					t.Errorf("HTTPStatus(%v) = %d, want %d", err, got, tc.http)
				}
			}
			if got := tc.err.Error(); got != tc.msg {
				t.Errorf("message %q, want %q", got, tc.msg)
			}
			if got, want := wrapped.Error(), "ctx: "+tc.msg; got != want {
				t.Errorf("wrapped message %q, want %q", got, want)
			}
		})
	}
}

func TestCauseKept(t *testing.T) {
	err := fmt.Errorf("open x: %w", NotFound(fs.ErrNotExist))
	if !errors.Is(err, fs.ErrNotExist) || !IsNotFound(err) {
		t.Fatalf("%v lost its cause or category", err)
	}
	if err := InvalidArgumentf("parse: %w", fs.ErrInvalid); !errors.Is(err, fs.ErrInvalid) || !IsInvalidArgument(err) {
		t.Fatalf("%v lost its %%w cause or category", err)
	}
	for _, f := range []func(error) error{NotFound, AlreadyExists, InvalidArgument, Conflict,
		NotImplemented, Unavailable, CannotInvoke, CommandNotFound} {
		if f(nil) != nil {
			t.Fatal("a constructor made an error of nil")
		}
	}
}

func TestHTTPStatusOther(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, 200},
		{errors.New("disk full"), 500},
		// Not found wins over a wrapping category: the object is missing.
		{Conflict(NotFoundf("no such container")), 404},
		{AlreadyExists(InvalidArgumentf("x")), 409},
	} {
		if got := HTTPStatus(tc.err); got != tc.want {
			t.Errorf("HTTPStatus(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
