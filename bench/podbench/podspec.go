package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// newPodSpecRunc prepares a second floor: `runc run` of the config.json pod
// itself generates for `run --network none busybox true` (Docker's seccomp
// profile, cgroups, pod's mounts), on a busybox root filesystem of its own.
// Against the plain floor it shows what the spec costs inside the runtime;
// against pod it shows what the engine adds. Root only: a rootless pod spec
// names the user namespace of pod's pause process, which runc alone cannot
// enter.
func (b *bench) newPodSpecRunc(ctx context.Context, s *side) (*engine, error) {
	pod := s.pod
	if why := b.missing(pod, []string{"run", "rm"}); why != "" {
		return nil, fmt.Errorf("%s", why)
	}
	if why := s.broken[pod]; why != "" {
		return nil, fmt.Errorf("%s", why)
	}
	out, err := pod.must(ctx, "run", "-d", "--network", "none", "--name", "specprobe", b.im.busybox, "sleep", "3600")
	if err != nil {
		return nil, err
	}
	defer func() { _ = rmForce(context.Background(), pod, "specprobe") }()
	id := lastLine(out)
	matches, _ := filepath.Glob(filepath.Join(pod.dir, "root", "*-containers", id, "userdata", "config.json"))
	if len(matches) != 1 {
		return nil, fmt.Errorf("config.json of container %s not found under %s", id, pod.dir)
	}
	userdata := filepath.Dir(matches[0])
	dir := filepath.Join(b.dir, s.acct.label, "runc-podspec")
	bundle, files, state := filepath.Join(dir, "bundle"), filepath.Join(dir, "files"), filepath.Join(dir, "state")
	rootfs := filepath.Join(bundle, "rootfs")
	if err := mkdirFor(s.acct, 0o755, dir, bundle, files, state, rootfs); err != nil {
		return nil, err
	}
	if r := run(s.acct.command(ctx, s.acct.env(), "tar", "-C", rootfs, "-xf", b.im.rootfsTar)); r.err != nil {
		return nil, r.failure()
	}
	data, err := os.ReadFile(matches[0])
	if err != nil {
		return nil, err
	}
	var spec map[string]any
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, fmt.Errorf("pod's config.json: %w", err)
	}
	spec["root"] = map[string]any{"path": rootfs}
	delete(spec, "hooks")
	proc, _ := spec["process"].(map[string]any)
	if proc == nil {
		return nil, fmt.Errorf("pod's config.json: no process")
	}
	proc["args"], proc["terminal"] = []string{"true"}, false
	// pod's per-container files (hostname, hosts, resolv.conf) are copied:
	// the container they belong to is removed.
	mounts, _ := spec["mounts"].([]any)
	for _, m := range mounts {
		mm, _ := m.(map[string]any)
		src, _ := mm["source"].(string)
		if !strings.HasPrefix(src, userdata+"/") {
			continue
		}
		body, err := os.ReadFile(src)
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", src, err)
		}
		dst := filepath.Join(files, filepath.Base(src))
		if err := os.WriteFile(dst, body, 0o644); err != nil {
			return nil, err
		}
		mm["source"] = dst
	}
	if linux, _ := spec["linux"].(map[string]any); linux != nil {
		linux["cgroupsPath"] = "podbench/floor-podspec"
		// Namespaces pod made for the container by path are made anew.
		if nss, _ := linux["namespaces"].([]any); nss != nil {
			for _, ns := range nss {
				if m, _ := ns.(map[string]any); m != nil {
					delete(m, "path")
				}
			}
		}
	}
	if data, err = json.MarshalIndent(spec, "", "\t"); err != nil {
		return nil, err
	}
	if err := writeFor(s.acct, filepath.Join(bundle, "config.json"), string(data)); err != nil {
		return nil, err
	}
	return &engine{name: "runc", bin: "runc", acct: s.acct, dir: dir, env: s.acct.env(),
		global: []string{"--root", state, "run", "--bundle", bundle}}, nil
}
