package oci

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// SpecVersion is the ociVersion to write in config.json for this runtime:
// the runtime-spec version pod is built with, unless the runtime says (the
// "spec:" line of --version) that it implements an older minor version,
// whose number is then written instead. crun before 1.9 refuses any
// ociVersion newer than the one it knows ("unknown version specified"):
// Debian 12's crun 1.8.1 implements 1.0.0. The fields pod uses are the
// same in both; the version is a label the runtime checks, not a format.
// The answer is asked once per Runtime, and kept beside the runtime's
// state directory (in the run root) for the next pod process, keyed by
// the binary's path, size, inode and modification time: asking execs the
// runtime, which cost every `pod run` a runtime start-up. An upgraded or
// replaced binary no longer matches the key and is asked again.
func (r *Runtime) SpecVersion(ctx context.Context) string {
	r.specOnce.Do(func() {
		key := binaryKey(r.Path)
		cache := r.specVersionCache()
		if v, ok := readSpecVersionCache(cache, key); ok {
			r.specVersion = v
			return
		}
		out, err := exec.CommandContext(ctx, r.Path, "--version").Output()
		r.specVersion = specVersionFor(string(out), specs.Version)
		if err == nil && key != "" {
			writeSpecVersionCache(cache, key, r.specVersion)
		}
	})
	return r.specVersion
}

// specVersionCache is the cache file: beside the state directory, not in
// it, where the runtime would take it for a container.
func (r *Runtime) specVersionCache() string {
	return filepath.Join(filepath.Dir(r.StateDir), "."+r.Name()+"-spec-version")
}

// binaryKey identifies the binary at path as it is now, "" when it cannot
// be read.
func binaryKey(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	var ino uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino = st.Ino
	}
	return fmt.Sprintf("%s %d %d %d", path, fi.Size(), ino, fi.ModTime().UnixNano())
}

func readSpecVersionCache(file, key string) (string, bool) {
	if key == "" {
		return "", false
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", false
	}
	k, v, ok := strings.Cut(strings.TrimSuffix(string(data), "\n"), "\n")
	if !ok || k != key || v == "" || strings.ContainsAny(v, "\n ") {
		return "", false
	}
	return v, true
}

// writeSpecVersionCache writes the cache whole or not at all (a temporary
// file renamed into place); a failure only means asking again next time.
func writeSpecVersionCache(file, key, version string) {
	dir := filepath.Dir(file)
	if _, err := os.Stat(dir); err != nil {
		return
	}
	f, err := os.CreateTemp(dir, ".spec-version-*")
	if err != nil {
		return
	}
	_, werr := f.WriteString(key + "\n" + version + "\n")
	cerr := f.Close()
	if werr != nil || cerr != nil || os.Rename(f.Name(), file) != nil {
		_ = os.Remove(f.Name())
	}
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
