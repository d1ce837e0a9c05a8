package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pod-engine/pod/internal/testimage"
)

// The VM scenario: `run --rm` against crun's floor inside the Debian 12
// guest of test/vm (systemd, pure cgroup v2, crun), as root and as a plain
// user in its systemd session. The host side runs test/vm/bench.sh, which
// boots the guest with this program in its share; in the guest
// test/vm/guest-bench.sh runs `podbench -vm-guest FILE` once as root and
// once as the user, and each writes its series as JSON. An absolute time
// there holds only against the floor measured beside it: under QEMU's
// emulation everything is several times slower than on the host.

// vmSeries is one series as the guest writes it.
type vmSeries struct {
	Values   []float64 `json:"values"`
	Failures int       `json:"failures"`
	Absent   string    `json:"absent,omitempty"`
	FirstErr string    `json:"first_error,omitempty"`
	Timings  string    `json:"timings,omitempty"`
}

// vmResult is what one guest run (one account) measured.
type vmResult struct {
	Account string    `json:"account"` // "root" or "rootless"
	Runtime string    `json:"runtime"` // crun --version's first line
	Rounds  int       `json:"rounds"`
	Floor   vmSeries  `json:"floor"`   // crun run of a prepared bundle
	None    vmSeries  `json:"none"`    // pod run --rm --network none
	Default vmSeries  `json:"default"` // pod run --rm, the default network
	Error   string    `json:"error,omitempty"`
	When    time.Time `json:"when"`
}

func (v vmSeries) series() *series {
	return &series{values: v.Values, failures: v.Failures, absent: v.Absent, firstErr: v.FirstErr}
}

func fromSeries(s *series) vmSeries {
	return vmSeries{Values: s.values, Failures: s.failures, Absent: s.absent, FirstErr: s.firstErr}
}

// guestMain is `podbench -vm-guest FILE`: the guest's half, run as the
// account it measures.
func guestMain(o options, outFile string) error {
	ctx := context.Background()
	res := &vmResult{Account: "root", Rounds: o.rounds, When: time.Now().UTC()}
	if os.Geteuid() != 0 {
		res.Account = "rootless"
	}
	err := guestRun(ctx, o, res)
	if err != nil {
		res.Error = err.Error()
	}
	data, merr := json.MarshalIndent(res, "", "\t")
	if merr != nil {
		return merr
	}
	if werr := os.WriteFile(outFile, data, 0o644); werr != nil {
		return werr
	}
	return err
}

func guestRun(ctx context.Context, o options, res *vmResult) error {
	res.Runtime = firstLine(output(ctx, "crun", "--version"))
	u, err := user.Current()
	if err != nil {
		return err
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	a := &account{label: res.Account, name: u.Username, uid: uint32(uid), gid: uint32(gid), home: u.HomeDir,
		xdg: os.Getenv("XDG_RUNTIME_DIR"), self: true}
	dir, err := os.MkdirTemp("", "podbench-vm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b := &bench{opts: o, dir: dir, started: time.Now()}
	reg, err := testimage.StartRegistry(ctx, dir)
	if err != nil {
		return err
	}
	defer reg.Stop()
	regConf, err := testimage.WriteRegistriesConf(dir, reg.Addr)
	if err != nil {
		return err
	}
	im, _, _, err := makeBusybox(ctx, dir, reg)
	if err != nil {
		return fmt.Errorf("make the busybox image: %w", err)
	}
	pod, err := newPod(a, o.pod, dir, regConf)
	if err != nil {
		return err
	}
	defer func() { _ = rmAll(context.Background(), pod) }()
	if _, err := pod.must(ctx, "pull", im.busybox); err != nil {
		return err
	}
	floor, err := newFloor(ctx, "crun", a, dir, im.rootfsTar)
	if err != nil {
		return err
	}
	// The default network is a second engine: the same pod, other args.
	podNet := *pod
	podNet.name = "pod-default"
	sc := timed{title: "vm run --rm", args: func(e *engine, i int) []string {
		switch e.name {
		case "crun":
			return []string{fmt.Sprintf("bench-floor-%d", i)}
		case "pod-default":
			return []string{"run", "--rm", im.busybox, "true"}
		}
		return []string{"run", "--rm", "--network", "none", im.busybox, "true"}
	}}
	got := b.interleave(ctx, sc, floor, pod, &podNet)
	res.Floor, res.None, res.Default = fromSeries(got[0]), fromSeries(got[1]), fromSeries(got[2])
	// Where pod's time goes, measured whatever the verdict: the host
	// judges the target.
	for _, p := range []struct {
		e *engine
		s *vmSeries
	}{{pod, &res.None}, {&podNet, &res.Default}} {
		if len(p.s.Values) == 0 {
			continue
		}
		bd := &breakdown{}
		tp := p.e.withEnv("POD_TIMINGS=1")
		for i := 0; i < b.timingsRounds(); i++ {
			if r := tp.exec(ctx, sc.args(tp, i)...); r.failure() == nil {
				bd.add(r.stderr)
			}
		}
		p.s.Timings = bd.String()
	}
	return nil
}

// vmRows boots the guest through test/vm/bench.sh and adds its rows
// beside the host's, or a row saying why nothing was measured.
func (b *bench) vmRows(ctx context.Context) {
	goal := "in the VM (cgroup v2, crun): the same `run --rm` scenarios against crun's floor"
	notMeasured := func(why string) {
		b.logf("  vm: %s", why)
		s := &series{absent: "not measured: " + why}
		b.add(&row{acct: "vm", title: "`run --rm --network none busybox true` in the VM", unit: "ms", pod: s, goal: goal},
			func(*row) (string, string) { return "≤ crun floor + 15 ms root, + 30 ms rootless", "not measured" })
		b.headingFor("vm", "In the VM")
	}
	script := b.opts.vmScript
	if _, err := os.Stat(script); err != nil {
		notMeasured(fmt.Sprintf("%s: %v", script, err))
		return
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		notMeasured("qemu-system-x86_64 not installed (make vm-test installs it: DEB_VM)")
		return
	}
	out := filepath.Join(b.dir, "vm")
	if err := os.MkdirAll(out, 0o755); err != nil {
		notMeasured(err.Error())
		return
	}
	self, err := os.Executable()
	if err != nil {
		notMeasured(err.Error())
		return
	}
	b.logf("[vm] booting the test/vm guest for `run --rm` against crun (%s); its console goes to %s/console.log", script, out)
	cmd := exec.CommandContext(ctx, script, out, strconv.Itoa(b.opts.rounds))
	podBin, _ := filepath.Abs(b.opts.pod)
	cmd.Env = append(os.Environ(), "POD_BENCH_BIN="+filepath.Dir(podBin), "POD_BENCH_PODBENCH="+self)
	logf, err := os.Create(filepath.Join(out, "bench.sh.log"))
	if err != nil {
		notMeasured(err.Error())
		return
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	start := time.Now()
	err = cmd.Run()
	logf.Close()
	took := time.Since(start).Round(time.Second)
	// Why the script failed: its own one line, else its log's last lines.
	failure := ""
	if err != nil {
		why, _ := os.ReadFile(filepath.Join(out, "failure"))
		failure = strings.TrimSpace(string(why))
		if failure == "" {
			log, _ := os.ReadFile(filepath.Join(out, "bench.sh.log"))
			failure = lastLines(string(log), 3)
		}
		failure = fmt.Sprintf("%s failed after %s: %s", filepath.Base(script), took, failure)
		b.logf("  vm: %s", failure)
	} else {
		b.logf("  vm: the guest ran in %s", took)
	}
	info, _ := os.ReadFile(filepath.Join(out, "guest-info"))
	for _, acct := range []string{"root", "rootless"} {
		data, err := os.ReadFile(filepath.Join(out, acct+".json"))
		var res vmResult
		if err == nil {
			err = json.Unmarshal(data, &res)
		} else if failure != "" {
			err = fmt.Errorf("%s", failure)
		}
		label := "vm " + acct
		b.headingFor(label, "In the VM, as "+acct+" (Debian 12 guest of test/vm: systemd, cgroup v2, crun, "+vmAccel(out)+")")
		if err != nil || res.Error != "" {
			why := res.Error
			if err != nil {
				why = err.Error()
			}
			notMeasuredAcct(b, label, goal, why)
			continue
		}
		floor := res.Floor.series()
		ms := 15.0
		if acct == "rootless" {
			ms = 30
		}
		r := b.add(&row{acct: label, title: "`run --rm --network none busybox true`", unit: "ms", pod: res.None.series(),
			goal: goal + " (`--network none`: + 15 ms root, + 30 ms rootless, as on the host)", against: floor, againstName: "crun floor"},
			floorPlus(floor, "crun", ms))
		if r.missed() {
			r.why = res.None.Timings
		}
		r = b.add(&row{acct: label, title: "`run --rm busybox true` (the default network)", unit: "ms", pod: res.Default.series(),
			goal: goal + " (the default network: no podman in the guest, so against the floor only)", against: floor, againstName: "crun floor"},
			func(r *row) (string, string) { return "— (reported against the floor)", "" })
		r.why = res.Default.Timings
		b.add(&row{acct: label, title: "floor: `crun run` of a prepared busybox bundle", unit: "ms", ref: "crun", pod: floor}, nil)
		b.note(label, "runtime in the guest: `%s`; %d rounds, interleaved (crun, pod `--network none`, pod default network)", res.Runtime, res.Rounds)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(info)), "\n") {
		if l != "" {
			b.note("vm root", "guest: %s", l)
		}
	}
}

func notMeasuredAcct(b *bench, label, goal, why string) {
	s := &series{absent: "not measured: " + short(fmt.Errorf("%s", why))}
	b.add(&row{acct: label, title: "`run --rm --network none busybox true`", unit: "ms", pod: s, goal: goal},
		func(*row) (string, string) { return "≤ crun floor + 15 / 30 ms", "not measured" })
}

func (b *bench) headingFor(acct, h string) {
	if b.headings == nil {
		b.headings = map[string]string{}
	}
	b.headings[acct] = h
}

// vmAccel reads which accelerator bench.sh booted the guest with.
func vmAccel(out string) string {
	data, err := os.ReadFile(filepath.Join(out, "accel"))
	if err != nil {
		return "accelerator unknown"
	}
	if a := strings.TrimSpace(string(data)); a == "tcg" {
		return "QEMU TCG: emulated, several times slower than the host"
	} else {
		return "QEMU " + a
	}
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, " / ")
}
