package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/containers/image/v5/image"
	"github.com/containers/image/v5/manifest"
	"github.com/containers/image/v5/pkg/blobinfocache/none"
	"github.com/containers/image/v5/signature"
	"github.com/containers/image/v5/types"
	cstorage "github.com/containers/storage"
	drivers "github.com/containers/storage/drivers"
	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// maxParallelLayers bounds how many layers one pull fetches and extracts
// at once; containers/image's default for parallel downloads is the same.
const maxParallelLayers = 6

// plannedLayer is one layer of the image being pulled.
type plannedLayer struct {
	info   types.BlobInfo
	diffID digest.Digest
	id     string // the storage layer ID containers/image gives it
	gzip   bool
	have   bool // already in the store
	staged *drivers.DriverWithDifferOutput
}

// pulledLayers is what pullLayersAhead added to the store.
type pulledLayers struct {
	created []string        // layer IDs, base first
	blobs   []digest.Digest // the blobs it reported as copied
}

// pullLayersAhead fetches the layers of the image at srcRef that the
// store lacks, all at once, each streamed from the registry through
// decompression into an overlay staging directory while its blob digest
// and diffID are checked; then it commits them in order, under the IDs
// containers/image would give them. The copy.Image that follows finds the
// layers present and only stores the config, manifest, signatures and
// the image record. containers/image on its own would first write every
// blob to a temporary file, decompress it to learn its diffID, and then
// decompress and extract it again, one layer after the other.
//
// It returns nothing, and the caller copies the image the ordinary way,
// when the image is not a plain gzip or tar layered image (schema 1,
// zstd, encrypted, foreign layers), the storage driver cannot stage
// layers, or the policy refuses the image (copy.Image then reports why).
// A layer that fails to download, extract or verify fails the pull and
// nothing is added to the store. The caller holds a share of the
// staging area (holdStaging) throughout.
func (s *Store) pullLayersAhead(ctx context.Context, sys *types.SystemContext, srcRef types.ImageReference, pc *signature.PolicyContext, tmpDir string, progress io.Writer) (*pulledLayers, error) {
	if d, err := s.GraphDriver(); err != nil {
		return nil, nil
	} else if _, ok := d.(drivers.DriverWithDiffer); !ok {
		return nil, nil
	}
	src, err := srcRef.NewImageSource(ctx, sys)
	if err != nil {
		return nil, nil
	}
	defer src.Close()
	layers, err := s.planLayers(ctx, sys, src, pc)
	if err != nil || layers == nil {
		return nil, nil
	}
	var missing []*plannedLayer
	for _, l := range layers {
		if !l.have {
			missing = append(missing, l)
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}

	bars := newBlobProgress(progress)
	bars.printf("Getting image source signatures\n")
	if err := s.stageLayers(ctx, src, missing, tmpDir, bars); err != nil {
		bars.wait()
		return nil, err
	}
	bars.wait()

	pulled := &pulledLayers{}
	for i, l := range layers {
		if l.staged == nil {
			continue
		}
		parent := ""
		if i > 0 {
			parent = layers[i-1].id
		}
		pulled.blobs = append(pulled.blobs, l.info.Digest)
		if _, err := s.Layer(l.id); err == nil {
			// Another pull stored the layer meanwhile. ApplyStagedLayer
			// would replace that layer's files in place, under any
			// container using them; keep it and drop ours. (containers/
			// image makes the same check, with the same small window.)
			_ = s.CleanupStagedLayer(l.staged)
			l.staged = nil
			continue
		}
		_, err := s.ApplyStagedLayer(cstorage.ApplyStagedLayerOptions{
			ID:          l.id,
			ParentLayer: parent,
			DiffOutput:  l.staged,
			DiffOptions: &drivers.ApplyDiffWithDifferOpts{},
		})
		out := l.staged
		l.staged = nil
		switch {
		case err == nil:
			// containers/storage moved the layer out of its staging
			// directory and leaves the empty directory behind.
			_ = os.Remove(filepath.Dir(out.Target))
			pulled.created = append(pulled.created, l.id)
		case errors.Is(err, cstorage.ErrDuplicateID):
			// Another pull committed the same layer meanwhile.
			_ = s.CleanupStagedLayer(out)
		default:
			_ = s.CleanupStagedLayer(out)
			for _, rest := range layers[i+1:] {
				if rest.staged != nil {
					_ = s.CleanupStagedLayer(rest.staged)
				}
			}
			s.dropLayers(pulled)
			return nil, fmt.Errorf("store layer %s: %w", l.info.Digest, err)
		}
	}
	return pulled, nil
}

// holdStaging takes a pull's share of the store's staging area, sweeping
// what killed pulls left there (see holdStaging in staging.go). It
// returns nil, and sweeps nothing, when the storage driver cannot stage
// layers. lone says this is the only pull in flight in the process.
func (s *Store) holdStaging(ctx context.Context, lone bool) (*stagingGuard, error) {
	d, err := s.GraphDriver()
	if err != nil {
		return nil, nil
	}
	if _, ok := d.(drivers.DriverWithDiffer); !ok {
		return nil, nil
	}
	return holdStaging(ctx, filepath.Join(s.GraphRoot(), s.GraphDriverName()), lone)
}

// planLayers reads the image's manifest and config and lists its layers
// with their diffIDs and storage IDs. It returns nil when the fast path
// does not apply.
func (s *Store) planLayers(ctx context.Context, sys *types.SystemContext, src types.ImageSource, pc *signature.PolicyContext) ([]*plannedLayer, error) {
	// The same check copy.Image makes, made before anything is stored.
	if ok, err := pc.IsRunningImageAllowed(ctx, image.UnparsedInstance(src, nil)); !ok || err != nil {
		return nil, err
	}
	top, mt, err := src.GetManifest(ctx, nil)
	if err != nil {
		return nil, err
	}
	var instance *digest.Digest
	if manifest.MIMETypeIsMultiImage(mt) {
		list, err := manifest.ListFromBlob(top, mt)
		if err != nil {
			return nil, err
		}
		d, err := list.ChooseInstance(sys)
		if err != nil {
			return nil, err
		}
		instance = &d
	}
	img, err := image.FromUnparsedImage(ctx, sys, image.UnparsedInstance(src, instance))
	if err != nil {
		return nil, err
	}
	if _, mt, err := img.Manifest(ctx); err != nil || (mt != manifest.DockerV2Schema2MediaType && mt != imgspecv1.MediaTypeImageManifest) {
		return nil, err
	}
	config, err := img.OCIConfig(ctx)
	if err != nil {
		return nil, err
	}
	infos := img.LayerInfos()
	if len(infos) == 0 || len(config.RootFS.DiffIDs) != len(infos) {
		return nil, nil
	}
	layers := make([]*plannedLayer, len(infos))
	parent := ""
	for i, info := range infos {
		l := &plannedLayer{info: info, diffID: config.RootFS.DiffIDs[i]}
		switch info.MediaType {
		case manifest.DockerV2Schema2LayerMediaType, imgspecv1.MediaTypeImageLayerGzip:
			l.gzip = true
		case manifest.DockerV2SchemaLayerMediaTypeUncompressed, imgspecv1.MediaTypeImageLayer:
		default:
			return nil, nil
		}
		if len(info.URLs) > 0 || hasTOC(info.Annotations) || info.Digest.Validate() != nil || l.diffID.Validate() != nil {
			return nil, nil
		}
		l.id = chainLayerID(parent, l.diffID)
		if _, err := s.Layer(l.id); err == nil {
			l.have = true
		}
		layers[i], parent = l, l.id
	}
	return layers, nil
}

// hasTOC says whether a layer carries a table of contents for partial
// pulls (zstd:chunked, eStargz); containers/image may identify such a
// layer by it, so it is left to containers/image.
func hasTOC(annotations map[string]string) bool {
	for k := range annotations {
		if strings.Contains(k, "zstd-chunked") || strings.Contains(k, "stargz") {
			return true
		}
	}
	return false
}

// chainLayerID is the storage ID containers/image's storage destination
// gives a layer identified by its diffID on top of parent: the diffID for
// a base layer, else sha256 of "parent+diffID". Using the same IDs lets
// copy.Image recognise the layers and lets later pulls of images sharing
// a base reuse them.
func chainLayerID(parent string, diffID digest.Digest) string {
	if parent == "" {
		return diffID.Encoded()
	}
	return digest.Canonical.FromString(parent + "+" + diffID.Encoded()).Encoded()
}

// stageLayers downloads and extracts layers concurrently. On error it
// removes every staging directory it made.
func (s *Store) stageLayers(ctx context.Context, src types.ImageSource, layers []*plannedLayer, tmpDir string, bars *blobProgress) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, maxParallelLayers)
	var wg sync.WaitGroup
	errs := make([]error, len(layers))
	for i, l := range layers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = context.Cause(ctx)
				return
			}
			defer func() { <-sem }()
			if errs[i] = s.stageLayer(ctx, src, l, tmpDir, bars); errs[i] != nil {
				cancel(errs[i])
			}
		}()
	}
	wg.Wait()
	// The first failure is the cause; the others were cancelled by it.
	var first error
	if cause := context.Cause(ctx); cause != nil {
		first = cause
	}
	for _, err := range errs {
		if first == nil && err != nil {
			first = err
		}
	}
	if first != nil {
		for _, l := range layers {
			if l.staged != nil {
				_ = s.CleanupStagedLayer(l.staged)
				l.staged = nil
			}
		}
	}
	return first
}

// stageLayer streams one layer from the registry into a staging
// directory.
func (s *Store) stageLayer(ctx context.Context, src types.ImageSource, l *plannedLayer, tmpDir string, bars *blobProgress) error {
	stream, _, err := src.GetBlob(ctx, l.info, none.NoCache)
	if err != nil {
		return fmt.Errorf("fetch layer %s: %w", l.info.Digest, err)
	}
	defer stream.Close()
	reader, done := bars.start(l.info, stream)
	differ := &streamDiffer{blob: reader, digest: l.info.Digest, size: l.info.Size, diffID: l.diffID, gzip: l.gzip, tmpDir: tmpDir}
	out, err := s.PrepareStagedLayer(nil, differ)
	done(err == nil)
	if err != nil {
		if out != nil && out.Target != "" {
			_ = s.CleanupStagedLayer(out)
		}
		return err
	}
	l.staged = out
	return nil
}

// dropLayers removes layers pullLayersAhead created, the top first, when
// the pull they were for failed. A layer another image has meanwhile
// come to use stays.
func (s *Store) dropLayers(p *pulledLayers) {
	if p == nil {
		return
	}
	for i := len(p.created) - 1; i >= 0; i-- {
		_ = s.DeleteLayer(p.created[i])
	}
}
