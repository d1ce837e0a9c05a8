package container

import (
	"context"
	"errors"
	"slices"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/pkg/engine"
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
