package e2e

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeContext makes a build context directory the Env's user owns.
func writeContext(t *testing.T, e *Env, name string, files map[string]string) string {
	t.Helper()
	dir := e.Path(name)
	for rel, data := range files {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if e.rootless && os.Geteuid() == 0 {
		filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { return os.Lchown(p, e.uid, e.gid) })
	}
	return dir
}

// cacheLines counts a build's steps that commit an image, and those that
// came from the cache.
func cacheLines(out string) (steps, cached int) {
	for _, l := range strings.Split(out, "\n") {
		// FROM and ARG make no image of their own.
		if strings.Contains(l, "STEP ") && !strings.Contains(l, ": FROM ") && !strings.Contains(l, ": ARG ") {
			steps++
		}
		if strings.HasPrefix(l, "--> Using cache ") {
			cached++
		}
	}
	return steps, cached
}

func tarBytes(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg, ModTime: time.Unix(1700000000, 0)}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(data))
	}
	tw.Close()
	return buf.Bytes()
}

const multiStageDockerfile = `ARG BASE=%s
FROM $BASE AS builder
ARG MSG=default
RUN echo "built $MSG" > /built
COPY app.txt /src/
COPY dir /src/dir
RUN <<EOF
echo heredoc > /src/hd.txt
EOF
COPY <<EOT /src/inline.txt
inline content
EOT

FROM $BASE AS unused
RUN exit 1

FROM $BASE
LABEL org.example=yes
ENV GREETING=hello
WORKDIR /out
COPY --from=builder /built /src/app.txt /src/hd.txt /src/inline.txt ./
COPY --from=builder /src/dir /out/dir
ADD files.tar /out/
COPY --chown=65534:65534 --chmod=600 app.txt /out/owned.txt
USER nobody
EXPOSE 8080
STOPSIGNAL SIGINT
CMD ["sh", "-c", "cat built app.txt hd.txt inline.txt dir/d.txt from-tar/one.txt; echo $GREETING; ls /out; stat -c '%%u %%a' owned.txt"]
`

// TestBuildMultiStage builds a multi-stage Dockerfile using most
// instructions, runs the result, rebuilds it from the cache, rebuilds from
// the COPY of a touched file on, and pushes and pulls back the result.
func TestBuildMultiStage(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		archive := string(tarBytes(t, map[string]string{"from-tar/one.txt": "unpacked\n"}))
		ctxDir := writeContext(t, e, "ctx", map[string]string{
			"Dockerfile":    fmt.Sprintf(multiStageDockerfile, suite.images.Busybox),
			"app.txt":       "app\n",
			"dir/d.txt":     "in dir\n",
			"secret.txt":    "must not be copied\n",
			"dir/ignored":   "ignored\n",
			".dockerignore": "secret.txt\ndir/ignored\n",
			"files.tar":     archive,
		})
		r := e.MustPod("build", "-t", "multi-built", "-t", "second-name", "--build-arg", "MSG=hi", ctxDir)
		for _, want := range []string{"[1/2] STEP 1/7: FROM", "[2/2] STEP 2/12: LABEL", "COMMIT multi-built", "Successfully tagged localhost/multi-built:latest", "Successfully tagged localhost/second-name:latest"} {
			if !strings.Contains(r.Stdout, want) {
				t.Errorf("build output lacks %q:\n%s", want, r.Stdout)
			}
		}
		if strings.Contains(r.Stdout, "RUN exit 1") {
			t.Errorf("an unused stage was built:\n%s", r.Stdout)
		}
		lines := r.Lines()
		id := lines[len(lines)-1]
		if len(id) != 64 {
			t.Fatalf("build's last line %q is not an image ID", id)
		}
		run := e.MustPod("run", "--rm", "multi-built").Stdout
		want := "built hi\napp\nheredoc\ninline content\nin dir\nunpacked\nhello\napp.txt\nbuilt\ndir\nfrom-tar\nhd.txt\ninline.txt\nowned.txt\n65534 600\n"
		if run != want {
			t.Fatalf("the built image printed\n%q, want\n%q", run, want)
		}
		if out := e.MustPod("run", "--rm", "multi-built", "ls", "/out/dir").Stdout; out != "d.txt\n" {
			t.Errorf(".dockerignore'd file copied: ls /out/dir = %q", out)
		}
		insp := e.MustPod("image", "inspect", "--format", `{{.Config.User}} {{.Config.WorkingDir}} {{.Config.StopSignal}} {{index .Config.Labels "org.example"}}`, "multi-built").Stdout
		if strings.TrimSpace(insp) != "nobody /out SIGINT yes" {
			t.Errorf("image config: %q", insp)
		}

		// Unchanged: every step from the cache, the same image.
		r = e.MustPod("build", "-t", "multi-built", "--build-arg", "MSG=hi", ctxDir)
		steps, cached := cacheLines(r.Stdout)
		if cached != steps {
			t.Errorf("second build: %d of %d steps from the cache:\n%s", cached, steps, r.Stdout)
		}
		if l := r.Lines(); l[len(l)-1] != id {
			t.Errorf("second build made %s, want the cached %s", l[len(l)-1], id)
		}

		// A touched file rebuilds from its COPY on.
		if err := os.WriteFile(filepath.Join(ctxDir, "app.txt"), []byte("changed\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		out := e.MustPod("build", "-t", "multi-built", "--build-arg", "MSG=hi", ctxDir).Stdout
		copyAt := strings.Index(out, "COPY app.txt /src/")
		if copyAt < 0 {
			t.Fatalf("no COPY step in:\n%s", out)
		}
		if !strings.Contains(out[:copyAt], "Using cache") {
			t.Errorf("the steps before the COPY were not cached:\n%s", out)
		}
		// In the second stage, the steps before COPY --from=builder are
		// unchanged; from it on, nothing comes from the cache.
		stage2 := strings.Index(out, "[2/2]")
		fromAt := strings.Index(out, "COPY --from=builder /built")
		if stage2 < copyAt || fromAt < stage2 {
			t.Fatalf("unexpected step order:\n%s", out)
		}
		if strings.Contains(out[copyAt:stage2], "Using cache") || strings.Contains(out[fromAt:], "Using cache") {
			t.Errorf("a step after the changed COPY came from the cache:\n%s", out)
		}
		if got := e.MustPod("run", "--rm", "multi-built", "cat", "/out/app.txt").Stdout; got != "changed\n" {
			t.Errorf("rebuilt image has app.txt %q", got)
		}
		if ps := e.MustPod("ps", "-a", "-q").Stdout; ps != "" {
			t.Errorf("build left containers: %q", ps)
		}

		// --target builds a stage and what it needs.
		e.MustPod("build", "-q", "--target", "builder", "-t", "just-builder", "--build-arg", "MSG=t", ctxDir)
		if got := e.MustPod("run", "--rm", "just-builder", "cat", "/built").Stdout; got != "built t\n" {
			t.Errorf("--target builder: /built = %q", got)
		}

		// The built image pushes and pulls back into a fresh Env.
		dest := fmt.Sprintf("%s/built-%s:v%d", suite.registry.Addr, e.Name, time.Now().UnixNano())
		e.MustPod("push", "multi-built", dest)
		fresh := NewEnv(t, e.rootless)
		fresh.MustPod("pull", "-q", dest)
		if got := fresh.MustPod("run", "--rm", dest).Stdout; !strings.HasPrefix(got, "built hi\nchanged\n") {
			t.Errorf("the pulled-back image printed %q", got)
		}
	})
}

// TestBuildInputs covers the other ways in: -f -, a tar context, a lone
// Dockerfile on stdin, ONBUILD, --no-cache, --iidfile, --squash, buildx.
func TestBuildInputs(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		bb := suite.images.Busybox
		ctxDir := writeContext(t, e, "ctx", map[string]string{"f.txt": "file\n"})
		df := fmt.Sprintf("FROM %s\nONBUILD COPY f.txt /onbuild.txt\nONBUILD RUN echo triggered > /trig\n", bb)
		e.PodStdin(strings.NewReader(df), "build", "-q", "-t", "onbuild-base", "-f", "-", ctxDir).Success(t)
		r := e.PodStdin(strings.NewReader("FROM onbuild-base\nRUN cat /onbuild.txt /trig\n"), "build", "--no-cache", "-t", "onbuild-child", "-f", "-", ctxDir).Success(t)
		if !strings.Contains(r.Stdout, "file\ntriggered\n") {
			t.Errorf("ONBUILD triggers did not run before the child's RUN:\n%s", r.Stdout)
		}
		if strings.Contains(r.Stdout, "Using cache") {
			t.Errorf("--no-cache used the cache:\n%s", r.Stdout)
		}

		tarPath := e.WriteFile("ctx.tar", tarBytes(t, map[string]string{
			"Dockerfile": fmt.Sprintf("FROM %s\nCOPY a /a\nRUN echo b > /b\n", bb),
			"a":          "from tar\n",
		}))
		iid := e.Path("iid")
		r = e.MustPod("build", "-q", "--squash", "--iidfile", iid, "-t", "from-tar", tarPath)
		b, err := os.ReadFile(iid)
		if err != nil || string(b) != "sha256:"+strings.TrimSpace(r.Stdout) {
			t.Fatalf("--iidfile wrote %q (%v), build printed %q", b, err, r.Stdout)
		}
		if got := e.MustPod("run", "--rm", "from-tar", "cat", "/a", "/b").Stdout; got != "from tar\nb\n" {
			t.Errorf("tar-context image: %q", got)
		}
		base := strings.Count(e.MustPod("history", "-q", bb).Stdout, "\n")
		if n := strings.Count(e.MustPod("history", "-q", "from-tar").Stdout, "\n"); n != base+1 {
			t.Errorf("--squash: %d history entries, want the base's %d and one", n, base)
		}

		e.PodStdin(strings.NewReader(fmt.Sprintf("FROM %s\nCMD [\"echo\", \"stdin\"]\n", bb)), "build", "-q", "-t", "from-stdin", "-").Success(t)
		if got := e.MustPod("run", "--rm", "from-stdin").Stdout; got != "stdin\n" {
			t.Errorf("stdin Dockerfile image: %q", got)
		}
		e.PodStdin(strings.NewReader(fmt.Sprintf("FROM %s\nENV A=1\n", bb)), "buildx", "build", "-q", "-t", "bx", "-f", "-", ctxDir).Success(t)
		if got := e.MustPod("run", "--rm", "bx", "sh", "-c", "echo $A").Stdout; got != "1\n" {
			t.Errorf("buildx build image: %q", got)
		}
	})
}

// TestBuildBadInput checks the failures a user meets.
func TestBuildBadInput(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		bb := suite.images.Busybox
		ctxDir := writeContext(t, e, "ctx", map[string]string{
			"Dockerfile": fmt.Sprintf("FROM %s\nRUN echo ok\nFROOM x\n", bb),
			"fail":       fmt.Sprintf("FROM %s\nRUN echo failing-output; exit 3\n", bb),
			"outside":    fmt.Sprintf("FROM %s\nCOPY ../etc/passwd /x\n", bb),
			"nostage":    fmt.Sprintf("FROM %s\nCOPY --from=nosuchstage /x /x\n", bb),
			"nobase":     "FROM localhost/no-such-base-image\n",
			"missing":    fmt.Sprintf("FROM %s\nCOPY nosuchfile /x\n", bb),
		})
		e.Pod("build", ctxDir).Fails(t, 125, "Dockerfile:3")
		r := e.Pod("build", "-f", filepath.Join(ctxDir, "fail"), ctxDir)
		r.Fails(t, 3, `building at STEP "RUN echo failing-output; exit 3": while running runtime: exit status 3`)
		if !strings.Contains(r.Stdout, "failing-output") {
			t.Errorf("the failing step's output is missing:\n%s", r.Stdout)
		}
		if ps := e.MustPod("ps", "-a", "-q").Stdout; ps != "" {
			t.Errorf("a failed build left containers: %q", ps)
		}
		e.Pod("build", "-f", filepath.Join(ctxDir, "outside"), ctxDir).Fails(t, 125, "outside the build context")
		e.Pod("build", "--retry", "0", "-f", filepath.Join(ctxDir, "nostage"), ctxDir).Fails(t, 125, "nosuchstage")
		e.Pod("build", "--retry", "0", "-f", filepath.Join(ctxDir, "nobase"), ctxDir).Fails(t, 125, "no-such-base-image")
		e.Pod("build", "-f", filepath.Join(ctxDir, "missing"), ctxDir).Fails(t, 125, "nosuchfile: no such file or directory")
		e.Pod("build", "--target", "nope", "-f", filepath.Join(ctxDir, "missing"), ctxDir).Fails(t, 125, `target stage "nope" not found`)
	})
}

// TestBuildInterrupted interrupts a build during a RUN step, as Ctrl-C
// does: the build fails and leaves no container behind.
func TestBuildInterrupted(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		ctxDir := writeContext(t, e, "ctx", map[string]string{
			"Dockerfile": fmt.Sprintf("FROM %s\nRUN echo started; sleep 60\n", suite.images.Busybox),
		})
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := e.Command(ctx, "build", ctxDir)
		pr, pw := io.Pipe()
		cmd.Stdout = pw
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		started := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(pr)
			for sc.Scan() {
				if sc.Text() == "started" {
					close(started)
				}
			}
		}()
		select {
		case <-started:
		case <-ctx.Done():
			t.Fatal("the RUN step never started")
		}
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		pw.Close()
		if err == nil {
			t.Fatal("an interrupted build succeeded")
		}
		if ps := e.MustPod("ps", "-a", "-q").Stdout; ps != "" {
			t.Errorf("an interrupted build left containers: %q", ps)
		}
	})
}

// TestBuildRunMounts runs RUN steps with cache, bind and secret mounts.
func TestBuildRunMounts(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		df := fmt.Sprintf(`FROM %s AS other
RUN echo from-stage > /staged
FROM %s
RUN --mount=type=cache,target=/cache echo kept >> /cache/log; cat /cache/log | wc -l > /count
RUN --mount=type=bind,source=data,target=/data cat /data/in.txt > /bound
RUN --mount=type=bind,from=other,source=/staged,target=/s cat /s > /from-stage
RUN --mount=type=secret,id=tok cat /run/secrets/tok > /secret-copy
`, suite.images.Busybox, suite.images.Busybox)
		ctxDir := writeContext(t, e, "ctx", map[string]string{"Dockerfile": df, "data/in.txt": "bound file\n", "tok": "s3cret\n"})
		e.MustPod("build", "-q", "--secret", "id=tok,src="+filepath.Join(ctxDir, "tok"), "-t", "mounts", ctxDir)
		got := e.MustPod("run", "--rm", "mounts", "cat", "/count", "/bound", "/from-stage", "/secret-copy").Stdout
		if got != "1\nbound file\nfrom-stage\ns3cret\n" {
			t.Fatalf("mounts image: %q", got)
		}
		// The cache mount outlives the build: a rebuild without the layer
		// cache sees the first build's line.
		e.MustPod("build", "-q", "--no-cache", "--secret", "id=tok,src="+filepath.Join(ctxDir, "tok"), "-t", "mounts", ctxDir)
		if got := e.MustPod("run", "--rm", "mounts", "cat", "/count").Stdout; got != "2\n" {
			t.Errorf("cache mount lines after a second build: %q, want 2", got)
		}
	})
}

// TestBuildHeredocsAndLabels covers heredoc forms, predefined platform
// ARGs, ENTRYPOINT and SHELL, WORKDIR's directory, and --label.
func TestBuildHeredocsAndLabels(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		df := fmt.Sprintf(`FROM %s
ARG TARGETARCH
ENV WHO=world
RUN <<EOF
#!/bin/sh
echo "script via $0" > /script
EOF
COPY <<EOF /expanded
hello $WHO, it's $TARGETARCH
EOF
COPY <<'EOF' /literal
hello $WHO
EOF
RUN cat > /fed <<EOF
fed
EOF
SHELL ["/bin/sh", "-ec"]
ENTRYPOINT echo entry
USER nobody
WORKDIR /work/dir
`, suite.images.Busybox)
		ctxDir := writeContext(t, e, "ctx", map[string]string{"Dockerfile": df})
		e.MustPod("build", "-q", "--label", "built.by=pod", "-t", "heredocs", ctxDir)
		got := e.MustPod("run", "--rm", "--entrypoint", "cat", "heredocs", "/script", "/expanded", "/literal", "/fed").Stdout
		want := "script via /dev/pipes/EOF\nhello world, it's " + runtime.GOARCH + "\nhello $WHO\nfed\n"
		if got != want {
			t.Errorf("heredoc files:\n%q, want\n%q", got, want)
		}
		if got := e.MustPod("run", "--rm", "--entrypoint", "stat", "heredocs", "-c", "%u %n", "/work/dir").Stdout; got != "65534 /work/dir\n" {
			t.Errorf("WORKDIR after USER nobody: %q, want the directory made, owned by nobody", got)
		}
		if got := e.MustPod("run", "--rm", "heredocs").Stdout; got != "entry\n" {
			t.Errorf("shell-form ENTRYPOINT printed %q", got)
		}
		if got := e.MustPod("image", "inspect", "--format", `{{index .Config.Labels "built.by"}} {{.Config.Entrypoint}}`, "heredocs").Stdout; strings.TrimSpace(got) != "pod [/bin/sh -ec echo entry]" {
			t.Errorf("label and entrypoint: %q", got)
		}
	})
}

// TestBuildHardLinksAndHealthcheck: COPY keeps the hard links of the
// context (one inode, two names), and a HEALTHCHECK in an OCI-format build
// draws podman's warning.
func TestBuildHardLinksAndHealthcheck(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		ctx := writeContext(t, e, "ctx", map[string]string{
			"Dockerfile": "FROM " + img + "\nCOPY . /h/\nHEALTHCHECK --interval=5s CMD true\n",
			"a":          "linked\n",
		})
		if err := os.Link(filepath.Join(ctx, "a"), filepath.Join(ctx, "b")); err != nil {
			t.Fatal(err)
		}
		r := e.MustPod("build", "-t", "fl-links", ctx)
		if !strings.Contains(r.Stderr, "HEALTHCHECK is not supported for OCI image format") {
			t.Errorf("build --format oci with HEALTHCHECK: no warning on stderr: %q", r.Stderr)
		}
		got := e.MustPod("run", "--rm", "fl-links", "stat", "-c", "%i %h", "/h/a", "/h/b").Lines()
		if len(got) != 2 || got[0] != got[1] || !strings.HasSuffix(got[0], " 2") {
			t.Fatalf("COPY of two hard links: stat says %q, want one inode with two links", got)
		}
		// pod keeps it in the OCI image, as the warning says.
		e.MustPod("create", "--name", "fl-hc", "fl-links", "sleep", "1")
		if got := out(e.MustPod("inspect", "-f", "{{.Config.Healthcheck.Test}} {{.Config.Healthcheck.Interval}}", "fl-hc")); got != "[CMD-SHELL true] 5s" {
			t.Errorf("the OCI image's HEALTHCHECK reached the container as %q", got)
		}
		r = e.MustPod("build", "--format", "docker", "-t", "fl-links-docker", ctx)
		if strings.Contains(r.Stderr, "HEALTHCHECK") {
			t.Errorf("build --format docker warned: %q", r.Stderr)
		}
	})
}

// TestBuildRunFlags: --network, --add-host, --ulimit and --volume reach
// every RUN step; --env lands in the image; --ignorefile replaces the
// context's ignore file; --logfile takes the output; --pull-never and a
// foreign --platform are refused.
func TestBuildRunFlags(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		df := fmt.Sprintf(`FROM %s
RUN ls /sys/class/net > /nets; grep buildhost /etc/hosts > /hosts; ulimit -n > /ulimit; cat /vol/in.txt > /vol-copy
COPY . /ctx/
`, img)
		ctxDir := writeContext(t, e, "ctx", map[string]string{"Dockerfile": df, "keep.txt": "k\n", "secret.txt": "s\n"})
		volDir := writeContext(t, e, "vol", map[string]string{"in.txt": "from the volume\n"})
		ignore := e.WriteFile("myignore", []byte("secret.txt\n"))
		logfile := e.Path("build.log")
		r := e.MustPod("build", "-t", "flags", "--network", "none", "--add-host", "buildhost:10.137.2.2", "--ulimit", "nofile=300:400",
			"-v", volDir+":/vol:ro", "--env", "BUILDENV=yes", "--ignorefile", ignore, "--logfile", logfile,
			"--platform", "linux/"+runtime.GOARCH, "--progress", "plain", "--jobs", "2", "--tls-verify=false", ctxDir)
		if strings.Contains(r.Stdout, "STEP") {
			t.Errorf("--logfile: steps on stdout:\n%s", r.Stdout)
		}
		if b, err := os.ReadFile(logfile); err != nil || !strings.Contains(string(b), "STEP 2/3: RUN") {
			t.Errorf("--logfile: %v\n%s", err, b)
		}
		got := e.MustPod("run", "--rm", "flags", "sh", "-c", `cat /nets /hosts /ulimit /vol-copy; echo $BUILDENV; ls /ctx`).Stdout
		if want := "lo\n10.137.2.2\tbuildhost\n300\nfrom the volume\nyes\nDockerfile\nkeep.txt\n"; got != want {
			t.Errorf("image built with RUN flags:\n%q\nwant\n%q", got, want)
		}
		// -o writes the image's filesystem too: a directory, a tar.
		outDir, outTar := e.Path("out"), e.Path("out.tar")
		e.MustPod("build", "-q", "-o", "type=local,dest="+outDir, "--ignorefile", ignore, ctxDir)
		if b, err := os.ReadFile(filepath.Join(outDir, "ctx", "keep.txt")); err != nil || string(b) != "k\n" {
			t.Errorf("-o type=local: %v %q", err, b)
		}
		if _, err := os.Stat(filepath.Join(outDir, "bin", "busybox")); err != nil {
			t.Errorf("-o type=local lacks the base image's files: %v", err)
		}
		e.MustPod("build", "-q", "--output", "type=tar,dest="+outTar, ctxDir)
		if b, err := os.ReadFile(outTar); err != nil || !bytes.Contains(b, []byte("ctx/secret.txt")) {
			t.Errorf("-o type=tar: %v (%d bytes)", err, len(b))
		}
		e.Pod("build", "-o", "type=oci,dest=x", ctxDir).Fails(t, 125, "type must be local or tar")
		e.Pod("build", "--pull-never", "-t", "never", writeContext(t, e, "ctx2", map[string]string{"Dockerfile": "FROM localhost/no-such-base\n"})).
			Fails(t, 125, "--pull=never")
		other := "linux/s390x"
		if runtime.GOARCH == "s390x" {
			other = "linux/arm64"
		}
		// A base image of the host's platform is not one of another's.
		e.Pod("build", "--platform", other, ctxDir).Fails(t, 125, other)
		e.Pod("build", "--ulimit", "nofile", ctxDir).Fails(t, 125, "invalid --ulimit")
	})
}
