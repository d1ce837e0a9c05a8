package state

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func testNetwork(name string) *Network {
	return &Network{Name: name, ID: strings.Repeat("1", 60) + name[:4], Driver: "bridge", Config: []byte(`{"name":"` + name + `"}`)}
}

func TestNetworkInUse(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.AddNetwork(ctx, testNetwork("enone")); err != nil {
		t.Fatal(err)
	}
	if err := db.AddNetwork(ctx, testNetwork("enone")); !errors.Is(err, errdefs.ErrAlreadyExists) {
		t.Fatalf("second AddNetwork: %v", err)
	}
	// A container attached to a missing network is not recorded at all.
	c := newContainer("web")
	c.Networks = []Attachment{{ContainerID: c.ID, Network: "engone", Interface: "eth0"}}
	if err := db.Add(ctx, c); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("Add with a missing network: %v", err)
	}
	if _, err := db.Get(ctx, "web"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("a failed Add left the row: %v", err)
	}
	c.Networks = []Attachment{{ContainerID: c.ID, Network: "enone", Interface: "eth0"}}
	mustAdd(t, db, c)
	err := db.RemoveNetwork(ctx, "enone")
	if !errors.Is(err, errdefs.ErrConflict) || !strings.Contains(err.Error(), "in use by 1 container(s) (web)") {
		t.Fatalf("RemoveNetwork in use: %v", err)
	}
	if err := db.SetAttachmentAddresses(ctx, c.ID, map[string][]string{"enone": {"10.121.0.2/24"}}); err != nil {
		t.Fatal(err)
	}
	atts, err := db.Attachments(ctx, c.ID)
	if err != nil || len(atts) != 1 || atts[0].Interface != "eth0" || len(atts[0].Addresses) != 1 || atts[0].Addresses[0] != "10.121.0.2/24" {
		t.Fatalf("Attachments = %+v, %v", atts, err)
	}
	// Disconnect, then the network goes.
	if err := db.SetAttachments(ctx, c.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveNetwork(ctx, "enone"); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveNetwork(ctx, "enone"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("RemoveNetwork of a removed network: %v", err)
	}
	// Removing a container removes its attachments.
	if err := db.AddNetwork(ctx, testNetwork("entwo")); err != nil {
		t.Fatal(err)
	}
	if err := db.SetAttachments(ctx, c.ID, []Attachment{{Network: "entwo", Interface: "eth1"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Remove(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveNetwork(ctx, "entwo"); err != nil {
		t.Fatalf("RemoveNetwork after its container went: %v", err)
	}
}

// RemoveNetwork racing Add of a container on that network: either the
// container is recorded and the network stays, or the network went and the
// container was refused. Never a container attached to a removed network.
func TestNetworkRemoveRacesCreate(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for i := 0; i < 30; i++ {
		if err := db.AddNetwork(ctx, testNetwork("enrace")); err != nil {
			t.Fatal(err)
		}
		c := newContainer("racer")
		c.Networks = []Attachment{{ContainerID: c.ID, Network: "enrace"}}
		var addErr, rmErr error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); addErr = db.Add(ctx, c) }()
		go func() { defer wg.Done(); rmErr = db.RemoveNetwork(ctx, "enrace") }()
		wg.Wait()
		_, getNetErr := db.GetNetwork(ctx, "enrace")
		switch {
		case addErr == nil && rmErr != nil:
			if !errors.Is(rmErr, errdefs.ErrConflict) || getNetErr != nil {
				t.Fatalf("container added, remove: %v, network: %v", rmErr, getNetErr)
			}
		case addErr != nil && rmErr == nil:
			if !errors.Is(addErr, errdefs.ErrNotFound) || !errors.Is(getNetErr, errdefs.ErrNotFound) {
				t.Fatalf("network removed, add: %v, network: %v", addErr, getNetErr)
			}
		default:
			t.Fatalf("add: %v, remove: %v", addErr, rmErr)
		}
		db.Remove(ctx, c.ID)
		db.RemoveNetwork(ctx, "enrace")
	}
}

// Concurrent first commands of an older store (a DB written before
// networks were rows, with a container in it) import its networks exactly
// once, each from its own connection as separate processes would.
func TestImportNetworksOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pod.db")
	steps := migrations()
	before := -1
	for i, s := range steps {
		if s.name == "networks" {
			before = i
		}
	}
	old := rawDB(t, path)
	if err := migrate(ctx, old, steps[:before]); err != nil {
		t.Fatal(err)
	}
	id := NewID()
	if _, err := old.conn().ExecContext(ctx, `INSERT INTO containers (id, name, config, created_at, status)
		VALUES (?, 'oldctr', '{}', 1700000000000000000, 'exited')`, id); err != nil {
		t.Fatal(err)
	}
	old.conn().Close()

	var loads atomic.Int32
	load := func() ([]*Network, []Attachment, error) {
		loads.Add(1)
		return []*Network{testNetwork("enold"), testNetwork("podman")},
			[]Attachment{{ContainerID: id, Network: "enold", Interface: "eth0"}, {ContainerID: NewID(), Network: "enold"}}, nil
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(ctx, path)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			errs[i] = db.ImportNetworks(ctx, load)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := loads.Load(); got != 1 {
		t.Fatalf("imported %d times, want once", got)
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	nets, err := db.Networks(ctx)
	if err != nil || len(nets) != 2 || nets[0].Name != "enold" || nets[1].Name != "podman" {
		t.Fatalf("Networks = %v, %v", nets, err)
	}
	// The old container's attachment was imported (the missing container's
	// was not): the network is in use.
	users, err := db.NetworkUsers(ctx, "enold")
	if err != nil || len(users) != 1 || users[0] != "oldctr" {
		t.Fatalf("NetworkUsers = %v, %v", users, err)
	}
	if err := db.RemoveNetwork(ctx, "enold"); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("RemoveNetwork of an imported network in use: %v", err)
	}
	// Once done, never again: a network removed after the import is not
	// brought back by the old files.
	if err := db.RemoveNetwork(ctx, "podman"); err != nil {
		t.Fatal(err)
	}
	if err := db.ImportNetworks(ctx, load); err != nil || loads.Load() != 1 {
		t.Fatalf("ImportNetworks again: %v, loads %d", err, loads.Load())
	}
	if _, err := db.GetNetwork(ctx, "podman"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("removed network came back: %v", err)
	}
}
