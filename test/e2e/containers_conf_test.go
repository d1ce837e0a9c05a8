package e2e

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// confEnv points e at a containers.conf of its own (CONTAINERS_CONF),
// readable by the rootless user.
func confEnv(t *testing.T, e *Env, name, data string) string {
	t.Helper()
	p := e.WriteFile(name, []byte(data))
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	e.ExtraEnv = append(e.ExtraEnv, "CONTAINERS_CONF="+p)
	return p
}

// TestContainersConf: what containers.conf sets is what a container gets
// when no flag says otherwise, and a flag wins over the file.
func TestContainersConf(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		volDir := e.Mkdir("vols")
		confEnv(t, e, "containers.conf", `
[containers]
default_capabilities = ["CHOWN", "KILL"]
default_ulimits = ["nofile=500:600"]
dns_servers = ["10.137.0.53"]
dns_searches = ["conf.example"]
dns_options = ["ndots:3"]
env = ["FROMCONF=yes", "FOO=conf"]
log_driver = "json-file"
log_size_max = 1048576
shm_size = "96m"
pids_limit = 77

[engine]
events_logger = "none"
volume_path = "`+volDir+`"

[network]
default_subnet = "10.137.5.0/24"
`)
		// Capabilities, ulimits, environment and /dev/shm inside a container.
		r := e.MustPod("run", "--rm", "--network", "none", img, "sh", "-c",
			`grep CapEff /proc/self/status; ulimit -n; ulimit -Hn; echo $FROMCONF $FOO; df -k /dev/shm | tail -1`)
		lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
		// CHOWN is bit 0, KILL bit 5.
		if len(lines) != 5 || !strings.HasSuffix(lines[0], "0000000000000021") || lines[1] != "500" || lines[2] != "600" ||
			lines[3] != "yes conf" || !strings.Contains(lines[4], " 98304 ") {
			t.Errorf("container under containers.conf:\n%s", r.Stdout)
		}

		// The defaults as inspect shows them, and flags over them.
		e.MustPod("create", "--name", "conf", img, "true")
		if got := strings.TrimSpace(e.MustPod("inspect", "-f",
			"{{json .HostConfig.Dns}} {{json .HostConfig.DnsSearch}} {{json .HostConfig.DnsOptions}} {{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Config}} {{.HostConfig.ShmSize}}",
			"conf").Stdout); got != `["10.137.0.53"] ["conf.example"] ["ndots:3"] json-file map[max-size:1048576] 100663296` {
			t.Errorf("inspect under containers.conf: %s", got)
		}
		// Rootless limits need a delegated controller, which a host may lack.
		if got := strings.TrimSpace(e.MustPod("inspect", "-f", "{{.HostConfig.PidsLimit}}", "conf").Stdout); got != "77" && !e.Rootless() {
			t.Errorf("pids_limit: PidsLimit %s", got)
		}
		e.MustPod("create", "--name", "flags", "--dns", "10.137.0.54", "--log-driver", "k8s-file", "--shm-size", "32m",
			"--cap-add", "NET_RAW", "-e", "FOO=flag", img, "true")
		if got := strings.TrimSpace(e.MustPod("inspect", "-f",
			"{{json .HostConfig.Dns}} {{.HostConfig.LogConfig.Type}} {{.HostConfig.ShmSize}} {{range .Config.Env}}{{.}} {{end}}",
			"flags").Stdout); !strings.HasPrefix(got, `["10.137.0.54"] k8s-file 33554432 `) || !strings.Contains(got, "FOO=flag") || !strings.Contains(got, "FROMCONF=yes") {
			t.Errorf("flags over containers.conf: %s", got)
		}

		// volume_path holds the volumes; events_logger none records nothing.
		e.MustPod("volume", "create", "data")
		if _, err := os.Stat(filepath.Join(volDir, "data")); err != nil {
			t.Errorf("volume not under volume_path: %v", err)
		}
		if got := strings.TrimSpace(e.MustPod("events", "--stream=false", "--since", "1h", "--filter", "type=volume").Stdout); got != "" {
			t.Errorf("events with events_logger none: %q", got)
		}
		if got := strings.TrimSpace(e.MustPod("info", "-f", "{{.Host.EventLogger}} {{.Host.LogDriver}} {{.Store.VolumePath}}").Stdout); got != "none json-file "+volDir {
			t.Errorf("info under containers.conf: %q", got)
		}

		// The default network, first made now, gets default_subnet, unless
		// the bridge every installation shares already runs with its own.
		got := strings.TrimSpace(e.MustPod("network", "inspect", "-f", "{{range .Subnets}}{{.Subnet}} {{.Gateway}}{{end}}", "podman").Stdout)
		want := "10.137.5.0/24 10.137.5.1"
		if br, err := net.InterfaceByName("pod0"); err == nil {
			addrs, _ := br.Addrs()
			for _, a := range addrs {
				if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
					want = (&net.IPNet{IP: ipn.IP.Mask(ipn.Mask), Mask: ipn.Mask}).String() + " " + ipn.IP.String()
				}
			}
		}
		if got != want {
			t.Errorf("default network under default_subnet: %q, want %q", got, want)
		}

		// The runtime: the file's, unless --runtime says otherwise.
		confEnv(t, e, "runtime.conf", "[engine]\nruntime = \"no-such-runtime\"\n")
		e.Pod("run", "--rm", "--network", "none", img, "true").Fails(t, 125, `"no-such-runtime"`)
		e.MustPod("--runtime", "runc", "run", "--rm", "--network", "none", img, "true")

		// CONTAINERS_CONF_OVERRIDE goes on top.
		over := e.WriteFile("override.conf", []byte("[engine]\nruntime = \"runc\"\n"))
		os.Chmod(over, 0o644)
		e.ExtraEnv = append(e.ExtraEnv, "CONTAINERS_CONF_OVERRIDE="+over)
		e.MustPod("run", "--rm", "--network", "none", img, "true")

		// A file that does not parse: one line naming it.
		bad := confEnv(t, e, "bad.conf", "[containers\n")
		e.Pod("ps").Fails(t, 125, "parse containers.conf "+bad)
	})
}

// TestContainersConfUserFiles: without CONTAINERS_CONF, pod reads the
// user's containers.conf and then its containers.conf.d drop-ins in
// lexical order, each over the one before (after the system's files, which
// the test leaves as the host has them); CONTAINERS_CONF_OVERRIDE goes on
// top; CONTAINERS_CONF names the one file read instead of all of them.
func TestContainersConfUserFiles(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		dir := filepath.Join(e.Home, ".config", "containers")
		write := func(name, data string) string {
			t.Helper()
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
			if e.rootless && os.Geteuid() == 0 {
				for _, f := range []string{dir, filepath.Dir(p), p} {
					if err := os.Chown(f, e.uid, e.gid); err != nil {
						t.Fatal(err)
					}
				}
			}
			return p
		}
		write("containers.conf", "[containers]\nenv = [\"FROM=user\"]\nshm_size = \"48m\"\n")
		write("containers.conf.d/20-b.conf", "[containers]\nenv = [\"FROM=dropin-b\"]\n")
		write("containers.conf.d/10-a.conf", "[containers]\nenv = [\"FROM=dropin-a\"]\nshm_size = \"40m\"\n")
		write("containers.conf.d/30-c.txt", "not a drop-in [")
		seen := func() string {
			t.Helper()
			r := e.MustPod("run", "--rm", "--network", "none", img, "sh", "-c", `echo $FROM $(df -k /dev/shm | tail -1 | awk '{print $2}')`)
			return strings.TrimSpace(r.Stdout)
		}
		e.ExtraEnv = append(e.ExtraEnv, "CONTAINERS_CONF=")
		if got := seen(); got != "dropin-b 40960" {
			t.Errorf("user containers.conf and drop-ins: %q, want dropin-b 40960", got)
		}
		e.ExtraEnv = append(e.ExtraEnv, "CONTAINERS_CONF_OVERRIDE="+write("override.conf", "[containers]\nenv = [\"FROM=override\"]\n"))
		if got := seen(); got != "override 40960" {
			t.Errorf("CONTAINERS_CONF_OVERRIDE over the user's files: %q, want override 40960", got)
		}
		e.ExtraEnv = append(e.ExtraEnv, "CONTAINERS_CONF="+write("named.conf", "[containers]\nenv = [\"FROM=named\"]\n"), "CONTAINERS_CONF_OVERRIDE=")
		if got := seen(); got != "named 65536" {
			t.Errorf("CONTAINERS_CONF instead of the user's files: %q, want named 65536", got)
		}
	})
}
