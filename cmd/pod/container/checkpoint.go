package container

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// containerStatistics is one entry of --print-stats' container_statistics,
// with podman's keys (durations in microseconds).
type containerStatistics struct {
	ID                        string            `json:"Id"`
	RuntimeCheckpointDuration int64             `json:"runtime_checkpoint_duration,omitempty"`
	RuntimeRestoreDuration    int64             `json:"runtime_restore_duration,omitempty"`
	CRIUStatistics            map[string]uint64 `json:"criu_statistics,omitempty"`
}

func newCheckpointCommand(g *cli.Globals) *cobra.Command {
	var (
		all   bool
		stats bool
		o     engine.CheckpointOptions
	)
	c := &cobra.Command{
		Use:   "checkpoint [options] CONTAINER [CONTAINER...]",
		Short: "Checkpoint one or more running containers",
		Long: "Dump each running container's processes with CRIU (through the OCI runtime), so that `pod container\n" +
			"restore` continues them later, here or (with --export and restore --import) elsewhere. The container is\n" +
			"then exited, State.Checkpointed true, unless --leave-running. Root only: CRIU needs privileges a\n" +
			"rootless pod does not have. Prints each container's ID (with --print-stats, CRIU's statistics as JSON).",
		Args: namesOrAll(&all),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !cmd.Flags().Changed("compress") {
				o.Compress = ""
			}
			if err := o.Validate(); err != nil {
				return err
			}
			if o.Export != "" && (all || len(args) > 1) {
				return errdefs.InvalidArgumentf("--export takes one container")
			}
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if all {
				if args, err = containerIDs(ctx, rt, engine.StatusRunning); err != nil {
					return err
				}
			}
			began := time.Now()
			var out []containerStatistics
			err = each(g, args, cli.ExitCode, func(n string) error {
				rep, err := rt.Checkpoint(ctx, n, o)
				if err != nil {
					return err
				}
				if stats {
					out = append(out, containerStatistics{ID: rep.ID, RuntimeCheckpointDuration: rep.RuntimeDuration.Microseconds(), CRIUStatistics: rep.Stats})
					return errSkipped
				}
				fmt.Fprintln(g.Stdout, rep.ID)
				return errSkipped
			})
			if stats && len(out) > 0 {
				if werr := cli.WriteJSON(g.Stdout, map[string]any{
					"podman_checkpoint_duration": time.Since(began).Microseconds(),
					"container_statistics":       out,
				}); werr != nil && err == nil {
					err = werr
				}
			}
			return err
		},
	}
	f := c.Flags()
	f.BoolVarP(&all, "all", "a", false, "checkpoint every running container")
	f.BoolVarP(&o.Keep, "keep", "k", false, "keep CRIU's log and statistics files")
	f.BoolVarP(&o.LeaveRunning, "leave-running", "R", false, "leave the container running after the checkpoint")
	f.BoolVar(&o.TCPEstablished, "tcp-established", false, "checkpoint established TCP connections")
	f.StringVarP(&o.Export, "export", "e", "", "write the checkpoint, the container's configuration and root filesystem changes to this tar.gz file")
	f.BoolVar(&o.IgnoreRootfs, "ignore-rootfs", false, "with --export, leave the root filesystem's changes out")
	f.BoolVar(&o.IgnoreVolumes, "ignore-volumes", false, "with --export, leave the named volumes' contents out")
	f.StringVarP(&o.Compress, "compress", "c", "zstd", "compression of the --export archive: zstd, gzip or none")
	f.StringVar(&o.CreateImage, "create-image", "", "also make a checkpoint image of this name (restore IMAGE)")
	f.BoolVar(&o.FileLocks, "file-locks", false, "checkpoint the file locks the processes hold")
	f.BoolVarP(&o.PreCheckpoint, "pre-checkpoint", "P", false, "dump the memory only, leaving the container running (a later --with-previous writes what changed)")
	f.BoolVar(&o.WithPrevious, "with-previous", false, "checkpoint on top of the container's pre-checkpoint")
	f.BoolVar(&stats, "print-stats", false, "print CRIU's statistics as JSON instead of the IDs")
	return c
}

func newRestoreCommand(g *cli.Globals) *cobra.Command {
	var (
		all   bool
		stats bool
		o     engine.RestoreOptions
	)
	c := &cobra.Command{
		Use:   "restore [options] CONTAINER|IMAGE [CONTAINER|IMAGE...]",
		Short: "Restore one or more containers from a checkpoint",
		Long: "Continue each checkpointed container from its checkpoint (pod container checkpoint): its processes\n" +
			"resume where they were, with the same log and a new monitor. With --import, first create the container\n" +
			"from a file written by checkpoint --export (--name names it); given a checkpoint image (checkpoint\n" +
			"--create-image), create the container from it alike. Root only, as checkpoint. Prints each\n" +
			"container's ID (with --print-stats, CRIU's statistics as JSON).",
		Args: func(cmd *cobra.Command, args []string) error {
			if o.Import != "" {
				if all {
					return errdefs.InvalidArgumentf("cannot use --import with --all or --latest")
				}
				if len(args) > 0 {
					return errdefs.InvalidArgumentf("cannot use --import with positional arguments")
				}
				return nil
			}
			if err := namesOrAll(&all)(cmd, args); err != nil {
				return err
			}
			if len(args) > 1 && o.Name != "" {
				return errdefs.InvalidArgumentf("--name can only be used with one checkpoint image")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if all {
				if args, err = rt.CheckpointedContainers(ctx); err != nil {
					return err
				}
			}
			if o.Import != "" {
				args = []string{""}
			}
			began := time.Now()
			var out []containerStatistics
			err = each(g, args, cli.ExitCode, func(n string) error {
				rep, err := rt.Restore(ctx, n, o)
				if err != nil {
					return err
				}
				if stats {
					out = append(out, containerStatistics{ID: rep.ID, RuntimeRestoreDuration: rep.RuntimeDuration.Microseconds(), CRIUStatistics: rep.Stats})
					return errSkipped
				}
				fmt.Fprintln(g.Stdout, rep.ID)
				return errSkipped
			})
			if stats && len(out) > 0 {
				if werr := cli.WriteJSON(g.Stdout, map[string]any{
					"podman_restore_duration": time.Since(began).Microseconds(),
					"container_statistics":    out,
				}); werr != nil && err == nil {
					err = werr
				}
			}
			return err
		},
	}
	f := c.Flags()
	f.BoolVarP(&all, "all", "a", false, "restore every checkpointed container")
	f.BoolVarP(&o.Keep, "keep", "k", false, "keep the checkpoint, CRIU's log and statistics files")
	f.BoolVar(&o.TCPEstablished, "tcp-established", false, "restore established TCP connections")
	f.StringVarP(&o.Import, "import", "i", "", "create the container from this file (checkpoint --export) and restore it")
	f.StringVarP(&o.Name, "name", "n", "", "with --import, the new container's name")
	f.BoolVar(&o.IgnoreRootfs, "ignore-rootfs", false, "with --import, do not apply the root filesystem's changes")
	f.BoolVar(&o.IgnoreVolumes, "ignore-volumes", false, "with --import, do not restore the volumes' contents")
	f.BoolVar(&o.FileLocks, "file-locks", false, "restore the file locks the checkpoint holds")
	f.BoolVar(&o.IgnoreStaticIP, "ignore-static-ip", false, "with --import, drop the address the container was created with (--ip)")
	f.BoolVar(&o.IgnoreStaticMAC, "ignore-static-mac", false, "with --import, drop the MAC address the container was created with (--mac-address)")
	f.StringVar(&o.ImportPrevious, "import-previous", "", "with --import, the pre-checkpoint archive its checkpoint builds on")
	f.StringVar(&o.Pod, "pod", "", "with --import, restore into this existing pod")
	f.StringSliceVarP(&o.Publish, "publish", "p", nil, "with --import, publish these ports instead of the container's (as run -p)")
	f.BoolVar(&stats, "print-stats", false, "print CRIU's statistics as JSON instead of the IDs")
	return c
}
