package container

import (
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

// createFlags are the flags `create` and `run` share.
type createFlags struct {
	opts        engine.CreateOptions
	entrypoint  string
	stopTimeout int
	limits      limitFlags
	// healthRetries is --health-retries; see healthOptions.
	healthRetries int
	cidfile       string // --cidfile: where to write the new container's ID
	replace       bool   // --replace: remove a container of the same name first
	readOnlyTmpfs bool   // --read-only-tmpfs; see options
	process       processFlags
}

// addCreateFlags binds Docker's and Podman's create flags. Parsing stops
// at the image name: what follows is the container's command.
func addCreateFlags(c *cobra.Command, f *createFlags) {
	fs := c.Flags()
	fs.SetInterspersed(false)
	// -h is Docker's --hostname, so help has no shorthand here.
	fs.Bool("help", false, "help for "+c.Name())
	o := &f.opts
	fs.StringVar(&o.Name, "name", "", "assign a name to the container")
	fs.StringVar(&f.cidfile, "cidfile", "", "write the container's ID to FILE, which must not exist")
	fs.BoolVar(&f.replace, "replace", false, "remove a container of the same --name first (stopping it if it runs)")
	fs.StringArrayVarP(&o.Env, "env", "e", nil, "set an environment variable (KEY=VALUE, or KEY to pass pod's own)")
	fs.StringArrayVar(&o.EnvFiles, "env-file", nil, "read environment variables from a file")
	fs.StringVarP(&o.WorkingDir, "workdir", "w", "", "working directory inside the container")
	fs.StringVarP(&o.User, "user", "u", "", "user to run as: name|uid[:group|gid]")
	fs.StringVar(&f.entrypoint, "entrypoint", "", "override the image's entrypoint (a command, or a JSON array; \"\" clears it)")
	fs.StringArrayVarP(&o.Labels, "label", "l", nil, "set a label (KEY=VALUE)")
	fs.StringVarP(&o.Hostname, "hostname", "h", "", "container hostname (default: the short container ID)")
	fs.BoolVarP(&o.Interactive, "interactive", "i", false, "keep stdin open")
	fs.StringArrayVarP(&o.Volumes, "volume", "v", nil, "mount a host path, a named volume or an anonymous volume: [SRC:]DST[:OPTIONS] (ro, rw, z, Z, U, nocopy, a propagation)")
	fs.StringArrayVar(&o.Mounts, "mount", nil, "mount: type=bind|volume|tmpfs,src=SRC,dst=DST[,ro][,bind-propagation=P][,volume-nocopy][,tmpfs-size=N][,tmpfs-mode=M]")
	fs.StringArrayVar(&o.VolumesFrom, "volumes-from", nil, "mount the volumes and binds of another container: CTR[:ro|rw]")
	fs.StringArrayVar(&o.Tmpfs, "tmpfs", nil, "mount a tmpfs: DST[:OPTIONS]")
	fs.StringArrayVar(&o.Secrets, "secret", nil, "give the container a secret: NAME[,type=mount|env,target=T,uid=N,gid=N,mode=M]")
	fs.BoolVar(&o.ReadOnly, "read-only", false, "mount the container's root filesystem read-only")
	fs.BoolVar(&f.readOnlyTmpfs, "read-only-tmpfs", true, "with --read-only, mount tmpfs on /tmp, /var/tmp and /run")
	fs.StringVar(&o.IPC, "ipc", "", "IPC namespace: private (default), shareable, host or container:NAME")
	fs.StringVar(&o.PID, "pid", "", "PID namespace: private (default), host or container:NAME")
	fs.StringVar(&o.UTS, "uts", "", "UTS namespace (hostname): private (default), host or container:NAME")
	fs.StringArrayVar(&o.GroupAdd, "group-add", nil, "add a supplementary group: a name of the image's /etc/group or a GID")
	fs.StringArrayVar(&o.Sysctls, "sysctl", nil, "set a namespaced kernel parameter: KEY=VALUE (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*)")
	fs.StringVar(&o.ShmSize, "shm-size", "", "size of /dev/shm (e.g. 64m; default 64m)")
	fs.StringVar(&o.TZ, "tz", "", "time zone: an Area/City of the host's zoneinfo, or local for the host's")
	fs.StringArrayVar(&o.Expose, "expose", nil, "expose a port or range (PORT[/PROTO]) that -P publishes, as the image's EXPOSE does")
	fs.StringArrayVar(&o.Devices, "device", nil, "add a host device: HOST[:CONTAINER][:PERMISSIONS] (bound from the host when rootless)")
	fs.UintVar(&o.Timeout, "timeout", 0, "seconds the container may run before its monitor kills it (SIGKILL); 0: no limit")
	fs.BoolVar(&o.RemoveImage, "rmi", false, "remove the image once the container is removed, unless another container uses it (implies --rm)")
	fs.StringArrayVar(&o.CapAdd, "cap-add", nil, "add a Linux capability (or ALL)")
	fs.StringArrayVar(&o.CapDrop, "cap-drop", nil, "drop a Linux capability (or ALL)")
	fs.BoolVar(&o.Privileged, "privileged", false, "give the container all capabilities, devices and no seccomp or masked paths")
	fs.StringArrayVar(&o.SecurityOpt, "security-opt", nil, "security option: no-new-privileges, seccomp=unconfined, seccomp=PROFILE.json")
	fs.StringVar(&o.UserNS, "userns", "", "user namespace: host, keep-id[:uid=N,gid=N] (rootless), nomap (rootless) or auto[:size=N]")
	fs.StringArrayVar(&o.UIDMap, "uidmap", nil, "run in a user namespace mapping container UIDs to pod's: CONTAINER:HOST:SIZE")
	fs.StringArrayVar(&o.GIDMap, "gidmap", nil, "run in a user namespace mapping container GIDs to pod's: CONTAINER:HOST:SIZE")
	fs.StringArrayVar(&o.Ulimits, "ulimit", nil, "set a resource limit: NAME=SOFT[:HARD]")
	fs.BoolVar(&o.Init, "init", false, "run an init (catatonit) as PID 1 that forwards signals and reaps zombies")
	fs.StringVar(&o.StopSignal, "stop-signal", "", "signal that stops the container (default: the image's, else SIGTERM)")
	fs.IntVar(&f.stopTimeout, "stop-timeout", 10, "seconds to wait after the stop signal before SIGKILL")
	fs.StringVar(&o.LogDriver, "log-driver", "", "log driver: k8s-file, json-file, journald or none (default: containers.conf's log_driver, else k8s-file)")
	fs.StringArrayVar(&o.LogOpts, "log-opt", nil, "log driver option: max-size=SIZE, or tag=TEMPLATE (journald)")
	fs.StringVar(&o.Restart, "restart", "no", "restart policy: no, on-failure[:N], always, unless-stopped")
	fs.StringVar(&o.SdNotify, "sdnotify", "conmon", "with NOTIFY_SOCKET set (a systemd unit of Type=notify): conmon (the monitor sends MAINPID and READY=1), container (the container's process sends READY=1 on the socket mounted at /run/notify/notify.sock), healthy (READY=1 after the first passing healthcheck) or ignore")
	addNetworkFlags(fs, &o.NetOptions)
	fs.StringVar(&o.Pod, "pod", "", "join a pod: NAME, ID, or new:NAME to make one for the container")
	fs.BoolVar(&o.Rootfs, "rootfs", false, "the first argument is a host directory to use as the root filesystem, not an image; DIR:O mounts it under an overlay whose writes are dropped when the container stops")
	fs.StringVar(&o.Pull, "pull", "missing", "pull the image: missing, always or never")
	fs.BoolVar(&o.AutoRemove, "rm", false, "remove the container when it exits (with its anonymous volumes)")
	addLimitFlags(fs, &f.limits)
	fs.StringArrayVar(&o.Limits.CgroupConf, "cgroup-conf", nil, "set a file of the container's cgroup v2 directory: KEY=VALUE, such as memory.high=1073741824 (cgroup v2 only)")
	addInteractiveFlags(fs, f)
	addProcessFlags(fs, f)
	fs.StringVar(&o.Limits.CgroupParent, "cgroup-parent", "", "parent cgroup of the container's cgroup (default: pod/ under pod's own cgroup)")
	fs.StringVar(&o.Limits.CgroupNS, "cgroupns", "", "cgroup namespace: private (a new one) or host (default: private on cgroup v2, host on v1)")
	fs.StringVar(&o.Limits.Cgroups, "cgroups", "enabled", "cgroup mode: enabled, no-conmon (the monitor stays where pod runs) or disabled (no cgroup for the container; crun only)")
	fs.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "net" {
			name = "network"
		}
		return pflag.NormalizedName(name)
	})
}

// options completes the options with what flags cannot say directly.
func (f *createFlags) options(g *cli.Globals, c *cobra.Command, args []string) (engine.CreateOptions, error) {
	o := f.opts
	o.Image = args[0]
	o.CreateCommand = append([]string(nil), os.Args...)
	o.Command = args[1:]
	if c.Flags().Changed("entrypoint") {
		e := f.entrypoint
		o.Entrypoint = &e
	}
	if c.Flags().Changed("stop-timeout") {
		t := f.stopTimeout
		o.StopTimeout = &t
	}
	if c.Flags().Changed("read-only-tmpfs") {
		v := f.readOnlyTmpfs
		o.ReadOnlyTmpfs = &v
	}
	if o.RemoveImage {
		o.AutoRemove = true
	}
	// A container a systemd unit runs records the unit, as podman's do:
	// auto-update restarts it.
	if unit := os.Getenv(engine.SystemdUnitLabel); unit != "" && !slices.ContainsFunc(o.Labels, func(l string) bool {
		return strings.HasPrefix(l, engine.SystemdUnitLabel+"=")
	}) {
		o.Labels = append(slices.Clone(o.Labels), engine.SystemdUnitLabel+"="+unit)
	}
	o.PullProgress = g.Stderr
	o.Limits = f.limits.options(c, o.Limits)
	f.healthOptions(c)
	o.Health = f.opts.Health
	if err := f.processOptions(c, &o); err != nil {
		return o, err
	}
	return o, nil
}
