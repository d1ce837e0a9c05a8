package storage

import "testing"

func TestMatchesShortName(t *testing.T) {
	for _, tc := range []struct {
		short, full string
		want        bool
	}{
		{"tool", "quay.io/team/tool:latest", true},
		{"tool:1", "quay.io/team/tool:1", true},
		{"tool:1", "quay.io/team/tool:2", false},
		{"team/tool", "quay.io/team/tool:latest", true},
		{"ool", "quay.io/team/tool:latest", false},
		{"other/tool", "quay.io/team/tool:latest", false},
		{"busybox", "docker.io/library/busybox:latest", true},
		{"tool", "127.0.0.1:5000/tool:latest", true},
		{"tool", "quay.io/team/tool@sha256:0123456789012345678901234567890123456789012345678901234567890123", false},
	} {
		if got := MatchesShortName(tc.short, tc.full); got != tc.want {
			t.Errorf("MatchesShortName(%q, %q) = %v, want %v", tc.short, tc.full, got, tc.want)
		}
	}
	for name, want := range map[string]bool{"tool": true, "team/tool:1": true, "quay.io/tool": false, "localhost/tool": false, "host:5000/tool": false, "tool@sha256:abc": false, "": false} {
		if got := IsShortName(name); got != want {
			t.Errorf("IsShortName(%q) = %v, want %v", name, got, want)
		}
	}
}
