package state

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func newVolume(name string) *Volume {
	return &Volume{Name: name, Driver: "local", UID: -1, GID: -1, NeedsCopyUp: true}
}

func TestVolumeRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	want := &Volume{
		Name: "data", Driver: "local", Labels: map[string]string{"a": "1"},
		Options:   map[string]string{"type": "tmpfs", "device": "tmpfs", "o": "size=1m"},
		CreatedAt: time.Unix(0, 1700000000123456789), Anonymous: true, UID: 5, GID: 6, NeedsCopyUp: true,
	}
	if err := db.AddVolume(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := db.Volume(ctx, "data")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Volume = %+v, want %+v", got, want)
	}
	if err := db.AddVolume(ctx, newVolume("data")); !errors.Is(err, errdefs.ErrAlreadyExists) {
		t.Errorf("second AddVolume = %v, want already exists", err)
	}
	if _, err := db.Volume(ctx, "nope"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Volume(nope) = %v, want not found", err)
	}
	if err := db.MarkVolumeUsed(ctx, "data"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Volume(ctx, "data"); got.NeedsCopyUp {
		t.Error("NeedsCopyUp still true after MarkVolumeUsed")
	}
	older := newVolume("older")
	older.CreatedAt = time.Unix(100, 0)
	if err := db.AddVolume(ctx, older); err != nil {
		t.Fatal(err)
	}
	all, err := db.Volumes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Name != "older" || all[1].Name != "data" {
		t.Errorf("Volumes = %v, want older then data", all)
	}
}

// TestAddWithVolumes: the container row, its new volumes and its uses are
// one transaction; a missing volume leaves nothing.
func TestAddWithVolumes(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.AddVolume(ctx, newVolume("old")); err != nil {
		t.Fatal(err)
	}
	c := newContainer("c1")
	if err := db.AddWithVolumes(ctx, c, []string{"old", "new", "old"}, []*Volume{newVolume("new")}); err != nil {
		t.Fatal(err)
	}
	users, err := db.VolumeUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(users, map[string][]string{"old": {c.ID}, "new": {c.ID}}) {
		t.Errorf("VolumeUsers = %v", users)
	}

	c2 := newContainer("c2")
	err = db.AddWithVolumes(ctx, c2, []string{"made", "missing"}, []*Volume{newVolume("made")})
	if !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("AddWithVolumes with a missing volume = %v, want not found", err)
	}
	if _, err := db.Get(ctx, "c2"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("container of a failed AddWithVolumes exists: %v", err)
	}
	if _, err := db.Volume(ctx, "made"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("volume of a failed AddWithVolumes exists: %v", err)
	}
}

func TestRemoveVolumeInUse(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	c := newContainer("user")
	if err := db.AddWithVolumes(ctx, c, []string{"v"}, []*Volume{newVolume("v")}); err != nil {
		t.Fatal(err)
	}
	_, err := db.RemoveVolume(ctx, "v")
	if !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("RemoveVolume of a used volume = %v, want conflict", err)
	}
	if want := "volume v is being used by the following container(s): " + c.ID + ": volume is being used"; err.Error() != want {
		t.Errorf("message = %q, want %q", err.Error(), want)
	}
	// The foreign key refuses it too, whatever a caller checked.
	if _, err := db.conn().ExecContext(ctx, `DELETE FROM volumes WHERE name = 'v'`); err == nil {
		t.Error("DELETE of a used volume's row succeeded")
	}
	// Removing the container removes its use.
	if err := db.Remove(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	v, err := db.RemoveVolume(ctx, "v")
	if err != nil || v.Name != "v" {
		t.Fatalf("RemoveVolume after rm = %v, %v", v, err)
	}
	if _, err := db.RemoveVolume(ctx, "v"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("RemoveVolume twice = %v, want not found", err)
	}
}

func TestPruneVolumes(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for _, n := range []string{"a", "b", "keep"} {
		v := newVolume(n)
		if n == "keep" {
			v.Labels = map[string]string{"keep": "1"}
		}
		if err := db.AddVolume(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.AddWithVolumes(ctx, newContainer("c"), []string{"b"}, nil); err != nil {
		t.Fatal(err)
	}
	pruned, err := db.PruneVolumes(ctx, func(v *Volume) bool { return v.Labels["keep"] == "" })
	if err != nil {
		t.Fatal(err)
	}
	if len(pruned) != 1 || pruned[0].Name != "a" {
		t.Errorf("pruned %v, want only a", pruned)
	}
	all, _ := db.Volumes(ctx)
	if len(all) != 2 {
		t.Errorf("left %d volumes, want b and keep", len(all))
	}
}

// TestVolumeRemoveRacesCreate runs RemoveVolume against AddWithVolumes of a
// container using the same volume: afterwards either both exist, or the
// volume is gone and so is the container.
func TestVolumeRemoveRacesCreate(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	won := map[bool]int{}
	for i := range 50 {
		name := fmt.Sprintf("v%d", i)
		if err := db.AddVolume(ctx, newVolume(name)); err != nil {
			t.Fatal(err)
		}
		c := newContainer(fmt.Sprintf("c%d", i))
		var wg sync.WaitGroup
		var addErr, rmErr error
		wg.Add(2)
		go func() { defer wg.Done(); addErr = db.AddWithVolumes(ctx, c, []string{name}, nil) }()
		go func() { defer wg.Done(); _, rmErr = db.RemoveVolume(ctx, name) }()
		wg.Wait()
		_, cErr := db.Get(ctx, c.ID)
		_, vErr := db.Volume(ctx, name)
		switch {
		case addErr == nil && errors.Is(rmErr, errdefs.ErrConflict):
			if cErr != nil || vErr != nil {
				t.Fatalf("round %d: create won but container %v, volume %v", i, cErr, vErr)
			}
		case rmErr == nil && errors.Is(addErr, errdefs.ErrNotFound):
			if !errors.Is(cErr, errdefs.ErrNotFound) || !errors.Is(vErr, errdefs.ErrNotFound) {
				t.Fatalf("round %d: rm won but container %v, volume %v", i, cErr, vErr)
			}
		default:
			t.Fatalf("round %d: add %v, rm %v", i, addErr, rmErr)
		}
		won[addErr == nil]++
	}
	t.Logf("create won %d times, rm %d times", won[true], won[false])
}

// TestVolumeImportOnce opens a DB of the schema before volumes with
// concurrent Opens: the import function runs exactly once and its volumes
// and uses are there.
func TestVolumeImportOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pod.db")
	steps := migrations()
	old := rawDB(t, path)
	var volStep int
	for i, s := range steps {
		if s.name == "volumes" {
			volStep = i
		}
	}
	if err := migrate(ctx, old, steps[:volStep]); err != nil {
		t.Fatal(err)
	}
	id := NewID()
	if _, err := old.conn().ExecContext(ctx, `INSERT INTO containers (id, name, config, created_at, status)
		VALUES (?, 'old', '{"mounts":[{"type":"volume","source":"data"}]}', 1, 'exited')`, id); err != nil {
		t.Fatal(err)
	}
	old.conn().Close()

	var calls atomic.Int32
	imp := WithVolumeImport(func(ctx context.Context, cs []*Container) (VolumeImport, error) {
		calls.Add(1)
		if len(cs) != 1 || cs[0].ID != id {
			return VolumeImport{}, fmt.Errorf("import got containers %v", cs)
		}
		return VolumeImport{
			Volumes: []*Volume{newVolume("data"), newVolume("spare")},
			Uses:    []VolumeUse{{"data", id}, {"gone", id}, {"spare", NewID()}},
		}, nil
	})
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(ctx, path, imp)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("import ran %d times, want once", n)
	}
	db, err := Open(ctx, path, imp)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	users, err := db.VolumeUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(users, map[string][]string{"data": {id}}) {
		t.Errorf("VolumeUsers after import = %v", users)
	}
	if vs, _ := db.Volumes(ctx); len(vs) != 2 {
		t.Errorf("imported %d volumes, want 2", len(vs))
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("import ran again at a later Open (%d calls)", n)
	}
}

// TestVolumeImportFailureLeavesNothing: a failing import fails Open, records
// nothing, and is tried again by the next Open.
func TestVolumeImportFailureLeavesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pod.db")
	_, err := Open(ctx, path, WithVolumeImport(func(context.Context, []*Container) (VolumeImport, error) {
		return VolumeImport{Volumes: []*Volume{newVolume("x")}}, errors.New("disk on fire")
	}))
	if err == nil {
		t.Fatal("Open succeeded with a failing import")
	}
	db, err := Open(ctx, path, WithVolumeImport(func(context.Context, []*Container) (VolumeImport, error) {
		return VolumeImport{Volumes: []*Volume{newVolume("y")}}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	vs, _ := db.Volumes(ctx)
	if len(vs) != 1 || vs[0].Name != "y" {
		t.Errorf("volumes after a failed then a good import = %v, want only y", vs)
	}
}
