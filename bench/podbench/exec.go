package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// account is who the benchmark runs commands as: root, or the unprivileged
// user for rootless runs. Commands get their credentials set directly (no su or
// runuser in between, whose own start-up would be timed).
type account struct {
	label string // "root" or "rootless"
	name  string
	uid   uint32
	gid   uint32
	home  string
	xdg   string // XDG_RUNTIME_DIR for rootless, "" for root
	// self: the benchmark already runs as this account (in the VM's
	// guest), so commands keep its credentials.
	self bool
}

func (a *account) rootless() bool { return a.uid != 0 }

// env is the environment every command of this account starts with: the same
// for both engines, plus what each engine adds.
func (a *account) env(extra ...string) []string {
	env := []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + a.home, "USER=" + a.name, "LOGNAME=" + a.name, "LANG=C.UTF-8",
	}
	if a.xdg != "" {
		env = append(env, "XDG_RUNTIME_DIR="+a.xdg)
	}
	return append(env, extra...)
}

func (a *account) command(ctx context.Context, env []string, argv ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Dir = "/"
	if a.rootless() && !a.self {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: a.uid, Gid: a.gid, Groups: []uint32{}}}
	}
	return cmd
}

// runResult is one finished command: its wall time from fork to reaped.
type runResult struct {
	wall   time.Duration
	stdout string
	stderr string
	err    error
}

// failure is the command's error with the last line of its stderr, which
// is where both engines put their "Error: ..." line.
func (r runResult) failure() error {
	if r.err == nil {
		return nil
	}
	msg := strings.TrimSpace(r.stderr)
	if i := strings.LastIndex(msg, "\n"); i >= 0 {
		msg = msg[i+1:]
	}
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	return fmt.Errorf("%w: %s", r.err, msg)
}

func run(cmd *exec.Cmd) runResult {
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	return runResult{wall: wall, stdout: out.String(), stderr: errb.String(), err: err}
}

// engine is one container engine (or reference tool) as one account, with
// its own isolated storage and configuration.
type engine struct {
	name   string // "pod", "podman"
	bin    string
	global []string // flags before the verb: --root, --runroot
	env    []string
	acct   *account
	dir    string // this engine's directory for this account
	verbs  map[string]bool
}

func (e *engine) argv(args []string) []string {
	return append(append([]string{e.bin}, e.global...), args...)
}

// exec runs one command of the engine and returns its result.
func (e *engine) exec(ctx context.Context, args ...string) runResult {
	return run(e.acct.command(ctx, e.env, e.argv(args)...))
}

// must runs an untimed command (setup, teardown) and returns its stdout.
func (e *engine) must(ctx context.Context, args ...string) (string, error) {
	r := e.exec(ctx, args...)
	if err := r.failure(); err != nil {
		return "", fmt.Errorf("%s %s: %w", e.name, strings.Join(args, " "), err)
	}
	return r.stdout, nil
}

// has reports whether the engine implements verb (pod grows verb by verb;
// a verb it lacks is reported as such, never measured with something else).
func (e *engine) has(verb string) bool {
	if e.verbs == nil {
		return true
	}
	return e.verbs[verb]
}
