package e2e

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestRunEnvFlags: --env-merge, --unsetenv, --unsetenv-all, --env-host
// and --http-proxy compose the container's environment as podman's do.
func TestRunEnvFlags(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.ExtraEnv = append(e.ExtraEnv, "RF_HOST=from-pod", "http_proxy=http://proxy.invalid:3128")
		// HOSTNAME and container as the process got them (a shell may
		// set HOSTNAME itself).
		show := `env | grep -E '^(HOSTNAME|container)=' | sort; echo "$PATH|$http_proxy|${RF_HOST-unset}|$KEEP"`
		for _, tc := range []struct {
			name  string
			flags []string
			cmd   []string
			want  string
		}{
			{"defaults", nil, []string{"sh", "-c", show},
				"HOSTNAME=HOST\ncontainer=pod\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|http://proxy.invalid:3128|unset|"},
			{"merge and unset", []string{"--env-merge", "PATH=${PATH}:/opt/x", "--unsetenv", "HOSTNAME", "--unsetenv", "container", "-e", "KEEP=1"},
				[]string{"sh", "-c", show},
				"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/x|http://proxy.invalid:3128|unset|1"},
			{"env-host", []string{"--env-host"}, []string{"sh", "-c", `echo "$RF_HOST"`}, "from-pod"},
			{"no proxy", []string{"--http-proxy=false"}, []string{"sh", "-c", `echo "${http_proxy-unset}"`}, "unset"},
			// The runtime (runc) sets HOME when the environment has none.
			{"unsetenv-all", []string{"--unsetenv-all", "-e", "ONLY=1"}, []string{"/bin/env"}, "ONLY=1\nHOME=/root"},
		} {
			args := append(append([]string{"run", "--rm", "--hostname", "HOST"}, tc.flags...), img)
			if got := out(e.MustPod(append(args, tc.cmd...)...)); got != tc.want {
				t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
			}
		}
		e.Pod("run", "--rm", "--env-merge", "NOVALUE", img, "true").Fails(t, 125, `invalid --env-merge "NOVALUE"`)
	})
}

// TestRunFileFlags: what pod writes for the container and about it:
// --umask, --no-hosts, --chrootdirs, --passwd/--passwd-entry/--hostuser,
// --pidfile and --conmon-pidfile, --label-file and --annotation, and what
// inspect shows of them.
func TestRunFileFlags(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		r := e.MustPod("run", "--rm", "--umask", "0077", "--no-hosts", "--chrootdirs", "/srv/jail", "-h", "rfhost",
			"-u", "4321", "-w", "/tmp", "--passwd-entry", "$USERNAME:x:$UID:$GID:$NAME:$HOME:/bin/false", img,
			"sh", "-c", "umask; grep -c ' /etc/hosts ' /proc/mounts; cat /srv/jail/etc/hostname; grep ^4321: /etc/passwd")
		if got, want := out(r), "0077\n0\nrfhost\n4321:x:4321:0:container user:/tmp:/bin/false"; got != want {
			t.Errorf("--umask --no-hosts --chrootdirs --passwd-entry: %q, want %q", got, want)
		}
		if got := out(e.MustPod("run", "--rm", "--passwd=false", "-u", "4321", img, "sh", "-c", "grep -c ^4321: /etc/passwd || true")); got != "0" {
			t.Errorf("--passwd=false added an entry: %q", got)
		}
		if u := hostUser(t); u != "" {
			if got := out(e.MustPod("run", "--rm", "--hostuser", u, img, "sh", "-c", "grep -c ^"+u+": /etc/passwd")); got != "1" {
				t.Errorf("--hostuser %s: %q", u, got)
			}
		}
		e.Pod("run", "--rm", "--hostuser", "no-such-user-rf", img, "true").Fails(t, 125, "no such user in the host's /etc/passwd")
		e.Pod("run", "--rm", "--no-hosts", "--add-host", "a:1.2.3.4", img, "true").Fails(t, 125, "--no-hosts and --add-host cannot be used together")
		e.Pod("run", "--rm", "--umask", "999", img, "true").Fails(t, 125, `invalid --umask "999"`)

		labels := e.WriteFile("labels", []byte("# a comment\nfrom=file\nboth=file\n"))
		pidFile, monFile := e.Path("ctr.pid"), e.Path("mon.pid")
		e.MustPod("run", "-d", "--name", "rf-files", "--label-file", labels, "-l", "both=flag", "--annotation", "rf.note=yes",
			"--pidfile", pidFile, "--conmon-pidfile", monFile, "--umask", "0027", img, "sleep", "1000")
		got := out(e.MustPod("inspect", "-f", `{{index .Config.Labels "from"}} {{index .Config.Labels "both"}} {{index .Config.Annotations "rf.note"}} {{.Config.Umask}} {{.PidFile}} {{.ConmonPidFile}} {{.State.Pid}} {{.State.ConmonPid}}`, "rf-files"))
		f := strings.Fields(got)
		if len(f) != 8 || strings.Join(f[:6], " ") != "file flag yes 0027 "+pidFile+" "+monFile {
			t.Fatalf("inspect: %q", got)
		}
		for file, want := range map[string]string{pidFile: f[6], monFile: f[7]} {
			if b, err := os.ReadFile(file); err != nil || strings.TrimSpace(string(b)) != want {
				t.Errorf("%s holds %q (%v), want %s", file, b, err, want)
			}
		}
	})
}

// hostUser is a user of the host's /etc/passwd that no image has (UID
// 1000 to 60000), for --hostuser ("" when there is none).
func hostUser(t *testing.T) string {
	t.Helper()
	f, err := os.Open("/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		f := strings.Split(s.Text(), ":")
		if len(f) < 3 {
			continue
		}
		if uid, err := strconv.Atoi(f[2]); err == nil && uid >= 1000 && uid <= 60000 {
			return f[0]
		}
	}
	return ""
}

// TestRunSystemdAndRequires: --systemd's init mode (tmpfs mounts,
// container_uuid, systemd's stop signal; chosen by the command with the
// default true), --requires (started first, kept from rm), --pod-id-file,
// --init-path and the image selection flags.
func TestRunSystemdAndRequires(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		r := e.MustPod("run", "--rm", "--systemd", "always", img, "sh", "-c",
			`for d in /run /run/lock /tmp /var/lib/journal; do grep " $d tmpfs " /proc/mounts | cut -d' ' -f2; done; echo ${#container_uuid}`)
		if got := out(r); got != "/run\n/run/lock\n/tmp\n/var/lib/journal\n32" {
			t.Errorf("--systemd always: %q", got)
		}
		for _, tc := range []struct{ flags, want string }{
			{"", "SIGRTMIN+3"},
			{"--systemd=false", "SIGTERM"},
			{"--stop-signal=SIGINT", "SIGINT"},
		} {
			args := append(strings.Fields("create "+tc.flags), img, "/sbin/init")
			id := out(e.MustPod(args...))
			if got := out(e.MustPod("inspect", "-f", "{{.Config.StopSignal}}", id)); got != tc.want {
				t.Errorf("create %s IMG /sbin/init: stop signal %q, want %q", tc.flags, got, tc.want)
			}
		}
		e.Pod("create", "--systemd", "maybe", img, "true").Fails(t, 125, `invalid --systemd "maybe"`)

		e.MustPod("create", "--name", "rf-base", img, "sleep", "1000")
		e.MustPod("run", "-d", "--name", "rf-dep", "--requires", "rf-base", img, "sleep", "1000")
		if got := out(e.MustPod("inspect", "-f", "{{.State.Status}}", "rf-base")); got != "running" {
			t.Errorf("--requires rf-base: it is %s after rf-dep started", got)
		}
		e.Pod("rm", "-f", "-t", "0", "rf-base").Success(t) // -f takes the dependent too, as podman
		if e.Pod("container", "exists", "rf-dep").Code == 0 {
			t.Error("rm -f of a required container left the container requiring it")
		}
		e.Pod("create", "--requires", "no-such-rf", img, "true").Fails(t, 125, "no-such-rf")

		e.Pod("create", "--image-volume", "nowhere", img, "true").Fails(t, 125, `invalid --image-volume "nowhere"`)

		podID := out(e.MustPod("pod", "create", "--name", "rf-pod"))
		idFile := e.WriteFile("pod.id", []byte(podID+"\n"))
		id := out(e.MustPod("create", "--pod-id-file", idFile, img, "true"))
		if got := out(e.MustPod("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.PodName}}")); !strings.Contains(got, id+" rf-pod") {
			t.Errorf("--pod-id-file: ps -a says %q, want %s in rf-pod", got, id)
		}
		e.MustPod("pod", "rm", "-f", "rf-pod")

		if init := findHostInit(); init != "" {
			if got := out(e.MustPod("run", "--rm", "--init", "--init-path", init, img, "cat", "/proc/1/cmdline")); !strings.HasPrefix(got, "/run/pod-init") {
				t.Errorf("--init-path: PID 1 is %q", got)
			}
		}
		e.Pod("run", "--rm", "--init", "--init-path", "/no/such/init", img, "true").Fails(t, 125, `invalid --init-path "/no/such/init"`)

		other := "arm64"
		if runtime.GOARCH == "arm64" {
			other = "amd64"
		}
		e.Pod("run", "--rm", "--pull", "never", "--arch", other, img, "true").Fails(t, 125, "not linux/"+other)
		e.MustPod("run", "--rm", "--platform", "linux/"+runtime.GOARCH, "-q", "--tls-verify=false", "--disable-content-trust", img, "true")
		e.Pod("run", "--rm", "--platform", "linux/amd64", "--arch", "arm64", img, "true").Fails(t, 125, "--platform cannot be used with --os, --arch or --variant")
	})
}

// findHostInit is an init binary of the host for --init-path ("" if none).
func findHostInit() string {
	for _, p := range []string{"/usr/bin/catatonit", "/usr/libexec/podman/catatonit", "/usr/bin/tini", "/usr/bin/tini-static"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// TestRunQuietPull: -q pulls without a word on stderr.
func TestRunQuietPull(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		r := e.MustPod("run", "--rm", "-q", suite.images.Busybox, "true")
		if r.Stderr != "" {
			t.Errorf("run -q pulled with output %q", r.Stderr)
		}
	})
}

// TestRunRootFlags: --device-cgroup-rule and --subuidname need root: they
// work as root and are refused with a reason rootless.
func TestRunRootFlags(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		// /dev/kmsg (c 1:11) is in no default device list; opening it
		// write-only writes nothing and needs no capability.
		rule := []string{"--device-cgroup-rule", "c 1:11 rwm"}
		script := "mknod /dev/rfkmsg c 1 11 && exec 3>/dev/rfkmsg && echo ok"
		if e.Rootless() {
			e.Pod(append(append([]string{"run", "--rm"}, rule...), img, "true")...).Fails(t, 125, "--device-cgroup-rule is not supported rootless")
			e.Pod("run", "--rm", "--subuidname", "x", img, "true").Fails(t, 125, "--subuidname needs root")
			return
		}
		if got := out(e.MustPod(append(append([]string{"run", "--rm"}, rule...), img, "sh", "-c", script)...)); got != "ok" {
			t.Errorf("--device-cgroup-rule 'c 1:11 rwm': %q", got)
		}
		if r := e.Pod("run", "--rm", img, "sh", "-c", script); r.Code == 0 {
			t.Error("without --device-cgroup-rule the device cgroup let the container open c 1:11")
		}
		id := out(e.MustPod(append(append([]string{"create"}, rule...), img, "true")...))
		if got := out(e.MustPod("inspect", "-f", "{{.HostConfig.DeviceCgroupRules}}", id)); got != "[c 1:11 rwm]" {
			t.Errorf("inspect DeviceCgroupRules: %q", got)
		}
		e.Pod("run", "--rm", "--device-cgroup-rule", "x 1:3 rwm", img, "true").Fails(t, 125, "invalid --device-cgroup-rule")
		if name, start, size := subIDRange(t); name != "" {
			got := strings.Fields(out(e.MustPod("run", "--rm", "--subuidname", name, img, "cat", "/proc/self/uid_map", "/proc/self/gid_map")))
			if want := []string{"0", start, size}; len(got) < 3 || strings.Join(got[:3], " ") != strings.Join(want, " ") {
				t.Errorf("--subuidname %s: uid_map %q, want %q", name, got, want)
			}
		}
	})
}

// subIDRange is the first range of /etc/subuid: name, start, size.
func subIDRange(t *testing.T) (string, string, string) {
	t.Helper()
	b, err := os.ReadFile("/etc/subuid")
	if err != nil {
		return "", "", ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Split(line, ":"); len(f) == 3 {
			return f[0], f[1], f[2]
		}
	}
	return "", "", ""
}

// TestRunMoreLimits: --memory-swappiness, --cgroup-conf and
// --blkio-weight-device on create, update and clone; what the host's
// cgroups cannot hold is refused or dropped with a warning, as podman.
func TestRunMoreLimits(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.Pod("run", "--rm", "--blkio-weight-device", "/dev/null:100", img, "true").Fails(t, 125, "/dev/null is not a block device")
		e.Pod("create", "--memory-swappiness", "101", img, "true").Fails(t, 125, "invalid --memory-swappiness 101")
		if noRootlessCgroups(e) {
			warnedOnce(t, e.MustPod("run", "--rm", "--memory-swappiness", "10", img, "true"))
			e.Pod("container", "clone", "--memory", "64m", out(e.MustPod("create", img, "true"))).Fails(t, 125, "Resource limits are not supported")
			return
		}
		if hostCgroupV2() {
			e.MustPod("run", "-d", "--name", "rf-lim", "--stop-timeout", "1", "--cgroup-conf", "memory.high=67108864", img, "sleep", "1000")
			if got := cgroupFile(t, e, "rf-lim", "memory", "memory.high"); got != "67108864" {
				t.Errorf("--cgroup-conf memory.high: %q", got)
			}
		} else {
			e.Pod("run", "--rm", "--cgroup-conf", "memory.high=67108864", img, "true").Fails(t, 125, "--cgroup-conf needs cgroup v2")
			e.MustPod("run", "-d", "--name", "rf-lim", "--stop-timeout", "1", "--memory-swappiness", "10", img, "sleep", "1000")
			if got := cgroupFile(t, e, "rf-lim", "memory", "memory.swappiness"); got != "10" {
				t.Errorf("--memory-swappiness 10: %q", got)
			}
			if got := out(e.MustPod("inspect", "-f", "{{.HostConfig.MemorySwappiness}}", "rf-lim")); got != "10" {
				t.Errorf("inspect MemorySwappiness: %q", got)
			}
		}
		e.Pod("update", "--blkio-weight-device", "/dev/null:10", "rf-lim").Fails(t, 125, "/dev/null is not a block device")

		// clone: new limits over the original's, --destroy needs --force
		// for a running original, --pod puts the clone in a pod.
		e.Pod("container", "clone", "--destroy", "rf-lim", "rf-c1").Fails(t, 125, "it is running")
		e.MustPod("container", "clone", "--memory", "64m", "--cpu-shares", "512", "rf-lim", "rf-c1")
		if got := out(e.MustPod("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.CPUShares}}", "rf-c1")); got != "67108864 512" {
			t.Errorf("clone --memory 64m --cpu-shares 512: %q", got)
		}
		e.MustPod("pod", "create", "--name", "rf-cpod")
		e.MustPod("container", "clone", "--pod", "rf-cpod", "--destroy", "--force", "rf-lim", "rf-c2")
		if e.Pod("container", "exists", "rf-lim").Code == 0 {
			t.Error("clone --destroy --force left the running original")
		}
		if got := out(e.MustPod("ps", "-a", "--format", "{{.Names}} {{.PodName}}")); !strings.Contains(got, "rf-c2 rf-cpod") {
			t.Errorf("clone --pod rf-cpod: ps -a says %q", got)
		}
		e.MustPod("pod", "rm", "-f", "rf-cpod")
	})
}

// TestRunIP6: --ip6 gives the container that static IPv6 address on a
// dual-stack network (its IPv4 one is leased as usual, or given by --ip).
// The halves run in turn: the subnet is a fixed one.
func TestRunIP6(t *testing.T) {
	forEachUserInTurn(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("network", "create", "--subnet", "10.136.7.0/24", "--subnet", "fd00:136:7::/64", "rf6net")
		defer e.Pod("network", "rm", "-f", "rf6net")
		got := out(e.MustPod("run", "--rm", "--network", "rf6net", "--ip6", "fd00:136:7::42", img, "ip", "-o", "addr", "show", "eth0"))
		if !strings.Contains(got, "inet6 fd00:136:7::42/64") || !strings.Contains(got, "inet 10.136.7.") {
			t.Errorf("--ip6 fd00:136:7::42: %q", got)
		}
		e.Pod("run", "--rm", "--network", "rf6net", "--ip6", "10.136.7.9", img, "true").Fails(t, 125, `invalid --ip6 "10.136.7.9"`)
		got = out(e.MustPod("run", "--rm", "--network", "rf6net", "--ip", "10.136.7.9", "--ip6", "fd00:136:7::43", img, "ip", "-o", "addr", "show", "eth0"))
		if !strings.Contains(got, "inet6 fd00:136:7::43/64") || !strings.Contains(got, "inet 10.136.7.9/24") {
			t.Errorf("--ip 10.136.7.9 --ip6 fd00:136:7::43: %q", got)
		}
		e.Pod("run", "--rm", "--network", "none", "--ip6", "fd00:136:7::44", img, "true").Fails(t, 125, "need a bridge network")
	})
}

// TestRunImageVolumeAndSeccompPolicy: --image-volume turns the image's
// VOLUME into an anonymous volume, a tmpfs or nothing; --seccomp-policy
// image applies the profile of the image's io.containers.seccomp.profile
// label (here one that refuses mkdir).
func TestRunImageVolumeAndSeccompPolicy(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("create", "--name", "rf-src", img, "true")
		profile := `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}`
		e.MustPod("commit", "-q", "-c", "VOLUME /vol", "-c", "LABEL io.containers.seccomp.profile='"+profile+"'", "rf-src", "localhost/rf-policy")
		const rfImg = "localhost/rf-policy"
		if got := out(e.MustPod("image", "inspect", "-f", `{{index .Config.Labels "io.containers.seccomp.profile"}}`, rfImg)); got != profile {
			t.Fatalf("the test image's label: %q", got)
		}
		mountOf := "grep ' /vol ' /proc/mounts | cut -d' ' -f3 || true"
		for _, tc := range []struct{ mode, want string }{{"tmpfs", "tmpfs"}, {"ignore", ""}} {
			if got := out(e.MustPod("run", "--rm", "--image-volume", tc.mode, rfImg, "sh", "-c", mountOf)); got != tc.want {
				t.Errorf("--image-volume %s: /vol is %q, want %q", tc.mode, got, tc.want)
			}
		}
		id := out(e.MustPod("create", rfImg, "true"))
		if got := out(e.MustPod("inspect", "-f", "{{range .Mounts}}{{.Type}} {{.Destination}}{{end}}", id)); got != "volume /vol" {
			t.Errorf("--image-volume bind (the default): mounts %q", got)
		}
		if r := e.Pod("run", "--rm", "--seccomp-policy", "image", rfImg, "mkdir", "/tmp/x"); r.Code == 0 {
			t.Error("--seccomp-policy image: the image's profile did not refuse mkdir")
		}
		e.MustPod("run", "--rm", rfImg, "mkdir", "/tmp/x")
		e.Pod("run", "--rm", "--seccomp-policy", "strict", rfImg, "true").Fails(t, 125, `invalid --seccomp-policy "strict"`)
	})
}

// TestRunPersonality: --personality LINUX32 makes uname say i686 on
// x86_64, where the runtime implements runtime-spec 1.1; an older runtime
// (runc 1.1) would ignore it, and pod refuses the flag there, saying why.
func TestRunPersonality(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		if runtime.GOARCH != "amd64" {
			t.Skip("LINUX32 is checked on x86_64")
		}
		img := pulled(t, e)
		r := e.Pod("run", "--rm", "--personality", "LINUX32", img, "uname", "-m")
		if r.Code == 0 {
			if got := out(r); got != "i686" {
				t.Errorf("--personality LINUX32: uname -m %q", got)
			}
		} else {
			r.Fails(t, 125, "--personality needs a runtime implementing runtime-spec 1.1")
		}
		e.Pod("run", "--rm", "--personality", "BSD", img, "true").Fails(t, 125, `invalid --personality "BSD"`)
	})
}
