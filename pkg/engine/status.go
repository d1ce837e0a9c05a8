package engine

import "github.com/pod-engine/pod/pkg/state"

// Status is a container's state as Docker names it (created, running,
// exited, ...). It is the DB's own type, named here so that callers of the
// engine need not import the state package.
type Status = state.Status

// The container statuses (see state.Status).
const (
	StatusCreated     = state.StatusCreated
	StatusInitialized = state.StatusInitialized
	StatusRunning     = state.StatusRunning
	StatusPaused      = state.StatusPaused
	StatusStopping    = state.StatusStopping
	StatusExited      = state.StatusExited
	StatusRemoving    = state.StatusRemoving
)
