package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// diff, export, cp, mount and unmount: a container's files, running or not.

func TestDiff(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("run", "--name", "ch", img, "sh", "-c", "touch /tmp/new; rm /bin/vi; echo x >> /etc/passwd; mkdir -p /a/b")
		got := e.MustPod("diff", "ch").Lines()
		want := []string{"A /a", "A /a/b", "C /bin", "D /bin/vi", "C /etc", "C /etc/passwd", "C /tmp", "A /tmp/new"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("diff:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if js := e.MustPod("diff", "--format", "json", "ch").Stdout; !strings.Contains(js, `"deleted": [`) || !strings.Contains(js, `"/bin/vi"`) {
			t.Errorf("diff --format json: %s", js)
		}
		e.Pod("diff", "nosuch").Fails(t, 125, "no such container")
	})
}

func tarNames(t *testing.T, data []byte) []string {
	t.Helper()
	var names []string
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatalf("read tar: %v", err)
		}
		names = append(names, h.Name)
	}
}

func hasName(names []string, want string) bool {
	for _, n := range names {
		if strings.TrimPrefix(strings.TrimSuffix(n, "/"), "./") == want {
			return true
		}
	}
	return false
}

func TestExport(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("run", "--name", "ex", img, "sh", "-c", "echo data > /made")
		names := tarNames(t, []byte(e.MustPod("export", "ex").Stdout))
		if !hasName(names, "bin/busybox") || !hasName(names, "made") {
			t.Fatalf("export lacks bin/busybox or made: %d entries", len(names))
		}
		file := filepath.Join(e.Dir, "ex.tar")
		e.MustPod("export", "-o", file, "ex")
		data, err := os.ReadFile(file)
		if err != nil || !hasName(tarNames(t, data), "bin/busybox") {
			t.Fatalf("export -o: %v", err)
		}
		// A running container exports too.
		counterCtr(t, e, "live")
		if !hasName(tarNames(t, []byte(e.MustPod("export", "live").Stdout)), "tmp/c") {
			t.Error("export of a running container lacks its new file")
		}
		e.Pod("export", "nosuch").Fails(t, 125, "no such container")
		if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("export -o file mode: %v %v", fi, err)
		}
		// A failed export -o leaves nothing: no archive, no temporary file.
		out := filepath.Join(e.Dir, "failed")
		if err := os.Mkdir(out, 0o777); err != nil {
			t.Fatal(err)
		}
		os.Chmod(out, 0o777) // the umask aside: rootless pod writes here too
		e.Pod("export", "-o", filepath.Join(out, "x.tar"), "nosuch").Fails(t, 125, "no such container")
		if left, _ := os.ReadDir(out); len(left) != 0 {
			t.Errorf("a failed export left %v", left)
		}
		// Standard output on a terminal is refused.
		s := startPty(t, e, "export", "ex")
		s.Expect(0, "Error: refusing to export to terminal. Use -o flag or redirect")
		if code := s.Wait(); code != 125 {
			t.Fatalf("export to a terminal exited %d, want 125", code)
		}
	})
}

func TestCpFollowLink(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("run", "--name", "ln", img, "sh", "-c", "echo target > /t; ln -s /t /lnk")
		// Without -L the link itself, with -L what it points to.
		names := tarNames(t, []byte(e.MustPod("cp", "ln:/lnk", "-").Stdout))
		var buf bytes.Buffer
		buf.WriteString(e.MustPod("cp", "ln:/lnk", "-").Stdout)
		h, err := tar.NewReader(&buf).Next()
		if err != nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "/t" {
			t.Fatalf("cp of a link without -L: %v %+v %v", names, h, err)
		}
		buf.Reset()
		buf.WriteString(e.MustPod("cp", "-L", "ln:/lnk", "-").Stdout)
		tr := tar.NewReader(&buf)
		h, err = tr.Next()
		if err != nil || h.Typeflag != tar.TypeReg || h.Name != "lnk" {
			t.Fatalf("cp -L: %+v %v", h, err)
		}
		if body, _ := io.ReadAll(tr); string(body) != "target\n" {
			t.Fatalf("cp -L copied %q", body)
		}
		// A host link with -L: the file it points to lands under the link's name.
		host := e.WriteFile("real.txt", []byte("real\n"))
		link := filepath.Join(e.Dir, "hostlink")
		if err := os.Symlink(host, link); err != nil {
			t.Fatal(err)
		}
		e.MustPod("cp", "-L", link, "ln:/")
		h, err = tar.NewReader(bytes.NewReader([]byte(e.MustPod("cp", "ln:/hostlink", "-").Stdout))).Next()
		if err != nil || h.Typeflag != tar.TypeReg || h.Size != 5 {
			t.Fatalf("cp -L of a host link: %+v %v", h, err)
		}
	})
}

func TestCp(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		// A stopped container with an absolute symlink to /etc.
		e.MustPod("run", "--name", "files", img, "sh", "-c", "ln -s /etc /hostetc; mkdir /srv; echo inside > /srv/f")
		host := e.WriteFile("h.txt", []byte("from host\n"))
		e.MustPod("cp", host, "files:/srv/")
		e.MustPod("cp", host, "files:/srv/renamed.txt")
		// Through the container's absolute link: its /etc, not the host's.
		e.MustPod("cp", host, "files:/hostetc/")
		if _, err := os.Stat("/etc/h.txt"); err == nil {
			t.Fatal("cp through a container symlink wrote the host's /etc")
		}
		back := filepath.Join(e.Dir, "back")
		os.Mkdir(back, 0o777)
		if e.Rootless() {
			os.Chown(back, e.uid, e.gid)
		}
		for _, p := range []string{"/srv/h.txt", "/srv/renamed.txt", "/etc/h.txt"} {
			e.MustPod("cp", "files:"+p, filepath.Join(back, "got"))
			if b, _ := os.ReadFile(filepath.Join(back, "got")); string(b) != "from host\n" {
				t.Fatalf("%s copied back as %q", p, b)
			}
		}
		// ".." stays inside: the container's passwd, not the host's.
		e.MustPod("cp", "files:../../../etc/passwd", filepath.Join(back, "passwd"))
		if b, _ := os.ReadFile(filepath.Join(back, "passwd")); !strings.HasPrefix(string(b), "root:x:0:0:root:/root:/bin/sh\n") || bytes.Contains(b, []byte("podtest")) {
			t.Fatalf("passwd copied out: %q", b)
		}
		// A directory, as a tree.
		e.MustPod("cp", "files:/srv", filepath.Join(back, "srv"))
		if b, _ := os.ReadFile(filepath.Join(back, "srv", "f")); string(b) != "inside\n" {
			t.Fatalf("srv/f copied as %q", b)
		}
		// Tar streams both ways.
		r := e.MustPod("cp", "files:/srv", "-")
		if names := tarNames(t, []byte(r.Stdout)); !hasName(names, "srv/f") || !hasName(names, "srv/h.txt") {
			t.Fatalf("cp to - lists %v", names)
		}
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		tw.WriteHeader(&tar.Header{Name: "streamed", Mode: 0o644, Size: 3, Typeflag: tar.TypeReg})
		tw.Write([]byte("tar"))
		tw.Close()
		e.PodStdin(bytes.NewReader(buf.Bytes()), "cp", "-", "files:/srv").Success(t)
		// A hostile stream: a link to / then a file through it, and a
		// "../" entry; both must stay in the container.
		buf.Reset()
		tw = tar.NewWriter(&buf)
		tw.WriteHeader(&tar.Header{Name: "up", Linkname: "/", Typeflag: tar.TypeSymlink, Mode: 0o777})
		tw.WriteHeader(&tar.Header{Name: "up/etc/evil", Mode: 0o644, Size: 1, Typeflag: tar.TypeReg})
		tw.Write([]byte("x"))
		tw.Close()
		e.PodStdin(bytes.NewReader(buf.Bytes()), "cp", "-", "files:/srv").Success(t)
		if _, err := os.Stat("/etc/evil"); err == nil {
			t.Fatal("a tar stream wrote the host's /etc")
		}
		buf.Reset()
		tw = tar.NewWriter(&buf)
		tw.WriteHeader(&tar.Header{Name: "../../escape", Mode: 0o644, Size: 1, Typeflag: tar.TypeReg})
		tw.Write([]byte("x"))
		tw.Close()
		e.PodStdin(bytes.NewReader(buf.Bytes()), "cp", "-", "files:/srv").Fails(t, 125, "would land outside")
		e.MustPod("cp", "files:/etc/evil", filepath.Join(back, "evil"))
		if b, _ := os.ReadFile(filepath.Join(back, "evil")); string(b) != "x" {
			t.Fatalf("the stream's file through its link landed as %q", b)
		}
		if names := tarNames(t, []byte(e.MustPod("cp", "files:/srv/.", "-").Stdout)); !hasName(names, "streamed") {
			t.Fatalf("streamed file missing: %v", names)
		}
		// Errors: a missing source on either side, one line, 125.
		e.Pod("cp", "files:/nosuch", back).Fails(t, 125, `"/nosuch" could not be found in the container`)
		e.Pod("cp", filepath.Join(e.Dir, "nosuch"), "files:/srv").Fails(t, 125, "could not be found on the host")
		e.Pod("cp", host, "files:/nodir/").Fails(t, 125, `destination directory "/nodir/" must exist`)
		e.Pod("cp", host, back).Fails(t, 125, "one of the paths must be CONTAINER:PATH")
		e.Pod("cp", host, "nosuch:/x").Fails(t, 125, "no such container")

		// Into a running container: it sees the file at once.
		counterCtr(t, e, "run1")
		e.MustPod("cp", host, "run1:/tmp/in.txt")
		pid := out(e.MustPod("inspect", "--format", "{{.State.Pid}}", "run1"))
		if b, _ := os.ReadFile("/proc/" + pid + "/root/tmp/in.txt"); string(b) != "from host\n" {
			t.Fatalf("running container sees %q", b)
		}
		e.MustPod("cp", "run1:/tmp/c", filepath.Join(back, "c"))
		if b, _ := os.ReadFile(filepath.Join(back, "c")); len(b) == 0 {
			t.Fatal("counter copied out empty")
		}
	})
}

func TestCpArchiveOwner(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("create", "--name", "own", img, "true")
		host := e.WriteFile("owned.txt", []byte("x"))
		// A plain user owns no other host uid: the file gets its owner
		// inside the user namespace, as a rootless user would give it.
		if e.Rootless() {
			e.MustPod("unshare", "chown", "1234:4321", host)
		} else if err := os.Chown(host, 1234, 4321); err != nil {
			t.Fatal(err)
		}
		e.MustPod("cp", host, "own:/plain.txt")
		e.MustPod("cp", "-a", host, "own:/kept.txt")
		mnt := out(e.MustPod("mount", "own"))
		defer e.MustPod("unmount", "own")
		if e.Rootless() {
			// The mount is in pod's mount namespace, and the owners are
			// the ones the user namespace sees.
			r := e.MustPod("unshare", "stat", "-c", "%n %u:%g", mnt+"/plain.txt", mnt+"/kept.txt")
			if got := strings.ReplaceAll(out(r), mnt+"/", ""); got != "plain.txt 0:0\nkept.txt 1234:4321" {
				t.Errorf("owners in the container: %q", got)
			}
			return
		}
		for name, want := range map[string][2]uint32{"plain.txt": {0, 0}, "kept.txt": {1234, 4321}} {
			fi, err := os.Stat(filepath.Join(mnt, name))
			if err != nil {
				t.Fatal(err)
			}
			st := fi.Sys().(*syscall.Stat_t)
			if st.Uid != want[0] || st.Gid != want[1] {
				t.Errorf("%s owned by %d:%d, want %d:%d", name, st.Uid, st.Gid, want[0], want[1])
			}
		}
	})
}

func TestMountUnmount(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		id := out(e.MustPod("create", "--name", "m", img, "true"))
		mnt := out(e.MustPod("mount", "m"))
		if !strings.HasPrefix(mnt, e.Root) {
			t.Fatalf("mount point %q is not in the storage root %s", mnt, e.Root)
		}
		// The mounted root filesystem has the image's files: as root here,
		// rootless in pod's own mount namespace (pod unshare).
		if e.Rootless() {
			e.MustPod("unshare", "test", "-x", mnt+"/bin/busybox")
		} else if _, err := os.Stat(mnt + "/bin/busybox"); err != nil {
			t.Fatalf("mounted rootfs: %v", err)
		}
		list := e.MustPod("mount").Lines()
		if len(list) != 1 || strings.Join(strings.Fields(list[0]), " ") != id[:12]+" "+mnt {
			t.Fatalf("mount list %q", list)
		}
		if got := out(e.MustPod("umount", "m")); got != "m" {
			t.Fatalf("umount printed %q", got)
		}
		if got := e.MustPod("mount").Stdout; got != "" {
			t.Fatalf("still listed after unmount: %q", got)
		}
		// Twice mounted, -f unmounts at once; unmounting again is fine.
		e.MustPod("mount", "m")
		e.MustPod("mount", "m")
		e.MustPod("unmount", "-f", "m")
		if got := e.MustPod("mount").Stdout; got != "" {
			t.Fatalf("still listed after unmount -f: %q", got)
		}
		e.MustPod("unmount", "m")
		// A running container's own mount stays.
		counterCtr(t, e, "r")
		e.Pod("unmount", "r").Fails(t, 125, "as it is running or paused")
		e.MustPod("mount", "r")
		e.MustPod("unmount", "r")
		if e.MustPod("mount").Stdout == "" {
			t.Fatal("the running container's mount was taken")
		}
		e.Pod("mount", "nosuch").Fails(t, 125, "no such container")
	})
}

// TestCpRunningMounts copies into and out of a running container's
// volume and tmpfs, which are part of its view, not of its layer.
func TestCpRunningMounts(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		counterCtr(t, e, "mnts", "-v", "cpvol:/data", "--tmpfs", "/scratch")
		host := e.WriteFile("v.txt", []byte("to volume\n"))
		e.MustPod("cp", host, "mnts:/data/")
		e.MustPod("cp", host, "mnts:/scratch/t.txt")
		pid := out(e.MustPod("inspect", "--format", "{{.State.Pid}}", "mnts"))
		if b, _ := os.ReadFile("/proc/" + pid + "/root/scratch/t.txt"); string(b) != "to volume\n" {
			t.Fatalf("tmpfs file reads %q", b)
		}
		names := tarNames(t, []byte(e.MustPod("cp", "mnts:/scratch", "-").Stdout))
		if !hasName(names, "scratch/t.txt") {
			t.Fatalf("cp out of the tmpfs: %v", names)
		}
		// The volume holds it for the next container too.
		if got := out(e.MustPod("run", "--rm", "-v", "cpvol:/data", img, "cat", "/data/v.txt")); got != "to volume" {
			t.Fatalf("volume file reads %q in another container", got)
		}
	})
}

// TestCpCreatedMountsAndRelative copies into a container that was created
// but never ran: a path in one of its volumes lands in the volume and one in
// a bind mount in the bind's host directory (podman's cp), a tmpfs path is
// refused (it exists only while the container runs), relative container
// paths are taken from the working directory, and cp - takes a gzip'ed tar.
func TestCpCreatedMountsAndRelative(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		bind := e.Mkdir("bind")
		e.MustPod("create", "--name", "fl-cp", "-w", "/tmp", "-v", "fl-cpvol:/data", "-v", bind+":/bind", "--tmpfs", "/scratch",
			img, "sh", "-c", "cat /tmp/rel.txt /data/v.txt /bind/b.txt /data/gz.txt")
		e.MustPod("cp", e.WriteFile("v.txt", []byte("in volume\n")), "fl-cp:/data/")
		e.MustPod("cp", e.WriteFile("b.txt", []byte("in bind\n")), "fl-cp:/bind")
		if b, err := os.ReadFile(filepath.Join(bind, "b.txt")); err != nil || string(b) != "in bind\n" {
			t.Fatalf("cp into the bind mount of a created container: host file %q, %v", b, err)
		}
		e.Pod("cp", e.WriteFile("s.txt", []byte("x")), "fl-cp:/scratch/").Fails(t, 125, "/scratch is a tmpfs mount, which exists only while the container runs")
		e.MustPod("cp", e.WriteFile("rel.txt", []byte("relative\n")), "fl-cp:rel.txt")

		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		tw := tar.NewWriter(zw)
		tw.WriteHeader(&tar.Header{Name: "gz.txt", Mode: 0o644, Size: 8, Typeflag: tar.TypeReg})
		tw.Write([]byte("gzipped\n"))
		tw.Close()
		zw.Close()
		e.PodStdin(bytes.NewReader(buf.Bytes()), "cp", "-", "fl-cp:/data").Success(t)

		r := e.MustPod("start", "-a", "fl-cp")
		if r.Stdout != "relative\nin volume\nin bind\ngzipped\n" {
			t.Fatalf("the container read %q", r.Stdout)
		}
		// Out again, relative to the working directory, and from the volume
		// of the now stopped container.
		back := e.Path("back.txt")
		e.MustPod("cp", "fl-cp:rel.txt", back)
		if b, _ := os.ReadFile(back); string(b) != "relative\n" {
			t.Fatalf("cp fl-cp:rel.txt: %q", b)
		}
		e.MustPod("cp", "fl-cp:/data/v.txt", back)
		if b, _ := os.ReadFile(back); string(b) != "in volume\n" {
			t.Fatalf("cp out of the volume of a stopped container: %q", b)
		}
	})
}
