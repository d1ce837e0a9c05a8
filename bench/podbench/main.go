// Command podbench measures pod against podman doing the same work on the
// same machine in the same run, interleaved, and writes the results as a
// markdown table (bench/RESULTS.md). It runs as root; rootless rows run as an
// unprivileged user. `make bench` installs what it needs and runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pod-engine/pod/internal/testimage"
)

type options struct {
	pod      string
	rounds   int
	out      string
	rootless string
	rootful  bool
	keep     bool
	only     map[string]bool // scenario groups to run; empty: all
	psMax    int
	smoke    bool   // a quick check that every scenario runs: 2 rounds, ps up to 100
	vmScript string // test/vm/bench.sh: boots the guest for the VM scenario
}

// bench is one benchmark run.
type bench struct {
	opts options
	dir  string
	im   *images
	rows []*row
	// netNote says when pod's default network is not podman's (a bridge
	// as root, slirp4netns rootless), read off pod's own help text.
	netNote string
	started time.Time
	// headings names the tables of accounts that are not plain root or
	// rootless on this host (the VM's); notes are lines under a table.
	headings map[string]string
	notes    map[string][]string
}

func (b *bench) note(acct, format string, a ...any) {
	if b.notes == nil {
		b.notes = map[string][]string{}
	}
	b.notes[acct] = append(b.notes[acct], fmt.Sprintf(format, a...))
}

func (b *bench) logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
}

func main() {
	var o options
	flag.StringVar(&o.pod, "pod", "bin/pod", "the pod binary (pod-conmon is taken from beside it)")
	flag.IntVar(&o.rounds, "rounds", 15, "rounds per scenario (slow scenarios use fewer)")
	flag.StringVar(&o.out, "out", "bench/RESULTS.md", "where to write the markdown results")
	flag.StringVar(&o.rootless, "rootless-user", "podtest", "unprivileged user for the rootless rows (\"\" skips them)")
	flag.BoolVar(&o.rootful, "root", true, "run the rows as root")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (storage, logs) after the run")
	only := flag.String("only", "", "comma-separated scenario groups to run: "+strings.Join(groups, ","))
	flag.IntVar(&o.psMax, "ps-max", 1000, "the largest number of created containers for ps and inspect (100 or 1000)")
	flag.BoolVar(&o.smoke, "smoke", false, "check that every scenario runs (2 rounds, -ps-max 100 unless given), writing the table to a temporary file, not -out; fails if any scenario measured nothing")
	flag.StringVar(&o.vmScript, "vm-script", "test/vm/bench.sh", "the script that boots the test/vm guest for the VM scenario")
	guest := flag.String("vm-guest", "", "inside the test/vm guest: measure `run --rm` against crun as the current user and write the series as JSON to this file")
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *guest != "" {
		if err := guestMain(o, *guest); err != nil {
			fmt.Fprintln(os.Stderr, "podbench:", err)
			os.Exit(1)
		}
		return
	}
	if o.smoke {
		if !set["rounds"] {
			o.rounds = 2
		}
		if !set["ps-max"] {
			o.psMax = 100
		}
		o.out = filepath.Join(os.TempDir(), "podbench-smoke.md")
	}
	if *only != "" {
		o.only = map[string]bool{}
		for _, g := range strings.Split(*only, ",") {
			o.only[strings.TrimSpace(g)] = true
		}
	}
	if err := mainErr(o); err != nil {
		fmt.Fprintln(os.Stderr, "podbench:", err)
		os.Exit(1)
	}
}

func mainErr(o options) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("run as root (the rootless rows switch to %s themselves)", o.rootless)
	}
	for _, tool := range []string{"podman", "runc", "skopeo", "conmon", "docker-registry"} {
		if !exists(tool) {
			return fmt.Errorf("%s not found: make bench installs it", tool)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b := &bench{opts: o, started: time.Now()}
	dir, err := os.MkdirTemp("", "podbench-")
	if err != nil {
		return err
	}
	b.dir = dir
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	defer b.cleanupDir()
	podBin, err := b.installPod(o.pod)
	if err != nil {
		return err
	}
	m := describeMachine(ctx, podBin)
	verbs := podVerbs(ctx, podBin)
	if help := output(ctx, podBin, "run", "--help"); strings.Contains(help, "only loopback") {
		b.netNote = "pod's default network is loopback only (its help says so: containers are not joined to a bridge by default yet); podman's is a CNI bridge as root, slirp4netns rootless"
	}

	b.logf("starting a registry and making the images in %s", dir)
	reg, err := testimage.StartRegistry(ctx, dir)
	if err != nil {
		return err
	}
	defer reg.Stop()
	regConf, err := testimage.WriteRegistriesConf(dir, reg.Addr)
	if err != nil {
		return err
	}
	if b.want("pull") {
		b.im, err = makeImages(ctx, dir, reg, b.logf)
	} else {
		// Only pull uses the large image.
		b.im, _, _, err = makeBusybox(ctx, dir, reg)
	}
	if err != nil {
		return fmt.Errorf("make images: %w", err)
	}

	var who [][2]string
	if o.rootful {
		who = append(who, [2]string{"root", "root"})
	}
	if o.rootless != "" {
		who = append(who, [2]string{"rootless", o.rootless})
	}
	bridgeBefore := linkExists("cni-podman0")
	const leases = "/var/lib/cni/networks/podbench"
	_, err = os.Stat(leases)
	leasesBefore := err == nil
	var drivers []string
	for _, w := range who {
		if ctx.Err() != nil {
			break
		}
		s, err := b.newSide(ctx, w[0], w[1], podBin, regConf, verbs)
		if err != nil {
			return fmt.Errorf("prepare %s: %w", w[0], err)
		}
		b.logf("[%s] as %s", w[0], w[1])
		b.account(ctx, s)
		drivers = append(drivers, fmt.Sprintf("%s: pod %s, podman %s", w[0], storageDriver(ctx, s.pod), storageDriver(ctx, s.podman)))
		b.cleanupSide(s)
	}
	if b.want("vm") && ctx.Err() == nil {
		b.vmRows(ctx)
	}
	if !bridgeBefore && linkExists("cni-podman0") {
		// podman's CNI bridge for the benchmark's subnet: not left behind.
		_ = exec.CommandContext(ctx, "ip", "link", "del", "cni-podman0").Run()
	}
	if !leasesBefore {
		_ = os.RemoveAll(leases)
	}
	m.loadEnd = loadavg()
	m.drivers = strings.Join(drivers, "; ")
	md := b.markdown(m, time.Since(b.started))
	fmt.Println(md)
	if err := writeResults(o.out, md); err != nil {
		return err
	}
	b.logf("wrote %s", o.out)
	if o.smoke {
		if bad := b.unmeasured(); len(bad) > 0 {
			return fmt.Errorf("smoke: %d scenarios measured nothing:\n  %s", len(bad), strings.Join(bad, "\n  "))
		}
		b.logf("smoke: every scenario ran")
	}
	return ctx.Err()
}

// unmeasured lists the rows where pod, podman or a reference measured
// nothing or had failures, except for what the run chose to skip.
func (b *bench) unmeasured() []string {
	var bad []string
	for _, r := range b.rows {
		for _, s := range []*series{r.pod, r.podman} {
			if s == nil || strings.HasPrefix(s.absent, "not measured: -ps-max") {
				continue
			}
			if !s.ok() || s.failures > 0 {
				line := fmt.Sprintf("[%s] %s: %s", r.acct, r.title, s.cell(r.unit))
				if s.firstErr != "" {
					line += " (first: " + s.firstErr + ")"
				}
				bad = append(bad, line)
			}
		}
	}
	return bad
}

// installPod copies pod and pod-conmon into the run's directory: the
// unprivileged user may not reach the checkout.
func (b *bench) installPod(pod string) (string, error) {
	bin := filepath.Join(b.dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", err
	}
	for _, name := range []string{filepath.Base(pod), "pod-conmon"} {
		data, err := os.ReadFile(filepath.Join(filepath.Dir(pod), name))
		if err != nil {
			return "", fmt.Errorf("%w (make build builds pod and pod-conmon)", err)
		}
		if err := os.WriteFile(filepath.Join(bin, name), data, 0o755); err != nil {
			return "", err
		}
	}
	return filepath.Join(bin, filepath.Base(pod)), nil
}

// podVerbs lists the verbs pod implements, from each verb's own help (an
// unknown verb shows the top-level usage instead).
func podVerbs(ctx context.Context, pod string) map[string]bool {
	have := map[string]bool{}
	for _, v := range []string{"run", "create", "start", "rm", "exec", "ps", "inspect", "pull", "rmi", "build", "network", "system"} {
		out := output(ctx, pod, v, "--help")
		have[v] = strings.Contains(out, "\n  pod "+v)
	}
	return have
}

func (b *bench) newSide(ctx context.Context, label, name, podBin, regConf string, verbs map[string]bool) (*side, error) {
	a, err := lookupAccount(label, name, b.dir)
	if err != nil {
		return nil, err
	}
	base := filepath.Join(b.dir, label)
	if err := mkdirFor(a, 0o755, base); err != nil {
		return nil, err
	}
	if a.xdg != "" {
		if err := mkdirFor(a, 0o700, a.xdg); err != nil {
			return nil, err
		}
	}
	s := &side{acct: a, broken: map[*engine]string{}}
	if s.pod, err = newPod(a, podBin, b.dir, regConf); err != nil {
		return nil, err
	}
	s.pod.verbs = verbs
	if s.podman, err = newPodman(a, b.dir, regConf); err != nil {
		return nil, err
	}
	if s.runc, err = newRunc(ctx, a, b.dir, b.im.rootfsTar); err != nil {
		return nil, err
	}
	skDir := filepath.Join(base, "skopeo")
	if err := mkdirFor(a, 0o755, skDir); err != nil {
		return nil, err
	}
	s.skopeo = &engine{name: "skopeo", bin: "skopeo", acct: a, dir: skDir,
		global: []string{"copy", "--src-tls-verify=false"}, env: a.env("CONTAINERS_REGISTRIES_CONF=" + regConf)}
	return s, nil
}

func storageDriver(ctx context.Context, e *engine) string {
	if e.name == "podman" {
		out, err := e.must(ctx, "info", "--format", "{{.Store.GraphDriverName}}")
		if err != nil {
			return "?"
		}
		return strings.TrimSpace(out)
	}
	out, err := e.must(ctx, "info")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "graphDriverName:" {
			return f[1]
		}
	}
	return "?"
}

// cleanupSide removes what the account's engines left running: containers,
// and the rootless pause processes the benchmark's own commands started.
func (b *bench) cleanupSide(s *side) {
	ctx := context.Background()
	for _, e := range s.engines() {
		if e.has("rm") {
			if err := rmAll(ctx, e); err != nil {
				b.logf("  cleanup: %v", err)
			}
		}
		// What rm could not remove: the monitors of this engine's
		// containers and the containers under them.
		comm := map[string]string{"pod": "pod-conmon", "podman": "conmon"}[e.name]
		if pids, err := findMonitors(comm, e.dir, nil); err == nil && len(pids) > 0 {
			b.logf("  cleanup: killing %d %s processes rm left behind, and their containers", len(pids), comm)
			for _, pid := range pids {
				for _, child := range childrenOf(pid) {
					_ = syscall.Kill(child, syscall.SIGKILL)
				}
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	if s.acct.xdg == "" {
		return
	}
	for _, p := range []string{
		filepath.Join(s.acct.xdg, "pod", "pause.pid"),
		filepath.Join(s.acct.xdg, "libpod", "tmp", "pause.pid"),
		filepath.Join(s.podman.dir, "tmp", "pause.pid"),
	} {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid > 1 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// cleanupDir unmounts what is left mounted under the run's directory and
// removes it.
func (b *bench) cleanupDir() {
	if b.opts.keep {
		b.logf("kept %s", b.dir)
		return
	}
	if data, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		var mounts []string
		for _, l := range strings.Split(string(data), "\n") {
			if f := strings.Fields(l); len(f) > 4 && strings.HasPrefix(f[4], b.dir+"/") {
				mounts = append(mounts, f[4])
			}
		}
		sort.Sort(sort.Reverse(sort.StringSlice(mounts)))
		for _, mnt := range mounts {
			_ = syscall.Unmount(mnt, syscall.MNT_DETACH)
		}
	}
	if err := os.RemoveAll(b.dir); err != nil {
		b.logf("remove %s: %v", b.dir, err)
	}
	removeCgroups("podbench")
}

// removeCgroups removes the (empty) cgroup directories named name that runc
// made for the pod-spec floor beside the benchmark's own cgroup, in every
// hierarchy.
func removeCgroups(name string) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return
	}
	seen := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.SplitN(l, ":", 3)
		if len(f) != 3 {
			continue
		}
		matches, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", f[2], name))
		for _, d := range matches {
			if !seen[d] {
				seen[d] = true
				_ = syscall.Rmdir(d)
			}
		}
	}
}

// childrenOf lists the PIDs whose parent is pid.
func childrenOf(pid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, ent := range ents {
		child, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", ent.Name(), "stat"))
		if err != nil {
			continue
		}
		// The command name in parentheses may hold spaces: fields follow the last ')'.
		rest := string(stat)
		if i := strings.LastIndexByte(rest, ')'); i >= 0 {
			rest = rest[i+1:]
		}
		if f := strings.Fields(rest); len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

func linkExists(name string) bool {
	_, err := os.Stat(filepath.Join("/sys/class/net", name))
	return err == nil
}
