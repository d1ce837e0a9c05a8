package spec

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestResolveUser(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/false\nbob:x:1000:1000::/home/bob:/bin/sh\n")
	writeFile(t, filepath.Join(root, "etc/group"), "root:x:0:\nwww:x:33:\nstaff:x:50:bob\nbob:x:1000:\naudio:x:29:bob,www\n")

	// An image whose /etc/passwd is a symlink to a host path: it must be
	// resolved inside the root filesystem, never read from the host.
	evil := t.TempDir()
	hostFile := filepath.Join(t.TempDir(), "passwd")
	writeFile(t, hostFile, "intruder:x:4242:4242::/:/bin/sh\n")
	if err := os.MkdirAll(filepath.Join(evil, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(hostFile, filepath.Join(evil, "etc/passwd")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../../../.."+hostFile, filepath.Join(evil, "etc/group")); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()

	tests := []struct {
		name, root, user string
		want             User
		wantErr          error
		msg              string
	}{
		{name: "default is root", root: root, user: "", want: User{UID: 0, GID: 0, Home: "/root"}},
		{name: "name", root: root, user: "www", want: User{UID: 33, GID: 33, AdditionalGids: []uint32{29}, Home: "/var/www"}},
		{name: "uid in passwd", root: root, user: "1000", want: User{UID: 1000, GID: 1000, AdditionalGids: []uint32{50, 29}, Home: "/home/bob"}},
		{name: "uid absent from passwd", root: root, user: "4000", want: User{UID: 4000, GID: 0}},
		{name: "uid:gid", root: root, user: "4000:4001", want: User{UID: 4000, GID: 4001}},
		// As in Docker, an explicit group replaces the supplementary ones.
		{name: "name:group", root: root, user: "bob:staff", want: User{UID: 1000, GID: 50, Home: "/home/bob"}},
		{name: "unknown name", root: root, user: "nobody2", wantErr: errdefs.ErrNotFound, msg: "unable to find user nobody2: no matching entries in passwd file"},
		{name: "unknown group", root: root, user: "bob:nogroup", wantErr: errdefs.ErrNotFound},
		{name: "no passwd, numeric", root: empty, user: "7:8", want: User{UID: 7, GID: 8}},
		{name: "no passwd, name", root: empty, user: "bob", wantErr: errdefs.ErrNotFound, msg: "unable to find user bob: no matching entries in passwd file"},
		{name: "symlinked passwd stays in the rootfs", root: evil, user: "intruder", wantErr: errdefs.ErrNotFound},
		{name: "symlinked passwd, numeric", root: evil, user: "4242", want: User{UID: 4242, GID: 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveUser(tc.root, tc.user)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %+v, %v; want %v", got, err, tc.wantErr)
				}
				if tc.msg != "" && err.Error() != tc.msg {
					t.Errorf("message %q, want %q", err, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.UID != tc.want.UID || got.GID != tc.want.GID || got.Home != tc.want.Home || !slices.Equal(got.AdditionalGids, tc.want.AdditionalGids) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
