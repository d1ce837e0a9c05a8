package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/diskspace"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/images"
	"github.com/pod-engine/pod/pkg/network"
	"github.com/pod-engine/pod/pkg/oci"
	"github.com/pod-engine/pod/pkg/spec"
	"github.com/pod-engine/pod/pkg/specgen"
	"github.com/pod-engine/pod/pkg/state"
	"github.com/pod-engine/pod/pkg/timings"
)

// CreateOptions are what `pod create` and `pod run` were asked for, before
// the image's configuration is merged in. Strings are as the user typed
// them; Create validates and parses them.
type CreateOptions struct {
	Image string
	// Pull is the pull policy: "missing" (default), "always" or "never".
	Pull string
	// PullProgress receives pull progress; nil is silent.
	PullProgress io.Writer
	// PullOptions are the rest of a pull's options (--platform,
	// --tls-verify, --authfile); PullProgress is its progress.
	PullOptions images.PullOptions

	Name        string
	Command     []string // the arguments after the image
	Entrypoint  *string  // nil: the image's; "" clears it; else a command line or a JSON array
	Env         []string // -e, KEY=VALUE or KEY (taken from pod's environment)
	EnvFiles    []string
	WorkingDir  string
	User        string
	Hostname    string
	Labels      []string // KEY=VALUE or KEY
	Interactive bool     // -i: keep stdin open
	Tty         bool     // -t: give the container a pseudo-terminal

	Volumes     []string // -v [SRC:]DST[:OPTS]: a host path, a named or an anonymous volume
	Mounts      []string // --mount type=bind|volume|tmpfs,...
	VolumesFrom []string // --volumes-from CTR[:ro|rw]
	Tmpfs       []string // --tmpfs DST[:OPTS]
	ReadOnly    bool

	CapAdd      []string
	CapDrop     []string
	Privileged  bool
	SecurityOpt []string // no-new-privileges[=true|false], seccomp=unconfined|PATH
	Ulimits     []string // NAME=SOFT[:HARD]
	Init        bool

	StopSignal  string
	StopTimeout *int
	Restart     string
	AutoRemove  bool
	// SdNotify is --sdnotify: conmon (or ""), container or ignore.
	SdNotify string
	// CreateCommand is the command line that asks for the container, kept
	// for `generate systemd --new`; nil for callers that have none.
	CreateCommand []string

	LogDriver string
	LogOpts   []string

	NetOptions // --network, -p, --dns, ...

	UserNSOptions // --userns, --uidmap, --gidmap

	// Limits are the cgroup limits (--memory, --cpus, ...).
	Limits LimitOptions

	Health HealthOptions // --health-*, --no-healthcheck

	// Pod is --pod: the pod to join, by name or ID, or "new:NAME" for a
	// pod made for the container (and removed again if its create fails).
	Pod string

	NamespaceOptions // --ipc, --pid, --uts, --group-add, --sysctl, --shm-size, --tz, --expose, --device, ...

	// Secrets are --secret NAME[,type=mount|env,target=,uid=,gid=,mode=].
	Secrets []string

	ProcessOptions // --env-host, --unsetenv, --umask, --pidfile, --systemd, ...

	CreateModes // --attach, --init-ctr, --rootfs
}

// Create makes a container: the image (pulled if missing and the policy
// allows), its configuration merged with the options as Docker merges
// them, a DB row and a storage container. On any failure nothing is left.
func (r *Runtime) Create(ctx context.Context, opts CreateOptions) (_ *Container, err error) {
	// Image lookup and pull below use r.store.
	if _, err := r.storage(); err != nil {
		return nil, err
	}
	podID, undoPod, err := r.joinPod(ctx, &opts)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			undoPod()
		}
	}()
	endImage := timings.Start(ctx, "image resolve")
	cfg, err := r.buildConfig(ctx, opts)
	endImage()
	if err != nil {
		return nil, err
	}
	if podID != "" {
		if err := r.joinPodConfig(ctx, podID, cfg, opts.User); err != nil {
			return nil, err
		}
	}
	secretData, err := r.resolveSecrets(ctx, opts.Secrets, cfg)
	if err != nil {
		return nil, err
	}
	return r.createFrom(ctx, cfg, opts.Name, podID, secretData)
}

// createFrom makes the container of a built configuration: its row (with
// the volumes it makes and uses), its storage and its copy of secretData
// (one per cfg.Secrets). On any failure nothing is left.
func (r *Runtime) createFrom(ctx context.Context, cfg *ContainerConfig, name, podID string, secretData [][]byte) (*Container, error) {
	row, made, err := r.addContainer(ctx, cfg, name, podID)
	if err != nil {
		return nil, err
	}
	// The row exists first: if pod dies from here on, `pod ps -a` shows the
	// container and `pod rm` removes it whatever storage holds. The undo
	// must not be cut short by the cancellation (Ctrl-C) that may be the
	// very reason for it.
	undoRow := func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if rmErr := r.db.Remove(uctx, row.ID); rmErr != nil {
			logrus.Warnf("undo create of %s: %v", shortID(row.ID), rmErr)
		}
		r.removeVolumesMade(uctx, made)
	}
	crashPoint(faultCreateRow)
	if err := interruptPoint(ctx, faultCreateAdded); err != nil {
		undoRow()
		return nil, err
	}
	if err := r.createStorage(ctx, row, cfg); err != nil {
		undoRow()
		return nil, err
	}
	if err := r.writeContainerSecrets(row.ID, cfg, secretData); err != nil {
		if derr := r.store.DeleteContainer(row.ID); derr != nil {
			logrus.Warnf("undo create of %s: %v", shortID(row.ID), derr)
		}
		undoRow()
		return nil, err
	}
	r.saveRecord(row)
	r.containerEvent(ctx, row, "create")
	return wrap(row)
}

// createStorage makes the storage container of a container whose row
// exists. A user namespace storage chose is recorded in cfg and the row. On
// error the storage container is gone again; the row is the caller's.
func (r *Runtime) createStorage(ctx context.Context, row *state.Container, cfg *ContainerConfig) error {
	storeOpts, err := storageOptions(cfg)
	if err != nil {
		return err
	}
	endRootfs := timings.Start(ctx, "rootfs create")
	sc, err := r.store.CreateContainer(row.ID, nil, cfg.ImageID, "", "", storeOpts)
	endRootfs()
	if err != nil {
		return diskspace.ExplainPath(fmt.Errorf("create container storage: %w", err), r.storeOpts.GraphRoot)
	}
	if storeOpts.AutoUserNs {
		// Storage chose the range and keeps it, as taken, for as long as
		// the container exists; the config records it for start and inspect.
		cfg.UIDMap, cfg.GIDMap = fromStorage(sc.UIDMap), fromStorage(sc.GIDMap)
		if row.Config, err = json.Marshal(cfg); err == nil {
			err = r.db.Update(ctx, row)
		}
		if err != nil {
			if derr := r.store.DeleteContainer(row.ID); derr != nil {
				logrus.Warnf("undo create of %s: %v", shortID(row.ID), derr)
			}
			return fmt.Errorf("record the user namespace of %s: %w", shortID(row.ID), err)
		}
	}
	return nil
}

// volumeRaceRounds bounds how often create tries again when a volume it
// was to use was removed before its row was recorded (the removal won; the
// next round makes the volume afresh, as a create of a missing volume does).
const volumeRaceRounds = 3

// addContainer records the container of cfg: its row, the volumes it makes
// (anonymous ones, and named ones that do not exist yet) and its uses of
// volumes, in one transaction; a podID not "" joins that pod in it too. It
// returns the row and the volumes it made.
func (r *Runtime) addContainer(ctx context.Context, cfg *ContainerConfig, name, podID string) (*state.Container, []*state.Volume, error) {
	anon := map[string]bool{}
	for round := 1; ; round++ {
		plan, err := r.planVolumes(ctx, cfg, anon)
		if err != nil {
			return nil, nil, err
		}
		cfgJSON, err := json.Marshal(cfg)
		if err != nil {
			plan.release(false)
			return nil, nil, err
		}
		row := &state.Container{
			ID:        state.NewID(),
			Name:      name,
			ImageID:   cfg.ImageID,
			ImageName: cfg.ImageName,
			Command:   strings.Join(append(append([]string(nil), cfg.Entrypoint...), cfg.Cmd...), " "),
			Labels:    cfg.Labels,
			Config:    cfgJSON,
			CreatedAt: cfg.CreatedAt,
			Status:    state.StatusCreated,
			PodID:     podID,
		}
		// Attachment rows in the row's transaction: a network removed since
		// buildConfig found it fails the create, as a network in use is never
		// removed.
		row.Networks = stateAttachments(row.ID, cfg.Networks)
		endDB := timings.Start(ctx, "DB")
		err = r.addRow(ctx, row, name == "", plan)
		endDB()
		plan.release(err == nil)
		if err == nil {
			for _, v := range plan.create {
				r.volumeEvent(ctx, "create", v.Name)
			}
			return row, plan.create, nil
		}
		// Only a volume removed meanwhile is ErrNotFound here.
		if !errors.Is(err, errdefs.ErrNotFound) || round == volumeRaceRounds {
			return nil, nil, err
		}
		logrus.Debugf("create: %v; trying again", err)
	}
}

// addRow inserts the row with the plan's volumes, choosing a random name
// when none was given (and another on the rare clash).
func (r *Runtime) addRow(ctx context.Context, row *state.Container, randomName bool, plan *volumePlan) error {
	for attempt := 0; ; attempt++ {
		if randomName {
			row.Name = state.RandomName()
		}
		err := r.db.AddWithVolumes(ctx, row, plan.uses, plan.create)
		if err == nil {
			return nil
		}
		if !errors.Is(err, errdefs.ErrAlreadyExists) {
			return err
		}
		if randomName && attempt < 10 {
			continue
		}
		other := "another container"
		if c, gerr := r.db.Get(ctx, row.Name); gerr == nil {
			other = c.ID
		}
		return errdefs.AlreadyExistsf("creating container storage: the container name %q is already in use by %s. You have to remove that container to be able to reuse that name: that name is already in use", row.Name, other)
	}
}

// buildConfig validates the options and merges them with the image's
// configuration, pulling the image when needed.
func (r *Runtime) buildConfig(ctx context.Context, opts CreateOptions) (*ContainerConfig, error) {
	if opts.Name != "" {
		if err := state.ValidateName(opts.Name); err != nil {
			return nil, err
		}
	}
	r.confDefaults(&opts)
	// The runtime would refuse it only at start, leaving a container made.
	if opts.WorkingDir != "" && !strings.HasPrefix(opts.WorkingDir, "/") {
		return nil, invalidf("invalid --workdir %q: not an absolute path", opts.WorkingDir)
	}
	cfg := &ContainerConfig{
		WorkingDir:  opts.WorkingDir,
		User:        opts.User,
		Hostname:    opts.Hostname,
		OpenStdin:   opts.Interactive,
		Tty:         opts.Tty,
		Init:        opts.Init,
		ReadOnly:    opts.ReadOnly,
		CapAdd:      opts.CapAdd,
		CapDrop:     opts.CapDrop,
		Privileged:  opts.Privileged,
		SecurityOpt: opts.SecurityOpt,
		StopTimeout: opts.StopTimeout,
		AutoRemove:  opts.AutoRemove,
		CreatedAt:   time.Now(),

		DefaultCapabilities: r.Config().Capabilities(),
	}
	var err error
	if cfg.SdNotifyMode, err = specgen.ParseSdNotify(opts.SdNotify); err != nil {
		return nil, err
	}
	cfg.CreateCommand = opts.CreateCommand
	if cfg.RestartPolicy, err = specgen.ParseRestartPolicy(opts.Restart); err != nil {
		return nil, err
	}
	if opts.AutoRemove && cfg.RestartPolicy.Name != "no" {
		return nil, invalidf(`the --rm option conflicts with --restart, when the restartPolicy is not "" and "no"`)
	}
	if cfg.LogDriver, cfg.LogOpts, err = specgen.ParseLogOpts(opts.LogDriver, opts.LogOpts); err != nil {
		return nil, err
	}
	if err := checkLogDriver(cfg.LogDriver); err != nil {
		return nil, err
	}
	if err := r.buildNetConfig(ctx, cfg, opts.NetOptions, nil); err != nil {
		return nil, err
	}
	if err := r.applySubIDNames(&opts.UserNSOptions, opts.ProcessOptions); err != nil {
		return nil, err
	}
	if err := r.buildUserNS(cfg, opts.UserNSOptions); err != nil {
		return nil, err
	}
	if err := r.applyNamespaceOptions(ctx, cfg, opts.NamespaceOptions); err != nil {
		return nil, err
	}
	if err := r.applyProcessOptions(ctx, cfg, opts.ProcessOptions, opts.AddHosts); err != nil {
		return nil, err
	}
	if err := applyCreateModes(cfg, opts.CreateModes, opts.Pod); err != nil {
		return nil, err
	}
	if opts.Hostname != "" && cfg.NetworkMode == "host" {
		return nil, invalidf("cannot set the hostname when sharing the host's network and UTS namespaces (--network host)")
	}
	for _, so := range opts.SecurityOpt {
		k, v, hasV := strings.Cut(so, "=")
		if !hasV {
			k, v, hasV = strings.Cut(so, ":")
		}
		switch k {
		case "no-new-privileges":
			cfg.NoNewPrivileges = !hasV || v == "true"
			if hasV && v != "true" && v != "false" {
				return nil, invalidf("invalid --security-opt %q: no-new-privileges takes true or false", so)
			}
		case "seccomp":
			if !hasV || v == "" {
				return nil, invalidf("invalid --security-opt %q: use seccomp=unconfined or seccomp=PROFILE.json", so)
			}
			if v != "unconfined" {
				if _, err := os.Stat(v); err != nil {
					return nil, invalidf("invalid --security-opt %q: %v", so, err)
				}
			}
			cfg.Seccomp = v
		default:
			return nil, invalidf("unsupported --security-opt %q: pod supports no-new-privileges and seccomp=", so)
		}
	}
	for _, u := range opts.Ulimits {
		ul, err := spec.ParseUlimit(u)
		if err != nil {
			return nil, invalidf("invalid --ulimit %q: %v", u, err)
		}
		cfg.Ulimits = append(cfg.Ulimits, Ulimit{Name: ul.Name, Soft: ul.Soft, Hard: ul.Hard})
	}
	for _, v := range opts.Volumes {
		m, err := parseVolume(v)
		if err != nil {
			return nil, err
		}
		cfg.Mounts = append(cfg.Mounts, m)
	}
	for _, s := range opts.Mounts {
		m, err := parseMountFlag(s)
		if err != nil {
			return nil, err
		}
		cfg.Mounts = append(cfg.Mounts, m)
	}
	for _, t := range opts.Tmpfs {
		m, err := specgen.ParseTmpfs(t)
		if err != nil {
			return nil, err
		}
		cfg.Mounts = append(cfg.Mounts, m)
	}
	if err := specgen.CheckMounts(cfg.Mounts); err != nil {
		return nil, err
	}
	from, err := r.volumesFrom(ctx, opts.VolumesFrom, cfg.Mounts)
	if err != nil {
		return nil, err
	}
	cfg.Mounts = append(cfg.Mounts, from...)
	if err := r.applyLimits(cfg, opts.Limits); err != nil {
		return nil, err
	}
	if opts.Init && cfg.InitPath == "" {
		if cfg.InitPath, err = findInit(); err != nil {
			return nil, err
		}
	}
	if opts.StopSignal != "" {
		if _, err := oci.ParseSignal(opts.StopSignal); err != nil {
			return nil, invalidf("invalid --stop-signal %q: not a signal name or number", opts.StopSignal)
		}
	}
	if opts.StopTimeout != nil && *opts.StopTimeout < -1 {
		return nil, invalidf("invalid --stop-timeout %d", *opts.StopTimeout)
	}
	var settings []string
	for _, f := range opts.EnvFiles {
		lines, err := specgen.ReadEnvFile(f)
		if err != nil {
			return nil, err
		}
		settings = append(settings, lines...)
	}
	for _, kv := range opts.Env {
		if name, _, _ := strings.Cut(kv, "="); name == "" {
			return nil, invalidf("invalid --env %q: empty variable name", kv)
		}
	}
	settings = append(settings, opts.Env...)
	labels := map[string]string{}
	fileLabels, err := specgen.ReadLabelFiles(opts.LabelFiles)
	if err != nil {
		return nil, err
	}
	for _, l := range append(fileLabels, opts.Labels...) {
		k, v, _ := strings.Cut(l, "=")
		if k == "" {
			return nil, invalidf("invalid label %q: empty key", l)
		}
		labels[k] = v
	}
	var entrypoint []string
	if opts.Entrypoint != nil {
		if entrypoint, err = specgen.ParseEntrypoint(*opts.Entrypoint); err != nil {
			return nil, err
		}
	}

	if _, err := specgen.Healthcheck(opts.Health, nil); err != nil {
		return nil, err
	}

	// Only now, with every flag checked, touch the image: a bad flag must
	// not cost a pull.
	imgID, imgName, img, err := r.createImage(ctx, cfg, opts)
	if err != nil {
		return nil, err
	}
	cfg.ImageID, cfg.ImageName = imgID, imgName
	ic := img.Config
	if imgID == "" {
		// --rootfs: no image, so no image healthcheck either.
		cfg.Healthcheck, err = specgen.Healthcheck(opts.Health, nil)
	} else {
		cfg.Healthcheck, err = r.containerHealthcheck(ctx, imgID, opts.Health)
	}
	if err != nil {
		return nil, err
	}
	if cfg.SdNotifyMode == "healthy" && cfg.Healthcheck == nil {
		return nil, invalidf(`--sdnotify=healthy needs a healthcheck (--health-cmd or the image's HEALTHCHECK)`)
	}
	if len(opts.Expose) > 0 {
		exposed := map[string]struct{}{}
		for k := range ic.ExposedPorts {
			exposed[k] = struct{}{}
		}
		for _, e := range opts.Expose {
			if _, err := network.ExpandExposed([]string{e}); err != nil {
				return nil, invalidf("invalid --expose %q: %v", e, err)
			}
			exposed[e] = struct{}{}
		}
		ic.ExposedPorts = exposed
	}
	if opts.PublishAll && len(ic.ExposedPorts) > 0 {
		if err := r.buildNetConfig(ctx, cfg, opts.NetOptions, ic.ExposedPorts); err != nil {
			return nil, err
		}
	}

	// Docker's merge: --entrypoint replaces the image's entrypoint and then
	// the image's CMD is dropped too; arguments replace CMD.
	if opts.Entrypoint != nil {
		cfg.Entrypoint = entrypoint
	} else {
		cfg.Entrypoint = ic.Entrypoint
	}
	switch {
	case len(opts.Command) > 0:
		cfg.Cmd = opts.Command
	case opts.Entrypoint == nil:
		cfg.Cmd = ic.Cmd
	}
	if len(cfg.Entrypoint)+len(cfg.Cmd) == 0 {
		return nil, invalidf("no command or entrypoint provided, and no CMD or ENTRYPOINT from image")
	}
	base, err := r.defaultEnv(ic.Env, opts.ProcessOptions)
	if err != nil {
		return nil, err
	}
	cfg.Env = specgen.MergeEnv(base, settings)
	if cfg.WorkingDir == "" {
		cfg.WorkingDir = ic.WorkingDir
	}
	if cfg.WorkingDir == "" {
		cfg.WorkingDir = "/"
	}
	if cfg.User == "" {
		cfg.User = ic.User
	}
	cfg.StopSignal = opts.StopSignal
	if cfg.StopSignal == "" {
		cfg.StopSignal = ic.StopSignal
	}
	if cfg.StopSignal == "" {
		cfg.StopSignal = "SIGTERM"
	}
	if err := applySystemdMode(cfg, opts.StopSignal); err != nil {
		return nil, err
	}
	if err := imageSeccomp(cfg, opts.SeccompPolicy, ic.Labels); err != nil {
		return nil, err
	}
	// The image's VOLUME entries become anonymous volumes (or tmpfs, or
	// nothing: --image-volume), unless a mount of the user's covers them.
	cfg.Mounts = append(cfg.Mounts, imageVolumeMounts(opts.ImageVolume, ic.Volumes, cfg.Mounts)...)
	if len(ic.Labels)+len(labels) > 0 {
		cfg.Labels = map[string]string{}
		for k, v := range ic.Labels {
			cfg.Labels[k] = v
		}
		for k, v := range labels {
			cfg.Labels[k] = v
		}
	}
	return cfg, nil
}

// createImage is the image of a container being created: none for
// --rootfs, whose directory is recorded in cfg instead (with an empty
// image configuration: the command must be given), else resolveImage's.
func (r *Runtime) createImage(ctx context.Context, cfg *ContainerConfig, opts CreateOptions) (id, name string, img *v1.Image, err error) {
	if !opts.Rootfs {
		return r.resolveImage(ctx, opts)
	}
	if cfg.Rootfs, cfg.RootfsOverlay, err = parseRootfs(opts.Image); err != nil {
		return "", "", nil, err
	}
	return "", "", &v1.Image{}, nil
}

// resolveImage finds the image locally or pulls it, as the pull policy says.
func (r *Runtime) resolveImage(ctx context.Context, opts CreateOptions) (id, name string, img *v1.Image, err error) {
	po := opts.PullOptions
	po.Progress = opts.PullProgress
	if id, err = r.images.Resolve(ctx, opts.Image, opts.Pull, po); err != nil {
		return "", "", nil, err
	}
	img, err = r.store.ImageConfig(ctx, id)
	if err != nil {
		return "", "", nil, err
	}
	if want := po.Platform; want != "" && !platformMatches(img, want) {
		// Resolve took a local image only of the platform asked for; a
		// registry's single-platform image may still be another's.
		return "", "", nil, invalidf("image %s is %s/%s, not %s", opts.Image, img.OS, img.Architecture, want)
	}
	name = opts.Image
	if stored, serr := r.store.Image(id); serr == nil && len(stored.Names) > 0 && !strings.HasPrefix(id, opts.Image) {
		// Record the full name the short one resolved to, as podman does.
		for _, n := range stored.Names {
			if n == opts.Image || n == opts.Image+":latest" || strings.HasSuffix(n, "/"+opts.Image) || strings.HasSuffix(n, "/"+opts.Image+":latest") {
				name = n
				break
			}
		}
	}
	return id, name, img, nil
}

// findInit locates catatonit, the init --init runs as PID 1.
func findInit() (string, error) {
	if p, err := exec.LookPath("catatonit"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/libexec/podman/catatonit", "/usr/libexec/catatonit/catatonit", "/usr/lib/podman/catatonit"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", invalidf("--init: catatonit not found in $PATH or /usr/libexec/podman (apt-get install catatonit)")
}

// platformMatches reports whether the image is of the platform
// "os/arch[/variant]" (an empty part matches any).
func platformMatches(img *v1.Image, platform string) bool {
	parts := strings.SplitN(platform, "/", 3)
	have := []string{img.OS, img.Architecture, img.Variant}
	for i, p := range parts {
		if p != "" && p != have[i] {
			return false
		}
	}
	return true
}
