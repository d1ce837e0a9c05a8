package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var imageIDRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

// pulledID pulls ref quietly and returns the image ID pod printed.
func pulledID(t *testing.T, e *Env, args ...string) string {
	t.Helper()
	r := e.MustPod(append([]string{"pull", "-q"}, args...)...)
	ref := args[len(args)-1]
	id := strings.TrimSpace(r.Stdout)
	if !imageIDRe.MatchString(id) {
		t.Fatalf("pull -q %s printed %q, want an image ID", ref, r.Stdout)
	}
	return id
}

func TestPull(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		// A full name, with progress lines on stderr and the ID on stdout.
		r := e.MustPod("pull", suite.images.Multi)
		id := strings.TrimSpace(r.Stdout)
		if !imageIDRe.MatchString(id) {
			t.Fatalf("pull printed %q on stdout, want only the image ID", r.Stdout)
		}
		for _, want := range []string{"Trying to pull " + suite.images.Multi, "Getting image source signatures", "Copying blob ", "Copying config ", "Writing manifest to image destination"} {
			if !strings.Contains(r.Stderr, want) {
				t.Errorf("pull stderr lacks %q:\n%s", want, r.Stderr)
			}
		}
		// Again: the image is re-checked and the same ID comes back.
		if again := pulledID(t, e, suite.images.Multi); again != id {
			t.Errorf("second pull gave %s, first %s", again, id)
		}
		// A short name resolves through the unqualified-search registry
		// ("busybox" itself is an alias for docker.io in Debian's
		// registries.conf.d/shortnames.conf, so the test uses "multi").
		r = e.MustPod("pull", "-q", "multi")
		if r.Stderr != "" || strings.TrimSpace(r.Stdout) != id {
			t.Errorf("pull -q multi: stdout %q stderr %q, want %s", r.Stdout, r.Stderr, id)
		}
		// An auth file the user may not read means "no credentials".
		if e.Rootless() && os.Geteuid() == 0 {
			p := e.Path("root-only-auth.json")
			if err := os.WriteFile(p, []byte(`{"auths":{}}`), 0o600); err != nil {
				t.Fatal(err)
			}
			e.MustPod("pull", "-q", "--authfile", p, suite.images.Busybox)
		}
	})
}

// TestImagesList checks `pod images` columns, -q, --digests, --no-trunc,
// --filter and --format.
func TestImagesList(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		bb := pulledID(t, e, suite.images.Busybox)
		multi := pulledID(t, e, suite.images.Multi)
		e.MustPod("tag", bb, "mybox:v1")

		r := e.MustPod("images")
		lines := r.Lines()
		if len(lines) != 4 {
			t.Fatalf("images: want header and 3 rows:\n%s", r.Stdout)
		}
		if f := strings.Fields(lines[0]); strings.Join(f, " ") != "REPOSITORY TAG IMAGE ID CREATED SIZE" {
			t.Errorf("header %q", lines[0])
		}
		reg := suite.registry.Addr
		var sawBusybox, sawMybox bool
		for _, l := range lines[1:] {
			f := strings.Fields(l)
			switch {
			case f[0] == reg+"/busybox" && f[1] == "latest":
				sawBusybox = true
				if f[2] != bb[:12] {
					t.Errorf("busybox row ID %q, want %q", f[2], bb[:12])
				}
				// Test images were made on 2024-01-01.
				if !strings.Contains(l, "years ago") || !regexp.MustCompile(`\d+(\.\d+)? [kMG]?B$`).MatchString(l) {
					t.Errorf("busybox row lacks created or size: %q", l)
				}
			case f[0] == "localhost/mybox" && f[1] == "v1":
				sawMybox = true
			}
		}
		if !sawBusybox || !sawMybox {
			t.Errorf("images lacks busybox or mybox rows:\n%s", r.Stdout)
		}

		// -q prints each ID once.
		r = e.MustPod("images", "-q")
		if got := r.Lines(); len(got) != 2 {
			t.Errorf("images -q: %q", got)
		}
		r = e.MustPod("images", "-q", "--no-trunc")
		for _, l := range r.Lines() {
			if l != "sha256:"+bb && l != "sha256:"+multi {
				t.Errorf("images -q --no-trunc: %q", l)
			}
		}

		// --digests adds a DIGEST column with the manifest digest.
		r = e.MustPod("images", "--digests", reg+"/busybox")
		if !strings.Contains(r.Lines()[0], "DIGEST") || !strings.Contains(r.Stdout, "sha256:") {
			t.Errorf("images --digests:\n%s", r.Stdout)
		}

		// Filters.
		check := func(want []string, args ...string) {
			t.Helper()
			r := e.MustPod(append([]string{"images", "--format", "{{.Repository}}:{{.Tag}}"}, args...)...)
			got := strings.Join(r.Lines(), ",")
			if got != strings.Join(want, ",") {
				t.Errorf("images %v = %q, want %q", args, got, strings.Join(want, ","))
			}
		}
		check([]string{reg + "/multi:latest"}, "--filter", "label=org.example.role=test")
		check([]string{reg + "/multi:latest"}, "--filter", "label=org.example.role")
		check(nil, "--filter", "label=org.example.role=other")
		check([]string{"localhost/mybox:v1"}, "--filter", "reference=mybox")
		check([]string{reg + "/busybox:latest"}, "--filter", "reference=*/busybox:latest")
		check(nil, "--filter", "dangling=true")
		check(nil, "--filter", "since="+bb[:12])
		e.Pod("images", "--filter", "colour=red").Fails(t, 125, "invalid filter")

		// table and json formats.
		r = e.MustPod("images", "--format", "table {{.ID}} {{.Repository}}", "--filter", "reference=multi")
		if l := r.Lines(); len(l) != 2 || l[0] != "IMAGE ID REPOSITORY" || l[1] != multi[:12]+" "+reg+"/multi" {
			t.Errorf("table format:\n%s", r.Stdout)
		}
		r = e.MustPod("images", "--format", "json")
		var list []struct {
			Id       string
			RepoTags []string
			Labels   map[string]string
			Size     int64
			Digest   string
		}
		if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil || len(list) != 2 {
			t.Fatalf("images --format json: %v\n%s", err, r.Stdout)
		}
		for _, im := range list {
			if im.Id == multi && im.Labels["org.example.role"] != "test" {
				t.Errorf("json labels of multi: %v", im.Labels)
			}
			if im.Size <= 0 || !strings.HasPrefix(im.Digest, "sha256:") {
				t.Errorf("json entry %+v", im)
			}
		}
		// image ls and image list are the same command.
		if a, b := e.MustPod("image", "ls", "-q").Stdout, e.MustPod("image", "list", "-q").Stdout; a != b || a != e.MustPod("images", "-q").Stdout {
			t.Errorf("image ls / list / images differ")
		}
	})
}

func TestImageInspectHistory(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		id := pulledID(t, e, suite.images.Multi)
		r := e.MustPod("image", "inspect", suite.images.Multi)
		var ii []struct {
			Id           string
			Digest       string
			RepoTags     []string
			RepoDigests  []string
			Created      string
			Architecture string
			Os           string
			Size         int64
			Config       struct {
				Env        []string
				WorkingDir string
				Labels     map[string]string
			}
			RootFS struct {
				Type   string
				Layers []string
			}
			History      []struct{ CreatedBy string }
			Labels       map[string]string
			ManifestType string
		}
		if err := json.Unmarshal([]byte(r.Stdout), &ii); err != nil || len(ii) != 1 {
			t.Fatalf("inspect: %v\n%s", err, r.Stdout)
		}
		got := ii[0]
		if got.Id != id || got.Os != "linux" || got.Architecture != goarch() || got.Size <= 0 {
			t.Errorf("inspect: %+v", got)
		}
		if len(got.RepoTags) != 1 || got.RepoTags[0] != suite.images.Multi {
			t.Errorf("RepoTags %v", got.RepoTags)
		}
		if len(got.RepoDigests) != 1 || got.RepoDigests[0] != suite.registry.Addr+"/multi@"+got.Digest {
			t.Errorf("RepoDigests %v, digest %s", got.RepoDigests, got.Digest)
		}
		if got.Config.WorkingDir != "/data" || got.Labels["org.example.role"] != "test" || len(got.RootFS.Layers) != 3 || len(got.History) != 3 {
			t.Errorf("inspect config: %+v", got)
		}
		if !strings.HasPrefix(got.Created, "2024-01-01T00:00:00") || got.ManifestType != "application/vnd.oci.image.manifest.v1+json" {
			t.Errorf("Created %q ManifestType %q", got.Created, got.ManifestType)
		}
		r = e.MustPod("image", "inspect", "--format", "{{.Id}} {{.Config.WorkingDir}}", "multi")
		if strings.TrimSpace(r.Stdout) != id+" /data" {
			t.Errorf("inspect --format: %q", r.Stdout)
		}
		// Numbers print as the JSON has them, not as floats (3.19704e+06).
		size := strconv.FormatInt(got.Size, 10)
		for _, args := range [][]string{{"image", "inspect"}, {"inspect", "--type", "image"}, {"inspect"}} {
			r = e.MustPod(append(args, "--format", "{{.Size}} {{len .RootFS.Layers}}", "multi")...)
			if strings.TrimSpace(r.Stdout) != size+" 3" {
				t.Errorf("%v --format '{{.Size}}': %q, want %s", args, r.Stdout, size)
			}
		}
		e.Pod("image", "inspect", "nosuchimage").Fails(t, 125, "nosuchimage")

		// history: newest step first, the image's ID on it, sizes per layer.
		r = e.MustPod("history", "multi")
		lines := r.Lines()
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "IMAGE") || !strings.Contains(lines[0], "CREATED BY") || !strings.Contains(lines[0], "COMMENT") {
			t.Fatalf("history:\n%s", r.Stdout)
		}
		if !strings.HasPrefix(lines[1], id[:12]) || !strings.Contains(lines[1], "test layer 3") || !strings.Contains(lines[1], "MB") {
			t.Errorf("history top row %q", lines[1])
		}
		if !strings.HasPrefix(lines[3], "<missing>") || !strings.Contains(lines[3], "test layer 1") {
			t.Errorf("history base row %q", lines[3])
		}
		r = e.MustPod("history", "-q", "--no-trunc", "multi")
		if l := r.Lines(); len(l) != 3 || l[0] != "sha256:"+id || l[1] != "<missing>" {
			t.Errorf("history -q: %q", l)
		}
		r = e.MustPod("history", "--format", "{{.CreatedBy}}", "multi")
		if strings.Join(r.Lines(), ",") != "test layer 3,test layer 2,test layer 1" {
			t.Errorf("history --format: %q", r.Stdout)
		}
		// --format json has podman's keys.
		r = e.MustPod("history", "--format", "json", "multi")
		var hist []map[string]any
		if err := json.Unmarshal([]byte(r.Stdout), &hist); err != nil || len(hist) != 3 {
			t.Fatalf("history --format json: %v\n%s", err, r.Stdout)
		}
		if hist[0]["id"] != id || hist[0]["CreatedBy"] != "test layer 3" || hist[2]["id"] != "<missing>" {
			t.Errorf("history --format json: %v", hist)
		}
		if size, ok := hist[0]["size"].(float64); !ok || size <= 0 || hist[0]["created"] == nil {
			t.Errorf("history --format json size/created: %v", hist[0])
		}
		// podman 4.3.1's keys, the time also as "Created" in RFC 3339.
		for k := range hist[0] {
			if !strings.Contains(" id created CreatedBy tags size comment Created ", " "+k+" ") {
				t.Errorf("history --format json: key %q podman does not print", k)
			}
		}
		if c, _ := hist[0]["Created"].(string); !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$`).MatchString(c) {
			t.Errorf("history --format json Created %q, want RFC 3339", c)
		}
	})
}

func TestTagUntagExists(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		id := pulledID(t, e, suite.images.Busybox)
		e.MustPod("tag", "busybox:latest", "one", "example.org/two:x")
		e.MustPod("image", "exists", "localhost/one:latest")
		e.MustPod("image", "exists", "one")
		e.MustPod("image", "exists", "example.org/two:x")
		e.MustPod("image", "exists", id[:12])
		if r := e.Pod("image", "exists", "nosuchimage"); r.Code != 1 || r.Stderr != "" {
			t.Errorf("exists nosuchimage: exit %d stderr %q", r.Code, r.Stderr)
		}
		e.Pod("tag", id, "Bad Name").Fails(t, 125, "invalid reference format")
		e.Pod("tag", "nosuchimage", "x").Fails(t, 125, "nosuchimage")

		e.MustPod("untag", id, "one")
		if e.Pod("image", "exists", "one").Code != 1 {
			t.Errorf("one still exists after untag")
		}
		e.Pod("untag", id, "one").Fails(t, 125, "not known")
		e.MustPod("untag", id)
		r := e.MustPod("images", "--format", "{{.Repository}} {{.Tag}} {{.ID}}")
		if strings.TrimSpace(r.Stdout) != "<none> <none> "+id[:12] {
			t.Errorf("after untag all: %q", r.Stdout)
		}
		r = e.MustPod("images", "-q", "--filter", "dangling=true")
		if strings.TrimSpace(r.Stdout) != id[:12] {
			t.Errorf("dangling filter: %q", r.Stdout)
		}
	})
}

func TestRmi(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		bb := pulledID(t, e, suite.images.Busybox)
		multi := pulledID(t, e, suite.images.Multi)
		e.MustPod("tag", bb, "other")

		// A name of several only loses that name.
		r := e.MustPod("rmi", "other")
		if strings.TrimSpace(r.Stdout) != "Untagged: localhost/other:latest" {
			t.Errorf("rmi other: %q", r.Stdout)
		}
		e.MustPod("image", "exists", bb)
		// The last name removes the image.
		r = e.MustPod("rmi", suite.images.Busybox)
		if want := "Untagged: " + suite.images.Busybox + "\nDeleted: " + bb + "\n"; r.Stdout != want {
			t.Errorf("rmi busybox: %q, want %q", r.Stdout, want)
		}
		if e.Pod("image", "exists", bb).Code != 1 {
			t.Errorf("busybox still exists")
		}
		e.Pod("rmi", "nosuchimage").Fails(t, 1, "nosuchimage: image not known")

		// -a removes everything.
		pulledID(t, e, suite.images.Busybox)
		r = e.MustPod("image", "rm", "-a")
		if !strings.Contains(r.Stdout, "Deleted: "+multi) || !strings.Contains(r.Stdout, "Deleted: "+bb) {
			t.Errorf("rmi -a: %q", r.Stdout)
		}
		if r := e.MustPod("images", "-q"); r.Stdout != "" {
			t.Errorf("images after rmi -a: %q", r.Stdout)
		}
		e.Pod("rmi", "-a", "x").Fails(t, 125, "--all")
	})
}

func TestImagePrune(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		bb := pulledID(t, e, suite.images.Busybox)
		multi := pulledID(t, e, suite.images.Multi)
		e.MustPod("untag", bb)

		// Without -f it asks, and "n" keeps everything.
		r := e.PodStdin(strings.NewReader("n\n"), "image", "prune")
		r.Success(t)
		if !strings.Contains(r.Stdout, "Are you sure you want to continue? [y/N]") {
			t.Errorf("prune prompt: %q", r.Stdout)
		}
		e.MustPod("image", "exists", bb)
		// "y" prunes the dangling one only.
		r = e.PodStdin(strings.NewReader("y\n"), "image", "prune")
		r.Success(t)
		if !strings.Contains(r.Stdout, bb) || strings.Contains(r.Stdout, multi) {
			t.Errorf("prune: %q", r.Stdout)
		}
		e.MustPod("image", "exists", multi)
		if e.Pod("image", "exists", bb).Code != 1 {
			t.Errorf("dangling image survived prune")
		}
		// A label filter that matches nothing keeps it; -a -f removes it.
		r = e.MustPod("image", "prune", "-a", "-f", "--filter", "label=org.example.role=other")
		if strings.TrimSpace(r.Stdout) != "" {
			t.Errorf("prune with non-matching filter removed %q", r.Stdout)
		}
		r = e.MustPod("image", "prune", "-a", "-f")
		if strings.TrimSpace(r.Stdout) != multi {
			t.Errorf("prune -a -f: %q", r.Stdout)
		}
	})
}

// TestPushPullBack pushes an image under a new name and pulls it back
// into a fresh Env.
func TestPushPullBack(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		id := pulledID(t, e, suite.images.Multi)
		dest := fmt.Sprintf("%s/pushed-%s:v%d", suite.registry.Addr, e.Name, time.Now().UnixNano())
		r := e.MustPod("push", "multi", dest)
		for _, want := range []string{"Getting image source signatures", "Copying blob ", "Writing manifest to image destination"} {
			if !strings.Contains(r.Stderr, want) {
				t.Errorf("push stderr lacks %q:\n%s", want, r.Stderr)
			}
		}
		// Push to its own name after tagging, quietly, as Docker v2s2.
		own := fmt.Sprintf("%s/own-%s:latest", suite.registry.Addr, e.Name)
		e.MustPod("tag", id, own)
		r = e.MustPod("push", "-q", "--format", "v2s2", "--digestfile", e.Path("digest"), own)
		if r.Stdout != "" || r.Stderr != "" {
			t.Errorf("push -q printed %q %q", r.Stdout, r.Stderr)
		}
		digest, err := os.ReadFile(e.Path("digest"))
		if err != nil || !strings.HasPrefix(string(digest), "sha256:") {
			t.Errorf("digest file: %q %v", digest, err)
		}

		f := NewEnv(t, e.Rootless())
		if got := pulledID(t, f, dest); got != id {
			t.Errorf("pulled back %s, pushed %s", got, id)
		}
		if f.Pod("image", "exists", own).Code == 0 {
			t.Errorf("fresh env has %s before pulling it", own)
		}
		f.MustPod("pull", "-q", own+"@"+strings.TrimSpace(string(digest)))
		byDigest := suite.registry.Addr + "/own-" + e.Name + "@" + string(digest)
		r = f.MustPod("image", "inspect", "--format", "{{.ManifestType}} {{.Config.WorkingDir}}", byDigest)
		if strings.TrimSpace(r.Stdout) != "application/vnd.docker.distribution.manifest.v2+json /data" {
			t.Errorf("pulled v2s2 image: %q", r.Stdout)
		}
		e.Pod("push", "nosuchimage", dest).Fails(t, 125, "nosuchimage: image not known")
		e.Pod("push", "--format", "v1", "multi", dest).Fails(t, 125, "use oci or v2s2")
	})
}

func TestPullAllTagsPlatform(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		r := e.MustPod("pull", "-a", "-q", suite.registry.Addr+"/busybox")
		if l := r.Lines(); len(l) != 2 || l[0] != l[1] {
			t.Fatalf("pull --all-tags: want the same ID twice: %q", r.Stdout)
		}
		r = e.MustPod("images", "--format", "{{.Tag}}", "busybox")
		if got := strings.Join(r.Lines(), ","); got != "1.36,latest" && got != "latest,1.36" {
			t.Errorf("tags after --all-tags: %q", got)
		}
		e.Pod("pull", "--all-tags", suite.images.Busybox).Fails(t, 125, "without a tag")
		// The test images are single-platform (no manifest list to choose
		// from): this machine's platform pulls; a malformed one is refused.
		e.MustPod("pull", "-q", "--platform", "linux/"+goarch(), suite.images.Multi)
		e.Pod("pull", "--platform", "linux", suite.images.Multi).Fails(t, 125, "os/arch")
	})
}

func TestLoginLogout(t *testing.T) {
	addr, _ := authRegistry(t, "poduser", "s3cret", false)
	forEachUser(t, func(t *testing.T, e *Env) {
		pulledID(t, e, suite.images.Busybox)
		dest := addr + "/private/busybox:latest"
		// Without credentials the registry refuses.
		e.Pod("push", "--tls-verify=false", "busybox", dest).Fails(t, 125, "")

		e.PodStdin(strings.NewReader("wrong\n"), "login", "--tls-verify=false", "-u", "poduser", "--password-stdin", addr).
			Fails(t, 125, "invalid username/password")
		r := e.PodStdin(strings.NewReader("s3cret\n"), "login", "--tls-verify=false", "-u", "poduser", "--password-stdin", addr)
		r.Success(t)
		if strings.TrimSpace(r.Stdout) != "Login Succeeded!" {
			t.Errorf("login: %q", r.Stdout)
		}
		authJSON, err := os.ReadFile(e.Path("xdg", "containers", "auth.json"))
		if err != nil || !strings.Contains(string(authJSON), addr) {
			t.Fatalf("auth.json after login: %q %v", authJSON, err)
		}
		e.MustPod("push", "-q", "--tls-verify=false", "busybox", dest)

		// Another user's Env has no credentials; --creds works there.
		f := NewEnv(t, e.Rootless())
		f.Pod("pull", "--tls-verify=false", dest).Fails(t, 125, "")
		f.MustPod("pull", "-q", "--tls-verify=false", "--creds", "poduser:s3cret", dest)
		// An explicit auth file.
		authFile := f.WriteFile("auth.json", authJSON)
		f.MustPod("pull", "-q", "--tls-verify=false", "--authfile", authFile, dest)

		r = e.MustPod("logout", addr)
		if strings.TrimSpace(r.Stdout) != "Removed login credentials for "+addr {
			t.Errorf("logout: %q", r.Stdout)
		}
		e.Pod("logout", addr).Fails(t, 125, "not logged into "+addr)
		e.Pod("pull", "--tls-verify=false", dest).Fails(t, 125, "")

		e.Pod("login", "--get-login", addr).Fails(t, 125, "not logged into "+addr)
		r = e.MustPod("login", "--verbose", "--tls-verify=false", "-u", "poduser", "-p", "s3cret", addr)
		if want := "Used: " + e.Path("xdg", "containers", "auth.json") + "\nLogin Succeeded!\n"; r.Stdout != want {
			t.Errorf("login --verbose: %q, want %q", r.Stdout, want)
		}
		if got := out(e.MustPod("login", "--get-login", addr)); got != "poduser" {
			t.Errorf("login --get-login: %q", got)
		}
		r = e.MustPod("logout", "-a")
		if strings.TrimSpace(r.Stdout) != "Removed login credentials for all registries" {
			t.Errorf("logout -a: %q", r.Stdout)
		}
		e.Pod("login", "--tls-verify=false", "-u", "poduser", "-p", "s3cret", "127.0.0.1:1").Fails(t, 125, "connection refused")
	})
}

// TestPullKilledMidway kills pod with SIGKILL while a layer is half
// downloaded, then checks that storage is usable and a new pull works.
// A container runs throughout: with a layer mounted, containers/storage
// does not sweep leftovers when it shuts down, so the next pull must.
func TestPullKilledMidway(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		bb := pulledID(t, e, suite.images.Busybox)
		e.MustPod("run", "-d", "--name", "busy", bb, "sleep", "600")
		defer e.Pod("rm", "-f", "-t", "0", "busy")
		proxy := startStallingProxy(t)
		ref := proxy.Addr + "/multi:latest"
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cmd := e.Command(ctx, "pull", "--tls-verify=false", ref)
		if cmd.SysProcAttr == nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{}
		}
		cmd.SysProcAttr.Setpgid = true // kill the rootless re-exec too
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-proxy.stalled:
		case err := <-done:
			t.Fatalf("pull ended before a blob stalled: %v\n%s", err, out.String())
		}
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-done

		if r := e.MustPod("images", "-q", "--no-trunc"); strings.TrimSpace(r.Stdout) != "sha256:"+bb {
			t.Errorf("images after a killed pull: %q, want only busybox", r.Stdout)
		}
		proxy.Pass()
		id := pulledID(t, e, "--tls-verify=false", ref)
		r := e.MustPod("image", "inspect", "--format", "{{.Id}} {{len .RootFS.Layers}}", ref)
		if strings.TrimSpace(r.Stdout) != id+" 3" {
			t.Errorf("inspect after re-pull: %q", r.Stdout)
		}
		// The killed pull's half-downloaded blobs are gone too.
		left, err := os.ReadDir(filepath.Join(e.Root, "tmp"))
		if err != nil || len(left) != 0 {
			t.Errorf("temporary files left behind: %v %v", left, err)
		}
		if _, staging := storedLayers(t, e); staging != 0 {
			t.Errorf("%d staging directories left behind:%s", staging, describeTree(filepath.Join(e.Root, "overlay", "staging")))
		}
		e.MustPod("rmi", id)
	})
}

// TestPullStagingBesideLivePull: a staging directory without a lock
// file, which a pull killed before containers/storage locked it leaves,
// is kept while another pull is in flight (it could be that pull's, being
// set up) and removed by the first pull made with none in flight.
func TestPullStagingBesideLivePull(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		// With a layer mounted, containers/storage does not sweep the
		// staging area itself when a command ends (it would remove any
		// directory without a lock file, live or not).
		bb := pulledID(t, e, suite.images.Busybox)
		e.MustPod("run", "-d", "--name", "busy", bb, "sleep", "600")
		defer e.Pod("rm", "-f", "-t", "0", "busy")

		proxy := startStallingProxy(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cmd := e.Command(ctx, "pull", "--tls-verify=false", proxy.Addr+"/multi:latest")
		if cmd.SysProcAttr == nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{}
		}
		cmd.SysProcAttr.Setpgid = true // kill the rootless re-exec too
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-proxy.stalled:
		case err := <-done:
			t.Fatalf("pull ended before a blob stalled: %v\n%s", err, out.String())
		}
		// Made once the stalled pull has started, which swept then.
		abandoned := filepath.Join(e.Root, "overlay", "staging", "abandoned")
		if err := os.MkdirAll(filepath.Join(abandoned, "dir"), 0o700); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{abandoned, filepath.Join(abandoned, "dir")} {
			if err := os.Lchown(p, e.uid, e.gid); err != nil {
				t.Fatal(err)
			}
		}
		e.MustPod("pull", "-q", suite.images.Busybox)
		if _, err := os.Stat(abandoned); err != nil {
			t.Errorf("a pull beside a live one removed a lockless staging directory: %v", err)
		}
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-done

		e.MustPod("pull", "-q", suite.images.Busybox)
		if _, staging := storedLayers(t, e); staging != 0 {
			t.Errorf("%d staging directories left behind:%s", staging, describeTree(filepath.Join(e.Root, "overlay", "staging")))
		}
	})
}

// describeTree lists what is under dir, for a failure message.
func describeTree(dir string) string {
	var b strings.Builder
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			fmt.Fprintf(&b, "\n  %s: %v", p, err)
			return nil
		}
		if info, err := d.Info(); err == nil {
			fmt.Fprintf(&b, "\n  %s %v %d %s", strings.TrimPrefix(p, dir), info.Mode(), info.Size(), info.ModTime().Format("15:04:05.000000"))
		}
		return nil
	})
	return b.String()
}

// TestImageBadInput: one clear line, exit 125, nothing left behind.
func TestImageBadInput(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		e.Pod("pull", "Bad::Name").Fails(t, 125, "invalid reference format")
		e.Pod("pull", "UPPER/case").Fails(t, 125, "invalid reference format")
		e.Pod("pull", "127.0.0.1:1/nothing:latest").Fails(t, 125, "connection refused")
		e.Pod("pull", suite.registry.Addr+"/nosuchimage").Fails(t, 125, "manifest unknown")
		e.Pod("pull", "nosuchimage").Fails(t, 125, "nosuchimage")
		e.Pod("image", "inspect", "nosuchimage").Fails(t, 125, "nosuchimage: image not known")
		e.Pod("history", "nosuchimage").Fails(t, 125, "image not known")
		e.Pod("images", "--format", "{{.Nope").Fails(t, 125, "invalid --format template")
		e.Pod("image", "prune", "-f", "--filter", "dangling=true").Fails(t, 125, "invalid filter")
		if r := e.MustPod("images", "-q", "-a"); r.Stdout != "" {
			t.Errorf("images after failed commands: %q", r.Stdout)
		}
	})
}

// TestRmiInUse: an image a container uses is refused (exit 2) and kept by
// prune, unless forced.
func TestRmiInUse(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		id := pulledID(t, e, suite.images.Busybox)
		// As root, a container another tool made in the same storage
		// (buildah's, say); rootless, storage belongs to the user
		// namespace, so the container is pod's own.
		var ctr string
		if e.Rootless() {
			ctr = out(e.MustPod("create", id, "true"))
		} else {
			ctr = storageContainer(t, e, id)
		}
		e.Pod("rmi", "busybox").Fails(t, 2, "image used by "+ctr+": image is in use by a container")
		e.MustPod("image", "exists", id)
		r := e.MustPod("images", "--format", "{{.ID}} {{.Containers}}")
		if strings.TrimSpace(r.Stdout) != id[:12]+" 1" {
			t.Errorf("images Containers: %q", r.Stdout)
		}
		r = e.MustPod("image", "prune", "-a", "-f")
		if strings.TrimSpace(r.Stdout) != "" {
			t.Errorf("prune removed an image in use: %q", r.Stdout)
		}
		// An unknown image next to an image in use: exit 2 wins.
		e.Pod("rmi", "nosuchimage", id).Fails(t, 2, "image is in use")
		r = e.MustPod("rmi", "-f", "busybox")
		if !strings.Contains(r.Stdout, "Deleted: "+id) {
			t.Errorf("rmi -f: %q", r.Stdout)
		}
		if e.Pod("image", "exists", id).Code != 1 {
			t.Errorf("image survived rmi -f")
		}
	})
}

// TestPullProgressTerminal runs pull on a pseudo-terminal (util-linux
// script): a sized terminal gets progress bars that end in "done", an
// unsized one the plain lines.
func TestPullProgressTerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script (util-linux) not installed")
	}
	forEachUser(t, func(t *testing.T, e *Env) {
		for _, tc := range []struct {
			name, stty, want string
		}{
			{"sized", "stty cols 100 rows 30; ", "done"},
			{"unsized", "stty cols 0 rows 0; ", "Copying blob sha256:"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := NewEnv(t, e.Rootless())
				pod := f.Command(context.Background(), "pull", suite.images.Multi)
				cmd := exec.Command("script", "-qec", tc.stty+strings.Join(pod.Args, " "), "/dev/null")
				cmd.Env, cmd.Dir, cmd.SysProcAttr = pod.Env, pod.Dir, pod.SysProcAttr
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("pull on a terminal: %v\n%s", err, out)
				}
				s := string(out)
				if !strings.Contains(s, "Copying blob") || !strings.Contains(s, tc.want) || !strings.Contains(s, "Writing manifest to image destination") {
					t.Errorf("terminal output lacks %q:\n%q", tc.want, s)
				}
			})
		}
	})
}

// TestLoginTLS logs in to a registry serving HTTPS with a self-signed
// certificate: refused when verifying against the system CAs, accepted
// with the certificate in --cert-dir or with --tls-verify=false.
func TestLoginTLS(t *testing.T) {
	addr, cert := authRegistry(t, "poduser", "s3cret", true)
	forEachUser(t, func(t *testing.T, e *Env) {
		certDir := e.Path("certs")
		if err := os.Mkdir(certDir, 0o755); err != nil {
			t.Fatal(err)
		}
		e.WriteFile(filepath.Join("certs", "ca.crt"), cert)
		e.Pod("login", "-u", "poduser", "-p", "s3cret", addr).Fails(t, 125, "certificate")
		e.MustPod("login", "--cert-dir", certDir, "-u", "poduser", "-p", "s3cret", addr)
		e.MustPod("logout", addr)
		e.MustPod("login", "--tls-verify=false", "-u", "poduser", "-p", "s3cret", addr)
		pulledID(t, e, suite.images.Busybox)
		e.MustPod("push", "-q", "--cert-dir", certDir, "busybox", addr+"/tls/busybox")
		f := NewEnv(t, e.Rootless())
		f.ExtraEnv = append(f.ExtraEnv, "REGISTRY_AUTH_FILE="+f.WriteFile("auth.json", mustRead(t, e.Path("xdg", "containers", "auth.json"))))
		f.MustPod("pull", "-q", "--cert-dir", certDir, addr+"/tls/busybox")
	})
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPullConcurrent runs two pulls of one image at once: both succeed
// with the same image.
func TestPullConcurrent(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		// Create the store and state DB first: two processes creating a
		// fresh state DB at once can fail with "database is locked" (a
		// pkg/state matter this test is not about).
		e.MustPod("images")
		var wg sync.WaitGroup
		results := make([]*Result, 2)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := e.Command(context.Background(), "pull", "-q", suite.images.Multi)
				var out, errb bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &errb
				code := 0
				if err := cmd.Run(); err != nil {
					code = -1
					if ee, ok := err.(*exec.ExitError); ok {
						code = ee.ExitCode()
					}
				}
				results[i] = &Result{Args: cmd.Args, Stdout: out.String(), Stderr: errb.String(), Code: code}
			}()
		}
		wg.Wait()
		for _, r := range results {
			r.Success(t)
		}
		if results[0].Stdout != results[1].Stdout {
			t.Errorf("concurrent pulls gave %q and %q", results[0].Stdout, results[1].Stdout)
		}
		if l := e.MustPod("images", "-q").Lines(); len(l) != 1 {
			t.Errorf("images after concurrent pulls: %q", l)
		}
	})
}

// TestShortNameOtherRegistry names a local image from a registry that is
// not a search registry by its short name, as podman resolves it against
// local storage: run, inspect, exists and rmi find it.
func TestShortNameOtherRegistry(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		id := out(e.MustPod("image", "inspect", "--format", "{{.Id}}", img))
		e.MustPod("tag", img, "quay.io/fl-team/fl-tool:1")
		for _, short := range []string{"fl-tool:1", "fl-team/fl-tool:1"} {
			if got := out(e.MustPod("image", "inspect", "--format", "{{.Id}}", short)); got != id {
				t.Fatalf("image inspect %s = %q, want %s", short, got, id)
			}
			e.MustPod("image", "exists", short)
		}
		if got := out(e.MustPod("run", "--rm", "--pull", "never", "fl-tool:1", "echo", "ran")); got != "ran" {
			t.Fatalf("run fl-tool:1: %q", got)
		}
		for _, other := range []string{"fl-tool:2", "ool:1"} {
			if r := e.Pod("image", "exists", other); r.Code != 1 {
				t.Fatalf("image exists %s: exit %d, want 1", other, r.Code)
			}
		}
		if got := out(e.MustPod("rmi", "fl-tool:1")); got != "Untagged: quay.io/fl-team/fl-tool:1" {
			t.Fatalf("rmi fl-tool:1 printed %q", got)
		}
	})
}

// TestImagesSortNoheading: images --sort orders the rows, --noheading drops
// the header.
func TestImagesSortNoheading(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("tag", img, "localhost/fl-zz:1")
		e.MustPod("tag", img, "localhost/fl-aa:1")
		rows := e.MustPod("images", "--sort", "repository", "--format", "{{.Repository}}").Lines()
		if len(rows) != 3 || !sort.StringsAreSorted(rows) {
			t.Errorf("images --sort repository: %q", rows)
		}
		r := e.MustPod("images", "--noheading")
		if l := r.Lines(); len(l) != 3 || strings.HasPrefix(l[0], "REPOSITORY") {
			t.Errorf("images --noheading: %q", r.Stdout)
		}
		e.Pod("images", "--sort", "colour").Fails(t, 125, `invalid --sort "colour"`)
	})
}
