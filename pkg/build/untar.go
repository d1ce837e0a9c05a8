package build

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/pod-engine/pod/pkg/fscopy"
	"golang.org/x/sys/unix"
)

// untarOpts say how untar gives entries their owners.
type untarOpts struct {
	// keepOwner gives entries the archive's UID and GID (ADD, as Docker
	// does); else they belong to whoever unpacks (a context archive).
	keepOwner bool
}

// untar unpacks the tar stream r under dir, a path inside root. Every
// entry is made through root (fscopy.Root), so that a symlink already there,
// or one the archive made itself (evil -> /etc, then evil/passwd),
// resolves inside root and never on the host; a hard link names an entry
// under dir and links it as it is (a link to a symlink links the symlink,
// and nothing is chmodded through it). Entries climbing above dir
// ("../x") are refused.
func untar(r io.Reader, root *fscopy.Root, dir string, o untarOpts) error {
	base := path.Clean("/" + dir)
	under := func(name string) (string, error) {
		if c := path.Clean(name); c == ".." || strings.HasPrefix(c, "../") {
			return "", fmt.Errorf("archive entry %q leaves the directory it is unpacked into", name)
		}
		return path.Join(base, path.Clean("/"+name)), nil
	}
	type dirTime struct {
		path string
		t    time.Time
	}
	var dirs []dirTime
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read archive: %w", err)
		}
		p, err := under(hdr.Name)
		if err != nil {
			return err
		}
		if p == base && hdr.Typeflag == tar.TypeDir {
			continue // the directory unpacked into keeps its own metadata
		}
		m := fscopy.Meta{Mode: uint32(hdr.Mode) & 0o7777, ModTime: hdr.ModTime}
		if o.keepOwner {
			m.Chown, m.UID, m.GID = true, hdr.Uid, hdr.Gid
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			mt := m.ModTime
			m.ModTime = time.Time{} // set last: entries made inside change it
			err = root.Mkdir(p, m)
			dirs = append(dirs, dirTime{p, mt})
		case tar.TypeReg, tar.TypeRegA:
			err = root.WriteFile(p, tr, m)
		case tar.TypeSymlink:
			err = root.Symlink(p, hdr.Linkname, m)
		case tar.TypeLink:
			var old string
			if old, err = under(hdr.Linkname); err == nil {
				err = root.Link(p, old)
			}
		case tar.TypeFifo:
			err = root.Mknod(p, unix.S_IFIFO, 0, m)
		case tar.TypeChar, tar.TypeBlock:
			mode := uint32(unix.S_IFCHR)
			if hdr.Typeflag == tar.TypeBlock {
				mode = unix.S_IFBLK
			}
			err = root.Mknod(p, mode, int(unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor))), m)
		case tar.TypeXGlobalHeader:
		default:
			err = fmt.Errorf("unsupported entry type %q", hdr.Typeflag)
		}
		if err != nil {
			return fmt.Errorf("unpack %s: %w", hdr.Name, err)
		}
	}
	// Directory times last: making their entries changed them.
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := root.Chtimes(dirs[i].path, dirs[i].t); err != nil {
			return err
		}
	}
	return nil
}
