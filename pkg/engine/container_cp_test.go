package engine

import (
	"io/fs"
	"os"
	"strings"
	"testing"
)

func TestCopyTargetFor(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(osMkdir(dir + "/d"))
	must(osWrite(dir + "/f"))
	tests := []struct {
		name     string
		src      string
		srcIsDir bool
		dst      string
		want     copyTarget
		wantErr  string
	}{
		{"file into dir", "/x/a.txt", false, dir + "/d", copyTarget{dir + "/d", "a.txt"}, ""},
		{"file to new name", "/x/a.txt", false, dir + "/new", copyTarget{dir, "new"}, ""},
		{"file over file", "/x/a.txt", false, dir + "/f", copyTarget{dir, "f"}, ""},
		{"file to missing dir", "/x/a.txt", false, dir + "/missing/", copyTarget{}, "must exist"},
		{"dir into dir", "/x/sub", true, dir + "/d", copyTarget{dir + "/d", "sub"}, ""},
		{"dir contents", "/x/sub/.", true, dir + "/d", copyTarget{dir + "/d", "."}, ""},
		{"dir to new", "/x/sub", true, dir + "/newdir", copyTarget{dir, "newdir"}, ""},
		{"dir over file", "/x/sub", true, dir + "/f", copyTarget{}, "cannot copy directory"},
		{"no parent", "/x/a.txt", false, dir + "/no/such", copyTarget{}, "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := copyTargetFor(tt.src, tt.srcIsDir, tt.dst, osStat)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v %v, want %+v", got, err, tt.want)
			}
		})
	}
}

func osMkdir(p string) error               { return os.Mkdir(p, 0o755) }
func osWrite(p string) error               { return os.WriteFile(p, []byte("x"), 0o644) }
func osStat(p string) (fs.FileInfo, error) { return os.Stat(p) }

func TestMountFor(t *testing.T) {
	mounts := []MountConfig{{Type: mountVolume, Source: "v", Destination: "/data"}, {Type: mountBind, Source: "/h", Destination: "/data/sub/"}, {Type: mountTmpfs, Destination: "/tmp"}}
	for _, tc := range []struct {
		p, dest, rel string
		ok           bool
	}{
		{"/data", "/data", "/", true},
		{"/data/", "/data", "/", true},
		{"/data/x/", "/data", "/x/", true},
		{"/data/.", "/data", "/.", true},
		{"/data/sub/f", "/data/sub/", "/f", true},
		{"/database", "", "", false},
		{"/tmp/../etc", "", "", false},
		{"/tmp/a", "/tmp", "/a", true},
	} {
		m, rel, ok := mountFor(mounts, tc.p)
		if ok != tc.ok || m.Destination != tc.dest || rel != tc.rel {
			t.Errorf("mountFor(%q) = %q %q %v, want %q %q %v", tc.p, m.Destination, rel, ok, tc.dest, tc.rel, tc.ok)
		}
	}
}

func TestCtrAbs(t *testing.T) {
	c := &Container{Config: &ContainerConfig{WorkingDir: "/app/"}}
	for p, want := range map[string]string{"f": "/app/f", "/f": "/f", "d/.": "/app/d/.", "../x": "/app/../x"} {
		if got := ctrAbs(c, p); got != want {
			t.Errorf("ctrAbs(%q) = %q, want %q", p, got, want)
		}
	}
	if got := ctrAbs(&Container{Config: &ContainerConfig{}}, "f"); got != "/f" {
		t.Errorf("without a working directory: %q", got)
	}
}
