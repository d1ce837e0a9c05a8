package engine

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	sysuser "github.com/moby/sys/user"

	"github.com/pod-engine/pod/pkg/spec"
)

// defaultPasswdEntry is the line --passwd adds for a --user the image's
// /etc/passwd lacks, as podman writes it.
const defaultPasswdEntry = "$USERNAME:*:$UID:$GID:$NAME:$HOME:/bin/sh"

// hostUserEntries reads --hostuser names or UIDs from the host's
// /etc/passwd: the lines to add to the container's.
func hostUserEntries(names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	users, err := sysuser.ParsePasswdFile("/etc/passwd")
	if err != nil {
		return nil, fmt.Errorf("--hostuser: read the host's /etc/passwd: %w", err)
	}
	var out []string
	for _, n := range names {
		found := false
		for _, u := range users {
			if u.Name == n || strconv.Itoa(u.Uid) == n {
				out = append(out, fmt.Sprintf("%s:x:%d:%d:%s:%s:%s", u.Name, u.Uid, u.Gid, u.Gecos, u.Home, u.Shell))
				found = true
				break
			}
		}
		if !found {
			return nil, invalidf("invalid --hostuser %q: no such user in the host's /etc/passwd", n)
		}
	}
	return out, nil
}

// passwdFiles adds to the container's /etc/passwd (and /etc/group) what
// --hostuser and --passwd ask for: the host users' entries, and an entry
// for a --user the image does not know (podman's --passwd, with
// --passwd-entry's template). The files are written to dir and recorded
// in etcFiles, over an earlier copy there (keep-id's) or the image's.
func passwdFiles(dir, rootfs string, cfg *ContainerConfig, u spec.User, etcFiles map[string]string) error {
	read := func(path string) ([]byte, error) {
		if p, ok := etcFiles[path]; ok {
			return os.ReadFile(p)
		}
		return readInRoot(rootfs, path)
	}
	passwd, err := read("/etc/passwd")
	if err != nil {
		return err
	}
	var add []string
	for _, line := range cfg.HostUsers {
		uid, _ := strconv.Atoi(strings.Split(line, ":")[2])
		if !hasUID(passwd, uint32(uid)) && !hasUIDLine(add, uint32(uid)) {
			add = append(add, line)
		}
	}
	// podman's rule: only a numeric --user the image lacks gets an entry,
	// named by its UID, with the working directory as its home.
	uidText, _, _ := strings.Cut(cfg.User, ":")
	_, numErr := strconv.ParseUint(uidText, 10, 32)
	userEntry := !cfg.NoPasswd && numErr == nil && !hasUID(passwd, u.UID) && !hasUIDLine(add, u.UID)
	if userEntry {
		tmpl := cfg.PasswdEntry
		if tmpl == "" {
			tmpl = defaultPasswdEntry
		}
		vals := map[string]string{"USERNAME": uidText, "UID": uidText, "GID": strconv.Itoa(int(u.GID)), "NAME": "container user", "HOME": cfg.WorkingDir}
		add = append(add, os.Expand(tmpl, func(k string) string { return vals[k] }))
	}
	if len(add) > 0 {
		if err := appendEtc(dir, "/etc/passwd", passwd, add, etcFiles); err != nil {
			return err
		}
	}
	if userEntry {
		group, err := read("/etc/group")
		if err != nil {
			return err
		}
		if !hasGID(group, u.GID) {
			return appendEtc(dir, "/etc/group", group, []string{fmt.Sprintf("%d:x:%d:%s", u.GID, u.GID, uidText)}, etcFiles)
		}
	}
	return nil
}

func hasUIDLine(lines []string, uid uint32) bool {
	return hasUID([]byte(strings.Join(lines, "\n")), uid)
}

// appendEtc writes old with lines appended to dir's copy of path.
func appendEtc(dir, path string, old []byte, lines []string, etcFiles map[string]string) error {
	var b bytes.Buffer
	b.Write(old)
	if b.Len() > 0 && !bytes.HasSuffix(old, []byte("\n")) {
		b.WriteByte('\n')
	}
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	p := filepath.Join(dir, filepath.Base(path))
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	etcFiles[path] = p
	return nil
}
