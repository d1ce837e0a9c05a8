package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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

// filteredIDs lists the IDs of the containers that match podman's ps-style
// --filter expressions and are in one of statuses (any, when none given).
func filteredIDs(ctx context.Context, rt *engine.Runtime, filters []string, statuses ...engine.Status) ([]string, error) {
	filter, err := engine.ParseContainerFilter(filters, time.Now())
	if err != nil {
		return nil, err
	}
	list, err := rt.ListContainers(ctx, engine.ListOptions{All: true, Filter: filter})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range list {
		if len(statuses) == 0 || slices.Contains(statuses, c.Status) {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}

// selectFlags are the ways podman's lifecycle commands name containers
// besides their arguments: --all, --filter (implies --all) and --cidfile.
type selectFlags struct {
	all      bool
	filters  []string
	cidfiles []string
}

// add registers --all (when allHelp is not empty), --filter and --cidfile.
func (s *selectFlags) add(f *pflag.FlagSet, verb, allHelp string) {
	if allHelp != "" {
		f.BoolVarP(&s.all, "all", "a", false, allHelp)
	}
	f.StringArrayVarP(&s.filters, "filter", "f", nil, verb+" the containers that match, as ps --filter selects them (implies --all)")
	f.StringArrayVar(&s.cidfiles, "cidfile", nil, verb+" the container whose ID run --cidfile wrote to FILE (repeatable)")
}

// args checks the arguments against the flags.
func (s *selectFlags) args() cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(s.filters) > 0 {
			if len(args) > 0 || len(s.cidfiles) > 0 {
				return errors.New("--filter and container names, IDs or --cidfile cannot be used together")
			}
			s.all = true
		}
		return namesAllOrCidfile(&s.all, &s.cidfiles)(cmd, args)
	}
}

// targets are the containers the command acts on: args and the IDs in the
// --cidfile files, or with --all those in one of statuses (any, when none
// given) that --filter selects.
func (s *selectFlags) targets(ctx context.Context, rt *engine.Runtime, args []string, ignore bool, statuses ...engine.Status) ([]string, error) {
	if s.all {
		return filteredIDs(ctx, rt, s.filters, statuses...)
	}
	ids, err := cidfileIDs(s.cidfiles, ignore)
	if err != nil {
		return nil, err
	}
	return append(args, ids...), nil
}
