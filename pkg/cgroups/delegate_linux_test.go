package cgroups

import "testing"

func TestDelegatedRoot(t *testing.T) {
	writable := map[string]bool{
		"/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service":                            true,
		"/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice":                  true,
		"/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/run-u5.service":   true,
		"/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/run-u5.service/x": true,
	}
	w := func(d string) bool { return writable[d] }
	for _, tc := range []struct {
		own, want string
		ok        bool
	}{
		{"/user.slice/user-1000.slice/user@1000.service/app.slice/run-u5.service", "/user.slice/user-1000.slice/user@1000.service", true},
		{"/user.slice/user-1000.slice/user@1000.service", "/user.slice/user-1000.slice/user@1000.service", true},
		{"/user.slice/user-1000.slice/session-2.scope", "", false}, // a login session: not delegated
		{"/", "", false},
	} {
		got, ok := delegatedRoot("/sys/fs/cgroup", tc.own, w)
		if got != tc.want || ok != tc.ok {
			t.Errorf("delegatedRoot(%q) = %q, %v; want %q, %v", tc.own, got, ok, tc.want, tc.ok)
		}
	}
}
