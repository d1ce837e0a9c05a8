package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// runMounts turns RUN --mount flags into container mounts (as --mount
// takes them). Supported: type=bind (from the context, a stage or an
// image; read-only), type=cache (a directory kept under CacheDir across
// builds), type=tmpfs and type=secret (a --secret file, read-only).
// type=ssh (an --ssh agent socket, with SSH_AUTH_SOCK in env naming the
// first). Writable binds are refused. extra is what the mounts add to the
// step's cache key.
func (b *Builder) runMounts(ctx context.Context, s *stageState, c *instructions.RunCommand, idx int) (mounts, env []string, extra string, cleanup func(), err error) {
	var releases []func()
	cleanup = func() {
		for _, r := range releases {
			r()
		}
	}
	sshN := 0
	for _, m := range instructions.GetMounts(c) {
		target := m.Target
		if target != "" && !filepath.IsAbs(target) {
			target = s.workdir(target)
		}
		switch m.Type {
		case instructions.MountTypeBind:
			if !m.ReadOnly {
				return nil, nil, "", cleanup, errdefs.InvalidArgumentf("RUN --mount=type=bind,rw: writable bind mounts are not supported")
			}
			root := b.o.Context.Dir
			fromImage := false
			if m.From != "" {
				r, id, dir, release, err := b.mountFrom(ctx, m.From, idx)
				if err != nil {
					return nil, nil, "", cleanup, err
				}
				releases = append(releases, release)
				root, fromImage = r, !dir
				if fromImage {
					extra += "bind-from " + id + "\n"
				}
			}
			if !fromImage {
				src := source{root: root, ignore: b.ignore, what: "build context"}
				if m.From != "" {
					src = source{root: root, what: "build context " + m.From}
				}
				ms, err := src.resolve([]string{orDot(m.Source)})
				if err != nil {
					return nil, nil, "", cleanup, err
				}
				d, err := src.digest(ms)
				if err != nil {
					return nil, nil, "", cleanup, err
				}
				extra += "bind " + d + "\n"
			}
			p, err := securejoin.SecureJoin(root, orDot(m.Source))
			if err != nil {
				return nil, nil, "", cleanup, err
			}
			mounts = append(mounts, fmt.Sprintf("type=bind,source=%s,destination=%s,ro", p, target))
		case instructions.MountTypeCache:
			id := m.CacheID
			if id == "" {
				id = target
			}
			sum := sha256.Sum256([]byte(id))
			dir := filepath.Join(b.o.CacheDir, hex.EncodeToString(sum[:8]))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, nil, "", cleanup, err
			}
			opt := ""
			if m.ReadOnly {
				opt = ",ro"
			}
			mounts = append(mounts, fmt.Sprintf("type=bind,source=%s,destination=%s%s", dir, target, opt))
		case instructions.MountTypeTmpfs:
			mounts = append(mounts, "type=tmpfs,destination="+target)
		case instructions.MountTypeSecret:
			id := m.CacheID
			if id == "" {
				id = filepath.Base(m.Target)
			}
			file, ok := b.o.Secrets[id]
			if !ok {
				if m.Required {
					return nil, nil, "", cleanup, errdefs.NotFoundf("RUN --mount=type=secret: secret %q not given with --secret", id)
				}
				continue
			}
			if target == "" {
				target = "/run/secrets/" + id
			}
			mounts = append(mounts, fmt.Sprintf("type=bind,source=%s,destination=%s,ro", file, target))
		case instructions.MountTypeSSH:
			id := m.CacheID
			if id == "" {
				id = "default"
			}
			sock, ok := b.o.SSH[id]
			if !ok {
				if m.Required {
					return nil, nil, "", cleanup, errdefs.NotFoundf("RUN --mount=type=ssh: no SSH agent or key %q given with --ssh", id)
				}
				continue
			}
			if target == "" {
				// BuildKit's: one socket per ssh mount, numbered.
				target = fmt.Sprintf("/run/buildkit/ssh_agent.%d", sshN)
			}
			sshN++
			mounts = append(mounts, fmt.Sprintf("type=bind,source=%s,destination=%s", sock, target))
			if env == nil {
				env = []string{"SSH_AUTH_SOCK=" + target}
			}
		default:
			return nil, nil, "", cleanup, errdefs.InvalidArgumentf("RUN --mount=type=%s is not supported", m.Type)
		}
	}
	return mounts, env, strings.TrimSpace(extra), cleanup, nil
}

func orDot(s string) string {
	if s == "" {
		return "."
	}
	return s
}
