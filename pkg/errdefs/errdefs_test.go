package errdefs

import (
	"errors"
	"fmt"
	"testing"
)

func TestWithCategory(t *testing.T) {
	lib := errors.New(`short-name "x" did not resolve to an alias`)
	err := fmt.Errorf("pull: %w", WithCategory(lib, ErrInvalidArg))
	if !errors.Is(err, ErrInvalidArg) || !errors.Is(err, lib) || errors.Is(err, ErrNotFound) {
		t.Fatalf("categories of %v wrong", err)
	}
	if got, want := err.Error(), `pull: short-name "x" did not resolve to an alias`; got != want {
		t.Fatalf("message %q, want %q", got, want)
	}
	if WithCategory(nil, ErrNotFound) != nil {
		t.Fatal("WithCategory(nil) is not nil")
	}
}
