package storage

import (
	"context"
	"fmt"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/manifest"
	"github.com/containers/image/v5/signature/signer"
	"github.com/containers/image/v5/transports"
	"github.com/containers/image/v5/types"
	digest "github.com/opencontainers/go-digest"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/signing"
)

// pushSigning is what one push signs with: sigstore signers, which
// copy.Image runs itself, and a GPG key, whose simple signatures pod adds
// after the copy (containers/image cannot run gpg in this build).
type pushSigning struct {
	signers    []*signer.Signer
	gpg        *signing.GPG
	key        string
	passphrase string
	identity   reference.Named
}

// preparePushSigning checks everything that can be checked before a byte
// is uploaded: the destination is a registry that can store signatures,
// the keys open. nil when o asks for no signature. The caller closes it.
func preparePushSigning(ctx context.Context, o signing.Options, destRef types.ImageReference, sys *types.SystemContext) (*pushSigning, error) {
	if !o.Any() {
		return nil, nil
	}
	if destRef.Transport().Name() != docker.Transport.Name() {
		return nil, errdefs.InvalidArgumentf("signing needs a registry destination, not %s", transports.ImageName(destRef))
	}
	p := &pushSigning{identity: destRef.DockerReference(), key: o.GPGKey, passphrase: o.Passphrase}
	if o.GPGKey != "" {
		g, err := signing.NewGPG()
		if err != nil {
			return nil, err
		}
		if err := g.CheckKey(ctx, o.GPGKey); err != nil {
			return nil, err
		}
		// A passphrase given is tried now: a wrong one fails before the
		// upload. (Without one gpg-agent asks, once, when signing.)
		if o.Passphrase != "" {
			if _, err := g.SignWithPassphrase([]byte("pod: passphrase check"), o.GPGKey, o.Passphrase); err != nil {
				return nil, signError(err)
			}
		}
		p.gpg = g
		if err := supportsSignatures(ctx, destRef, sys); err != nil {
			return nil, err
		}
	}
	signers, err := o.SigstoreSigners()
	if err != nil {
		return nil, err
	}
	p.signers = signers
	return p, nil
}

// supportsSignatures fails when the registry cannot take simple
// signatures: no lookaside storage in registries.d and no signature API.
func supportsSignatures(ctx context.Context, ref types.ImageReference, sys *types.SystemContext) error {
	dest, err := ref.NewImageDestination(ctx, sys)
	if err != nil {
		return fmt.Errorf("%s: %w", transports.ImageName(ref), err)
	}
	defer dest.Close()
	if err := dest.SupportsSignatures(ctx); err != nil {
		return errdefs.InvalidArgument(fmt.Errorf("%s cannot store signatures (configure a lookaside-staging in registries.d): %w", transports.ImageName(ref), err))
	}
	return nil
}

// copySigners is what copy.Options.Signers gets.
func (p *pushSigning) copySigners() []*signer.Signer {
	if p == nil {
		return nil
	}
	return p.signers
}

func (p *pushSigning) close() {
	if p == nil {
		return
	}
	for _, s := range p.signers {
		_ = s.Close()
	}
}

// signPushed adds the GPG signatures of what a copy wrote to destRef: its
// manifest out, and when out is a list whose images were pushed too (all),
// each image's manifest, as containers/image's own signing does. Signatures
// src had, which the copy wrote (none with removeSource), are written again
// before the new one: writing signatures replaces the set.
func (p *pushSigning) signPushed(ctx context.Context, src types.ImageReference, srcSys *types.SystemContext, destRef types.ImageReference, sys *types.SystemContext, out []byte, all, removeSource bool) error {
	if p == nil || p.gpg == nil {
		return nil
	}
	type target struct {
		manifest []byte
		digest   digest.Digest
		instance bool
	}
	top, err := manifest.Digest(out)
	if err != nil {
		return err
	}
	targets := []target{{manifest: out, digest: top}}
	if mt := manifest.GuessMIMEType(out); manifest.MIMETypeIsMultiImage(mt) && all {
		list, err := manifest.ListFromBlob(out, mt)
		if err != nil {
			return fmt.Errorf("parse pushed list: %w", err)
		}
		pushed, err := destRef.NewImageSource(ctx, sys)
		if err != nil {
			return err
		}
		defer pushed.Close()
		for _, d := range list.Instances() {
			m, _, err := pushed.GetManifest(ctx, &d)
			if err != nil {
				return fmt.Errorf("read pushed manifest %s: %w", d, err)
			}
			targets = append(targets, target{manifest: m, digest: d, instance: true})
		}
	}
	srcImg, err := src.NewImageSource(ctx, srcSys)
	if err != nil {
		return err
	}
	defer srcImg.Close()
	dest, err := destRef.NewImageDestination(ctx, sys)
	if err != nil {
		return err
	}
	defer dest.Close()
	for _, t := range targets {
		var sigs [][]byte
		if !removeSource {
			var which *digest.Digest
			if t.instance {
				which = &t.digest
			}
			if sigs, err = srcImg.GetSignatures(ctx, which); err != nil {
				return err
			}
		}
		sig, err := p.gpg.SignManifest(t.manifest, p.identity, p.key, p.passphrase)
		if err != nil {
			return signError(err)
		}
		// The registry destination files signatures by the digest given,
		// the list's own included.
		d := t.digest
		if err := dest.PutSignatures(ctx, append(sigs, sig), &d); err != nil {
			return fmt.Errorf("write signature of %s: %w", d, err)
		}
	}
	return nil
}

// signError makes a signing failure (a wrong passphrase, a locked
// agent) the user's to fix.
func signError(err error) error {
	return errdefs.InvalidArgument(err)
}
