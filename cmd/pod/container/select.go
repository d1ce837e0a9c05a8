package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// namesOrAll accepts container names, or none with --all.
func namesOrAll(all *bool) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case *all && len(args) > 0:
			return errors.New("--all and container names or IDs cannot be used together")
		case !*all && len(args) == 0:
			return errors.New("requires at least one container name or ID, or --all")
		}
		return nil
	}
}

// namesAllOrCidfile accepts container names, --all, or --cidfile files (and
// names beside them).
func namesAllOrCidfile(all *bool, cidfiles *[]string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case *all && (len(args) > 0 || len(*cidfiles) > 0):
			return errors.New("--all and container names, IDs or --cidfile cannot be used together")
		case !*all && len(args) == 0 && len(*cidfiles) == 0:
			return errors.New("requires at least one container name or ID, --cidfile or --all")
		}
		return nil
	}
}

// containerIDs lists the IDs of the containers in one of statuses, or of
// all containers when none are given.
func containerIDs(ctx context.Context, rt *engine.Runtime, statuses ...engine.Status) ([]string, error) {
	ctrs, err := rt.Containers(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range ctrs {
		if len(statuses) == 0 || slices.Contains(statuses, c.Status) {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}

// cidfileIDs reads the container IDs that run/create --cidfile wrote to
// files (stop/rm --cidfile, as podman's generated units use them). A
// missing or empty file is skipped with ignore, else an error.
func cidfileIDs(files []string, ignore bool) ([]string, error) {
	var ids []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			if ignore && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("read --cidfile: %w", err)
		}
		id := strings.TrimSpace(string(b))
		if id == "" {
			if ignore {
				continue
			}
			return nil, errdefs.InvalidArgumentf("--cidfile %s holds no container ID", f)
		}
		ids = append(ids, id)
	}
	return ids, nil
}
