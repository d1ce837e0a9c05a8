package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const apiBuildDockerfile = `ARG BASE=%s
FROM $BASE AS builder
ARG MSG=default
RUN echo "built $MSG" > /built
COPY app.txt /src/

FROM $BASE
COPY --from=builder /built /out/built
COPY --from=builder /src/app.txt /out/
COPY . /ctx/
CMD ["sh", "-c", "cat /out/built /out/app.txt; ls /ctx"]
`

// TestAPIDockerBuild builds through the service with the docker CLI's
// classic builder (DOCKER_BUILDKIT=0): a multi-stage Dockerfile with ARG
// and COPY --from, tags, a label, .dockerignore; the result runs; a failing
// RUN fails the build with the step's error and exit code; a raw POST
// /build with q=1 and an ignored file inside the archive.
func TestAPIDockerBuild(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		s := startService(t, e)
		img := suite.images.Busybox
		dir := writeContext(t, e, "apictx", map[string]string{
			"Dockerfile":      fmt.Sprintf(apiBuildDockerfile, img),
			"app.txt":         "from app.txt\n",
			"ignored.txt":     "must not reach the build\n",
			".dockerignore":   "ignored.txt\n",
			"Dockerfile.fail": "FROM " + img + "\nRUN echo about to fail; exit 3\nRUN echo never\n",
		})

		r := s.dockerIn(t, dir, "build", "-t", "apibuilt:v1", "-t", "apibuilt", "--build-arg", "MSG=hello", "--label", "team=pod", ".")
		if r.Code != 0 {
			t.Fatalf("docker build: exit %d\n%s\n%s\nservice: %s", r.Code, r.Stdout, r.Stderr, s.stderr)
		}
		for _, want := range []string{"Step 1/4 : FROM $BASE AS builder", "Step 2/4 : ARG MSG=default", " ---> ",
			"Successfully built ", "Successfully tagged apibuilt:v1", "Successfully tagged apibuilt:latest"} {
			if !strings.Contains(r.Stdout, want) {
				t.Errorf("docker build output lacks %q:\n%s", want, r.Stdout)
			}
		}
		run := s.mustDocker(t, "run", "--rm", "apibuilt:v1")
		if want := "built hello\nfrom app.txt\nDockerfile\nDockerfile.fail\napp.txt\n"; run.Stdout != want {
			t.Errorf("the built image printed %q, want %q", run.Stdout, want)
		}
		if lbl := s.mustDocker(t, "inspect", "-f", "{{.Config.Labels.team}}", "apibuilt").Stdout; strings.TrimSpace(lbl) != "pod" {
			t.Errorf("label of the built image: %q", lbl)
		}

		// A RUN that fails: the step's error and its exit code, and no
		// build container left behind.
		f := s.dockerIn(t, dir, "build", "-f", "Dockerfile.fail", "-t", "apifail", ".")
		if f.Code != 3 || !strings.Contains(f.Stderr, "RUN echo about to fail; exit 3") || !strings.Contains(f.Stdout, "about to fail") {
			t.Errorf("failing build: exit %d\nstdout %s\nstderr %s", f.Code, f.Stdout, f.Stderr)
		}
		if strings.Contains(f.Stdout, "never") {
			t.Errorf("the build went on after the failing step:\n%s", f.Stdout)
		}
		if ps := e.MustPod("ps", "-aq").Stdout; ps != "" {
			t.Errorf("build containers left: %q", ps)
		}
		if r := s.docker(t, "image", "inspect", "apifail"); r.Code == 0 {
			t.Errorf("the failed build was tagged")
		}

		// A raw request: the service itself honours .dockerignore (this
		// archive holds the ignored file), q=1 answers the ID alone.
		body := string(tarBytes(t, map[string]string{
			"Dockerfile":    "FROM " + img + "\nCOPY . /ctx/\n",
			"ignored.txt":   "x\n",
			"kept.txt":      "y\n",
			".dockerignore": "ignored.txt\n",
		}))
		code, out := s.raw(t, "POST", "/v1.44/build?q=1&t=apiraw", body)
		if code != http.StatusOK || !strings.Contains(out, `"aux":{"ID":"sha256:`) || !strings.Contains(out, `{"stream":"sha256:`) || strings.Contains(out, "Step 1/") {
			t.Errorf("POST /build?q=1: %d %s", code, out)
		}
		if ls := s.mustDocker(t, "run", "--rm", "apiraw", "ls", "/ctx").Stdout; ls != "Dockerfile\nkept.txt\n" {
			t.Errorf("ls /ctx of the raw build: %q", ls)
		}

		// A hostile archive: a path out of the context and a Dockerfile
		// that links to the host's shadow file stay inside the context.
		escape := fmt.Sprintf("api-escape-%d.txt", time.Now().UnixNano())
		var hostile bytes.Buffer
		tw := tar.NewWriter(&hostile)
		tw.WriteHeader(&tar.Header{Name: "../" + escape, Mode: 0o644, Size: 2, Typeflag: tar.TypeReg})
		tw.Write([]byte("x\n"))
		tw.WriteHeader(&tar.Header{Name: "Dockerfile", Linkname: "/etc/shadow", Typeflag: tar.TypeSymlink})
		tw.Close()
		code, out = s.raw(t, "POST", "/build", hostile.String())
		if code != http.StatusBadRequest || strings.Contains(out, "root:") {
			t.Errorf("POST /build of a hostile archive: %d %s", code, out)
		}
		if _, err := os.Stat(filepath.Join(os.TempDir(), escape)); err == nil {
			os.Remove(filepath.Join(os.TempDir(), escape))
			t.Errorf("the archive wrote %s outside its context", escape)
		}

		// A client that goes away mid-RUN: the step's container is
		// removed, and nothing of the build stays open in the service.
		fds, gs := s.fds(t), s.goroutines(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		req, _ := http.NewRequestWithContext(ctx, "POST", "http://pod/build?t=apidropped", strings.NewReader(string(tarBytes(t, map[string]string{
			"Dockerfile": "FROM " + img + "\nRUN echo started; sleep 60\n",
		}))))
		resp, err := s.client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var seen []byte
		for buf := make([]byte, 4096); !bytes.Contains(seen, []byte("started")); {
			n, err := resp.Body.Read(buf)
			seen = append(seen, buf[:n]...)
			if err != nil {
				t.Fatalf("build stream ended before its RUN started: %v %s", err, seen)
			}
		}
		cancel()
		resp.Body.Close()
		waitFor(t, func() bool { return e.MustPod("ps", "-aq").Stdout == "" })
		s.settled(t, fds, gs)

		// Refused before any stream: BuildKit, a knob pod's builder lacks,
		// a Dockerfile that is not there.
		for path, want := range map[string]string{
			"/build?version=2":            "DOCKER_BUILDKIT=0",
			"/build?extrahosts=a:1.2.3.4": "extrahosts",
			"/build?dockerfile=nosuch":    "Cannot locate specified Dockerfile: nosuch",
		} {
			code, out := s.raw(t, "POST", path, body)
			if code < 400 || !strings.Contains(apiError(t, out), want) {
				t.Errorf("POST %s: %d %s, want an error naming %q", path, code, out, want)
			}
		}
	})
}
