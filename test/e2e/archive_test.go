package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// inspectID returns the ID `pod image inspect` reports for ref.
func inspectID(t *testing.T, e *Env, ref string) string {
	t.Helper()
	return strings.TrimSpace(e.MustPod("image", "inspect", "--format", "{{.Id}}", ref).Stdout)
}

// loaded returns the names of "Loaded image: NAME" lines.
func loaded(t *testing.T, r *Result) []string {
	t.Helper()
	var names []string
	for _, l := range r.Lines() {
		n, ok := strings.CutPrefix(l, "Loaded image: ")
		if !ok {
			t.Fatalf("load printed %q, want only \"Loaded image: NAME\" lines", r.Stdout)
		}
		names = append(names, n)
	}
	return names
}

// TestSaveLoadFormats saves an image in each format and loads it into a
// fresh store: the same image, under the name it was saved by.
func TestSaveLoadFormats(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		id := pulledID(t, e, suite.images.Multi)
		for _, tc := range []struct {
			format string
			want   string // name the load reports
		}{
			{"docker-archive", suite.images.Multi},
			{"oci-archive", suite.images.Multi},
			{"oci-dir", suite.images.Multi},
			{"docker-dir", "sha256:" + id}, // a docker-dir carries no name
		} {
			t.Run(tc.format, func(t *testing.T) {
				out := e.Path("saved-" + tc.format)
				r := e.MustPod("save", "--format", tc.format, "-o", out, suite.images.Multi)
				if r.Stdout != "" || !strings.Contains(r.Stderr, "Writing manifest to image destination") {
					t.Errorf("save: stdout %q, stderr %q; want progress on stderr only", r.Stdout, r.Stderr)
				}
				if _, err := os.Stat(out); err != nil {
					t.Fatalf("save wrote nothing: %v", err)
				}
				fresh := NewEnv(t, e.Rootless())
				r = fresh.MustPod("load", "-q", "-i", out)
				if got := loaded(t, r); len(got) != 1 || got[0] != tc.want {
					t.Fatalf("load reported %q, want [%s]", got, tc.want)
				}
				if got := inspectID(t, fresh, tc.want); got != id {
					t.Errorf("loaded image ID %s, want %s", got, id)
				}
				layers := fresh.MustPod("image", "inspect", "--format", "{{.RootFS.Layers}}", id).Stdout
				if want := e.MustPod("image", "inspect", "--format", "{{.RootFS.Layers}}", id).Stdout; layers != want {
					t.Errorf("loaded layers %s, want %s", layers, want)
				}
				assertNoTempFiles(t, fresh)
			})
		}
		// Relative paths are relative to the caller's working directory
		// (the Env's directory), also inside the rootless user namespace.
		e.MustPod("save", "-q", "-o", "relative.tar", id)
		if _, err := os.Stat(e.Path("relative.tar")); err != nil {
			t.Errorf("save -o relative.tar: %v", err)
		}
		if got := loaded(t, e.MustPod("load", "-q", "-i", "relative.tar")); len(got) != 1 || got[0] != "sha256:"+id {
			t.Errorf("load -i relative.tar reported %q", got)
		}
		assertNoTempFiles(t, e)
		e.Pod("save", "--format", "tar", "-o", e.Path("x"), id).Fails(t, 125, `unsupported format "tar"`)
		e.Pod("save", "--format", "oci-archive", "-o", e.Path("x"), id, id).Fails(t, 125, "only docker-archive")
		e.Pod("save", "--format", "oci-dir", id).Fails(t, 125, "-o")
		e.Pod("save", "-o", e.Path("x"), "nosuchimage").Fails(t, 125, "nosuchimage")
		if _, err := os.Stat(e.Path("x")); !os.IsNotExist(err) {
			t.Errorf("a failed save left %s: %v", e.Path("x"), err)
		}
	})
}

// TestSaveLoadMulti puts several images in one docker-archive and loads
// them from standard input, the way `docker save a b | docker load` does.
func TestSaveLoadMulti(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		bb := pulledID(t, e, suite.images.Busybox)
		pulledID(t, e, suite.images.BusyboxTag)
		multi := pulledID(t, e, suite.images.Multi)

		// To stdout, as Docker does by default; busybox under two tags is
		// one image with both.
		r := e.MustPod("save", "-q", suite.images.Busybox, suite.images.Multi, suite.images.BusyboxTag)
		if r.Stderr != "" || len(r.Stdout) < 1<<20 {
			t.Fatalf("save to stdout: %d bytes, stderr %q", len(r.Stdout), r.Stderr)
		}
		fresh := NewEnv(t, e.Rootless())
		r = fresh.PodStdin(strings.NewReader(r.Stdout), "load")
		r.Success(t)
		got := loaded(t, r)
		sort.Strings(got)
		want := []string{suite.images.BusyboxTag, suite.images.Busybox, suite.images.Multi}
		sort.Strings(want)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("load from stdin reported %q, want %q", got, want)
		}
		if !strings.Contains(r.Stderr, "Copying blob") {
			t.Errorf("load without -q printed no progress on stderr: %q", r.Stderr)
		}
		for ref, id := range map[string]string{suite.images.Busybox: bb, suite.images.BusyboxTag: bb, suite.images.Multi: multi} {
			if got := inspectID(t, fresh, ref); got != id {
				t.Errorf("%s loaded as %s, want %s", ref, got, id)
			}
		}
		assertNoTempFiles(t, fresh)

		// podman's -m names the same thing; by ID the image goes untagged.
		out := e.Path("multi.tar")
		e.MustPod("save", "-q", "-m", "-o", out, multi, "busybox:1.36")
		fresh = NewEnv(t, e.Rootless())
		got = loaded(t, fresh.MustPod("load", "-i", out))
		if len(got) != 2 || got[0] != "sha256:"+multi || got[1] != suite.images.BusyboxTag {
			t.Fatalf("load reported %q, want [sha256:%s %s]", got, multi, suite.images.BusyboxTag)
		}
		// Loading again is harmless and reports the same.
		if again := loaded(t, fresh.MustPod("load", "-i", out)); !reflect.DeepEqual(again, got) {
			t.Errorf("second load reported %q, first %q", again, got)
		}
		// A gzip-compressed docker-archive, as `docker save | gzip` makes.
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write([]byte(e.MustPod("save", "-q", multi).Stdout))
		zw.Close()
		fresh = NewEnv(t, e.Rootless())
		if got := loaded(t, fresh.PodStdin(&gz, "load", "-q").Success(t)); len(got) != 1 || got[0] != "sha256:"+multi {
			t.Errorf("gzip archive loaded as %q", got)
		}

		// Two images in one OCI layout: each index entry is loaded.
		layout := e.Path("two-layout")
		e.MustPod("save", "-q", "--format", "oci-dir", "-o", layout, suite.images.Busybox)
		e.MustPod("save", "-q", "--format", "oci-dir", "-o", layout, suite.images.Multi)
		fresh = NewEnv(t, e.Rootless())
		got = loaded(t, fresh.MustPod("load", "-q", "-i", layout))
		if len(got) != 2 || got[0] != suite.images.Busybox || got[1] != suite.images.Multi {
			t.Errorf("two-image layout loaded as %q", got)
		}
		if inspectID(t, fresh, suite.images.Busybox) != bb || inspectID(t, fresh, suite.images.Multi) != multi {
			t.Errorf("two-image layout loaded with other IDs")
		}
		fresh.PodStdin(strings.NewReader(""), "load").Fails(t, 125, "empty")
		fresh.Pod("load", "-i", e.Path("missing.tar")).Fails(t, 125, "missing.tar")
	})
}

// TestImport builds images from the busybox root filesystem, as the
// README's first command does, with --change instructions.
func TestImport(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		// The README: ./hack/busybox-rootfs.sh | pod import - localhost/busybox
		rootfs, err := exec.Command("../../hack/busybox-rootfs.sh").Output()
		if err != nil {
			t.Fatalf("hack/busybox-rootfs.sh: %v", err)
		}
		r := e.PodStdin(bytes.NewReader(rootfs), "import", "-", "localhost/busybox")
		r.Success(t)
		readme := strings.TrimSpace(r.Stdout)
		if !strings.HasPrefix(readme, "sha256:") || !imageIDRe.MatchString(strings.TrimPrefix(readme, "sha256:")) {
			t.Fatalf("import printed %q, want sha256:ID", r.Stdout)
		}
		if lines := e.MustPod("images", "--format", "{{.Repository}}:{{.Tag}}").Lines(); len(lines) != 1 || lines[0] != "localhost/busybox:latest" {
			t.Errorf("images after the README's import: %q", lines)
		}

		// A file, with changes in shell and JSON forms, gzip-compressed.
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		raw, err := os.ReadFile(suite.images.RootfsTar)
		if err != nil {
			t.Fatal(err)
		}
		zw.Write(raw)
		zw.Close()
		in := e.WriteFile("rootfs.tar.gz", gz.Bytes())
		r = e.MustPod("import", "-q", "-m", "from the test",
			"--change", `CMD ["/bin/sh", "-c", "echo hi"]`,
			"-c", "ENTRYPOINT /bin/busybox env",
			"-c", `ENV A=1 B="two words"`,
			"-c", "ENV C legacy form",
			"-c", "WORKDIR /srv",
			"-c", "WORKDIR www",
			"-c", "USER nobody",
			"-c", "EXPOSE 80 53/udp",
			"-c", `LABEL org.example.kind=imported "with space"="a b"`,
			"-c", "VOLUME /data",
			"-c", "STOPSIGNAL SIGINT",
			in, "imported:v1")
		id := strings.TrimPrefix(strings.TrimSpace(r.Stdout), "sha256:")
		if !imageIDRe.MatchString(id) || r.Stderr != "" {
			t.Fatalf("import -q: stdout %q stderr %q", r.Stdout, r.Stderr)
		}
		var ii []struct {
			Id       string
			RepoTags []string
			Comment  string
			Os       string
			Config   struct {
				Cmd, Entrypoint, Env []string
				WorkingDir, User     string
				StopSignal           string
				ExposedPorts         map[string]struct{}
				Volumes              map[string]struct{}
				Labels               map[string]string
			}
			RootFS struct{ Layers []string }
		}
		out := e.MustPod("image", "inspect", "imported:v1").Stdout
		if err := json.Unmarshal([]byte(out), &ii); err != nil || len(ii) != 1 {
			t.Fatalf("inspect: %v\n%s", err, out)
		}
		got := ii[0]
		if got.Id != id || !reflect.DeepEqual(got.RepoTags, []string{"localhost/imported:v1"}) || got.Os != "linux" || len(got.RootFS.Layers) != 1 {
			t.Errorf("imported image: %+v", got)
		}
		c := got.Config
		if !reflect.DeepEqual(c.Cmd, []string{"/bin/sh", "-c", "echo hi"}) || !reflect.DeepEqual(c.Entrypoint, []string{"/bin/sh", "-c", "/bin/busybox env"}) {
			t.Errorf("Cmd %q Entrypoint %q", c.Cmd, c.Entrypoint)
		}
		if !reflect.DeepEqual(c.Env, []string{"A=1", "B=two words", "C=legacy form"}) || c.WorkingDir != "/srv/www" || c.User != "nobody" || c.StopSignal != "SIGINT" {
			t.Errorf("Env %q WorkingDir %q User %q StopSignal %q", c.Env, c.WorkingDir, c.User, c.StopSignal)
		}
		if !reflect.DeepEqual(c.ExposedPorts, map[string]struct{}{"80/tcp": {}, "53/udp": {}}) || !reflect.DeepEqual(c.Volumes, map[string]struct{}{"/data": {}}) {
			t.Errorf("ExposedPorts %v Volumes %v", c.ExposedPorts, c.Volumes)
		}
		if !reflect.DeepEqual(c.Labels, map[string]string{"org.example.kind": "imported", "with space": "a b"}) || got.Comment != "from the test" {
			t.Errorf("Labels %v Comment %q", c.Labels, got.Comment)
		}
		// Without a reference the image is untagged.
		r = e.MustPod("import", "-q", suite.images.RootfsTar)
		untagged := strings.TrimPrefix(strings.TrimSpace(r.Stdout), "sha256:")
		if tags := e.MustPod("image", "inspect", "--format", "{{len .RepoTags}}", untagged).Stdout; strings.TrimSpace(tags) != "0" {
			t.Errorf("import without reference gave RepoTags of length %s", tags)
		}
		// The layer is the same whichever way the tarball came in.
		if layer := e.MustPod("image", "inspect", "--format", "{{index .RootFS.Layers 0}}", untagged).Stdout; strings.TrimSpace(layer) != got.RootFS.Layers[0] {
			t.Errorf("gzip and plain imports of the same tarball differ in layer: %s, %s", layer, got.RootFS.Layers[0])
		}
		e.Pod("import", "-c", "RUN echo hi", suite.images.RootfsTar).Fails(t, 125, `unknown instruction "RUN"`)
		e.Pod("import", "-c", "EXPOSE http", suite.images.RootfsTar).Fails(t, 125, "invalid port")
		e.Pod("import", suite.images.RootfsTar, "Bad Name").Fails(t, 125, "Bad Name")
		e.Pod("import", e.Path("nosuch.tar")).Fails(t, 125, "nosuch.tar")
		assertNoTempFiles(t, e)
	})
}

// hostileEntry is one entry of a hand-made tar archive.
type hostileEntry struct {
	name, link string
	kind       byte // tar.TypeReg, TypeDir, TypeSymlink, TypeLink
	body       string
}

func hostileTar(t *testing.T, entries []hostileEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, en := range entries {
		h := &tar.Header{Name: en.name, Linkname: en.link, Typeflag: en.kind, Mode: 0o644, ModTime: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
		if en.kind == tar.TypeReg {
			h.Size = int64(len(en.body))
		}
		if en.kind == tar.TypeDir {
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(en.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// dockerArchive writes a docker-archive by hand: one image per layer list,
// tagged name. With corrupt set, the last layer's content does not match
// the digest its configuration records.
func dockerArchive(t *testing.T, images map[string][][]byte, order []string, corrupt bool) []byte {
	t.Helper()
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	var entries []hostileEntry
	var manifest []map[string]any
	for i, name := range order {
		var diffIDs, paths []string
		for j, l := range images[name] {
			p := fmt.Sprintf("%d-%d.tar", i, j)
			diffIDs = append(diffIDs, "sha256:"+sum(l))
			body := l
			if corrupt && i == len(order)-1 && j == len(images[name])-1 {
				body = hostileTar(t, []hostileEntry{{name: "other", kind: tar.TypeReg, body: "not what the config says"}})
			}
			entries = append(entries, hostileEntry{name: p, kind: tar.TypeReg, body: string(body)})
			paths = append(paths, p)
		}
		cfg, _ := json.Marshal(map[string]any{
			"architecture": goarch(), "os": "linux", "config": map[string]any{},
			"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs},
		})
		cname := sum(cfg) + ".json"
		entries = append(entries, hostileEntry{name: cname, kind: tar.TypeReg, body: string(cfg)})
		manifest = append(manifest, map[string]any{"Config": cname, "RepoTags": []string{name}, "Layers": paths})
	}
	m, _ := json.Marshal(manifest)
	entries = append(entries, hostileEntry{name: "manifest.json", kind: tar.TypeReg, body: string(m)})
	return hostileTar(t, entries)
}

// TestArchiveBadInput feeds truncated, non-archive and hostile input to
// load and import: each fails with one Error line and exit 125, the host
// outside the store is untouched, and storage holds no image, no layer and
// no temporary file afterwards.
func TestArchiveBadInput(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		canary := e.Path("canary")
		if err := os.Mkdir(canary, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(canary, "keep"), []byte("original\n"), 0o666); err != nil {
			t.Fatal(err)
		}
		up := strings.Repeat("../", 30) + strings.TrimPrefix(canary, "/")
		ok := hostileEntry{name: "etc/", kind: tar.TypeDir}
		hostile := map[string][]hostileEntry{
			"dotdot":          {ok, {name: up + "/pwned", kind: tar.TypeReg, body: "pwned"}},
			"overwrite":       {ok, {name: up + "/keep", kind: tar.TypeReg, body: "pwned"}},
			"abs symlink":     {ok, {name: "evil", kind: tar.TypeSymlink, link: canary}, {name: "evil/pwned", kind: tar.TypeReg, body: "pwned"}},
			"rel symlink":     {ok, {name: "evil", kind: tar.TypeSymlink, link: up}, {name: "evil/pwned", kind: tar.TypeReg, body: "pwned"}},
			"hard link out":   {ok, {name: "hl", kind: tar.TypeLink, link: up + "/keep"}},
			"hard link abs":   {ok, {name: "hl", kind: tar.TypeLink, link: filepath.Join(canary, "keep")}},
			"hard link climb": {ok, {name: "etc/hl", kind: tar.TypeLink, link: "../../etc/passwd"}},
		}
		wants := map[string]string{
			"dotdot": "leaves the layer", "overwrite": "leaves the layer",
			"abs symlink": "written through the symlink", "rel symlink": "written through the symlink",
			"hard link out": "points outside", "hard link abs": "points outside", "hard link climb": "points outside",
		}
		rootfs, err := os.ReadFile(suite.images.RootfsTar)
		if err != nil {
			t.Fatal(err)
		}
		good := hostileTar(t, []hostileEntry{{name: "hello", kind: tar.TypeReg, body: "hello\n"}})
		for name, entries := range hostile {
			t.Run("import "+name, func(t *testing.T) {
				f := e.WriteFile("hostile.tar", hostileTar(t, entries))
				e.Pod("import", f, "hostile").Fails(t, 125, wants[name])
				assertStoreEmpty(t, e, canary)
			})
			t.Run("load "+name, func(t *testing.T) {
				// The hostile layer second, after a good one.
				layer := hostileTar(t, entries)
				f := e.WriteFile("hostile.tar", dockerArchive(t, map[string][][]byte{"localhost/hostile:1": {good, layer}}, []string{"localhost/hostile:1"}, false))
				e.Pod("load", "-i", f).Fails(t, 125, wants[name])
				assertStoreEmpty(t, e, canary)
			})
		}
		for _, tc := range []struct {
			name, want string
			data       []byte
		}{
			{"truncated", "truncated", rootfs[:len(rootfs)/2]},
			{"text", "not a tar archive", []byte("this is not an archive\n")},
			{"empty", "empty", nil},
			{"gzip garbage", "", append([]byte{0x1f, 0x8b, 8, 0}, bytes.Repeat([]byte("x"), 100)...)},
		} {
			t.Run("import "+tc.name, func(t *testing.T) {
				f := e.WriteFile("bad.tar", tc.data)
				e.Pod("import", f).Fails(t, 125, tc.want)
				e.PodStdin(bytes.NewReader(tc.data), "import", "-", "x").Fails(t, 125, tc.want)
				assertStoreEmpty(t, e, canary)
			})
			t.Run("load "+tc.name, func(t *testing.T) {
				f := e.WriteFile("bad.tar", tc.data)
				e.Pod("load", "-i", f).Fails(t, 125, tc.want)
				e.PodStdin(bytes.NewReader(tc.data), "load").Fails(t, 125, tc.want)
				assertStoreEmpty(t, e, canary)
			})
		}

		// A real archive cut short.
		pulledID(t, e, suite.images.Busybox)
		saved := e.MustPod("save", "-q", suite.images.Busybox).Stdout
		e.MustPod("rmi", suite.images.Busybox)
		f := e.WriteFile("cut.tar", []byte(saved[:len(saved)/2]))
		e.Pod("load", "-i", f).Fails(t, 125, "truncated")
		assertStoreEmpty(t, e, canary)

		// Two images, the second one's layer not what its config says: the
		// first, already copied, is taken out again.
		two := dockerArchive(t, map[string][][]byte{
			"localhost/first:1":  {good},
			"localhost/second:1": {hostileTar(t, []hostileEntry{{name: "a", kind: tar.TypeReg, body: "a"}}), hostileTar(t, []hostileEntry{{name: "b", kind: tar.TypeReg, body: "b"}})},
		}, []string{"localhost/first:1", "localhost/second:1"}, true)
		f = e.WriteFile("two.tar", two)
		e.Pod("load", "-i", f).Fails(t, 125, "second")
		assertStoreEmpty(t, e, canary)
		// The same archive, intact, loads.
		two = dockerArchive(t, map[string][][]byte{"localhost/first:1": {good}}, []string{"localhost/first:1"}, false)
		if got := loaded(t, e.MustPod("load", "-q", "-i", e.WriteFile("one.tar", two))); len(got) != 1 || got[0] != "localhost/first:1" {
			t.Errorf("hand-made archive loaded as %q", got)
		}
		e.MustPod("rmi", "localhost/first:1")

		// An oci-archive with a link in it is refused before unpacking.
		oci := hostileTar(t, []hostileEntry{
			{name: "oci-layout", kind: tar.TypeReg, body: `{"imageLayoutVersion":"1.0.0"}`},
			{name: "index.json", kind: tar.TypeReg, body: `{"schemaVersion":2,"manifests":[]}`},
			{name: "blobs", kind: tar.TypeSymlink, link: canary},
			{name: "blobs/sha256", kind: tar.TypeDir},
		})
		e.Pod("load", "-i", e.WriteFile("oci.tar", oci)).Fails(t, 125, "is a link or leaves the archive")
		assertCanary(t, canary)

		// An OCI layout directory whose layer climbs out.
		layout := e.Path("layout")
		if err := os.MkdirAll(filepath.Join(layout, "blobs", "sha256"), 0o755); err != nil {
			t.Fatal(err)
		}
		bad := hostileTar(t, hostile["dotdot"])
		for name, body := range map[string][]byte{
			"oci-layout": []byte(`{"imageLayoutVersion":"1.0.0"}`),
			"index.json": []byte(`{"schemaVersion":2,"manifests":[]}`),
			"blobs/sha256/" + fmt.Sprintf("%x", sha256.Sum256(bad)): bad,
		} {
			if err := os.WriteFile(filepath.Join(layout, name), body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		e.Pod("load", "-i", layout).Fails(t, 125, "leaves the layer")
		assertStoreEmpty(t, e, canary)
	})
}

// assertStoreEmpty checks that the Env's store has no image, no layer and
// no temporary file, and that the canary directory is as the test made it.
func assertStoreEmpty(t *testing.T, e *Env, canary string) {
	t.Helper()
	if l := e.MustPod("images", "-a", "-q").Lines(); len(l) != 0 {
		t.Errorf("images left behind: %q", l)
	}
	// containers/storage lists its layers in overlay-layers/layers.json.
	if b, err := os.ReadFile(filepath.Join(e.Root, "overlay-layers", "layers.json")); err == nil {
		var layers []struct{ ID string }
		if err := json.Unmarshal(b, &layers); err != nil || len(layers) != 0 {
			t.Errorf("layers left behind: %+v %v", layers, err)
		}
	}
	assertNoTempFiles(t, e)
	assertCanary(t, canary)
}

func assertCanary(t *testing.T, canary string) {
	t.Helper()
	entries, err := os.ReadDir(canary)
	if err != nil || len(entries) != 1 || entries[0].Name() != "keep" {
		t.Errorf("canary directory changed: %v %v", entries, err)
	}
	if b, err := os.ReadFile(filepath.Join(canary, "keep")); err != nil || string(b) != "original\n" {
		t.Errorf("canary file changed: %q %v", b, err)
	}
}

// assertNoTempFiles checks that the store's tmp dir holds no file.
func assertNoTempFiles(t *testing.T, e *Env) {
	t.Helper()
	_ = filepath.Walk(filepath.Join(e.Root, "tmp"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
}

// TestArchiveTerminal checks that save will not write an archive to a
// terminal, nor load read one from it (script(1) gives pod a terminal).
func TestArchiveTerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script (util-linux) not installed")
	}
	forEachUser(t, func(t *testing.T, e *Env) {
		for args, want := range map[string]string{
			"save " + suite.images.Busybox: "Error: refusing to save to terminal. Use -o flag or redirect",
			"load":                         "Error: cannot read from terminal, use command-line redirection or the --input flag",
		} {
			cmd := e.Command(context.Background(), strings.Fields(args)...)
			line := strings.Join(cmd.Args, " ")
			cmd.Path, cmd.Args = script, []string{"script", "-qec", line, "/dev/null"}
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 125 || !strings.Contains(string(out), want) {
				t.Errorf("pod %s on a terminal: %v, output %q; want exit 125 and %q", args, err, out, want)
			}
		}
	})
}

// TestImportURL imports a root filesystem served over http.
func TestImportURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/rootfs.tar" {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, suite.images.RootfsTar)
	}))
	t.Cleanup(srv.Close) // after both halves, which run in parallel
	forEachUser(t, func(t *testing.T, e *Env) {
		r := e.MustPod("import", "-q", srv.URL+"/rootfs.tar", "fromurl")
		id := strings.TrimPrefix(strings.TrimSpace(r.Stdout), "sha256:")
		if got := inspectID(t, e, "localhost/fromurl:latest"); got != id {
			t.Errorf("imported %s, inspect says %s", id, got)
		}
		e.Pod("import", srv.URL+"/missing.tar").Fails(t, 125, "404 Not Found")
		assertNoTempFiles(t, e)
	})
}
