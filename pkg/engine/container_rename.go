package engine

import (
	"context"
	"fmt"
)

// RenameContainer gives a container, running or not, a new name; the old
// name is free for another container at once. A taken name is
// errdefs.ErrAlreadyExists, a bad one errdefs.ErrInvalidArg.
func (r *Runtime) RenameContainer(ctx context.Context, idOrName, newName string) error {
	c, err := r.Container(ctx, idOrName)
	if err != nil {
		return err
	}
	// The container lock orders the rename with lifecycle changes of the
	// same container (rm racing rename ends with one of them failing cleanly).
	l, err := r.lockContainer(ctx, c.ID)
	if err != nil {
		return err
	}
	defer l.Release()
	if err := r.DB().Rename(ctx, c.ID, newName); err != nil {
		return fmt.Errorf("rename %s to %s: %w", idOrName, newName, err)
	}
	renamed := *c.Container
	renamed.Name = newName
	r.saveRecord(&renamed)
	r.containerEvent(ctx, c.Container, "rename", "name", newName)
	return nil
}
