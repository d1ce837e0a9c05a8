package engine

import "context"

// Lifecycle is the life of a container as the engine offers it: what the
// CLI's container commands, the API service's container endpoints and
// kube play call, and what a test of one of them can stand in for.
// *Runtime implements it in-process.
//
// Contracts every implementation keeps:
//   - A container is named by full ID, unique ID prefix or name; an
//     unknown one is an errdefs.ErrNotFound, an ambiguous prefix an
//     errdefs.ErrInvalidArg.
//   - Every state change of one container happens under its lifecycle
//     lock, so that calls racing on it (stop against rm, start against the
//     monitor's cleanup) end in a state a next call reads truthfully.
//   - A call in the wrong state for it (kill of a stopped container, rm
//     of a running one) fails with an errdefs.ErrConflict, except where a
//     method says it does nothing.
//   - Nothing half-done stays behind a failed or cancelled call: Create
//     leaves no row or storage, Start no mount, network or monitor.
type Lifecycle interface {
	// Create makes a container from opts (its image pulled if missing and
	// the pull policy allows); it is created, not started.
	Create(ctx context.Context, opts CreateOptions) (*Container, error)
	// Init prepares a created or exited container as Start would, without
	// starting its process.
	Init(ctx context.Context, idOrName string) error
	// Start starts a created or stopped container and returns once it
	// runs; a running container is left as it is.
	Start(ctx context.Context, idOrName string, opts StartOptions) error
	// StartAndWait starts the container attached to its streams and
	// returns its exit code once it has exited (and, with --rm, is gone).
	StartAndWait(ctx context.Context, idOrName string, opts StartOptions) (int, error)
	// Attach copies a running container's streams until it exits (its
	// exit code) or the client detaches (ErrDetached).
	Attach(ctx context.Context, idOrName string, opts AttachOptions) (int, error)
	// Stop sends the stop signal, then SIGKILL after timeout seconds (nil:
	// the container's own, -1: never), and returns once the container has
	// exited and been cleaned up; a container that does not run is left
	// as it is.
	Stop(ctx context.Context, idOrName string, timeout *int) error
	// Restart stops the container as Stop does and starts it again.
	Restart(ctx context.Context, idOrName string, timeout *int) error
	// Kill sends signal (a name or number; "" is SIGKILL) to the main
	// process; the restart policy then leaves the container stopped.
	Kill(ctx context.Context, idOrName string, signal string) error
	// Pause freezes every process of a running container; Unpause thaws
	// a paused one.
	Pause(ctx context.Context, idOrName string) error
	Unpause(ctx context.Context, idOrName string) error
	// Wait blocks until the container is not running and returns its
	// exit code; a container that never ran returns at once.
	Wait(ctx context.Context, idOrName string) (int, error)
	// Remove deletes the container and whatever an interrupted command
	// left of it; a running one is refused unless opts.Force.
	Remove(ctx context.Context, idOrName string, opts RemoveOptions) error
	// Container finds one container, its state reconciled with its
	// monitor (a dead monitor's container reads as exited).
	Container(ctx context.Context, idOrName string) (*Container, error)
}

// *Runtime is the in-process Lifecycle.
var _ Lifecycle = (*Runtime)(nil)
