package build

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/fscopy"
	"github.com/pod-engine/pod/pkg/spec"
	"github.com/pod-engine/pod/pkg/storage"
)

// step runs one instruction of stage s (index idx).
func (b *Builder) step(ctx context.Context, s *stageState, c instructions.Command, prefix string, idx int, last bool) error {
	env := s.env()
	if ex, ok := c.(instructions.SupportsSingleWordExpansion); ok {
		err := ex.Expand(func(word string) (string, error) {
			w, _, err := b.lex.ProcessWord(word, env)
			return w, err
		})
		if err != nil {
			return errdefs.InvalidArgumentf("%s: %w", commandText(c), err)
		}
	}
	// Heredoc contents with an unquoted delimiter expand too, quotes kept.
	if ex, ok := c.(instructions.SupportsSingleWordExpansionRaw); ok {
		raw := shell.NewLex(b.escape)
		raw.SkipProcessQuotes = true
		err := ex.ExpandRaw(func(word string) (string, error) {
			w, _, err := raw.ProcessWord(word, env)
			return w, err
		})
		if err != nil {
			return errdefs.InvalidArgumentf("%s: %w", commandText(c), err)
		}
	}
	switch c := c.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			v, ok := b.o.BuildArgs[kv.Key]
			if !ok {
				if kv.Value != nil {
					v = *kv.Value
				} else if mv, ok := b.metaValue(kv.Key); ok {
					v = mv
				} else {
					continue
				}
			}
			s.args[kv.Key] = v
		}
		return nil
	case *instructions.RunCommand:
		return b.run(ctx, s, c, idx)
	case *instructions.CopyCommand:
		return b.copy(ctx, s, c, c.SourcesAndDest, c.From, c.Chown, c.Chmod, false, idx)
	case *instructions.AddCommand:
		return b.copy(ctx, s, c, c.SourcesAndDest, "", c.Chown, c.Chmod, true, idx)
	}
	key := cacheKey(s.image, c, nil, "")
	if id, ok := b.cached(ctx, key); ok {
		return b.useCache(ctx, s, id)
	}
	ic := &s.cfg.Config
	switch c := c.(type) {
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			ic.Env = setEnv(ic.Env, kv.Key, kv.Value)
		}
	case *instructions.LabelCommand:
		if ic.Labels == nil {
			ic.Labels = map[string]string{}
		}
		for _, kv := range c.Labels {
			ic.Labels[kv.Key] = kv.Value
		}
	case *instructions.MaintainerCommand:
		s.cfg.Author = c.Maintainer
	case *instructions.WorkdirCommand:
		ic.WorkingDir = s.workdir(c.Path)
	case *instructions.UserCommand:
		ic.User = c.User
	case *instructions.ExposeCommand:
		if ic.ExposedPorts == nil {
			ic.ExposedPorts = map[string]struct{}{}
		}
		for _, p := range c.Ports {
			ports, err := b.lex.ProcessWords(p, env)
			if err != nil {
				return err
			}
			for _, p := range ports {
				if !strings.Contains(p, "/") {
					p += "/tcp"
				}
				ic.ExposedPorts[p] = struct{}{}
			}
		}
	case *instructions.VolumeCommand:
		if ic.Volumes == nil {
			ic.Volumes = map[string]struct{}{}
		}
		for _, v := range c.Volumes {
			ic.Volumes[v] = struct{}{}
		}
	case *instructions.StopSignalCommand:
		ic.StopSignal = c.Signal
	case *instructions.CmdCommand:
		ic.Cmd = s.commandLine(c.ShellDependantCmdLine)
		s.cmdSet = true
	case *instructions.EntrypointCommand:
		ic.Entrypoint = s.commandLine(c.ShellDependantCmdLine)
		if !s.cmdSet {
			ic.Cmd = nil // Docker drops an inherited CMD when ENTRYPOINT changes
		}
	case *instructions.HealthCheckCommand:
		b.warnNotOCI("HEALTHCHECK")
		ic.Healthcheck = c.Health
	case *instructions.ShellCommand:
		b.warnNotOCI("SHELL")
		s.shell = c.Shell
		ic.Shell = c.Shell
	case *instructions.OnbuildCommand:
		b.warnNotOCI("ONBUILD")
		ic.OnBuild = append(ic.OnBuild, c.Expression)
	default:
		return errdefs.InvalidArgumentf("%s: unsupported instruction", commandText(c))
	}
	if wd, ok := c.(*instructions.WorkdirCommand); ok && s.image != "" {
		made, err := b.makeWorkdir(ctx, s, key, wd)
		if err != nil {
			return err
		}
		if made {
			b.printf("--> %s\n", shortID(s.image))
			return nil
		}
	}
	if _, err := b.commitConfig(ctx, s, key, commandText(c)); err != nil {
		return err
	}
	b.printf("--> %s\n", shortID(s.image))
	return nil
}

// metaValue is a global ARG's value, for an ARG redeclared in a stage.
func (b *Builder) metaValue(k string) (string, bool) {
	meta, err := b.metaArgs()
	if err != nil {
		return "", false
	}
	v, ok := meta[k]
	return v, ok
}

// commandLine is CMD's or ENTRYPOINT's argv: exec form as is, shell form
// through the stage's SHELL.
func (s *stageState) commandLine(c instructions.ShellDependantCmdLine) []string {
	if !c.PrependShell {
		return append([]string{}, c.CmdLine...)
	}
	return append(append([]string{}, s.shell...), strings.Join(c.CmdLine, " "))
}

// run runs a RUN step in a container from the stage's image and commits
// what it changed.
func (b *Builder) run(ctx context.Context, s *stageState, c *instructions.RunCommand, idx int) error {
	if s.image == "" {
		return errdefs.InvalidArgumentf("%s: nothing to run in a stage FROM scratch without files", commandText(c))
	}
	if p := b.o.Platform; !p.native() && (p.os() != "linux" || !emulated(binfmtDir, p.arch())) {
		return errdefs.InvalidArgumentf("%s: cannot run a RUN step for %s on this linux/%s host: no binfmt_misc emulation for %s is registered (%s; qemu-user-static registers one)", commandText(c), p, runtime.GOARCH, p.arch(), binfmtDir)
	}
	args := s.runArgs(c)
	mounts, mountEnv, extra, cleanup, err := b.runMounts(ctx, s, c, idx)
	defer cleanup()
	if err != nil {
		return err
	}
	if script, name, ok := shebangHeredoc(c); ok {
		// A heredoc with #! is a script run by its interpreter, from
		// /dev/pipes as BuildKit puts it.
		// In the store's per-process temporary directory, which the
		// next pod sweeps if this one is killed.
		tmp := ""
		if b.st != nil {
			tmp = b.st.TempDir()
		}
		dir, err := os.MkdirTemp(tmp, "pod-heredoc-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			return err
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			return err
		}
		mounts = append(mounts, "type=bind,source="+dir+",destination=/dev/pipes,ro")
		args = []string{"/dev/pipes/" + name}
	}
	key := cacheKey(s.image, c, s.args, extra)
	if id, ok := b.cached(ctx, key); ok {
		return b.useCache(ctx, s, id)
	}
	env := append([]string{}, s.cfg.Config.Env...)
	for _, k := range sortedKeys(s.args) {
		if _, ok := envValue(env, k); !ok {
			env = append(env, k+"="+s.args[k])
		}
	}
	for _, kv := range append(append([]string{}, b.o.RunEnv...), mountEnv...) {
		if k, _, _ := strings.Cut(kv, "="); k != "" {
			if _, ok := envValue(env, k); !ok {
				env = append(env, kv)
			}
		}
	}
	var buf bytes.Buffer
	var out io.Writer = b.out
	if b.o.Quiet {
		out = &buf
	}
	id, code, err := b.be.RunContainer(ctx, RunSpec{
		Image: s.image, Args: args, Env: env, WorkingDir: s.cfg.Config.WorkingDir,
		User: s.cfg.Config.User, Mounts: mounts, Network: runNetwork(c), Stdout: out, Stdin: b.o.Stdin,
	})
	if id != "" {
		defer func() {
			if rerr := b.be.RemoveContainer(context.WithoutCancel(ctx), id); rerr != nil {
				logrus.Warnf("remove build container %s: %v", shortID(id), rerr)
			}
		}()
	}
	if err != nil {
		return fmt.Errorf("building at STEP \"%s\": %w", commandText(c), err)
	}
	if code != 0 {
		if b.o.Quiet && b.o.Err != nil {
			b.o.Err.Write(buf.Bytes())
		}
		return &RunError{Step: commandText(c), Code: code}
	}
	ctr, err := b.st.Container(id)
	if err != nil {
		return fmt.Errorf("storage of build container %s: %w", shortID(id), err)
	}
	if err := b.commitMapped(ctx, s, "/bin/sh -c "+strings.Join(c.CmdLine, " "), ctr.LayerID, key, ctr); err != nil {
		return err
	}
	b.printf("--> %s\n", shortID(s.image))
	return nil
}

// runNetwork maps RUN --network to the container's network mode.
func runNetwork(c *instructions.RunCommand) string {
	switch n := instructions.GetNetwork(c); n {
	case instructions.NetworkNone, instructions.NetworkHost:
		return n
	}
	return ""
}

// runArgs is a RUN step's argv. A lone heredoc runs its body through the
// shell; a command with heredocs gets them back inline, for the shell.
func (s *stageState) runArgs(c *instructions.RunCommand) []string {
	if len(c.Files) > 0 && c.PrependShell && len(c.CmdLine) == 1 {
		if hd, err := parser.ParseHeredoc(c.CmdLine[0]); err == nil && hd != nil && isOnlyHeredoc(c.CmdLine[0]) {
			return append(append([]string{}, s.shell...), c.Files[0].Data)
		}
		full := c.CmdLine[0]
		for _, f := range c.Files {
			full += "\n" + f.Data + f.Name
		}
		return append(append([]string{}, s.shell...), full)
	}
	return s.commandLine(c.ShellDependantCmdLine)
}

// shebangHeredoc returns the script of a RUN that is one heredoc
// starting with "#!".
func shebangHeredoc(c *instructions.RunCommand) (script, name string, ok bool) {
	if len(c.Files) != 1 || !c.PrependShell || len(c.CmdLine) != 1 || !isOnlyHeredoc(c.CmdLine[0]) {
		return "", "", false
	}
	if !strings.HasPrefix(c.Files[0].Data, "#!") {
		return "", "", false
	}
	return c.Files[0].Data, filepath.Base(c.Files[0].Name), true
}

// isOnlyHeredoc reports whether a command line is just "<<EOF" (or
// "<<-EOF", quoted or not).
func isOnlyHeredoc(cmd string) bool {
	cmd = strings.TrimSpace(cmd)
	if !strings.HasPrefix(cmd, "<<") {
		return false
	}
	return !strings.ContainsAny(strings.TrimLeft(cmd[2:], "-"), " \t;&|<>")
}

// copy runs COPY or ADD into a work container on the stage's image.
func (b *Builder) copy(ctx context.Context, s *stageState, c instructions.Command, sd instructions.SourcesAndDest, from, chown, chmod string, add bool, idx int) error {
	src := source{root: b.o.Context.Dir, ignore: b.ignore, what: "build context"}
	var extra string
	fromDir := false
	if from != "" {
		root, id, dir, release, err := b.mountFrom(ctx, from, idx)
		if err != nil {
			return err
		}
		defer release()
		src = source{root: root, what: "stage or image " + from}
		extra = "from " + id
		if dir {
			src.what, fromDir = "build context "+from, true
		}
	}
	for _, p := range sd.SourcePaths {
		if add && (strings.Contains(p, "://") || strings.HasPrefix(p, "git@")) {
			return errdefs.InvalidArgumentf("%s: ADD of a URL is not supported (no network fetches during builds); download the file into the context", commandText(c))
		}
	}
	ms, err := src.resolve(sd.SourcePaths)
	if err != nil {
		return fmt.Errorf("%s: %w", commandText(c), err)
	}
	if from == "" || fromDir {
		d, err := src.digest(ms)
		if err != nil {
			return err
		}
		extra = d
	}
	for _, sc := range sd.SourceContents {
		extra += "\n" + sc.Path + "\x00" + sc.Data
	}
	key := cacheKey(s.image, c, nil, extra)
	if id, ok := b.cached(ctx, key); ok {
		return b.useCache(ctx, s, id)
	}
	var mode *fs.FileMode
	if chmod != "" {
		m, err := strconv.ParseUint(chmod, 8, 32)
		if err != nil || m > 0o7777 {
			return errdefs.InvalidArgumentf("%s: invalid --chmod %q", commandText(c), chmod)
		}
		fm := fs.FileMode(m & 0o777)
		mode = &fm
	}
	id, root, err := b.workContainer(s.image)
	if err != nil {
		return err
	}
	defer b.removeWork(id)
	o := copyOpts{mode: mode, extract: add}
	if chown != "" {
		u, err := spec.ResolveUser(root, chown)
		if err != nil {
			return fmt.Errorf("%s: --chown %s: %w", commandText(c), chown, err)
		}
		o.uid, o.gid = int(u.UID), int(u.GID)
	}
	dest := s.workdir(sd.DestPath)
	if strings.HasSuffix(sd.DestPath, "/") || sd.DestPath == "." {
		dest += "/"
	}
	if len(ms) > 0 {
		if err := src.copyInto(root, ms, dest, o); err != nil {
			return fmt.Errorf("%s: %w", commandText(c), err)
		}
	}
	for _, sc := range sd.SourceContents {
		if err := writeContent(root, dest, filepath.Base(sc.Path), sc.Data, o); err != nil {
			return fmt.Errorf("%s: %w", commandText(c), err)
		}
	}
	if _, err := b.st.Unmount(id, true); err != nil {
		return err
	}
	ctr, err := b.st.Container(id)
	if err != nil {
		return err
	}
	what := "COPY"
	if add {
		what = "ADD"
	}
	if err := b.commitKeyed(ctx, s, "/bin/sh -c #(nop) "+what+" "+strings.Join(append(append([]string{}, sd.SourcePaths...), sd.DestPath), " "), ctr.LayerID, key); err != nil {
		return err
	}
	b.printf("--> %s\n", shortID(s.image))
	return nil
}

// workContainer makes a storage container on image ("" for none) and
// mounts it, for COPY and ADD to write into.
func (b *Builder) workContainer(image string) (id, root string, err error) {
	ctr, err := b.st.CreateContainer("", nil, image, "", "", nil)
	if err != nil {
		return "", "", fmt.Errorf("create a build container: %w", err)
	}
	root, err = b.st.Mount(ctr.ID, "")
	if err != nil {
		b.st.DeleteContainer(ctr.ID)
		return "", "", fmt.Errorf("mount a build container: %w", err)
	}
	return ctr.ID, root, nil
}

func (b *Builder) removeWork(id string) {
	b.st.Unmount(id, true)
	if err := b.st.DeleteContainer(id); err != nil {
		logrus.Warnf("remove build container %s: %v", shortID(id), err)
	}
}

// mountFrom mounts a stage's image, a named build context or an image by
// name, read-only. dir reports a build context directory, which is not
// mounted (and whose files, not an ID, key the cache).
func (b *Builder) mountFrom(ctx context.Context, from string, idx int) (root, id string, dir bool, release func(), err error) {
	df := b.o.Dockerfile
	if j := df.stageIndex(from); j >= 0 && j < idx {
		if b.stages[j] == nil {
			return "", "", false, nil, errdefs.InvalidArgumentf("--from=%s: stage not built before this one", from)
		}
		id = b.stages[j].image
	} else if nc, ok := b.o.Contexts[from]; ok {
		if nc.Dir != "" {
			return nc.Dir, "", true, func() {}, nil
		}
		if id, err = b.be.PullImage(ctx, nc.Image, b.o.Pull, b.pullProgress()); err != nil {
			return "", "", false, nil, fmt.Errorf("--from=%s (%s): %w", from, nc.Image, err)
		}
	} else if j >= 0 {
		return "", "", false, nil, errdefs.InvalidArgumentf("--from=%s: stage not built before this one", from)
	} else if id, err = b.be.PullImage(ctx, from, b.o.Pull, b.pullProgress()); err != nil {
		return "", "", false, nil, fmt.Errorf("--from=%s: %w", from, err)
	}
	root, err = b.st.MountImage(id, nil, "")
	if err != nil {
		return "", "", false, nil, fmt.Errorf("mount image %s: %w", shortID(id), err)
	}
	return root, id, false, func() { b.st.UnmountImage(id, false) }, nil
}

func (b *Builder) pullProgress() io.Writer {
	if b.o.Quiet {
		return nil
	}
	return b.out
}

// makeWorkdir creates a WORKDIR missing from the image, owned by the
// stage's USER as Docker does, and commits it as the step's layer. It
// reports false, committing nothing, when the directory exists.
func (b *Builder) makeWorkdir(ctx context.Context, s *stageState, key string, c *instructions.WorkdirCommand) (bool, error) {
	id, root, err := b.workContainer(s.image)
	if err != nil {
		return false, err
	}
	defer b.removeWork(id)
	dir, err := securejoin.SecureJoin(root, s.cfg.Config.WorkingDir)
	if err != nil {
		return false, err
	}
	if _, err := os.Stat(dir); err == nil {
		return false, nil
	}
	o := copyOpts{}
	if u := s.cfg.Config.User; u != "" {
		usr, err := spec.ResolveUser(root, u)
		if err != nil {
			return false, fmt.Errorf("%s: USER %s: %w", commandText(c), u, err)
		}
		o.uid, o.gid = int(usr.UID), int(usr.GID)
	}
	rd, err := fscopy.OpenRoot(root)
	if err != nil {
		return false, err
	}
	defer rd.Close()
	if err := mkdirOwned(rd, s.cfg.Config.WorkingDir, o); err != nil {
		return false, fmt.Errorf("%s: %w", commandText(c), err)
	}
	if _, err := b.st.Unmount(id, true); err != nil {
		return false, err
	}
	ctr, err := b.st.Container(id)
	if err != nil {
		return false, err
	}
	if err := b.commitKeyed(ctx, s, "/bin/sh -c #(nop) "+commandText(c), ctr.LayerID, key); err != nil {
		return false, err
	}
	return true, nil
}

// warnNotOCI warns, as podman's build does, that an instruction sets a
// field of Docker's image configuration that the OCI format lacks. podman
// drops the field; pod keeps it (pod and docker honour it), so the warning
// says who will not see it.
func (b *Builder) warnNotOCI(instruction string) {
	if b.o.Format == storage.FormatDocker {
		return
	}
	logrus.Warnf("%s is not supported for OCI image format: pod keeps it in the image configuration, which pod and docker read but podman and buildah ignore. Use --format docker for an image every tool reads", instruction)
}
