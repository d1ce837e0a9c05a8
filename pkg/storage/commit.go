package storage

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/containers/image/v5/manifest"
	cstorage "github.com/containers/storage"
	"github.com/containers/storage/pkg/archive"
	"github.com/containers/storage/pkg/idtools"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	specsgo "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Image formats Commit writes.
const (
	FormatOCI    = "oci"
	FormatDocker = "docker"
)

// CommitOptions say what Commit makes.
type CommitOptions struct {
	// Parent is the image the new one is built on; "" starts from
	// nothing (FROM scratch).
	Parent string
	// Layer, when set, is a layer (a container's, or any layer above
	// Parent's top layer) whose contents relative to Parent's top layer
	// become the new image's one new layer. "" adds no layer: the new image
	// differs from Parent by its configuration only.
	Layer string
	// Config is the new image's configuration. RootFS and History are
	// filled in from Parent; OS and Architecture default to Parent's.
	Config dockerspec.DockerOCIImage
	// History is the entry added for this commit; EmptyLayer is set by
	// Commit to say whether a layer was added.
	History v1.History
	// Format is FormatOCI (default) or FormatDocker.
	Format string
	// Names are full image names (see NormalizeName) given to the image.
	Names []string
	// Metadata is stored in the image record (the build cache's key).
	Metadata string
	// Annotations go into the manifest.
	Annotations map[string]string
	// UIDMap and GIDMap are the ID maps of the container whose layer
	// Layer is, if it has any: the new layer records its files under the
	// container's IDs, not the host's.
	UIDMap, GIDMap []idtools.IDMap
	// Timestamp, when set, is the image's creation time and the
	// modification time of every file of the new layer (build
	// --timestamp): the same inputs then give the same image ID.
	Timestamp *time.Time
	// OmitHistory leaves the image without history entries (build
	// --omit-history).
	OmitHistory bool
}

// Commit makes a new image from Parent plus at most one new layer, and
// returns its ID. Layers are stored uncompressed, as containers/image does
// for local images, and compressed when pushed. Nothing is left behind on
// failure.
func (s *Store) Commit(ctx context.Context, o CommitOptions) (id string, err error) {
	format := o.Format
	switch format {
	case "", FormatOCI:
		format = FormatOCI
	case FormatDocker:
	default:
		return "", errdefs.InvalidArgumentf("unknown image format %q (use oci or docker)", o.Format)
	}
	cfg := o.Config
	var parentTop string
	var mappedTops []string
	if o.Parent != "" {
		rec, err := s.Image(o.Parent)
		if err != nil {
			return "", errdefs.NotFoundf("image %s not found", o.Parent)
		}
		parentTop, mappedTops = rec.TopLayer, rec.MappedTopLayers
		pcfg, err := s.RawConfig(ctx, o.Parent)
		if err != nil {
			return "", err
		}
		cfg.History = append([]v1.History(nil), pcfg.History...)
		if cfg.OS == "" {
			cfg.OS, cfg.Architecture, cfg.Variant = pcfg.OS, pcfg.Architecture, pcfg.Variant
		}
	} else {
		cfg.History = nil
	}
	if cfg.OS == "" {
		cfg.OS = "linux"
	}
	if cfg.Architecture == "" {
		cfg.Architecture = runtime.GOARCH
	}

	top := parentTop
	var created *cstorage.Layer
	if o.Layer != "" {
		diff, err := s.spoolDiff(s.diffBase(parentTop, mappedTops, o.Layer), o.Layer, s.diffMaps(o), o.Timestamp)
		if err != nil {
			return "", err
		}
		created, _, err = s.PutLayer("", parentTop, nil, "", false, nil, diff)
		diff.Close()
		os.Remove(diff.Name())
		if err != nil {
			return "", fmt.Errorf("store the new layer: %w", err)
		}
		top = created.ID
	}
	defer func() {
		if err != nil && created != nil {
			if derr := s.DeleteLayer(created.ID); derr != nil {
				logrus.Warnf("remove layer %s: %v", created.ID, derr)
			}
		}
	}()

	chain, err := s.LayerChain(top)
	if err != nil {
		return "", err
	}
	cfg.RootFS = v1.RootFS{Type: "layers"}
	for _, l := range chain {
		if l.UncompressedDigest == "" {
			return "", fmt.Errorf("layer %s has no recorded digest", l.ID)
		}
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, l.UncompressedDigest)
	}
	h := o.History
	h.EmptyLayer = created == nil
	if o.Timestamp != nil {
		ts := o.Timestamp.UTC()
		h.Created, cfg.Created = &ts, &ts
	}
	if h.Created == nil {
		now := time.Now().UTC()
		h.Created = &now
	}
	if cfg.Created == nil {
		cfg.Created = h.Created
	}
	cfg.History = append(cfg.History, h)
	if o.OmitHistory {
		cfg.History = nil
	}

	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return "", err
	}
	cfgDigest := digest.FromBytes(cfgJSON)
	man, err := buildManifest(format, cfgJSON, cfgDigest, chain, o.Annotations)
	if err != nil {
		return "", err
	}
	manDigest, err := manifest.Digest(man)
	if err != nil {
		return "", err
	}
	id = cfgDigest.Encoded()
	img, err := s.CreateImage(id, nil, top, o.Metadata, &cstorage.ImageOptions{
		CreationDate: *cfg.Created,
		Digest:       manDigest,
		BigData: []cstorage.ImageBigDataOption{
			{Key: cfgDigest.String(), Data: cfgJSON, Digest: cfgDigest},
			{Key: manifestBigDataKey(manDigest), Data: man, Digest: manDigest},
			{Key: cstorage.ImageDigestBigDataKey, Data: man, Digest: manDigest},
		},
	})
	if errors.Is(err, cstorage.ErrDuplicateID) {
		// The same configuration on the same layer contents: the image
		// exists already, on its own copy of the layer.
		if created != nil {
			if derr := s.DeleteLayer(created.ID); derr != nil {
				logrus.Warnf("remove duplicate layer %s: %v", created.ID, derr)
			}
			created = nil
		}
		img, err = s.Image(id)
	}
	if err != nil {
		return "", fmt.Errorf("create image: %w", err)
	}
	if len(o.Names) > 0 {
		if err := s.setNamesExclusive(img.ID, o.Names); err != nil {
			if created != nil {
				if _, derr := s.DeleteImage(img.ID, true); derr != nil {
					logrus.Warnf("remove image %s: %v", img.ID, derr)
				}
				created = nil
			}
			return "", err
		}
	}
	return img.ID, nil
}

// setNamesExclusive adds names to the image; containers/storage moves a
// name from whichever image held it before.
func (s *Store) setNamesExclusive(id string, names []string) error {
	if err := s.AddNames(id, names); err != nil {
		return fmt.Errorf("tag image %s: %w", id, err)
	}
	return nil
}

// spoolDiff writes layerDiff to a temporary file: the diff stream holds
// the layer store's lock, which PutLayer needs too.
// With maps, the entries' owners are turned from host IDs into the
// container's; with ts, every entry's times become ts.
func (s *Store) spoolDiff(from, layer string, maps *idtools.IDMappings, ts *time.Time) (*os.File, error) {
	rc, err := s.layerDiff(from, layer)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	f, err := os.CreateTemp(s.sys.BigFilesTemporaryDir, "commit-*.tar")
	if err != nil {
		return nil, fmt.Errorf("create temporary file: %w", err)
	}
	if maps != nil || ts != nil {
		err = rewriteHeaders(f, rc, maps, ts)
	} else {
		_, err = io.Copy(f, rc)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("read the changes of layer %s: %w", layer, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}

// diffMaps are the maps spoolDiff must apply: the container's, when
// storage keeps its layer in host IDs. That is the case when storage
// shifts IDs at mount time (idmapped lower layers; what the container
// writes lands in host IDs) and the layer record has no maps; a layer
// with maps of its own is read back through them by storage already.
func (s *Store) diffMaps(o CommitOptions) *idtools.IDMappings {
	if len(o.UIDMap) == 0 && len(o.GIDMap) == 0 {
		return nil
	}
	if l, err := s.Layer(o.Layer); err != nil || len(l.UIDMap) > 0 || len(l.GIDMap) > 0 {
		return nil
	}
	return idtools.NewIDMappingsFromMaps(o.UIDMap, o.GIDMap)
}

// overflowID is the kernel's default overflowuid/overflowgid: what a
// container sees for an ID its namespace does not map.
const overflowID = 65534

// rewriteHeaders copies the tar stream r to w with each entry's owner
// turned from a host ID into the container's, as the container saw it
// (maps), and its times set to ts.
func rewriteHeaders(w io.Writer, r io.Reader, maps *idtools.IDMappings, ts *time.Time) error {
	tr, tw := tar.NewReader(r), tar.NewWriter(w)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return tw.Close()
		}
		if err != nil {
			return err
		}
		if maps != nil {
			uid, gid, err := maps.ToContainer(idtools.IDPair{UID: hdr.Uid, GID: hdr.Gid})
			if err != nil {
				uid, gid = overflowID, overflowID
			}
			hdr.Uid, hdr.Gid = uid, gid
		}
		if ts != nil {
			hdr.ModTime, hdr.AccessTime, hdr.ChangeTime = ts.UTC(), time.Time{}, time.Time{}
			for _, k := range []string{"mtime", "atime", "ctime"} {
				delete(hdr.PAXRecords, k)
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
}

// diffBase is the layer to diff layer against for a commit on top:
// parentTop, unless layer sits on one of mappedTops, the copies of
// parentTop that storage chowned for containers with ID maps (--uidmap,
// --userns). Diffed against its own parent, such a layer is read back
// through its maps, so the image records the container's IDs, not the
// host's.
func (s *Store) diffBase(parentTop string, mappedTops []string, layer string) string {
	l, err := s.Layer(layer)
	if err == nil && l.Parent != "" && slices.Contains(mappedTops, l.Parent) {
		return l.Parent
	}
	return parentTop
}

// layerDiff is a tar stream of what layer changed relative to from (a
// layer in its chain, or "" for an empty root). containers/storage diffs a
// layer against any ancestor; against nothing, the whole tree is archived.
func (s *Store) layerDiff(from, layer string) (io.ReadCloser, error) {
	l, err := s.Layer(layer)
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", layer, err)
	}
	if from != "" || l.Parent == "" {
		d, err := s.Diff(from, layer, &cstorage.DiffOptions{Compression: ptr(archive.Uncompressed)})
		if err != nil {
			return nil, fmt.Errorf("diff layer %s: %w", layer, err)
		}
		return d, nil
	}
	root, err := s.Mount(layer, "")
	if err != nil {
		return nil, fmt.Errorf("mount layer %s: %w", layer, err)
	}
	rc, err := archive.Tar(root, archive.Uncompressed)
	if err != nil {
		s.Unmount(layer, false)
		return nil, err
	}
	return &unmountOnClose{ReadCloser: rc, unmount: func() { s.Unmount(layer, false) }}, nil
}

type unmountOnClose struct {
	io.ReadCloser
	unmount func()
}

func (u *unmountOnClose) Close() error {
	err := u.ReadCloser.Close()
	u.unmount()
	return err
}

func ptr[T any](v T) *T { return &v }

// manifestBigDataKey is where containers/image keeps a manifest by digest.
func manifestBigDataKey(d digest.Digest) string { return "manifest-" + d.String() }

// buildManifest writes an OCI or Docker schema 2 manifest listing the
// layers uncompressed, by their diff IDs: that is how containers/image
// finds them in storage, and it compresses them when pushing.
func buildManifest(format string, cfg []byte, cfgDigest digest.Digest, chain []cstorage.Layer, annotations map[string]string) ([]byte, error) {
	if format == FormatDocker {
		m := manifest.Schema2{
			SchemaVersion: 2,
			MediaType:     manifest.DockerV2Schema2MediaType,
			ConfigDescriptor: manifest.Schema2Descriptor{
				MediaType: manifest.DockerV2Schema2ConfigMediaType, Size: int64(len(cfg)), Digest: cfgDigest,
			},
		}
		for _, l := range chain {
			m.LayersDescriptors = append(m.LayersDescriptors, manifest.Schema2Descriptor{
				MediaType: manifest.DockerV2SchemaLayerMediaTypeUncompressed, Size: l.UncompressedSize, Digest: l.UncompressedDigest,
			})
		}
		return json.Marshal(m)
	}
	m := v1.Manifest{
		Versioned:   specsgo.Versioned{SchemaVersion: 2},
		MediaType:   v1.MediaTypeImageManifest,
		Config:      v1.Descriptor{MediaType: v1.MediaTypeImageConfig, Size: int64(len(cfg)), Digest: cfgDigest},
		Layers:      []v1.Descriptor{},
		Annotations: annotations,
	}
	for _, l := range chain {
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: v1.MediaTypeImageLayer, Size: l.UncompressedSize, Digest: l.UncompressedDigest})
	}
	return json.Marshal(m)
}

// RawConfig reads an image's configuration as stored, with the Docker
// extensions OCI's type drops (Healthcheck, OnBuild, Shell).
func (s *Store) RawConfig(ctx context.Context, id string) (*dockerspec.DockerOCIImage, error) {
	img, err := s.openImage(ctx, id)
	if err != nil {
		return nil, err
	}
	defer img.Close()
	blob, err := img.ConfigBlob(ctx)
	if err != nil {
		return nil, fmt.Errorf("read config of image %s: %w", id, err)
	}
	var cfg dockerspec.DockerOCIImage
	if err := json.Unmarshal(blob, &cfg); err != nil {
		return nil, fmt.Errorf("parse config of image %s: %w", id, err)
	}
	return &cfg, nil
}
