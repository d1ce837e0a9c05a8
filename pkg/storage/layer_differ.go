package storage

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	drivers "github.com/containers/storage/drivers"
	"github.com/containers/storage/pkg/archive"
	"github.com/containers/storage/pkg/chrootarchive"
	"github.com/containers/storage/pkg/tarlog"
	"github.com/klauspost/pgzip"
	"github.com/opencontainers/go-digest"
	"github.com/vbatts/tar-split/archive/tar"
	"github.com/vbatts/tar-split/tar/asm"
	tsstorage "github.com/vbatts/tar-split/tar/storage"
)

// streamDiffer is a containers/storage Differ that extracts one layer
// blob, as it arrives from the registry, into a staging directory: it
// decompresses the blob once, records the tar-split metadata that lets
// push and save give back the layer byte for byte, and checks both the
// blob digest and the diffID the image's config promises. The layer
// becomes part of the store only when the caller commits the staging
// directory with ApplyStagedLayer, which it must do only after
// ApplyDiff returned no error.
type streamDiffer struct {
	blob   io.Reader     // the compressed blob, read once to its end
	digest digest.Digest // what the manifest says the blob hashes to
	size   int64         // the blob's size from the manifest, -1 if unknown
	diffID digest.Digest // what the config says the uncompressed tar hashes to
	gzip   bool          // the blob is gzip-compressed; else an uncompressed tar
	tmpDir string        // where the tar-split metadata is buffered
}

// ApplyDiff extracts the layer into dest with the driver's options
// (ID mappings, whiteout format, rootless). It returns an error, and the
// caller discards dest, if the blob or its uncompressed content does not
// hash to what the image promised.
func (d *streamDiffer) ApplyDiff(dest string, options *archive.TarOptions, _ *drivers.DifferOptions) (drivers.DriverWithDifferOutput, error) {
	var out drivers.DriverWithDifferOutput
	// The tar-split metadata goes to an unlinked file: containers/storage
	// reads it back when the layer is committed, and a crash leaves
	// nothing behind.
	tsFile, err := os.CreateTemp(d.tmpDir, "tar-split-")
	if err != nil {
		return out, fmt.Errorf("tar-split file: %w", err)
	}
	_ = os.Remove(tsFile.Name())
	keep := false
	defer func() {
		if !keep {
			tsFile.Close()
		}
	}()

	blobDigester := digest.Canonical.Digester()
	blob := &countingReader{r: io.TeeReader(d.blob, blobDigester.Hash())}
	buffered := bufio.NewReaderSize(blob, 64<<10)
	var uncompressed io.Reader = buffered
	if d.gzip {
		// pgzip inflates in a goroutine of its own, ahead of the reader,
		// so that hashing and extraction overlap with decompression.
		zr, err := pgzip.NewReader(buffered)
		if err != nil {
			return out, fmt.Errorf("decompress layer %s: %w", d.digest, err)
		}
		defer zr.Close() // again on early returns; a second Close does nothing
		uncompressed = zr
	}

	diffIDDigester := digest.Canonical.Digester()
	var rootMode *os.FileMode
	uids, gids := map[uint32]struct{}{}, map[uint32]struct{}{}
	// Like containers/storage's own ApplyDiff, record the owners the
	// layer's files have (whiteouts aside), for ID-mapped containers.
	idLogger, err := tarlog.NewLogger(func(h *tar.Header) {
		if strings.HasPrefix(path.Base(h.Name), archive.WhiteoutPrefix) {
			return
		}
		uids[uint32(h.Uid)] = struct{}{}
		gids[uint32(h.Gid)] = struct{}{}
		if h.Typeflag == tar.TypeDir && path.Clean("/"+h.Name) == "/" {
			m := os.FileMode(h.Mode).Perm()
			rootMode = &m
		}
	})
	if err != nil {
		return out, err
	}
	tarBytes := &countingReader{r: io.TeeReader(uncompressed, io.MultiWriter(diffIDDigester.Hash(), idLogger))}
	tsBuf := bufio.NewWriter(tsFile)
	payload, err := asm.NewInputTarStream(tarBytes, tsstorage.NewJSONPacker(tsBuf), tsstorage.NewDiscardFilePutter())
	if err != nil {
		idLogger.Close()
		return out, err
	}
	untarErr := chrootarchive.UntarUncompressed(payload, dest, options)
	// Read what the extraction left (a tar may end in padding, a broken
	// stream leaves more), so that the digests cover every byte the
	// registry sent. Draining the tar stream ends tar-split's goroutine,
	// closing the decompressor ends its read-ahead: after both, this
	// goroutine is the blob's only reader.
	_, drainErr := io.Copy(io.Discard, payload)
	if zr, ok := uncompressed.(*pgzip.Reader); ok {
		zr.Close()
	}
	_, blobErr := io.Copy(io.Discard, buffered)
	idLogger.Close()
	switch got := blobDigester.Digest(); {
	case blobErr != nil:
		return out, fmt.Errorf("read layer %s: %w", d.digest, blobErr)
	case d.size >= 0 && blob.n != d.size:
		return out, fmt.Errorf("layer %s: received %d bytes, the manifest says %d", d.digest, blob.n, d.size)
	case got != d.digest:
		// Checked before the extraction's result: a wrong blob explains
		// the tar or gzip error it causes better than that error does.
		return out, fmt.Errorf("layer %s: blob digest mismatch: received data hashes to %s", d.digest, got)
	case untarErr != nil:
		return out, fmt.Errorf("extract layer %s: %w", d.digest, untarErr)
	case drainErr != nil:
		return out, fmt.Errorf("read layer %s: %w", d.digest, drainErr)
	}
	if got := diffIDDigester.Digest(); got != d.diffID {
		return out, fmt.Errorf("layer %s: uncompressed content hashes to %s, the image config says %s", d.digest, got, d.diffID)
	}
	if err := tsBuf.Flush(); err != nil {
		return out, fmt.Errorf("tar-split of layer %s: %w", d.digest, err)
	}

	out.UncompressedDigest = d.diffID
	out.CompressedDigest = d.digest
	out.Size = tarBytes.n
	out.UIDs = sortedIDs(uids)
	out.GIDs = sortedIDs(gids)
	out.RootDirMode = rootMode
	out.TarSplit = tsFile
	keep = true
	return out, nil
}

// Close releases nothing: the blob stream belongs to the caller.
func (d *streamDiffer) Close() error { return nil }

func sortedIDs(m map[uint32]struct{}) []uint32 {
	ids := make([]uint32, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
