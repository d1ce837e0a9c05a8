package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pod-engine/pod/pkg/idmap"
	"github.com/pod-engine/pod/pkg/specgen"
)

// A container's --secret uses. At create the data of each secret is
// copied into the container's userdata directory (secrets/N, N the use's
// index): the container keeps what the secret held then, whatever later
// happens to the secret (podman's documented behaviour, which makes
// `secret rm` safe while containers use it). At start a mount use is
// bound read-only at its target, an env use read into the environment.

// resolveSecrets parses the --secret options into cfg.Secrets and returns
// each use's data, read now so that a missing secret fails the create
// before anything is made.
func (r *Runtime) resolveSecrets(ctx context.Context, list []string, cfg *ContainerConfig) ([][]byte, error) {
	var data [][]byte
	for _, spec := range list {
		m, err := specgen.ParseSecret(spec)
		if err != nil {
			return nil, err
		}
		s, err := r.Secret(ctx, m.Name)
		if err != nil {
			return nil, fmt.Errorf("--secret %s: %w", m.Name, err)
		}
		b, err := r.SecretData(ctx, s)
		if err != nil {
			return nil, err
		}
		m.Name, m.ID = s.Name, s.ID
		cfg.Secrets = append(cfg.Secrets, m)
		data = append(data, b)
	}
	return data, nil
}

// secretsDirOf is a container's copy of its secrets.
func containerSecretsDir(userdata string) string { return filepath.Join(userdata, "secrets") }

// writeContainerSecrets copies the secrets' data into the container's
// directory. The directory belongs to the container's root, files to the
// uid:gid each use asks for (mapped into pod's namespace), with its mode.
func (r *Runtime) writeContainerSecrets(id string, cfg *ContainerConfig, data [][]byte) error {
	if len(cfg.Secrets) == 0 {
		return nil
	}
	userdata, err := r.userdataDir(id)
	if err != nil {
		return err
	}
	dir := containerSecretsDir(userdata)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("copy secrets: %w", err)
	}
	rootUID, uok := idmap.ToHost(cfg.UIDMap, 0)
	rootGID, gok := idmap.ToHost(cfg.GIDMap, 0)
	if uok && gok {
		if err := os.Chown(dir, int(rootUID), int(rootGID)); err != nil {
			return fmt.Errorf("copy secrets: %w", err)
		}
	}
	for i, m := range cfg.Secrets {
		p := filepath.Join(dir, strconv.Itoa(i))
		mode := os.FileMode(0o400)
		if m.Type == "mount" {
			mode = os.FileMode(m.Mode)
		}
		if err := os.WriteFile(p, data[i], 0o600); err != nil {
			return fmt.Errorf("copy secret %s: %w", m.Name, err)
		}
		uid, gid := uint32(0), uint32(0)
		if m.Type == "mount" {
			uid, gid = m.UID, m.GID
		}
		hu, uok := idmap.ToHost(cfg.UIDMap, uid)
		hg, gok := idmap.ToHost(cfg.GIDMap, gid)
		if !uok || !gok {
			return invalidf("--secret %s: owner %d:%d is not mapped in the container's user namespace", m.Name, uid, gid)
		}
		if err := os.Chown(p, int(hu), int(hg)); err != nil {
			return fmt.Errorf("copy secret %s: give it to %d:%d: %w", m.Name, uid, gid, err)
		}
		if err := os.Chmod(p, mode); err != nil {
			return fmt.Errorf("copy secret %s: %w", m.Name, err)
		}
	}
	return nil
}

// secretMountsAndEnv are the bind mounts and environment a container's
// secrets give its spec.
func secretMountsAndEnv(cfg *ContainerConfig, userdata string, env []string) ([]specs.Mount, []string, error) {
	if len(cfg.Secrets) == 0 {
		return nil, env, nil
	}
	dir := containerSecretsDir(userdata)
	var mounts []specs.Mount
	out := append([]string(nil), env...)
	for i, m := range cfg.Secrets {
		p := filepath.Join(dir, strconv.Itoa(i))
		if m.Type == "env" {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, nil, fmt.Errorf("secret %s: %w", m.Name, err)
			}
			out = setEnv(out, m.Target, string(b))
			continue
		}
		mounts = append(mounts, specs.Mount{Destination: m.Target, Type: "bind", Source: p,
			Options: []string{"bind", "ro", "nosuid", "nodev", "noexec"}})
	}
	return mounts, out, nil
}

// setEnv sets KEY=VALUE in env, replacing an earlier setting of KEY.
func setEnv(env []string, key, value string) []string {
	for i, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == key {
			env[i] = key + "=" + value
			return env
		}
	}
	return append(env, key+"="+value)
}
