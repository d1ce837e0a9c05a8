package state

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestValidateName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"web", true},
		{"a", true},
		{"7", true},
		{"Web_1.test-2", true},
		{"a--", true},
		{"a..", true},
		{"A_", true},
		{"", false},
		{"_web", false},
		{".web", false},
		{"-web", false},
		{"/web", false},
		{"we b", false},
		{"web/1", false},
		{"web:1", false},
		{"wéb", false},
		{"web\n", false},
		{"web!", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateName(tc.name)
			if tc.ok {
				if err != nil {
					t.Errorf("ValidateName(%q) = %v; want ok", tc.name, err)
				}
				return
			}
			if !errors.Is(err, errdefs.ErrInvalidArg) {
				t.Fatalf("ValidateName(%q) = %v; want ErrInvalidArg", tc.name, err)
			}
			if !strings.Contains(err.Error(), NameRule) || !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.name)) {
				t.Errorf("message %q does not name the name and the rule", err)
			}
		})
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := NewID()
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(id) {
			t.Fatalf("NewID() = %q; want 64 lowercase hex characters", id)
		}
		if regexp.MustCompile(`^[0-9]{12}`).MatchString(id) {
			t.Fatalf("NewID() = %q: its short form is all digits", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %s", id)
		}
		seen[id] = true
	}
}

func TestRandomName(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		n := RandomName()
		if !regexp.MustCompile(`^[a-z]+_[a-z]+$`).MatchString(n) {
			t.Fatalf("RandomName() = %q; want adjective_surname", n)
		}
		if err := ValidateName(n); err != nil {
			t.Fatal(err)
		}
		seen[n] = true
	}
	if len(seen) < 100 {
		t.Errorf("200 RandomName calls gave only %d distinct names", len(seen))
	}
}
