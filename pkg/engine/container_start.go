package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	cstorage "github.com/containers/storage"
	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/conmon"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/idmap"
	"github.com/pod-engine/pod/pkg/oci"
	"github.com/pod-engine/pod/pkg/spec"
	"github.com/pod-engine/pod/pkg/specgen"
	"github.com/pod-engine/pod/pkg/state"
	"github.com/pod-engine/pod/pkg/timings"
)

// StartOptions say whether Start attaches to the container's streams.
type StartOptions struct {
	// Attach makes StartAndWait stream the container's output to Stdout and
	// Stderr (nil: merged into Stdout) until it exits.
	Attach         bool
	Stdout, Stderr io.Writer
	// Stdin, with Attach and a container created with -i, is copied to the
	// container's stdin; its end closes the container's stdin.
	Stdin io.Reader
	// DetachKeys and Resize: see AttachOptions.
	DetachKeys string
	Resize     <-chan TermSize
	// Started, when set, is called by StartAndWait once the container
	// runs, before the streams are copied (the API service answers the
	// start request then, while the attached client keeps streaming).
	Started func()
	// Pass are descriptors the container's process receives.
	Pass PassFiles
}

// PassFiles are descriptors of the calling process that a container's
// process (or an exec'd one) receives at 3 and up, through the monitor and
// the runtime's --preserve-fds, with environment entries for it: systemd's
// socket activation (LISTEN_FDS, LISTEN_PID=1, LISTEN_FDNAMES) or
// --preserve-fds. They reach a container only when its start runs the
// runtime's create: one that pod init prepared has its descriptors already.
type PassFiles struct {
	Files []*os.File
	Env   []string
}

// ErrCommandNotFound and ErrCommandCannotRun categorise a container whose
// command could not be started (exit codes 127 and 126 at the CLI): they are
// errdefs' categories under the engine's names.
var (
	ErrCommandNotFound  = errdefs.ErrCommandNotFound
	ErrCommandCannotRun = errdefs.ErrCannotInvoke
)

// Start starts a created or stopped container and returns once it runs.
// Starting a running container does nothing. With opts.Attach it also
// streams, as StartAndWait does, and drops the exit code.
func (r *Runtime) Start(ctx context.Context, idOrName string, opts StartOptions) error {
	if opts.Attach {
		_, err := r.StartAndWait(ctx, idOrName, opts)
		return err
	}
	c, l, err := r.getLocked(ctx, idOrName)
	if err != nil {
		return err
	}
	defer l.Release()
	if isActive(c.Status) && c.Status != state.StatusInitialized {
		return nil
	}
	_, err = r.startLocked(ctx, c, startHow{pass: opts.Pass})
	return r.discardFailed(ctx, c, err)
}

// discardFailed removes a --rm container whose start failed (err), as its
// exit would have; the caller holds its lock. It returns err.
func (r *Runtime) discardFailed(ctx context.Context, c *Container, err error) error {
	if err == nil || !c.Config.AutoRemove {
		return err
	}
	if rmErr := r.removeLocked(context.WithoutCancel(ctx), c, 0); rmErr != nil {
		logrus.Warnf("remove %s after its failed start: %v", shortID(c.ID), rmErr)
	}
	return err
}

// StartAndWait starts the container attached to its streams, copies them
// until the container exits and returns its exit code. A container created
// with --rm is removed before it returns, so that the caller's next command
// does not see it.
func (r *Runtime) StartAndWait(ctx context.Context, idOrName string, opts StartOptions) (int, error) {
	c, err := r.get(ctx, idOrName)
	if err != nil {
		return 0, err
	}
	l, err := r.lockContainer(ctx, c.ID)
	if err != nil {
		return 0, err
	}
	if c, err = r.syncLocked(ctx, c.ID); err != nil {
		l.Release()
		return 0, err
	}
	if isActive(c.Status) && c.Status != state.StatusInitialized {
		l.Release()
		return 0, errdefs.Conflictf("container %s is already running: use pod attach", c.Name)
	}
	size := firstTermSize(c, opts.Resize)
	// An attached --rm run removes the container itself once it exited;
	// the monitor then skips its cleanup (see conmon.Config.ClientCleans).
	// (A container pod init prepared has a monitor already, without that
	// arrangement.)
	cleans := c.Config.AutoRemove && c.Status != state.StatusInitialized
	conn, err := r.startLocked(ctx, c, startHow{attach: true, cleans: cleans, pass: opts.Pass})
	err = r.discardFailed(ctx, c, err)
	// The lock is not held while streaming: stop, kill and the monitor's
	// cleanup must be able to act on the container meanwhile.
	l.Release()
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if opts.Started != nil {
		opts.Started()
	}
	if size != nil {
		conn.Resize(size.Rows, size.Cols)
	}
	endWait := timings.Start(ctx, "wait")
	code, ok, err := stream(ctx, conn, c.Config.OpenStdin, c.Config.Tty, AttachOptions{
		Stdin: opts.Stdin, Stdout: opts.Stdout, Stderr: opts.Stderr,
		DetachKeys: opts.DetachKeys, Resize: opts.Resize,
	})
	if err != nil {
		return 0, err
	}
	if !ok {
		code, err = r.waitExitFile(ctx, c)
	}
	endWait()
	if err != nil {
		return 0, err
	}
	if c.Config.AutoRemove {
		endCleanup := timings.Start(ctx, "cleanup")
		err := r.Remove(ctx, c.ID, RemoveOptions{Force: true})
		endCleanup()
		if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return code, err
		}
		if cleans {
			conn.Done()
		}
	}
	return code, nil
}

// waitExitFile waits for the exit file of c's current run, or for its
// monitor to die without one.
func (r *Runtime) waitExitFile(ctx context.Context, c *Container) (int, error) {
	path, err := r.exitFile(c.ID)
	if err != nil {
		return 0, err
	}
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		ex, err := conmon.ReadExit(path)
		if err == nil {
			return ex.Code, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return 0, err
		}
		if !conmon.Alive(c.MonitorPID) {
			if ex, err := conmon.ReadExit(path); err == nil {
				return ex.Code, nil
			}
			return unknownExitCode, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// startHow says how startLocked starts a container.
type startHow struct {
	// attach returns a connection to the monitor that receives all of
	// the container's output.
	attach bool
	// cleans makes that connection responsible for the exit command's
	// work (conmon.Config.ClientCleans); the caller then ends with
	// conn.Done once it did the work.
	cleans bool
	// pass goes to the container's process.
	pass PassFiles
	// restore, when set, has the monitor run the runtime's restore from a
	// checkpoint instead of its run (Restore).
	restore *restoreFrom
}

// startLocked runs c: the monitor with the runtime's create and start in
// one (`run --detach`), or only the runtime's start when pod init did the
// create already; then the DB. The caller holds c's lock. With how.attach
// the returned connection is there before the container runs, so no output
// is lost. On failure everything done is undone, an earlier pod init's work
// too.
func (r *Runtime) startLocked(ctx context.Context, c *Container, how startHow) (conn *conmon.Conn, err error) {
	prev := c.Status
	inited := prev == state.StatusInitialized
	if err := r.startRequired(ctx, c); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			if conn != nil {
				conn.Close()
				conn = nil
			}
			if inited {
				r.undoInit(ctx, c, prev)
			}
		}
	}()
	if !inited {
		if conn, err = r.initLocked(ctx, c, initHow{start: true, startHow: how}); err != nil {
			return nil, err
		}
		inited = true
	} else {
		rt, err := r.ociFor(c)
		if err != nil {
			return nil, err
		}
		if len(how.pass.Files) > 0 {
			logrus.Warnf("container %s was created by pod init before: the %d descriptor(s) given to pod are not passed to it", c.Name, len(how.pass.Files))
		}
		if how.attach {
			socket, err := r.attachSocket(c.ID)
			if err != nil {
				return nil, err
			}
			if conn, err = conmon.Dial(ctx, socket); err != nil {
				return nil, err
			}
		}
		if st, err := r.storage(); err == nil {
			if runDir, err := st.ContainerRunDirectory(c.ID); err == nil {
				if err := r.awaitHealthy(c, runDir); err != nil {
					return nil, err
				}
			}
		}
		if err := rt.Start(ctx, c.ID); err != nil {
			return nil, fmt.Errorf("start container %s: %w", shortID(c.ID), err)
		}
		// The monitor of an initialized container started before the
		// container ran (pod init): pod tells the service manager.
		r.notifyStarted(c)
	}
	if how.attach {
		r.containerEvent(ctx, c.Container, "attach")
	}
	r.clearCheckpointMarks(c, how.restore != nil)
	c.Status = state.StatusRunning
	c.StartedAt = time.Now()
	c.StoppedByUser = false
	c.ExitCode, c.OOMKilled = 0, false
	if err := r.db.Update(ctx, c.Container); err != nil {
		return nil, err
	}
	writePidFiles(c)
	r.resetHealth(ctx, c)
	r.writeInfraConmonPidFile(ctx, c)
	if how.restore != nil {
		r.containerEvent(ctx, c.Container, "restore")
	} else {
		r.containerEvent(ctx, c.Container, "start")
	}
	return conn, nil
}

// initHow says how far initLocked goes.
type initHow struct {
	// start has the runtime start the container as well as create it.
	start bool
	startHow
}

// initLocked prepares c up to the runtime's create (with how.start, its
// start too): mount, bundle, and the monitor, which runs the runtime; c
// then has its PID and monitor and the status initialized, in memory only
// (Init records it). With how.attach it returns the monitor connection
// made before the runtime ran. The caller holds c's lock. On failure
// everything done is undone.
func (r *Runtime) initLocked(ctx context.Context, c *Container, how initHow) (conn *conmon.Conn, err error) {
	// A pod member joins the namespaces its pod's infra container holds.
	if err := r.startPodInfra(ctx, c); err != nil {
		return nil, err
	}
	rt, err := r.ociFor(c)
	if err != nil {
		return nil, err
	}
	monitor, err := r.monitorBinary()
	if err != nil {
		return nil, err
	}
	// A runtime record left by a run whose cleanup never happened (a
	// killed pod, a reboot) would make create fail.
	if _, err := os.Stat(filepath.Join(rt.StateDir, c.ID)); err == nil {
		if err := rt.Delete(ctx, c.ID, true); err != nil {
			return nil, fmt.Errorf("remove stale runtime state of %s: %w", shortID(c.ID), err)
		}
	}
	st, err := r.storage()
	if err != nil {
		return nil, err
	}
	endMount := timings.Start(ctx, "mount")
	rootfs, err := r.mountRootfs(st, c)
	endMount()
	if err != nil {
		if errors.Is(err, cstorage.ErrLayerUnknown) || errors.Is(err, cstorage.ErrContainerUnknown) {
			if _, cerr := st.Container(c.ID); errors.Is(cerr, cstorage.ErrContainerUnknown) {
				return nil, noRootfsError(c)
			}
		}
		return nil, fmt.Errorf("mount container %s: %w", shortID(c.ID), err)
	}
	var started *conmon.Started
	prev := *c.Container
	defer func() {
		if err == nil {
			return
		}
		// The start's intent may be recorded: record c as it was.
		defer func() {
			*c.Container = prev
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if uerr := r.db.Update(uctx, c.Container); uerr != nil {
				logrus.Warnf("undo start of %s: %v", shortID(c.ID), uerr)
			}
		}()
		if started != nil {
			// Best effort with a fresh context: the caller's may be the
			// reason we are undoing.
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			_ = killAll(uctx, rt, c.ID)
			if derr := rt.Delete(uctx, c.ID, true); derr != nil {
				logrus.Warnf("undo start of %s: %v", shortID(c.ID), derr)
			}
			cancel()
		}
		r.unmountVolumes(ctx, c)
		if uerr := r.unmountRootfs(st, c); uerr != nil {
			logrus.Warnf("undo start of %s: unmount: %v", shortID(c.ID), uerr)
		}
	}()

	if len(c.Config.UIDMap) > 0 && c.Config.Rootfs == "" {
		// (A --rootfs directory is the user's: its modes are theirs.)
		if err := makeTraversable(rootfs); err != nil {
			return nil, err
		}
	}
	endNetwork := timings.Start(ctx, "network")
	ns, err := r.setupNetwork(ctx, c)
	endNetwork()
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			if terr := r.teardownNetwork(context.WithoutCancel(ctx), c); terr != nil {
				logrus.Warnf("undo start of %s: %v", shortID(c.ID), terr)
			}
		}
	}()
	endSpec := timings.Start(ctx, "spec")
	s, err := r.runtimeSpec(ctx, c, rootfs, ns)
	if err != nil {
		endSpec()
		return nil, err
	}
	s.Version = rt.SpecVersion(ctx)
	if how.start && len(how.pass.Files) > 0 {
		s.Process.Env = specgen.MergeEnv(s.Process.Env, how.pass.Env)
	}
	userdata, err := r.userdataDir(c.ID)
	if err != nil {
		endSpec()
		return nil, err
	}
	err = spec.WriteBundle(userdata, s)
	endSpec()
	if err != nil {
		return nil, err
	}
	runDir, err := st.ContainerRunDirectory(c.ID)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", runDir, err)
	}
	exitFile := filepath.Join(runDir, "exit")
	// The previous run's result must not be read as this one's.
	if err := os.Remove(exitFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("remove old exit file: %w", err)
	}
	pidFile := filepath.Join(runDir, "pidfile")
	socket := filepath.Join(runDir, "attach")
	var console string
	if c.Config.Tty {
		if console, err = r.consoleSocket(c.ID); err != nil {
			return nil, err
		}
	}
	logPath := c.Config.LogPath
	if logPath == "" {
		logPath = filepath.Join(userdata, "ctr.log")
	}
	var maxSize int64
	if v := c.Config.LogOpts["max-size"]; v != "" {
		maxSize, _ = strconv.ParseInt(v, 10, 64)
	}
	exitCmd, err := r.exitCommand(c.ID)
	if err != nil {
		return nil, err
	}
	argv := rt.CreateArgs(c.ID, userdata, pidFile, console)
	if how.start {
		argv = rt.RunArgs(c.ID, userdata, pidFile, console)
	}
	if rs := how.restore; rs != nil {
		argv = rt.RestoreArgs(c.ID, userdata, pidFile, rs.opts)
	}
	if how.start && len(how.pass.Files) > 0 {
		argv = oci.WithPreserveFDs(argv, len(how.pass.Files))
	}
	switch {
	case c.Config.Cgroups == "disabled":
		argv = oci.WithCgroupsDisabled(argv)
	case c.Config.CgroupManager == cgroupManagerSystemd:
		argv = oci.WithSystemdCgroup(argv)
	}
	cfg := conmon.Config{
		ID:           c.ID,
		RuntimeArgv:  argv,
		PidFile:      pidFile,
		LogPath:      logPath,
		LogDriver:    c.Config.LogDriver,
		LogMaxSize:   maxSize,
		Name:         c.Name,
		LogTag:       logTag(c),
		ExitFile:     exitFile,
		AttachSocket: socket,
		Stdin:        c.Config.OpenStdin,
		StdinOnce:    c.Config.StdinOnce || c.Config.OpenStdin,
		ExitCommand:  exitCmd,

		Terminal:      c.Config.Tty,
		ConsoleSocket: console,

		HealthCommand:  healthCommand(exitCmd, c),
		HealthInterval: healthInterval(c),
		Timeout:        time.Duration(c.Config.Timeout) * time.Second,
	}
	if how.start {
		cfg.PassFiles = how.pass.Files
	}
	if c.Config.CgroupManager == cgroupManagerSystemd {
		cfg.Env = r.runtimeEnv()
	}
	cfg.NotifySocket, cfg.NotifyReady = r.notifyMode(c.Config)
	if cfg.NotifySocket != "" && c.Config.SdNotifyMode == "container" {
		cfg.NotifyProxy = notifyProxyPath(userdata)
	}
	if !how.start {
		// pod init: the container does not run yet, so it is not ready.
		cfg.NotifySocket, cfg.NotifyReady = "", false
	} else if err := r.awaitHealthy(c, runDir); err != nil {
		return nil, err
	}
	endDB := timings.Start(ctx, "DB")
	err = r.recordStartIntent(ctx, c, how.start)
	endDB()
	if err != nil {
		return nil, err
	}
	monitorStart := time.Now()
	if how.attach {
		cfg.ClientCleans = how.cleans
		started, conn, err = conmon.StartAttached(ctx, monitor, cfg)
	} else {
		started, err = conmon.Start(ctx, monitor, cfg)
	}
	recordMonitor(ctx, monitorStart, started)
	crashPoint(faultStartRan)
	if err != nil {
		var ce *conmon.CreateError
		if errors.As(err, &ce) {
			return nil, createError(rt.Name(), ce)
		}
		return nil, err
	}
	r.containerEvent(ctx, c.Container, "init")
	c.Status = state.StatusInitialized
	c.PID, c.MonitorPID = started.PID, started.MonitorPID
	r.saveMonitorPID(c, runDir)
	r.monitorScope(ctx, c)
	return conn, nil
}

// recordMonitor charges the monitor's start to the monitor and, within it,
// the runtime's create and start as the monitor measured them.
func recordMonitor(ctx context.Context, began time.Time, started *conmon.Started) {
	rec := timings.From(ctx)
	if rec == nil {
		return
	}
	end := time.Now()
	rec.Add("monitor", began, end)
	if started != nil && started.RuntimeTime > 0 && started.RuntimeTime <= end.Sub(began) {
		rec.Add("runtime create/start", end.Add(-started.RuntimeTime), end)
	}
}

// noRootfsError is what starting a container whose row exists without its
// storage says: a create killed between recording the row and making the
// root filesystem leaves that (storage's "layer not known" would not tell
// the user what happened, nor what to do). rm removes such a row.
func noRootfsError(c *Container) error {
	name := c.Name
	if name == "" {
		name = shortID(c.ID)
	}
	return errdefs.Conflictf("container %s has no root filesystem (its creation was interrupted): remove it with pod rm %s", name, name)
}

// createError turns the runtime's create failure into one line, worded as
// podman words it, in the category the CLI maps to 127, 126 or 125.
func createError(runtime string, ce *conmon.CreateError) error {
	msg := oci.ErrorMessage([]byte(ce.Stderr))
	if msg == "" {
		msg = ce.Message()
	}
	msg = runtime + ": " + msg
	switch cat := oci.ExecFailure(msg); cat {
	case errdefs.ErrCommandNotFound:
		return errdefs.CommandNotFoundf("%s: OCI runtime attempted to invoke a command that was not found", msg)
	case errdefs.ErrCannotInvoke:
		return errdefs.CannotInvokef("%s: OCI permission denied", msg)
	}
	return fmt.Errorf("%s: OCI runtime error", msg)
}

// runtimeSpec writes the container's /etc files and generates its OCI spec.
func (r *Runtime) runtimeSpec(ctx context.Context, c *Container, rootfs string, ns *netSetup) (*specs.Spec, error) {
	cfg := c.Config
	userdata, err := r.userdataDir(c.ID)
	if err != nil {
		return nil, err
	}
	hostNet := cfg.NetworkMode == "host"
	podNS, err := r.podNamespaces(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := r.ensurePodCgroup(ctx, c); err != nil {
		return nil, err
	}
	hostname := cfg.Hostname
	if hostname == "" {
		hostname = shortID(c.ID)
		if hostNet {
			hostname, _ = os.Hostname()
		}
	}
	hosts := spec.HostsFile(hostname, ns.hosts)
	if hostNet {
		// Sharing the host's network, the container sees the host's names.
		if b, err := os.ReadFile("/etc/hosts"); err == nil {
			hosts = b
		}
	}
	hostResolv, _ := os.ReadFile("/etc/resolv.conf")
	etc := map[string][]byte{
		"/etc/hostname":      []byte(hostname + "\n"),
		"/etc/hosts":         hosts,
		"/etc/resolv.conf":   spec.ResolvConf(hostResolv, ns.dns, ns.search, ns.options),
		"/run/.containerenv": containerEnvFile(c, r.Rootless()),
	}
	if cfg.NoHosts {
		// --no-hosts: the image's own /etc/hosts stays.
		delete(etc, "/etc/hosts")
	}
	etcFiles := map[string]string{}
	for dst, data := range etc {
		p := filepath.Join(userdata, filepath.Base(dst))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", p, err)
		}
		etcFiles[dst] = p
	}
	chrootEtcFiles(cfg.ChrootDirs, etcFiles)
	if cfg.KeepID != nil {
		files, err := keepIDFiles(userdata, rootfs, cfg.KeepID)
		if err != nil {
			return nil, err
		}
		for dst, p := range files {
			etcFiles[dst] = p
		}
	}
	if err := chownToContainerRoot(cfg, etcFiles); err != nil {
		return nil, err
	}
	user, err := spec.ResolveUser(rootfs, cfg.User)
	if err != nil {
		return nil, err
	}
	if cfg.KeepID != nil && user.UID == cfg.KeepID.UID && user.Home == "" {
		// The image does not know the user; its entry is the one added.
		user.Home = cfg.KeepID.Home
	}
	if err := passwdFiles(userdata, rootfs, cfg, user, etcFiles); err != nil {
		return nil, err
	}
	if err := chownToContainerRoot(cfg, etcFiles); err != nil {
		return nil, err
	}
	// Volumes are chowned in pod's namespace: to the IDs the container's
	// user has there.
	hostUID, uidOK := idmap.ToHost(cfg.UIDMap, user.UID)
	hostGID, gidOK := idmap.ToHost(cfg.GIDMap, user.GID)
	if !uidOK || !gidOK {
		return nil, invalidf("user %d:%d is not mapped in the container's user namespace", user.UID, user.GID)
	}
	volPaths, err := r.mountVolumes(ctx, c, rootfs, int(hostUID), int(hostGID))
	if err != nil {
		return nil, err
	}
	var mounts []specs.Mount
	for _, m := range cfg.Mounts {
		switch m.Type {
		case "bind":
			bind := "rbind"
			if m.NonRecursive {
				bind = "bind"
			}
			mounts = append(mounts, specs.Mount{Destination: m.Destination, Type: "bind", Source: m.Source, Options: append([]string{bind}, m.Options...)})
		case "volume":
			mounts = append(mounts, specs.Mount{Destination: m.Destination, Type: "bind", Source: volPaths[m.Source], Options: append([]string{"rbind"}, m.Options...)})
		case "tmpfs":
			opts := append([]string{"rw", "noexec", "nosuid", "nodev"}, m.Options...)
			mounts = append(mounts, specs.Mount{Destination: m.Destination, Type: "tmpfs", Source: "tmpfs", Options: opts})
		default:
			return nil, fmt.Errorf("mount %s: unknown type %q", m.Destination, m.Type)
		}
	}
	secretMounts, env, err := secretMountsAndEnv(cfg, userdata, cfg.Env)
	if err != nil {
		return nil, err
	}
	mounts = append(mounts, secretMounts...)
	if sock := r.opts.NotifySocket; sock != "" && cfg.SdNotifyMode == "container" {
		m, err := notifyMount(userdata)
		if err != nil {
			return nil, err
		}
		mounts = append(mounts, m)
		env = append(append([]string(nil), env...), notifySocketEnv+"="+specgen.NotifySocketInContainer)
	}
	var ulimits []spec.Ulimit
	for _, u := range cfg.Ulimits {
		ulimits = append(ulimits, spec.Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
	}
	seccomp, err := seccompPath(cfg, userdata)
	if err != nil {
		return nil, err
	}
	cgPath, resources := r.containerCgroup(cfg, cgroupName(c))
	s, err := spec.Generate(spec.Options{
		Rootfs:          rootfs,
		Args:            append(append([]string(nil), cfg.Entrypoint...), cfg.Cmd...),
		Env:             env,
		Terminal:        cfg.Tty,
		Cwd:             cfg.WorkingDir,
		User:            user,
		Hostname:        specHostname(hostname, podNS),
		JoinNamespaces:  podNS,
		ReadOnlyRootfs:  cfg.ReadOnly,
		Mounts:          mounts,
		EtcFiles:        etcFiles,
		CapAdd:          cfg.CapAdd,
		CapDrop:         cfg.CapDrop,
		DefaultCaps:     cfg.DefaultCapabilities,
		Privileged:      cfg.Privileged,
		NoNewPrivileges: cfg.NoNewPrivileges,
		Seccomp:         seccomp,
		Ulimits:         ulimits,
		InitPath:        cfg.InitPath,
		HostNetwork:     hostNet,
		NetNSPath:       ns.nsPath,
		Annotations:     cfg.Annotations,
		Resources:       resources,
		CgroupsPath:     cgPath,
		CgroupNS:        cfg.CgroupNS,
		UIDMappings:     cfg.UIDMap,
		GIDMappings:     cfg.GIDMap,
		UserNSPath:      ns.userNSPath,
		ShmSize:         cfg.ShmSize,
	})
	if err != nil {
		return nil, err
	}
	if err := r.applyNamespaceSpec(ctx, s, c, rootfs, userdata); err != nil {
		return nil, err
	}
	if err := r.applyHooks(s); err != nil {
		return nil, err
	}
	if err := r.applyProcessSpec(s, c, env); err != nil {
		return nil, err
	}
	s.Process.OOMScoreAdj = r.oomScoreAdj(cfg)
	s.Process.ConsoleSize = c.consoleSize()
	return s, nil
}

// exitCommand is what the monitor runs when the container exits: this pod
// binary's hidden `container cleanup`, with the same storage and runtime.
func (r *Runtime) exitCommand(id string) ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the pod binary for the exit command: %w", err)
	}
	argv := []string{exe, "--root", r.storeOpts.GraphRoot, "--runroot", r.storeOpts.RunRoot}
	if r.opts.StorageDriver != "" {
		argv = append(argv, "--storage-driver", r.opts.StorageDriver)
	}
	for _, o := range r.opts.StorageOpts {
		argv = append(argv, "--storage-opt", o)
	}
	if r.opts.OCIRuntime != "" {
		argv = append(argv, "--runtime", r.opts.OCIRuntime)
	}
	if r.opts.LogLevel != "" {
		argv = append(argv, "--log-level", r.opts.LogLevel)
	}
	return append(append(argv, r.opts.globalFlags()...), "container", "cleanup", id), nil
}
