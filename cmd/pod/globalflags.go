package main

import (
	"fmt"
	"io"
	"log/syslog"
	"os"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"
	logsyslog "github.com/sirupsen/logrus/hooks/syslog"
	"github.com/spf13/pflag"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/conmon"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// podmanGlobals are the global flags of podman's that pod has no use of
// its own for: accepted so that scripts parse, then either ignored where
// podman ignores them too on a local engine, or refused with why.
type podmanGlobals struct {
	noout            bool
	out              string
	tmpdir           string
	url, connection  string
	identity, ssh    string
	remote           bool
	config           string
	networkConfigDir string
	cniConfigDir     string
	namespace        string
	imagestore       string
	dbBackend        string
}

// addPodmanGlobals registers podman's global flags beside pod's own.
// Refused ones are hidden: --help lists what works (docs/pod.md lists
// them all).
func addPodmanGlobals(pf *pflag.FlagSet, g *cli.Globals, p *podmanGlobals) {
	pf.StringArrayVar(&g.RuntimeFlags, "runtime-flag", nil, "pass a global flag to the OCI runtime, without its leading -- (repeatable; 'debug' runs it with --debug)")
	pf.StringVar(&g.EventsBackend, "events-backend", "", "where events go: file (the state DB), journald (the systemd journal; file, with a warning, on a host without one) or none (default: containers.conf's events_logger, else file)")
	pf.StringVar(&g.VolumePath, "volumepath", "", "directory where named volumes are stored (default: containers.conf's volume_path, else GRAPHROOT/volumes)")
	pf.StringVar(&g.NetworkCmdPath, "network-cmd-path", "", "path to the slirp4netns binary rootless networking runs")
	pf.StringVar(&g.Conmon, "conmon", "", "path to the pod-conmon monitor binary (podman's conmon speaks another protocol)")
	pf.StringArrayVar(&g.Modules, "module", nil, "read this containers.conf module after the configuration files: an absolute path, or a name under containers.conf.modules (repeatable)")
	pf.BoolVar(&g.Syslog, "syslog", false, "log to syslog as well as to stderr")
	pf.BoolVar(&p.noout, "noout", false, "send pod's own standard output to /dev/null (an attached container's output still shows)")
	pf.StringVar(&p.out, "out", "", "write pod's own standard output to this file (an attached container's output still shows)")
	pf.StringVar(&p.config, "config", "", "ignored, as podman ignores it (docker's client configuration directory)")
	pf.StringVar(&p.identity, "identity", "", "ignored: the SSH key of a remote connection, which pod has none of")
	pf.StringVar(&p.ssh, "ssh", "", "ignored: the SSH mode (golang or native) of a remote connection, which pod has none of")
	pf.StringVar(&p.dbBackend, "db-backend", "", "the state database: sqlite, the only one pod has")
	pf.BoolVarP(&p.remote, "remote", "r", false, "refused: pod has no remote client")
	pf.StringVar(&p.url, "url", "", "refused: pod has no remote client")
	pf.StringVar(&p.connection, "connection", "", "refused: pod has no remote client")
	pf.StringVar(&p.tmpdir, "tmpdir", "", "refused: pod keeps its per-boot state under the run root")
	pf.StringArrayVar(&g.HooksDirs, "hooks-dir", nil, "directory of OCI hook configuration files (oci-hooks(5)); repeatable, replacing the defaults /usr/share/containers/oci/hooks.d and /etc/containers/oci/hooks.d")
	pf.StringVar(&p.networkConfigDir, "network-config-dir", "", "refused: pod keeps networks in its state DB")
	pf.StringVar(&p.cniConfigDir, "cni-config-dir", "", "refused: pod keeps networks in its state DB")
	pf.StringVar(&p.namespace, "namespace", "", "refused: pod has no libpod namespaces")
	pf.StringVar(&p.imagestore, "imagestore", "", "refused: pod keeps images in the graph root")
	for _, n := range []string{"config", "identity", "ssh", "remote", "url", "connection", "tmpdir",
		"network-config-dir", "cni-config-dir", "namespace", "imagestore"} {
		_ = pf.MarkHidden(n)
	}
}

// errNoRemote is why every remote flag is refused.
const errNoRemote = "pod has no remote client: it works on this host's storage (--root, --runroot); docker -H clients can use its API socket (pod system service)"

// apply checks podman's global flags and does what those that act here
// do. It runs before any command, and before the user namespace is
// entered, so a refusal leaves nothing behind.
func (p *podmanGlobals) apply(flags *pflag.FlagSet, g *cli.Globals) error {
	changed := func(n string) bool { f := flags.Lookup(n); return f != nil && f.Changed }
	for _, n := range []string{"remote", "url", "connection"} {
		if changed(n) {
			return errdefs.NotImplementedf("--%s: %s", n, errNoRemote)
		}
	}
	refused := map[string]string{
		"tmpdir":             "pod keeps its per-boot state (locks, exit files, monitor sockets) under the run root: use --runroot",
		"network-config-dir": "pod keeps network definitions in its state DB under --root, not in configuration files",
		"cni-config-dir":     "pod keeps network definitions in its state DB under --root, not in configuration files",
		"namespace":          "pod has no libpod namespaces (podman 5 removed them too): use --root to keep sets of containers apart",
		"imagestore":         "pod keeps images in the graph root (--root)",
	}
	for _, n := range []string{"tmpdir", "network-config-dir", "cni-config-dir", "namespace", "imagestore"} {
		if changed(n) {
			return errdefs.NotImplementedf("--%s: %s", n, refused[n])
		}
	}
	if changed("db-backend") && p.dbBackend != "sqlite" {
		return errdefs.InvalidArgumentf("--db-backend %q: pod's state DB is sqlite, the only backend it has", p.dbBackend)
	}
	if changed("ssh") && p.ssh != "golang" && p.ssh != "native" {
		return errdefs.InvalidArgumentf("--ssh %q: use golang or native", p.ssh)
	}
	if changed("config") {
		logrus.Warn("The --config flag is ignored by pod. Exists for Docker compatibility")
	}
	if changed("events-backend") {
		switch g.EventsBackend {
		case "file", "journald", "none":
		default:
			return errdefs.InvalidArgumentf("--events-backend %q: use file, journald or none", g.EventsBackend)
		}
	}
	for _, f := range g.RuntimeFlags {
		if strings.TrimPrefix(f, "--") == "" {
			return errdefs.InvalidArgumentf("--runtime-flag: empty flag")
		}
	}
	if g.Conmon != "" {
		if err := checkMonitor(g.Conmon); err != nil {
			return err
		}
	}
	if g.Syslog {
		hook, err := logsyslog.NewSyslogHook("", "", syslog.LOG_INFO, "pod")
		if err != nil {
			return errdefs.Unavailable(fmt.Errorf("--syslog: connect to the system logger: %w", err))
		}
		logrus.AddHook(hook)
	}
	if p.noout && p.out != "" {
		return errdefs.InvalidArgumentf("--noout and --out cannot be used together")
	}
	switch {
	case p.noout:
		g.CtrStdout, g.Stdout = g.Stdout, io.Discard
	case p.out != "":
		f, err := os.OpenFile(p.out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		// Left open to the end of the process: the command writes to it.
		g.CtrStdout, g.Stdout = g.Stdout, f
	}
	return nil
}

// checkMonitor accepts --conmon only for a pod-conmon binary: podman's
// conmon would be started with arguments it does not understand.
func checkMonitor(path string) error {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || st.Mode()&0o111 == 0 {
		return errdefs.InvalidArgumentf("--conmon %s: not an executable file", path)
	}
	if filepath.Base(path) != conmon.BinaryName {
		return errdefs.InvalidArgumentf("--conmon %s: pod's monitor is %s, which speaks its own protocol; podman's conmon cannot stand in for it", path, conmon.BinaryName)
	}
	return nil
}

// refuseLeadingConnection refuses podman's -c (--connection) before the
// command name. It cannot be a persistent flag: run, create and commit use
// -c themselves, as podman's do, and podman reads it before the command.
func refuseLeadingConnection(fs *pflag.FlagSet, args []string) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return nil
		case strings.HasPrefix(a, "--") && !strings.Contains(a, "="):
			// A global flag's value is not the command name.
			if f := fs.Lookup(a[2:]); f != nil && f.NoOptDefVal == "" {
				i++
			}
		case a == "-c" || strings.HasPrefix(a, "-c=") || (strings.HasPrefix(a, "-c") && !strings.HasPrefix(a, "--")):
			return errdefs.NotImplementedf("-c (--connection): %s", errNoRemote)
		case !strings.HasPrefix(a, "-"):
			// The command name: flags after it are its own.
			return nil
		}
	}
	return nil
}
