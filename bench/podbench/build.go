package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"strings"
)

// buildTag is the name both engines give the image they build.
const buildTag = "localhost/bench-build:latest"

// buildPayloadSize is the file the Dockerfile's COPY step copies in.
const buildPayloadSize = 2 << 20

// buildDockerfile is the benchmark's 6-step Dockerfile on base: two RUN
// steps that write files (6 MiB, then hash and copy 2 MiB), a COPY of a
// 2 MiB file, an ENV and a CMD, so that a cold build runs two containers and
// commits four layers, and a cached one finds every step.
func buildDockerfile(base string) string {
	return strings.Join([]string{
		"FROM " + base,
		"RUN mkdir -p /data && dd if=/dev/urandom of=/data/random bs=65536 count=64 2>/dev/null && for i in 1 2 3 4 5 6 7 8; do dd if=/dev/zero of=/data/zero$i bs=65536 count=4 2>/dev/null; done",
		"COPY payload /data/payload",
		"ENV BENCH_BUILD=1",
		"RUN sha256sum /data/random /data/payload > /data/sums && cp /data/payload /data/payload.copy",
		`CMD ["sh"]`,
	}, "\n") + "\n"
}

// writeBuildContext makes the build context in dir, owned by the account
// (rootless engines read it as that user): the Dockerfile and the payload.
func writeBuildContext(a *account, dir, base string) error {
	if err := mkdirFor(a, 0o755, dir); err != nil {
		return err
	}
	if err := writeFor(a, filepath.Join(dir, "Dockerfile"), buildDockerfile(base)); err != nil {
		return err
	}
	payload := make([]byte, buildPayloadSize)
	if _, err := rand.Read(payload); err != nil {
		return err
	}
	return writeFor(a, filepath.Join(dir, "payload"), string(payload))
}

// buildArgs is the build command both engines run: the same context, tag
// and pull policy (the base image is already local; podman 4.3's default
// pull policy differs from pod's, so it is given), with or without the
// cache.
func buildArgs(ctxDir string, noCache bool) []string {
	args := []string{"build", "-q", "--pull=missing", "-t", buildTag}
	if noCache {
		args = append(args, "--no-cache")
	}
	return append(args, ctxDir)
}

// removeBuilt removes the built image and the step images under it, so that
// no round inherits another's images.
func removeBuilt(ctx context.Context, e *engine) error {
	if _, err := e.must(ctx, "rmi", "-f", buildTag); err != nil {
		return err
	}
	_, err := e.must(ctx, "image", "prune", "-f")
	return err
}

// buildRows measures `build` of the 6-step Dockerfile cold (--no-cache, the
// previous round's images removed untimed) and fully cached (the same
// context built again).
func (b *bench) buildRows(ctx context.Context, s *side) {
	a, ready := s.acct.label, b.ready(s)
	ctxDir := filepath.Join(b.dir, a, "build-context")
	if err := writeBuildContext(s.acct, ctxDir, b.im.busybox); err != nil {
		b.logf("  build context: %v", err)
		for _, title := range buildTitles() {
			b.add(&row{acct: a, title: title, unit: "ms", pod: &series{absent: "could not make the context: " + short(err)},
				podman: &series{absent: "could not make the context: " + short(err)}}, nil)
		}
		return
	}
	verbs := []string{"build", "rmi"}
	titles := buildTitles()

	b.logf("[%s] build, cold", a)
	res := b.interleave(ctx, timed{title: "build cold", rounds: 5, verbs: verbs, setup: ready,
		args: func(e *engine, i int) []string { return buildArgs(ctxDir, true) },
		// Every round, the warm-up too, leaves nothing behind.
		after: func(ctx context.Context, e *engine, i int) error { return removeBuilt(ctx, e) }}, s.engines()...)
	b.add(&row{acct: a, title: titles[0], unit: "ms", pod: res[0], podman: res[1]}, nil)

	b.logf("[%s] build, cached", a)
	res = b.interleave(ctx, timed{title: "build cached", verbs: verbs,
		setup: func(ctx context.Context, e *engine) error {
			if err := ready(ctx, e); err != nil {
				return err
			}
			_, err := e.must(ctx, buildArgs(ctxDir, false)...)
			return err
		},
		args:     func(e *engine, i int) []string { return buildArgs(ctxDir, false) },
		teardown: removeBuilt}, s.engines()...)
	b.add(&row{acct: a, title: titles[1], unit: "ms", pod: res[0], podman: res[1]}, nil)
}

// buildTitles are the rows' titles: cold, then cached.
func buildTitles() [2]string {
	what := fmt.Sprintf("a 6-step Dockerfile (FROM busybox, RUN writing 6 MiB, COPY of %d MiB, ENV, RUN hashing and copying it, CMD)", buildPayloadSize>>20)
	return [2]string{
		"`build` of " + what + ", cold (`--no-cache`, the previous round's images removed)",
		"`build` of the same context again, every step cached",
	}
}
