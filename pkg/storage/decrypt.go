package storage

import (
	"context"
	"strings"

	"github.com/containers/image/v5/manifest"
	"github.com/containers/image/v5/types"
	encconfig "github.com/containers/ocicrypt/config"
	"github.com/containers/ocicrypt/helpers"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// decryptConfig reads --decryption-key's private keys ("FILE[:PASSPHRASE]",
// ocicrypt's syntax) into what containers/image decrypts layers with; nil
// for none, which leaves an encrypted image unpullable.
func decryptConfig(keys []string) (*encconfig.DecryptConfig, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	cc, err := helpers.CreateCryptoConfig(nil, keys)
	if err != nil {
		return nil, errdefs.InvalidArgumentf("--decryption-key: %v", err)
	}
	return cc.DecryptConfig, nil
}

// encrypted reports whether the image ref names (this platform's entry
// of a list) has an encrypted layer.
func encrypted(ctx context.Context, sys *types.SystemContext, ref types.ImageReference) bool {
	src, err := ref.NewImageSource(ctx, sys)
	if err != nil {
		return false
	}
	defer src.Close()
	b, mt, err := src.GetManifest(ctx, nil)
	if err != nil {
		return false
	}
	if manifest.MIMETypeIsMultiImage(mt) {
		l, err := manifest.ListFromBlob(b, mt)
		if err != nil {
			return false
		}
		d, err := l.ChooseInstance(sys)
		if err != nil {
			return false
		}
		if b, mt, err = src.GetManifest(ctx, &d); err != nil {
			return false
		}
	}
	m, err := manifest.FromBlob(b, mt)
	if err != nil {
		return false
	}
	for _, l := range m.LayerInfos() {
		if strings.HasSuffix(l.MediaType, "+encrypted") {
			return true
		}
	}
	return false
}
