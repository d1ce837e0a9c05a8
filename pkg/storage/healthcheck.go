package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	istorage "github.com/containers/image/v5/storage"
	cstorage "github.com/containers/storage"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Healthcheck is the HEALTHCHECK of a Docker image configuration
// (config.Healthcheck); the OCI image format has no such field, so it is
// read from the configuration blob as stored.
type Healthcheck struct {
	// Test is ["NONE"], ["CMD", arg...] or ["CMD-SHELL", command].
	Test []string `json:"Test,omitempty"`
	// Durations are nanoseconds in the JSON; zero means the default.
	Interval      time.Duration `json:"Interval,omitempty"`
	Timeout       time.Duration `json:"Timeout,omitempty"`
	StartPeriod   time.Duration `json:"StartPeriod,omitempty"`
	StartInterval time.Duration `json:"StartInterval,omitempty"`
	Retries       int           `json:"Retries,omitempty"`
}

// ImageHealthcheck returns the image's HEALTHCHECK, nil when it has none.
func (s *Store) ImageHealthcheck(ctx context.Context, id string) (*Healthcheck, error) {
	ref, err := istorage.Transport.NewStoreReference(s.Store, nil, id)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", id, err)
	}
	img, err := ref.NewImage(ctx, s.sys)
	if err != nil {
		if errors.Is(err, cstorage.ErrImageUnknown) {
			return nil, errdefs.NotFoundf("image %s not found", id)
		}
		return nil, fmt.Errorf("image %s: %w", id, err)
	}
	defer img.Close()
	blob, err := img.ConfigBlob(ctx)
	if err != nil {
		return nil, fmt.Errorf("read config of image %s: %w", id, err)
	}
	var doc struct {
		Config struct {
			Healthcheck *Healthcheck `json:"Healthcheck"`
		} `json:"config"`
	}
	if err := json.Unmarshal(blob, &doc); err != nil {
		return nil, fmt.Errorf("decode config of image %s: %w", id, err)
	}
	return doc.Config.Healthcheck, nil
}
