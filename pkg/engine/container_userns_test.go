package engine

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

func TestKeepIDFiles(t *testing.T) {
	ku := &KeepIDUser{Name: "alice", UID: 1000, GID: 1001, Home: "/home/alice", Group: "staff"}
	for _, tc := range []struct {
		name          string
		passwd, group string // image files; "-" = absent
		wantPasswd    string // "" = not written
		wantGroup     string
	}{
		{
			name:       "user added",
			passwd:     "root:x:0:0:root:/root:/bin/sh\n",
			group:      "root:x:0:\n",
			wantPasswd: "root:x:0:0:root:/root:/bin/sh\nalice:*:1000:1001:alice:/home/alice:/bin/sh\n",
			wantGroup:  "root:x:0:\nstaff:x:1001:alice\n",
		},
		{
			name:       "no trailing newline, no group file",
			passwd:     "root:x:0:0:root:/root:/bin/sh",
			group:      "-",
			wantPasswd: "root:x:0:0:root:/root:/bin/sh\nalice:*:1000:1001:alice:/home/alice:/bin/sh\n",
			wantGroup:  "staff:x:1001:alice\n",
		},
		{
			name:   "the image knows the IDs",
			passwd: "root:x:0:0:root:/root:/bin/sh\nbob:x:1000:1001::/home/bob:/bin/sh\n",
			group:  "bob:x:1001:\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rootfs, dir := t.TempDir(), t.TempDir()
			if err := os.MkdirAll(filepath.Join(rootfs, "etc"), 0o755); err != nil {
				t.Fatal(err)
			}
			for name, body := range map[string]string{"passwd": tc.passwd, "group": tc.group} {
				if body != "-" {
					if err := os.WriteFile(filepath.Join(rootfs, "etc", name), []byte(body), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			files, err := keepIDFiles(dir, rootfs, ku)
			if err != nil {
				t.Fatal(err)
			}
			for path, want := range map[string]string{"/etc/passwd": tc.wantPasswd, "/etc/group": tc.wantGroup} {
				p, ok := files[path]
				if want == "" {
					if ok {
						t.Errorf("%s written though the image has the ID", path)
					}
					continue
				}
				b, err := os.ReadFile(p)
				if err != nil || string(b) != want {
					t.Errorf("%s = %q, %v; want %q", path, b, err, want)
				}
			}
			// The image's own files are never changed.
			if b, _ := os.ReadFile(filepath.Join(rootfs, "etc", "passwd")); string(b) != tc.passwd {
				t.Errorf("the image's passwd changed: %q", b)
			}
		})
	}
}

func TestKeepIDFilesStayInRoot(t *testing.T) {
	// An image whose /etc/passwd links to the host's must not make pod
	// copy the host's file into the container.
	rootfs, dir := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(rootfs, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../../../../../etc/os-release", filepath.Join(rootfs, "etc", "passwd")); err != nil {
		t.Fatal(err)
	}
	files, err := keepIDFiles(dir, rootfs, &KeepIDUser{Name: "alice", UID: 1000, GID: 1000, Home: "/", Group: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(files["/etc/passwd"])
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "alice:*:1000:1000:alice:/:/bin/sh\n" {
		t.Errorf("passwd = %q, want only the added user", b)
	}
}

func TestStorageOptions(t *testing.T) {
	maps := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 1000}}
	for _, tc := range []struct {
		name string
		cfg  ContainerConfig
		want string
	}{
		{"host", ContainerConfig{}, "none"},
		{"maps", ContainerConfig{UsernsMode: "private", UIDMap: maps, GIDMap: maps}, "maps"},
		{"auto", ContainerConfig{UsernsMode: "auto"}, "auto:0"},
		{"auto with size", ContainerConfig{UsernsMode: "auto:size=500"}, "auto:500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := storageOptions(&tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			im := o.IDMappingOptions
			got := "none"
			switch {
			case im.AutoUserNs:
				got = "auto:" + strconv.Itoa(int(im.AutoUserNsOpts.Size))
			case len(im.UIDMap) > 0:
				if im.UIDMap[0].HostID != 100000 || im.UIDMap[0].Size != 1000 || len(im.GIDMap) != 1 {
					t.Fatalf("maps = %+v %+v", im.UIDMap, im.GIDMap)
				}
				got = "maps"
			}
			if got != tc.want {
				t.Errorf("storage options %s, want %s", got, tc.want)
			}
		})
	}
}

func TestHasUIDGID(t *testing.T) {
	passwd := []byte("root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1001::/home/alice:/bin/sh\n\nbad:x:notanumber:5::/:/bin/sh\n")
	group := []byte("root:x:0:\nstaff:x:50:alice,bob\n")
	for _, tc := range []struct {
		name string
		has  func([]byte, uint32) bool
		file []byte
		id   uint32
		want bool
	}{
		{"passwd uid", hasUID, passwd, 1000, true},
		{"passwd gid is not a uid", hasUID, passwd, 1001, false},
		{"passwd root", hasUID, passwd, 0, true},
		{"passwd absent", hasUID, passwd, 2000, false},
		{"empty passwd", hasUID, nil, 1000, false},
		{"group gid", hasGID, group, 50, true},
		{"group absent", hasGID, group, 1000, false},
		{"empty group", hasGID, nil, 0, false},
	} {
		if got := tc.has(tc.file, tc.id); got != tc.want {
			t.Errorf("%s: %d = %v, want %v", tc.name, tc.id, got, tc.want)
		}
	}
}
