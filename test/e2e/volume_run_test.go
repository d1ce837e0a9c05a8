package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Volumes as containers use them: -v, --mount, --volumes-from, image
// VOLUME entries, rm -v, --rm, copy-up, sharing, persistence.

// ctrMounts reads `inspect`'s Mounts of a container.
func ctrMounts(t *testing.T, e *Env, ctr string) []struct{ Type, Name, Source, Destination string } {
	t.Helper()
	var docs []struct {
		Mounts []struct{ Type, Name, Source, Destination string }
	}
	r := e.MustPod("inspect", ctr)
	if err := json.Unmarshal([]byte(r.Stdout), &docs); err != nil || len(docs) != 1 {
		t.Fatalf("inspect %s: %v", ctr, err)
	}
	return docs[0].Mounts
}

// TestVolumeNamedCopyUp checks that -v NAME:/path creates the volume on
// first use and fills it from the image (keeping owners and modes) only
// while it is new and empty; nocopy keeps it empty.
func TestVolumeNamedCopyUp(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		image := out(e.MustPod("run", "--rm", img, "sh", "-c", "stat -c '%n %u:%g %a' /etc/passwd /etc/group /etc; ls /etc | wc -l"))
		r := e.MustPod("run", "--rm", "-v", "data:/etc", img, "sh", "-c", "stat -c '%n %u:%g %a' /etc/passwd /etc/group /etc; ls /etc | wc -l")
		if out(r) != image {
			t.Fatalf("copied-up volume shows\n%s\nthe image has\n%s", r.Stdout, image)
		}
		v := inspectVolume(t, e, "data")
		if v.Anonymous {
			t.Error("a named volume is marked anonymous")
		}
		if _, err := os.Stat(filepath.Join(v.Mountpoint, "passwd")); err != nil {
			t.Errorf("passwd not copied into the volume's directory: %v", err)
		}
		// Not new any more: a later container sees what the last left,
		// not the image again.
		e.MustPod("run", "--rm", "-v", "data:/etc", img, "sh", "-c", "rm /etc/group; echo kept > /etc/note")
		if got := out(e.MustPod("run", "--rm", "-v", "data:/x", img, "sh", "-c", "cat /x/note; ls /x/group 2>&1 || true")); !strings.HasPrefix(got, "kept\n") || !strings.Contains(got, "No such file") {
			t.Errorf("second use: %q", got)
		}
		// nocopy: a new volume stays empty (the image's /usr holds bin/).
		if got := out(e.MustPod("run", "--rm", "-v", "empty:/usr:nocopy", img, "ls", "-A", "/usr")); got != "" {
			t.Errorf("nocopy volume holds %q", got)
		}
		if got := out(e.MustPod("run", "--rm", "-v", "full:/usr", img, "ls", "-A", "/usr")); got != "bin" {
			t.Errorf("copied-up /usr holds %q", got)
		}
		// A volume made with volume create is filled at its first use too.
		e.MustPod("volume", "create", "pre")
		if got := out(e.MustPod("run", "--rm", "-v", "pre:/bin:ro", img, "/bin/busybox", "true")); got != "" {
			t.Errorf("run from a copied-up /bin: %q", got)
		}
		if r := e.Pod("run", "--rm", "-v", "pre:/bin:ro", img, "/bin/busybox", "touch", "/bin/x"); r.Code != 1 || !strings.Contains(r.Stderr, "Read-only") {
			t.Errorf("touch in a read-only volume: exit %d, %q", r.Code, r.Stderr)
		}
	})
}

// TestVolumePersistence checks that data outlives the container, pod's
// own restarts and a reboot, and that two containers share one volume at
// once.
func TestVolumePersistence(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("run", "--name", "w", "-v", "keep:/data", img, "sh", "-c", "echo one > /data/f")
		e.MustPod("rm", "w")
		if got := out(e.MustPod("run", "--rm", "-v", "keep:/data", img, "cat", "/data/f")); got != "one" {
			t.Fatalf("after rm of the writer: %q", got)
		}
		// Two at once: a reader waits for what the writer writes.
		e.MustPod("run", "-d", "--name", "reader", "-v", "keep:/data", img, "sh", "-c", "while [ ! -e /data/ready ]; do sleep 0.1; done; cat /data/msg")
		e.MustPod("run", "--rm", "-v", "keep:/data", img, "sh", "-c", "echo shared > /data/msg; touch /data/ready")
		if got := out(e.MustPod("wait", "reader")); got != "0" {
			t.Fatalf("reader exited %s", got)
		}
		if got := out(e.MustPod("logs", "reader")); got != "shared" {
			t.Fatalf("reader saw %q", got)
		}
		// Across starts and restarts of one container.
		e.MustPod("create", "--name", "app", "-v", "keep:/data", img, "sh", "-c", "echo run >> /data/runs")
		for _, verb := range []string{"start", "restart", "restart"} {
			e.MustPod(verb, "app")
			e.MustPod("wait", "app")
		}
		if got := out(e.MustPod("run", "--rm", "-v", "keep:/data", img, "cat", "/data/runs")); got != "run\nrun\nrun" {
			t.Errorf("after start and two restarts: %q", got)
		}
		// A "reboot": pod notices by the boot id and the volume still
		// holds its data.
		e.MustPod("run", "--rm", "-v", "keep:/data", img, "sh", "-c", "echo two >> /data/f")
		recordAnotherBoot(t, e)
		if got := out(e.MustPod("run", "--rm", "-v", "keep:/data", img, "cat", "/data/f")); got != "one\ntwo" {
			t.Fatalf("after the reboot: %q", got)
		}
		if got := strings.Join(e.MustPod("volume", "ls", "-q").Lines(), " "); got != "keep" {
			t.Errorf("volumes after the reboot: %q", got)
		}
	})
}

// waitFor polls cond for up to a minute.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within a minute")
}

// TestVolumeAnonymous checks -v /path, image VOLUME entries, rm -v and
// --rm.
func TestVolumeAnonymous(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("import", "-q", "-c", "VOLUME /etc", "-c", "CMD [\"sh\"]", suite.images.RootfsTar, "localhost/withvol")

		e.MustPod("create", "--name", "a", "-v", "/scratch", img, "true")
		names := e.MustPod("volume", "ls", "-q").Lines()
		if len(names) != 1 || !volumeNameRe.MatchString(names[0]) || !inspectVolume(t, e, names[0]).Anonymous {
			t.Fatalf("-v /scratch made %v, want one anonymous 64-hex volume", names)
		}
		ms := ctrMounts(t, e, "a")
		if len(ms) != 1 || ms[0].Type != "volume" || ms[0].Name != names[0] || ms[0].Destination != "/scratch" || ms[0].Source != inspectVolume(t, e, names[0]).Mountpoint {
			t.Errorf("inspect Mounts: %+v", ms)
		}
		e.MustPod("rm", "a")
		if n := len(e.MustPod("volume", "ls", "-q").Lines()); n != 1 {
			t.Errorf("rm without -v removed the anonymous volume (%d left)", n)
		}
		e.MustPod("volume", "prune", "-f")

		// The image's VOLUME /etc: an anonymous volume filled from the image.
		e.MustPod("run", "--name", "b", "localhost/withvol", "sh", "-c", "test -s /etc/passwd && grep ' /etc ' /proc/mounts >/dev/null")
		vols := e.MustPod("volume", "ls", "-q").Lines()
		if len(vols) != 1 {
			t.Fatalf("image VOLUME made %v", vols)
		}
		// -v at the same destination replaces the image's volume.
		e.MustPod("run", "--rm", "-v", "mine:/etc", "localhost/withvol", "true")
		if got := strings.Join(e.MustPod("volume", "ls", "-q", "--filter", "name=^mine$").Lines(), ""); got != "mine" {
			t.Errorf("named volume over the image's VOLUME: %q", got)
		}
		if n := len(e.MustPod("volume", "ls", "-q").Lines()); n != 2 {
			t.Errorf("-v over an image VOLUME also made an anonymous volume (%d volumes)", n)
		}
		e.MustPod("rm", "-v", "b")
		if e.Pod("volume", "exists", vols[0]).Code != 1 {
			t.Error("rm -v left the anonymous volume")
		}
		// --rm removes anonymous volumes, never named ones.
		e.MustPod("run", "--rm", "-v", "/tmpvol", "-v", "named:/n", img, "true")
		if got := strings.Join(e.MustPod("volume", "ls", "-q").Lines(), " "); got != "mine named" {
			t.Errorf("after run --rm: volumes %q, want the named ones only", got)
		}
	})
}

// TestVolumeInUse checks that rm and prune leave a used volume alone and
// that rm -f removes its containers, as podman does.
func TestVolumeInUse(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		id := out(e.MustPod("create", "-v", "used:/d", img, "true"))
		e.MustPod("volume", "create", "free")
		e.Pod("volume", "rm", "used").Fails(t, 2, "volume used is being used by the following container(s): "+id)
		if got := strings.Join(e.MustPod("volume", "ls", "-q", "--filter", "dangling=true").Lines(), " "); got != "free" {
			t.Errorf("dangling=true: %q", got)
		}
		if got := strings.Join(e.MustPod("volume", "ls", "-q", "--filter", "dangling=false").Lines(), " "); got != "used" {
			t.Errorf("dangling=false: %q", got)
		}
		if got := strings.Join(e.MustPod("volume", "prune", "-f").Lines(), " "); got != "free" {
			t.Errorf("prune removed %q, want only the unused volume", got)
		}
		// A running user is stopped first.
		ids := []string{id, out(e.MustPod("run", "-d", "-v", "used:/d", img, "sleep", "1000"))}
		e.MustPod("volume", "rm", "-f", "-t", "0", "used")
		for _, c := range ids {
			if e.Pod("container", "exists", c).Code != 1 {
				t.Errorf("volume rm -f left container %s", c)
			}
		}
		if e.Pod("volume", "exists", "used").Code != 1 {
			t.Error("volume rm -f left the volume")
		}
	})
}

// TestVolumeMountFlags checks --mount and --volumes-from.
func TestVolumeMountFlags(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		dir := e.Path("host")
		if err := os.MkdirAll(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		os.Chmod(dir, 0o777)
		e.WriteFile("host/in", []byte("bound\n"))
		r := e.MustPod("run", "--rm",
			"--mount", "type=volume,src=mv,dst=/v",
			"--mount", "type=bind,source="+dir+",target=/b,readonly",
			"--mount", "type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=700",
			img, "sh", "-c", "echo x > /v/f && cat /b/in && ! touch /b/no 2>/dev/null && grep ' /t ' /proc/mounts")
		if !strings.HasPrefix(r.Stdout, "bound\n") || !strings.Contains(r.Stdout, "size=1024k") || !strings.Contains(r.Stdout, "mode=700") {
			t.Errorf("--mount: %q", r.Stdout)
		}
		if got := out(e.MustPod("run", "--rm", "--mount", "src=mv,dst=/w,ro", img, "sh", "-c", "cat /w/f; touch /w/g 2>&1 || true")); !strings.HasPrefix(got, "x\n") || !strings.Contains(got, "Read-only") {
			t.Errorf("--mount ro volume: %q", got)
		}
		e.Pod("run", "--rm", "--mount", "type=bind,dst=/x", img, "true").Fails(t, 125, "needs src=")
		e.Pod("run", "--rm", "--mount", "type=nfs,dst=/x", img, "true").Fails(t, 125, "type must be bind, volume or tmpfs")
		e.Pod("run", "--rm", "--mount", "type=volume,src=a,dst=/x,colour=red", img, "true").Fails(t, 125, "unknown field")

		e.MustPod("create", "--name", "src", "-v", "shared:/s", "-v", dir+":/h", "--tmpfs", "/t", img, "true")
		r = e.MustPod("run", "--rm", "--volumes-from", "src", img, "sh", "-c", "echo via > /s/f; cat /h/in; grep -c ' /t ' /proc/mounts || true")
		if out(r) != "bound\n0" {
			t.Errorf("--volumes-from: %q (want the volume and bind, not the tmpfs)", r.Stdout)
		}
		if got := out(e.MustPod("run", "--rm", "--volumes-from", "src:ro", img, "sh", "-c", "cat /s/f; touch /s/g 2>&1 || true")); !strings.HasPrefix(got, "via\n") || !strings.Contains(got, "Read-only") {
			t.Errorf("--volumes-from :ro: %q", got)
		}
		e.Pod("run", "--rm", "--volumes-from", "nosuch", img, "true").Fails(t, 125, "no such container")
	})
}

// TestVolumeTypeMountedPerContainer checks a volume created with
// -o type=tmpfs: its filesystem is mounted while a container uses it and
// unmounted when the last one stops, as podman does.
func TestVolumeTypeMountedPerContainer(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=2m", "tv")
		r := e.MustPod("run", "--rm", "-v", "tv:/tv", img, "sh", "-c", "df -k /tv | tail -1; echo y > /tv/f")
		if f := strings.Fields(out(r)); len(f) < 2 || f[1] != "2048" {
			t.Errorf("the container's /tv is not the 2 MiB tmpfs: %q", r.Stdout)
		}
		// The container ends when the test creates stop in a bound
		// directory (the test cannot reach a rootless pod's tmpfs).
		ctl := e.Path("ctl")
		if err := os.Mkdir(ctl, 0o777); err != nil {
			t.Fatal(err)
		}
		os.Chmod(ctl, 0o777)
		id := out(e.MustPod("run", "-d", "-v", "tv:/tv", "-v", ctl+":/ctl", img, "sh", "-c", "while [ ! -e /ctl/stop ]; do sleep 0.1; done"))
		if v := inspectVolume(t, e, "tv"); v.MountCount != 1 {
			t.Errorf("MountCount while running: %d", v.MountCount)
		}
		if err := os.WriteFile(filepath.Join(ctl, "stop"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		e.MustPod("wait", id)
		waitFor(t, func() bool { return inspectVolume(t, e, "tv").MountCount == 0 })
		// tmpfs content does not outlive its mount.
		if got := out(e.MustPod("run", "--rm", "-v", "tv:/tv", img, "ls", "/tv")); got != "" {
			t.Errorf("a fresh tmpfs mount holds %q", got)
		}
		e.MustPod("rm", id)
		e.MustPod("volume", "rm", "tv")

		// type=bind: a host directory appears as the volume while used.
		e.WriteFile("ctl/hostfile", []byte("on the host\n"))
		e.MustPod("volume", "create", "-o", "type=bind", "-o", "device="+ctl, "bv")
		if got := out(e.MustPod("run", "--rm", "-v", "bv:/bv", img, "cat", "/bv/hostfile")); got != "on the host" {
			t.Errorf("bind volume: %q", got)
		}
		// Rootless, the bind would be in pod's mount namespace: look there.
		if mp := inspectVolume(t, e, "bv").Mountpoint; e.Rootless() {
			if got := e.MustPod("unshare", "ls", "-A", mp).Stdout; got != "" {
				t.Errorf("the bind stayed mounted on the volume after its container: %q", got)
			}
		} else if entries, _ := os.ReadDir(mp); len(entries) != 0 {
			t.Errorf("the bind stayed mounted on the volume after its container: %v", entries)
		}
		e.MustPod("volume", "rm", "bv")
		if _, err := os.Stat(filepath.Join(ctl, "hostfile")); err != nil {
			t.Errorf("removing a bind volume touched its device: %v", err)
		}
	})
}

// TestVolumeFirstUseRace starts containers at once on one new volume: each
// run succeeds and the volume is filled from the image exactly once.
func TestVolumeFirstUseRace(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		const n = 4
		results := make(chan *Result, n)
		for i := 0; i < n; i++ {
			go func() { results <- e.Pod("run", "--rm", "-v", "race:/etc", img, "ls", "/etc/passwd") }()
		}
		for i := 0; i < n; i++ {
			if r := <-results; r.Code != 0 || out(r) != "/etc/passwd" {
				t.Errorf("run %d on a new volume: exit %d stdout %q stderr %q", i, r.Code, r.Stdout, r.Stderr)
			}
		}
		if got := strings.Join(e.MustPod("volume", "ls", "-q").Lines(), " "); got != "race" {
			t.Errorf("volumes: %q", got)
		}
	})
}

// TestVolumeChownOption checks U: the source is given to the container's
// user at start.
func TestVolumeChownOption(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("run", "--rm", "-v", "owned:/o", img, "sh", "-c", "mkdir /o/sub && touch /o/sub/f")
		r := e.MustPod("run", "--rm", "-u", "1000:1001", "-v", "owned:/o:U", img, "sh", "-c", "stat -c '%u:%g' /o /o/sub /o/sub/f; touch /o/mine")
		if got := strings.Join(r.Lines(), " "); got != "1000:1001 1000:1001 1000:1001" {
			t.Errorf("owners after U: %q", got)
		}
		// Without U the owner stays and the user cannot write.
		e.MustPod("volume", "create", "rootowned")
		if r := e.Pod("run", "--rm", "-u", "1000", "-v", "rootowned:/r", img, "touch", "/r/x"); r.Code == 0 {
			t.Error("user 1000 wrote into a root-owned volume without U")
		}
	})
}
