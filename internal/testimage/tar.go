package testimage

import (
	"archive/tar"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Entry is one member of a layer tarball.
type Entry struct {
	Name     string
	Body     []byte
	Dir      bool
	Linkname string // symlink target
	Mode     int64  // 0 means 0644 for files, 0755 for directories
	UID, GID int    // owner; 0 is root
}

// TarOf returns an uncompressed tarball of entries, in order.
func TarOf(entries []Entry) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	// A fixed time makes the same entries always give the same layer digest.
	mtime := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, ModTime: mtime, Mode: e.Mode, Uid: e.UID, Gid: e.GID, Format: tar.FormatPAX}
		switch {
		case e.Dir:
			h.Typeflag, h.Mode = tar.TypeDir, 0o755
			if e.Mode != 0 {
				h.Mode = e.Mode
			}
		case e.Linkname != "":
			h.Typeflag, h.Linkname, h.Mode = tar.TypeSymlink, e.Linkname, 0o777
		default:
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.Body))
			if h.Mode == 0 {
				h.Mode = 0o644
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("tar header %s: %w", e.Name, err)
		}
		if _, err := tw.Write(e.Body); err != nil {
			return nil, fmt.Errorf("tar body %s: %w", e.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// FindBusybox returns the path of the host's busybox (Debian package
// busybox-static; the static one works in any root filesystem).
func FindBusybox() (string, error) {
	if bb, err := exec.LookPath("busybox"); err == nil {
		return bb, nil
	}
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("busybox not found (make deps installs busybox-static)")
}

// BusyboxLayer is a minimal root filesystem: the static busybox at bb, a
// symlink per applet, and the files a container expects.
func BusyboxLayer(bb string) ([]byte, error) {
	body, err := os.ReadFile(bb)
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(bb, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("busybox --list: %w", err)
	}
	entries := []Entry{}
	for _, d := range []string{"bin/", "dev/", "etc/", "home/", "proc/", "root/", "sys/", "usr/", "usr/bin/", "var/", "var/www/"} {
		entries = append(entries, Entry{Name: d, Dir: true})
	}
	entries = append(entries, Entry{Name: "tmp/", Dir: true, Mode: 0o1777})
	entries = append(entries, Entry{Name: "bin/busybox", Body: body, Mode: 0o755})
	for _, applet := range strings.Fields(string(out)) {
		if applet == "busybox" {
			continue
		}
		entries = append(entries, Entry{Name: "bin/" + applet, Linkname: "busybox"})
	}
	entries = append(entries,
		Entry{Name: "etc/passwd", Body: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")},
		Entry{Name: "etc/group", Body: []byte("root:x:0:\nnogroup:x:65534:\n")},
		Entry{Name: "etc/os-release", Body: []byte("NAME=pod-test-busybox\nID=busybox\n")},
	)
	return TarOf(entries)
}
