package state_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/state"
)

func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "pod-state-example")
	defer os.RemoveAll(dir)

	db, err := state.Open(ctx, filepath.Join(dir, "pod.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	id := state.NewID()
	err = db.Add(ctx, &state.Container{ID: id, Name: "web", Command: "nginx -g 'daemon off;'"})
	fmt.Println("add:", err)

	// A second container cannot take the name.
	err = db.Add(ctx, &state.Container{ID: state.NewID(), Name: "web"})
	fmt.Println("taken:", errors.Is(err, errdefs.ErrAlreadyExists))

	// By name, by full ID, or by a unique prefix of the ID.
	c, _ := db.Get(ctx, id[:5])
	fmt.Println(c.Name, c.Status)

	c.Status = state.StatusRunning
	c.PID = 4242
	fmt.Println("update:", db.Update(ctx, c))

	_, err = db.Get(ctx, "nosuch") // not hex, so never an ID prefix
	fmt.Println(err, errors.Is(err, errdefs.ErrNotFound))
	// Output:
	// add: <nil>
	// taken: true
	// web created
	// update: <nil>
	// no container with name or ID "nosuch" found true
}
