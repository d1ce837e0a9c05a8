package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/jsonstream"

	pbuild "github.com/pod-engine/pod/pkg/build"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/images"
)

// unsupportedBuildParams are the classic builder's knobs pod's builder
// has no equivalent for: a request that sets one is refused, never built
// without it. The docker CLI sends each only when the user asked.
var unsupportedBuildParams = []string{
	"remote", "securityopt", "extrahosts", "ulimits", "cachefrom", "outputs",
}

// imageBuild serves POST /build, Docker's classic (BuildKit-free) build:
// the body is a tar archive of the context, the answer a stream of JSON
// messages as the classic builder writes them. A build that fails once
// the stream began (a RUN step exiting non-zero) is reported in the
// stream with status 200, as Docker does; bad parameters, a bad context
// or a missing Dockerfile are answered with an error status before it.
func (s *Server) imageBuild(w http.ResponseWriter, req *http.Request) {
	o, err := buildOptions(req.URL.Query())
	if err != nil {
		writeBodyError(w, req, err)
		return
	}
	// Unpacked through pkg/build, which keeps every path of the archive
	// inside a private directory.
	bctx, err := pbuild.OpenContext("-", req.Body, "")
	if err != nil {
		writeBodyError(w, req, err)
		return
	}
	defer bctx.Close()
	df, err := contextDockerfile(bctx, req.URL.Query().Get("dockerfile"))
	if err != nil {
		writeBodyError(w, req, err)
		return
	}
	o.ContextDir, o.Dockerfile, o.Stdin = bctx.Dir, "-", strings.NewReader(string(df))

	ps := newProgressStream(w)
	out := &buildOutput{send: func(l string) { ps.send(jsonstream.Message{Stream: l}) }}
	o.Out, o.Err = out, out
	id, err := s.rt.Build(req.Context(), o)
	out.flush()
	if err != nil {
		ps.send(buildError(err))
		return
	}
	id = "sha256:" + strings.TrimPrefix(id, "sha256:")
	aux, _ := json.Marshal(build.Result{ID: id})
	raw := json.RawMessage(aux)
	ps.send(jsonstream.Message{Aux: &raw})
	if o.Quiet {
		ps.send(jsonstream.Message{Stream: id + "\n"})
		return
	}
	ps.send(jsonstream.Message{Stream: "Successfully built " + shortImageID(id) + "\n"})
	for _, t := range o.Tags {
		ps.send(jsonstream.Message{Stream: "Successfully tagged " + withTag(t) + "\n"})
	}
}

// maxDrain bounds what is read of a request body that was refused before
// it was read.
const maxDrain = 64 << 20

// writeBodyError answers err to a request whose body (a build context, an
// image tarball) the client may still be sending: the rest is read first,
// up to maxDrain, so that the client hears the error instead of a broken
// pipe.
func writeBodyError(w http.ResponseWriter, req *http.Request, err error) {
	io.Copy(io.Discard, io.LimitReader(req.Body, maxDrain))
	writeError(w, err)
}

// buildOptions reads the build's query parameters as Docker defines them.
func buildOptions(q url.Values) (images.BuildOptions, error) {
	var o images.BuildOptions
	if v := q.Get("version"); v == string(build.BuilderBuildKit) {
		return o, errdefs.NotImplementedf("BuildKit builds are not supported by pod's API service: use the classic builder (DOCKER_BUILDKIT=0)")
	}
	for _, p := range unsupportedBuildParams {
		if v := q.Get(p); v != "" && v != "0" && v != "[]" && v != "{}" && v != "null" {
			return o, errdefs.NotImplementedf("build parameter %s is not supported by pod's builder", p)
		}
	}
	switch nm := q.Get("networkmode"); nm {
	case "", "default", "bridge":
	default:
		return o, errdefs.NotImplementedf("build networkmode %q is not supported by pod's builder", nm)
	}
	if p := q.Get("platform"); p != "" && !hostPlatform(p) {
		return o, errdefs.NotImplementedf("build platform %q: only the host's platform (linux/%s) can be built", p, runtime.GOARCH)
	}
	switch iso := q.Get("isolation"); iso {
	case "", "default", "process":
	default:
		return o, errdefs.NotImplementedf("build isolation %q is not supported by pod's builder", iso)
	}
	if err := buildLimits(q, &o.Run); err != nil {
		return o, err
	}
	o.Tags = q["t"]
	o.Target = q.Get("target")
	o.NoCache = boolParam(q, "nocache")
	o.Squash = boolParam(q, "squash")
	o.Quiet = boolParam(q, "q")
	// The classic builder keeps each step's image as its cache; rm and
	// forcerm are about step containers, which pod never keeps.
	o.Layers = true
	o.Pull = "missing"
	if boolParam(q, "pull") {
		o.Pull = "always"
	}
	if v := q.Get("buildargs"); v != "" {
		var args map[string]*string
		if err := json.Unmarshal([]byte(v), &args); err != nil {
			return o, errdefs.InvalidArgumentf("buildargs: not a JSON object of strings: %v", err)
		}
		o.BuildArgs = map[string]string{}
		for k, v := range args {
			// A null value is an ARG the client had no value for: the
			// Dockerfile's default applies.
			if v != nil {
				o.BuildArgs[k] = *v
			}
		}
	}
	if v := q.Get("labels"); v != "" {
		if err := json.Unmarshal([]byte(v), &o.Labels); err != nil {
			return o, errdefs.InvalidArgumentf("labels: not a JSON object of strings: %v", err)
		}
	}
	return o, nil
}

// buildLimits reads the RUN steps' cgroup limits: memory, memswap and
// shmsize in bytes, the CPU knobs as numbers, cpusets and cgroupparent as
// strings, as `pod build`'s flags of the same meaning take them.
func buildLimits(q url.Values, r *images.BuildRunOptions) error {
	num := func(key string) (int64, error) {
		v := q.Get(key)
		if v == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, errdefs.InvalidArgumentf("build parameter %s=%q: not a number", key, v)
		}
		return n, nil
	}
	size := func(key string, dst *string) error {
		n, err := num(key)
		if err == nil && n != 0 {
			*dst = strconv.FormatInt(n, 10)
		}
		return err
	}
	for key, dst := range map[string]*string{"memory": &r.Memory, "memswap": &r.MemorySwap, "shmsize": &r.ShmSize} {
		if err := size(key, dst); err != nil {
			return err
		}
	}
	for key, dst := range map[string]*uint64{"cpushares": &r.CPUShares, "cpuperiod": &r.CPUPeriod} {
		n, err := num(key)
		if err != nil || n < 0 {
			return errdefs.InvalidArgumentf("build parameter %s=%q: not a positive number", key, q.Get(key))
		}
		*dst = uint64(n)
	}
	n, err := num("cpuquota")
	if err != nil {
		return err
	}
	r.CPUQuota = n
	r.CpusetCpus, r.CpusetMems, r.CgroupParent = q.Get("cpusetcpus"), q.Get("cpusetmems"), q.Get("cgroupparent")
	return nil
}

// boolParam is boolValue for parsed query values.
func boolParam(q url.Values, key string) bool {
	switch strings.ToLower(strings.TrimSpace(q.Get(key))) {
	case "", "0", "no", "false", "none":
		return false
	}
	return true
}

// contextDockerfile reads the Dockerfile named (a path inside the
// context; the docker CLI puts one from outside the context into the
// archive under a name of its own) or, unnamed, Dockerfile as Docker
// looks for it (then dockerfile, then pod's Containerfile). The name
// resolves inside the context: a symlink out of it names the context's
// own file, never the host's.
func contextDockerfile(bctx *pbuild.Context, name string) ([]byte, error) {
	if bctx.Dockerfile != nil {
		return bctx.Dockerfile, nil // a lone Dockerfile was sent
	}
	names := []string{name}
	if name == "" {
		names = []string{"Dockerfile", "dockerfile", "Containerfile"}
	}
	for _, n := range names {
		f, err := pbuild.OpenInContext(bctx.Dir, n)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("open %s in the build context: %w", n, err)
		}
		defer f.Close()
		return io.ReadAll(f)
	}
	if name == "" {
		name = "Dockerfile"
	}
	return nil, errdefs.InvalidArgumentf("Cannot locate specified Dockerfile: %s", name)
}

// buildError is the stream's error message for a failed build: a RUN
// step's exit code is its code, which the docker CLI exits with.
func buildError(err error) jsonstream.Message {
	code := 1
	var re *pbuild.RunError
	if errors.As(err, &re) && re.Code > 0 {
		code = re.Code
	}
	return jsonstream.Message{Error: &jsonstream.Error{Code: code, Message: err.Error()}}
}

// hostPlatform reports whether p names the host's platform, the only one
// pod builds or imports for.
func hostPlatform(p string) bool {
	return p == "linux" || p == "linux/"+runtime.GOARCH
}

// withTag is name with ":latest" when it has no tag or digest, as Docker
// reports a tag.
func withTag(name string) string {
	if i := strings.LastIndexAny(name, ":@"); i > strings.LastIndex(name, "/") {
		return name
	}
	return name + ":latest"
}

func shortImageID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

var (
	podStepLine   = regexp.MustCompile(`^(?:\[\d+/\d+\] )?STEP (\d+/\d+): (.*)$`)
	podResultLine = regexp.MustCompile(`^(?:\[\d+/\d+\] )?--> (.*)$`)
	podCommitLine = regexp.MustCompile(`^(?:\[\d+/\d+\] )?COMMIT(?: |$)`)
)

// buildOutput turns the builder's lines into the classic builder's
// stream: "Step 1/4 : FROM busybox", " ---> 0123456789ab", RUN output as
// it comes. Tags are reported after "Successfully built" (docker-py reads
// the image ID from that line), as the client named them.
type buildOutput struct {
	mu   sync.Mutex
	send func(line string) // one line of the stream, newline included
	buf  []byte
	last string // the line sent last
}

func (b *buildOutput) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	for {
		i := bytes.IndexByte(b.buf, '\n')
		if i < 0 {
			break
		}
		b.line(string(b.buf[:i]))
		b.buf = b.buf[i+1:]
	}
	return len(p), nil
}

// flush sends a last line that had no newline.
func (b *buildOutput) flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf) > 0 {
		b.line(string(b.buf))
		b.buf = nil
	}
}

func (b *buildOutput) line(l string) {
	switch {
	case podCommitLine.MatchString(l):
		return
	case strings.HasPrefix(l, "Successfully tagged "):
		return // said after "Successfully built", with the names as given
	}
	if m := podStepLine.FindStringSubmatch(l); m != nil {
		l = "Step " + m[1] + " : " + m[2]
	} else if m := podResultLine.FindStringSubmatch(l); m != nil {
		l = " ---> " + m[1]
		if l == b.last {
			return // the last step's image, said again for the stage
		}
	}
	b.last = l
	b.send(l + "\n")
}
