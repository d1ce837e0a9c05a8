package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// groups are the scenario groups -only selects from.
var groups = []string{"run", "create", "exec", "monitor", "parallel", "pull", "ps", "build", "api", "vm"}

func (b *bench) want(group string) bool { return len(b.opts.only) == 0 || b.opts.only[group] }

// side is one account's engines: pod and podman with isolated storage, and
// the reference tools (runc on a prepared bundle, skopeo).
type side struct {
	acct   *account
	pod    *engine
	podman *engine
	runc   *engine
	skopeo *engine
	// broken records an engine whose preparation failed, so that every
	// scenario shows why instead of a number.
	broken map[*engine]string
}

func (s *side) engines() []*engine { return []*engine{s.pod, s.podman} }

// ready is a setup step: the engine has the busybox image and works.
func (b *bench) ready(s *side) func(context.Context, *engine) error {
	return func(ctx context.Context, e *engine) error {
		if why := s.broken[e]; why != "" {
			return fmt.Errorf("%s", why)
		}
		return nil
	}
}

// account runs every scenario as one account and appends the rows.
func (b *bench) account(ctx context.Context, s *side) {
	bb := b.im.busybox
	a := s.acct.label
	for _, e := range s.engines() {
		if !e.has("pull") {
			s.broken[e] = b.missing(e, []string{"pull"})
			continue
		}
		if _, err := e.must(ctx, "pull", bb); err != nil {
			s.broken[e] = "pull failed: " + short(err)
			b.logf("  %v", err)
		}
	}
	floorTarget := 15.0
	if s.acct.rootless() {
		floorTarget = 30
	}

	var floor *series
	if b.want("run") {
		b.logf("[%s] runc floor", a)
		floor = b.interleave(ctx, timed{title: "runc run", args: func(e *engine, i int) []string {
			return []string{fmt.Sprintf("bench-floor-%d", i)}
		}}, s.runc)[0]
		b.runRows(ctx, s, floor, floorTarget)
	}
	if b.want("create") {
		b.createRows(ctx, s)
	}
	if b.want("exec") {
		b.execRows(ctx, s)
	}
	if b.want("monitor") {
		b.logf("[%s] monitor memory", a)
		rss, pss := b.monitors(ctx, s)
		b.add(&row{acct: a, title: "monitor RSS per container, 10 running (pod-conmon vs conmon)", unit: "MB", pod: rss[0], podman: rss[1]}, ratioTarget(1))
		b.add(&row{acct: a, title: "monitor PSS per container, 10 running (pod-conmon vs conmon)", unit: "MB", pod: pss[0], podman: pss[1]}, ratioTarget(1.5))
	}
	if b.want("parallel") {
		b.logf("[%s] 20 parallel run -d", a)
		res := b.parallel(ctx, s, 20)
		r := &row{acct: a, title: "20 `run -d` at once: wall time", unit: "ms", pod: res[0], podman: res[1]}
		if s.acct.rootless() {
			r.goal = "20 parallel rootless `run -d` ≤ 0.5× podman"
		}
		b.add(r, parallelTarget)
		if r.missed() {
			r.why = b.parallelTimings(ctx, s, 20)
		}
	}
	if b.want("pull") {
		b.pullRows(ctx, s)
	}
	if b.want("ps") {
		b.logf("[%s] ps -a and inspect with 0, 100, %d containers", a, b.opts.psMax)
		b.psInspect(ctx, s)
	}
	if b.want("build") {
		b.buildRows(ctx, s)
	}
	if b.want("api") {
		b.apiRows(ctx, s)
	}
}

func (b *bench) runRows(ctx context.Context, s *side, floor *series, floorTarget float64) {
	a, bb, ready := s.acct.label, b.im.busybox, b.ready(s)
	b.logf("[%s] run --rm", a)
	runNote := b.netNote
	sc := timed{title: "run --rm", verbs: []string{"run"}, setup: ready,
		args: func(e *engine, i int) []string { return []string{"run", "--rm", bb, "true"} }}
	res := b.interleave(ctx, sc, s.engines()...)
	runRatio := 0.25
	if s.acct.rootless() {
		runRatio = 0.35
	}
	r := b.add(&row{acct: a, title: "`run --rm busybox true`", unit: "ms", pod: res[0], podman: res[1], note: runNote,
		goal: "`run --rm busybox true` with the default network ≤ 0.25× podman root, ≤ 0.35× rootless"}, ratioTarget(runRatio))
	b.explain(ctx, r, sc, s.pod)

	b.logf("[%s] run --rm --network none", a)
	sc = timed{title: "run --rm --network none", verbs: []string{"run"}, setup: ready,
		args: func(e *engine, i int) []string { return []string{"run", "--rm", "--network", "none", bb, "true"} }}
	res = b.interleave(ctx, sc, s.engines()...)
	r = b.add(&row{acct: a, title: "`run --rm --network none busybox true`", unit: "ms", pod: res[0], podman: res[1],
		goal:    "`run --rm --network none busybox true` ≤ runc floor + 15 ms as root, + 30 ms rootless (the floor is `runc run` of a prepared bundle)",
		against: floor, againstName: "runc floor"}, floorPlus(floor, "runc", floorTarget))
	b.explain(ctx, r, sc, s.pod)
	b.add(&row{acct: a, title: "floor: `runc run` of a prepared busybox bundle", unit: "ms", ref: "runc", pod: floor}, nil)

	if s.acct.rootless() {
		return
	}
	b.logf("[%s] runc run of pod's own spec", a)
	specFloor := &series{}
	if rc, err := b.newPodSpecRunc(ctx, s); err != nil {
		specFloor.absent = "could not make the bundle: " + short(err)
		b.logf("  %v", err)
	} else {
		specFloor = b.interleave(ctx, timed{title: "runc run, pod's spec", args: func(e *engine, i int) []string {
			return []string{fmt.Sprintf("bench-podspec-%d", i)}
		}}, rc)[0]
	}
	b.add(&row{acct: a, title: "floor with pod's spec: `runc run` of the config.json pod writes for `--network none` (seccomp, cgroups, mounts)", unit: "ms", ref: "runc", pod: specFloor}, nil)
}

func (b *bench) createRows(ctx context.Context, s *side) {
	a, bb, ready := s.acct.label, b.im.busybox, b.ready(s)
	b.logf("[%s] create", a)
	res := b.interleave(ctx, timed{title: "create", verbs: []string{"create", "rm"}, setup: ready,
		args: func(e *engine, i int) []string {
			return []string{"create", "--name", fmt.Sprintf("c%d", i), bb, "true"}
		},
		after: func(ctx context.Context, e *engine, i int) error { return rmForce(ctx, e, fmt.Sprintf("c%d", i)) }}, s.engines()...)
	b.add(&row{acct: a, title: "`create busybox true`", unit: "ms", pod: res[0], podman: res[1]}, nil)

	b.logf("[%s] start -a", a)
	res = b.interleave(ctx, timed{title: "start -a", verbs: []string{"create", "start", "rm"}, setup: ready,
		before: func(ctx context.Context, e *engine, i int) error {
			_, err := e.must(ctx, "create", "--name", fmt.Sprintf("s%d", i), bb, "true")
			return err
		},
		args:  func(e *engine, i int) []string { return []string{"start", "-a", fmt.Sprintf("s%d", i)} },
		after: func(ctx context.Context, e *engine, i int) error { return rmForce(ctx, e, fmt.Sprintf("s%d", i)) }}, s.engines()...)
	b.add(&row{acct: a, title: "`start -a` of a created container (`true`)", unit: "ms", pod: res[0], podman: res[1]}, nil)

}

func (b *bench) execRows(ctx context.Context, s *side) {
	a, bb, ready := s.acct.label, b.im.busybox, b.ready(s)
	b.logf("[%s] exec", a)
	res := b.interleave(ctx, timed{title: "exec", verbs: []string{"run", "exec", "rm"},
		setup: func(ctx context.Context, e *engine) error {
			if err := ready(ctx, e); err != nil {
				return err
			}
			_, err := e.must(ctx, "run", "-d", "--name", "ex", bb, "sleep", "3600")
			return err
		},
		args:     func(e *engine, i int) []string { return []string{"exec", "ex", "true"} },
		teardown: func(ctx context.Context, e *engine) error { return rmForce(ctx, e, "ex") }}, s.engines()...)
	b.add(&row{acct: a, title: "`exec` into a running container (`true`)", unit: "ms", pod: res[0], podman: res[1]}, ratioTarget(0.5))

}

func (b *bench) pullRows(ctx context.Context, s *side) {
	a, ready := s.acct.label, b.ready(s)
	b.logf("[%s] pull", a)
	big := b.im.big
	sc := timed{title: "pull", rounds: 4, verbs: []string{"pull", "rmi"}, setup: ready,
		before: func(ctx context.Context, e *engine, i int) error {
			_, err := e.must(ctx, "rmi", big)
			// Write back what earlier rounds left dirty, so that no pull
			// pays for the previous one's 300 MB.
			syscall.Sync()
			if i == 0 { // the first (warm-up) round has nothing to remove
				return nil
			}
			return err
		},
		args:     func(e *engine, i int) []string { return []string{"pull", big} },
		teardown: func(ctx context.Context, e *engine) error { _, err := e.must(ctx, "rmi", big); return err }}
	res := b.interleave(ctx, sc, s.engines()...)
	copyDir := func(i int) string { return filepath.Join(s.skopeo.dir, fmt.Sprintf("copy-%d", i)) }
	sk := b.interleave(ctx, timed{title: "skopeo copy", rounds: 4,
		args:  func(e *engine, i int) []string { return []string{"docker://" + big, "dir:" + copyDir(i)} },
		after: func(ctx context.Context, e *engine, i int) error { return os.RemoveAll(copyDir(i)) }}, s.skopeo)[0]
	// Pulling is fetching plus writing the layers: the target is writing
	// them as fast as skopeo only fetches them.
	r := b.add(&row{acct: a, title: fmt.Sprintf("`pull` of a %d MB, 5-layer image (after `rmi`)", b.im.bigSize>>20), unit: "ms", pod: res[0], podman: res[1],
		goal: "`pull` of the 306 MB bench image ≤ 1.2× `skopeo copy` to a directory", against: sk, againstName: "skopeo copy"},
		refRatio(sk, "`skopeo copy` to a directory", 1.2))
	if r.missed() {
		// The breakdown's pulls start from a removed image, as the timed ones.
		sc.before = func(ctx context.Context, e *engine, i int) error {
			_, _ = e.must(ctx, "rmi", big)
			syscall.Sync()
			return nil
		}
		b.explain(ctx, r, sc, s.pod)
		_, _ = s.pod.must(ctx, "rmi", big)
	}
	b.add(&row{acct: a, title: "reference: `skopeo copy` of that image to a directory", unit: "ms", ref: "skopeo", pod: sk}, nil)

}

// psInspect measures `ps -a` and `inspect` as the number of created
// containers grows: 0, 100, 1000 (the containers are made untimed).
func (b *bench) psInspect(ctx context.Context, s *side) {
	a, bb := s.acct.label, b.im.busybox
	verbs := []string{"create", "ps", "inspect", "rm"}
	var have int
	// Both engines make their containers at once (untimed): 2000 creates
	// one after the other would be most of the benchmark's time.
	both := func(what string, f func(e *engine) error) {
		var wg sync.WaitGroup
		for _, e := range s.engines() {
			if s.broken[e] != "" || b.missing(e, verbs) != "" {
				continue
			}
			wg.Add(1)
			go func(e *engine) {
				defer wg.Done()
				start := time.Now()
				if err := f(e); err != nil {
					s.broken[e] = what + " failed: " + short(err)
					b.logf("  %s: %v", e.name, err)
				}
				b.logf("  %s: %s in %s", e.name, what, time.Since(start).Round(time.Millisecond))
			}(e)
		}
		wg.Wait()
	}
	grow := func(n int) {
		both(fmt.Sprintf("creating containers %d to %d", have, n), func(e *engine) error { return createMany(ctx, e, bb, have, n) })
		have = n
	}
	var createAtZero *series
	measure := func(n, rounds int) {
		psSc := timed{title: "ps -a", rounds: rounds, verbs: verbs, setup: b.ready(s),
			args: func(e *engine, i int) []string { return []string{"ps", "-a"} }}
		res := b.interleave(ctx, psSc, s.engines()...)
		var psT, inspectT, createT target
		if n >= 1000 {
			psT, inspectT = ratioTarget(0.1), ratioTarget(0.3)
			createT = notSlowerThan(createAtZero, "pod's `create` at 0 containers", 0.1)
		}
		atMax := n == b.opts.psMax && n >= 1000
		r := &row{acct: a, title: fmt.Sprintf("`ps -a`, %d created containers", n), unit: "ms", pod: res[0], podman: res[1]}
		if atMax {
			r.goal = "`ps -a` stays ≤ 0.1× podman at 1000 containers"
		}
		b.explain(ctx, b.add(r, psT), psSc, s.pod)
		// One more container, removed untimed after each round.
		createSc := timed{title: "create", rounds: rounds, verbs: verbs, setup: b.ready(s),
			args: func(e *engine, i int) []string {
				return []string{"create", "--name", fmt.Sprintf("more%d", i), bb, "true"}
			},
			after: func(ctx context.Context, e *engine, i int) error { return rmForce(ctx, e, fmt.Sprintf("more%d", i)) }}
		res = b.interleave(ctx, createSc, s.engines()...)
		r = &row{acct: a, title: fmt.Sprintf("`create busybox true`, %d created containers", n), unit: "ms", pod: res[0], podman: res[1]}
		if atMax {
			r.goal, r.against, r.againstName = "`create` at 1000 existing containers no slower than at 0", createAtZero, "pod's create at 0"
		}
		b.explain(ctx, b.add(r, createT), createSc, s.pod)
		if n == 0 {
			createAtZero = res[0]
			return
		}
		inspectSc := timed{title: "inspect", rounds: rounds, verbs: verbs, setup: b.ready(s),
			args: func(e *engine, i int) []string { return []string{"inspect", "n0"} }}
		res = b.interleave(ctx, inspectSc, s.engines()...)
		r = &row{acct: a, title: fmt.Sprintf("`inspect` of one container, %d created", n), unit: "ms", pod: res[0], podman: res[1]}
		if atMax {
			r.goal = "`inspect` stays ≤ 0.3× podman at 1000 containers"
		}
		b.explain(ctx, b.add(r, inspectT), inspectSc, s.pod)
	}
	measure(0, 0)
	grow(100)
	measure(100, 0)
	if b.opts.psMax > 100 {
		grow(b.opts.psMax)
		measure(b.opts.psMax, 5)
	}
	if b.opts.psMax < 1000 {
		skipped := &series{absent: fmt.Sprintf("not measured: -ps-max %d", b.opts.psMax)}
		for _, g := range []string{"`ps -a` stays ≤ 0.1× podman at 1000 containers", "`create` at 1000 existing containers no slower than at 0", "`inspect` stays ≤ 0.3× podman at 1000 containers"} {
			b.add(&row{acct: a, title: g, unit: "ms", pod: skipped, goal: g}, func(*row) (string, string) { return "at 1000 containers", "not measured" })
		}
	}
	both(fmt.Sprintf("removing %d containers", have), func(e *engine) error { return rmAll(ctx, e) })
}

// createMany creates containers n<from>..n<to-1>, four at a time.
func createMany(ctx context.Context, e *engine, img string, from, to int) error {
	next := make(chan int)
	errs := make(chan error, to-from)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := e.must(ctx, "create", "--name", fmt.Sprintf("n%d", i), img, "true"); err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := from; i < to; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	return <-errs
}

// parallel starts n `run -d` at once per round, three rounds, pod and podman
// interleaved; the samples are wall times, the failures are counted.
func (b *bench) parallel(ctx context.Context, s *side, n int) []*series {
	out := []*series{{}, {}}
	rounds := min(3, b.opts.rounds)
	for k, e := range s.engines() {
		if why := b.missing(e, []string{"run", "rm"}); why != "" {
			out[k].absent = why
		} else if why := s.broken[e]; why != "" {
			out[k].absent = why
		}
	}
	for i := 0; i < rounds; i++ {
		for k, e := range s.engines() {
			if out[k].absent != "" {
				continue
			}
			var wg sync.WaitGroup
			results := make([]runResult, n)
			start := time.Now()
			for j := 0; j < n; j++ {
				wg.Add(1)
				go func(j int) {
					defer wg.Done()
					results[j] = e.exec(ctx, "run", "-d", "--name", fmt.Sprintf("p%d-%d", i, j), b.im.busybox, "sleep", "3600")
				}(j)
			}
			wg.Wait()
			wall := time.Since(start)
			failed := 0
			for _, r := range results {
				if err := r.failure(); err != nil {
					if failed == 0 {
						b.logf("  %s: %v", e.name, err)
					}
					failed++
				}
			}
			out[k].failures += failed
			out[k].values = append(out[k].values, float64(wall)/float64(time.Millisecond))
			if err := rmAll(ctx, e); err != nil {
				b.logf("  %s: %v", e.name, err)
			}
		}
	}
	return out
}

// parallelTimings starts n `run -d` at once again, untimed, each with
// POD_TIMINGS=1, and returns the median of each phase over all of them.
func (b *bench) parallelTimings(ctx context.Context, s *side, n int) string {
	b.logf("  missed: measuring where pod's time goes (%d parallel runs with --timings)", n)
	tp := s.pod.withEnv("POD_TIMINGS=1")
	results := make([]runResult, n)
	var wg sync.WaitGroup
	for j := 0; j < n; j++ {
		wg.Add(1)
		go func(j int) {
			defer wg.Done()
			results[j] = tp.exec(ctx, "run", "-d", "--name", fmt.Sprintf("pt-%d", j), b.im.busybox, "sleep", "3600")
		}(j)
	}
	wg.Wait()
	if err := rmAll(ctx, s.pod); err != nil {
		b.logf("  pod: %v", err)
	}
	bd := &breakdown{}
	for _, r := range results {
		if r.failure() == nil {
			bd.add(r.stderr)
		}
	}
	return bd.String()
}

// lastLine is a command's last output line (the ID `run -d` prints).
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		s = s[i+1:]
	}
	return s
}
