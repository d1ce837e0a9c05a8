package oci

import (
	"context"
	"os/exec"
	"strconv"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// SpecVersion is the ociVersion to write in config.json for this runtime:
// the runtime-spec version pod is built with, unless the runtime says (the
// "spec:" line of --version) that it implements an older minor version,
// whose number is then written instead. crun before 1.9 refuses any
// ociVersion newer than the one it knows ("unknown version specified"):
// Debian 12's crun 1.8.1 implements 1.0.0. The fields pod uses are the
// same in both; the version is a label the runtime checks, not a format.
// The answer is asked once per Runtime.
func (r *Runtime) SpecVersion(ctx context.Context) string {
	r.specOnce.Do(func() {
		out, _ := exec.CommandContext(ctx, r.Path, "--version").Output()
		r.specVersion = specVersionFor(string(out), specs.Version)
	})
	return r.specVersion
}

// specVersionFor picks the version to write from `RUNTIME --version`
// output and pod's own version.
func specVersionFor(versionOutput, ours string) string {
	for _, line := range strings.Split(versionOutput, "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "spec:")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		theirs, ok1 := majorMinor(v)
		mine, ok2 := majorMinor(ours)
		if ok1 && ok2 && theirs[0] == mine[0] && theirs[1] < mine[1] {
			return v
		}
		break
	}
	return ours
}

// majorMinor parses the first two numbers of a version such as
// "1.0.2-dev".
func majorMinor(v string) ([2]int, bool) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return [2]int{}, false
	}
	maj, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	return [2]int{maj, minor}, err1 == nil && err2 == nil
}
