package build

import (
	"archive/tar"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/containers/storage/pkg/archive"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/fscopy"
)

// Context is the build context: a directory on disk.
type Context struct {
	Dir string
	// Dockerfile is the Dockerfile's content when it came with the
	// context (stdin without a tar archive), else nil.
	Dockerfile []byte
	cleanup    func()
}

// Close removes what OpenContext unpacked.
func (c *Context) Close() {
	if c.cleanup != nil {
		c.cleanup()
	}
}

// OpenContext opens the context the user named: a directory, a tar archive
// (possibly compressed), or "-": standard input holding either a tar
// archive of the context or a lone Dockerfile (an empty context). Archives
// are unpacked into a private directory under tmp.
func OpenContext(src string, stdin io.Reader, tmp string) (*Context, error) {
	if strings.Contains(src, "://") || strings.HasPrefix(src, "git@") {
		return nil, errdefs.InvalidArgumentf("context %s: remote build contexts are not supported", src)
	}
	if src == "-" {
		if stdin == nil {
			return nil, errdefs.InvalidArgumentf("no standard input")
		}
		br := bufio.NewReader(stdin)
		head, _ := br.Peek(1024)
		if !isArchive(head) {
			data, err := io.ReadAll(br)
			if err != nil {
				return nil, fmt.Errorf("read standard input: %w", err)
			}
			dir, err := os.MkdirTemp(tmp, "build-context-")
			if err != nil {
				return nil, err
			}
			return &Context{Dir: dir, Dockerfile: data, cleanup: func() { os.RemoveAll(dir) }}, nil
		}
		return unpackContext(br, tmp)
	}
	fi, err := os.Stat(src)
	if err != nil {
		return nil, errdefs.NotFoundf("context %s: %w", src, err)
	}
	if fi.IsDir() {
		abs, err := filepath.Abs(src)
		if err != nil {
			return nil, err
		}
		return &Context{Dir: abs}, nil
	}
	f, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return unpackContext(f, tmp)
}

func unpackContext(r io.Reader, tmp string) (*Context, error) {
	dir, err := os.MkdirTemp(tmp, "build-context-")
	if err != nil {
		return nil, err
	}
	// Unpacked through an fscopy.Root: a symlink the archive makes (evil ->
	// /etc, then evil/passwd) resolves inside dir, never on the host.
	root, err := fscopy.OpenRoot(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer root.Close()
	dr, err := archive.DecompressStream(r)
	if err != nil {
		os.RemoveAll(dir)
		return nil, errdefs.InvalidArgumentf("unpack the build context: %w", err)
	}
	defer dr.Close()
	if err := untar(dr, root, "/", untarOpts{}); err != nil {
		os.RemoveAll(dir)
		return nil, errdefs.InvalidArgumentf("unpack the build context: %w", err)
	}
	return &Context{Dir: dir, cleanup: func() { os.RemoveAll(dir) }}, nil
}

// isArchive reports whether head starts a tar archive, compressed or not.
func isArchive(head []byte) bool {
	if archive.DetectCompression(head) != archive.Uncompressed {
		return true
	}
	if len(head) < 512 {
		return false
	}
	_, err := tar.NewReader(bytes.NewReader(head[:512])).Next()
	return err == nil || err == io.ErrUnexpectedEOF
}

// OpenInContext opens the file name of the context dir (its Dockerfile,
// its ignore file) resolved inside the context: a hostile context's
// Dockerfile -> /etc/shadow names the context's own /etc/shadow, not the
// host's, which a parse error would otherwise quote.
func OpenInContext(dir, name string) (*os.File, error) {
	root, err := fscopy.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.Open(name, unix.O_RDONLY)
}
