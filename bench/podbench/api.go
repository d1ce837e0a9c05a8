package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// The API scenario: the docker CLI's `docker run --rm busybox true`
// through pod's Docker API service (`pod system service`) against the same
// through podman's (`podman system service`), each service on a unix socket
// of the run's own, over the engine's own storage and configuration.

// service is one engine's API service, running for the scenario.
type service struct {
	cmd    *exec.Cmd
	socket string
	errLog string
}

// startService starts e's `system service` on a socket in its directory
// and waits until the socket answers the docker CLI's ping.
func (b *bench) startService(ctx context.Context, e *engine, extraEnv ...string) (*service, error) {
	sock := filepath.Join(e.dir, "api.sock")
	_ = os.Remove(sock)
	errLog := filepath.Join(e.dir, "service.log")
	f, err := os.Create(errLog)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := f.Chown(int(e.acct.uid), int(e.acct.gid)); err != nil {
		return nil, err
	}
	env := append(append([]string(nil), e.env...), extraEnv...)
	// Not CommandContext: the service is stopped with SIGTERM below, so
	// that it can print what it prints at exit (its --timings table).
	cmd := e.acct.command(context.Background(), env, e.argv([]string{"system", "service", "--time", "0", "unix://" + sock})...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &service{cmd: cmd, socket: sock, errLog: errLog}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(60 * time.Second)
	cli := b.dockerCLI(e, s)
	for {
		if r := cli.exec(ctx, "version", "--format", "{{.Server.APIVersion}}"); r.err == nil {
			return s, nil
		}
		select {
		case <-done:
			out, _ := os.ReadFile(errLog)
			return nil, fmt.Errorf("%s system service exited: %s", e.name, lastLine(string(out)))
		case <-ctx.Done():
			b.stopService(s)
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.stopService(s)
			return nil, fmt.Errorf("%s system service: %s does not answer after 60 s", e.name, sock)
		}
	}
}

// stopService ends the service with SIGTERM (SIGKILL after 10 s) and
// returns what it wrote on stderr.
func (b *bench) stopService(s *service) string {
	if s == nil || s.cmd.Process == nil {
		return ""
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	for i := 0; i < 100; i++ {
		if s.cmd.Process.Signal(syscall.Signal(0)) != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = s.cmd.Process.Kill()
	out, _ := os.ReadFile(s.errLog)
	return string(out)
}

// dockerCLI is the docker CLI as the engine's account, talking to the
// service's socket, with a configuration directory of its own.
func (b *bench) dockerCLI(e *engine, s *service) *engine {
	cfg := filepath.Join(e.dir, "docker-config")
	_ = mkdirFor(e.acct, 0o700, cfg)
	return &engine{name: e.name, bin: "docker", acct: e.acct, dir: e.dir,
		global: []string{"--config", cfg, "--host", "unix://" + s.socket},
		env:    e.acct.env("DOCKER_CLI_HINTS=false")}
}

func (b *bench) apiRows(ctx context.Context, s *side) {
	a, bb := s.acct.label, b.im.busybox
	goal := "the API service: `docker run --rm busybox true` through pod's socket ≤ 0.5× the same through podman's service"
	title := "`docker run --rm busybox true` through the API service (`pod system service` vs `podman system service`)"
	res := []*series{{}, {}}
	if !exists("docker") {
		res[0].absent, res[1].absent = "docker CLI not found", "docker CLI not found"
		b.add(&row{acct: a, title: title, unit: "ms", pod: res[0], podman: res[1], goal: goal}, ratioTarget(0.5))
		return
	}
	b.logf("[%s] docker run --rm through the API services", a)
	clis := make([]*engine, 2)
	svcs := make([]*service, 2)
	for k, e := range s.engines() {
		if why := s.broken[e]; why != "" {
			res[k].absent = why
			continue
		}
		if why := b.missing(e, []string{"system"}); why != "" {
			res[k].absent = why
			continue
		}
		svc, err := b.startService(ctx, e)
		if err != nil {
			res[k].absent = "service failed: " + short(err)
			b.logf("  %v", err)
			continue
		}
		svcs[k], clis[k] = svc, b.dockerCLI(e, svc)
	}
	var live []*engine
	var idx []int
	for k, c := range clis {
		if c != nil {
			live, idx = append(live, c), append(idx, k)
		}
	}
	sc := timed{title: "docker run --rm via API",
		args: func(e *engine, i int) []string { return []string{"run", "--rm", bb, "true"} }}
	if len(live) > 0 {
		got := b.interleave(ctx, sc, live...)
		for j, k := range idx {
			res[k] = got[j]
		}
	}
	for _, svc := range svcs {
		b.stopService(svc)
	}
	r := b.add(&row{acct: a, title: title, unit: "ms", pod: res[0], podman: res[1], goal: goal}, ratioTarget(0.5))
	if r.missed() && clis[0] != nil {
		r.why = b.serviceTimings(ctx, s.pod, sc)
	}
}

// serviceTimings runs pod's service again with POD_TIMINGS=1, sends it
// the scenario's request a few times, and reads the table it prints when
// it stops: the sum over all requests, given here per request.
func (b *bench) serviceTimings(ctx context.Context, pod *engine, sc timed) string {
	b.logf("  missed: measuring where pod's service spends its time (%d requests with --timings)", b.timingsRounds())
	svc, err := b.startService(ctx, pod, "POD_TIMINGS=1")
	if err != nil {
		return "the service with --timings failed: " + short(err)
	}
	cli := b.dockerCLI(pod, svc)
	n := 0
	for i := 0; i < b.timingsRounds(); i++ {
		if cli.exec(ctx, sc.args(cli, i)...).failure() == nil {
			n++
		}
	}
	stderr := b.stopService(svc)
	names, ms := parseTimings(stderr)
	if ms == nil || n == 0 {
		return "the service printed no --timings table (it records none for requests)"
	}
	// The service's total and other are mostly its wait for requests:
	// only the phases say something per request.
	bd := &breakdown{runs: 1, values: map[string][]float64{}, phasesOnly: true}
	for _, name := range names {
		bd.names = append(bd.names, name)
		bd.values[name] = []float64{ms[name] / float64(n)}
	}
	return fmt.Sprintf("the service's --timings table over %d requests, per request: %s", n, bd.String())
}
