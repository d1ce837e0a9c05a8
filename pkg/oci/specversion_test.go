package oci

import "testing"

func TestSpecVersionFor(t *testing.T) {
	crun181 := "crun version 1.8.1\ncommit: f8a096be\nrundir: /run/crun\nspec: 1.0.0\n+SYSTEMD +SELINUX\n"
	runc115 := "runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\ngo: go1.19.8\n"
	crunNew := "crun version 1.21\nspec: 1.0.0\n"
	for _, tc := range []struct{ out, ours, want string }{
		{crun181, "1.2.1", "1.0.0"}, // Debian 12's crun: its own version
		{runc115, "1.2.1", "1.0.2-dev"},
		{runc115, "1.0.2", "1.0.2"}, // pod's is not newer: pod's
		{"runc version 1.2.0\nspec: 1.2.0\n", "1.2.1", "1.2.1"},
		{"runc version 1.3\nspec: 1.3.0\n", "1.2.1", "1.2.1"}, // never newer than pod knows
		{"no spec line\n", "1.2.1", "1.2.1"},
		{"spec: garbage\n", "1.2.1", "1.2.1"},
		{crunNew, "1.2.1", "1.0.0"},
	} {
		if got := specVersionFor(tc.out, tc.ours); got != tc.want {
			t.Errorf("specVersionFor(%q, %q) = %q, want %q", tc.out, tc.ours, got, tc.want)
		}
	}
}
