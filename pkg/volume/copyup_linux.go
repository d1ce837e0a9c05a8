package volume

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// IsEmpty reports whether dir has no entries.
func IsEmpty(dir string) (bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		return false, err
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return false, err
}

// CopyUp copies the tree at src into the existing directory dst, as Docker
// fills a new, empty volume from the image's content at the mount point:
// files, directories, symbolic links (never followed), hard links (kept
// linked), devices, fifos and sockets, each with its owner, mode and
// modification time; dst itself takes src's owner and mode. src must
// already be resolved inside the container's root filesystem.
func CopyUp(src, dst string) error {
	st, err := os.Lstat(src)
	if err != nil {
		return fmt.Errorf("copy up %s: %w", src, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("copy up %s: not a directory", src)
	}
	links := map[inode]string{}
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		return copyEntry(path, target, rel == ".", links)
	})
	if err != nil {
		return fmt.Errorf("copy up %s: %w", src, err)
	}
	// Directory times last: writing entries into a directory changes its
	// modification time.
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		return copyTimes(path, filepath.Join(dst, rel))
	})
	if err != nil {
		return fmt.Errorf("copy up %s: %w", src, err)
	}
	return nil
}

type inode struct{ dev, ino uint64 }

func copyEntry(src, dst string, isRoot bool, links map[inode]string) error {
	var st unix.Stat_t
	if err := unix.Lstat(src, &st); err != nil {
		return fmt.Errorf("stat %s: %w", src, err)
	}
	mode := st.Mode & unix.S_IFMT
	if mode != unix.S_IFDIR && st.Nlink > 1 {
		key := inode{uint64(st.Dev), st.Ino}
		if first, ok := links[key]; ok {
			if err := os.Link(first, dst); err != nil {
				return fmt.Errorf("link %s: %w", dst, err)
			}
			return nil
		}
		links[key] = dst
	}
	perm := os.FileMode(st.Mode & 0o7777)
	switch mode {
	case unix.S_IFDIR:
		if !isRoot {
			if err := os.Mkdir(dst, 0o700); err != nil {
				return fmt.Errorf("create %s: %w", dst, err)
			}
		}
	case unix.S_IFREG:
		if err := copyFile(src, dst); err != nil {
			return err
		}
	case unix.S_IFLNK:
		target, err := os.Readlink(src)
		if err != nil {
			return fmt.Errorf("read link %s: %w", src, err)
		}
		if err := os.Symlink(target, dst); err != nil {
			return fmt.Errorf("create link %s: %w", dst, err)
		}
		if err := os.Lchown(dst, int(st.Uid), int(st.Gid)); err != nil {
			return fmt.Errorf("chown %s: %w", dst, err)
		}
		return nil
	case unix.S_IFCHR, unix.S_IFBLK, unix.S_IFIFO, unix.S_IFSOCK:
		if err := unix.Mknod(dst, st.Mode, int(st.Rdev)); err != nil {
			return fmt.Errorf("create %s: %w", dst, err)
		}
	default:
		return fmt.Errorf("%s: unsupported file type %o", src, mode)
	}
	if err := os.Lchown(dst, int(st.Uid), int(st.Gid)); err != nil {
		return fmt.Errorf("chown %s: %w", dst, err)
	}
	// After chown, which clears set-id bits.
	if err := unix.Chmod(dst, uint32(perm)); err != nil {
		return fmt.Errorf("chmod %s: %w", dst, err)
	}
	if mode != unix.S_IFDIR {
		return copyTimes(src, dst)
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return nil
}

func copyTimes(src, dst string) error {
	var st unix.Stat_t
	if err := unix.Lstat(src, &st); err != nil {
		return fmt.Errorf("stat %s: %w", src, err)
	}
	ts := []unix.Timespec{st.Atim, st.Mtim}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, dst, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set times of %s: %w", dst, err)
	}
	return nil
}
