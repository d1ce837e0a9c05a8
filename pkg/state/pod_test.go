package state

import (
	"context"
	"errors"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestPodLifecycle(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	p := &Pod{ID: NewID(), Name: "web", Labels: map[string]string{"a": "b"}, Config: []byte(`{}`), Creator: "1@2"}
	infra := newContainer("web-infra")
	if err := db.AddPod(ctx, p, infra); err != nil {
		t.Fatal(err)
	}
	if p.InfraID != infra.ID || infra.PodID != p.ID {
		t.Fatalf("infra %s pod %s", p.InfraID, infra.PodID)
	}
	// A container cannot join a pod still being made.
	member := newContainer("member")
	member.PodID = p.ID
	if err := db.Add(ctx, member); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("join a half pod: %v", err)
	}
	if err := db.PodCreated(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, db, member)
	got, err := db.GetPod(ctx, p.ID[:8])
	if err != nil || got.Name != "web" || got.Labels["a"] != "b" || got.Creator != "" || got.InfraID != infra.ID {
		t.Fatalf("GetPod by prefix: %+v %v", got, err)
	}
	if got, err := db.GetPod(ctx, "web"); err != nil || got.ID != p.ID {
		t.Fatalf("GetPod by name: %+v %v", got, err)
	}
	if _, err := db.GetPod(ctx, "nope"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("GetPod of nothing: %v", err)
	}
	// The name is the pod's alone.
	if err := db.AddPod(ctx, &Pod{ID: NewID(), Name: "web", Config: []byte(`{}`)}, nil); !errors.Is(err, errdefs.ErrAlreadyExists) {
		t.Fatalf("second pod named web: %v", err)
	}
	ctrs, err := db.PodContainers(ctx, p.ID)
	if err != nil || len(ctrs) != 2 {
		t.Fatalf("PodContainers: %d %v", len(ctrs), err)
	}
	if c, err := db.Get(ctx, "member"); err != nil || c.PodID != p.ID {
		t.Fatalf("member's pod: %+v %v", c, err)
	}
	if err := db.RemovePod(ctx, p.ID); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("remove a pod with containers: %v", err)
	}
	for _, c := range ctrs {
		if err := db.Remove(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.RemovePod(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	// A container cannot join a pod that is gone.
	late := newContainer("late")
	late.PodID = p.ID
	if err := db.Add(ctx, late); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("join a removed pod: %v", err)
	}
	if pods, err := db.ListPods(ctx); err != nil || len(pods) != 0 {
		t.Fatalf("ListPods: %v %v", pods, err)
	}
}

// A taken infra container name fails the whole AddPod: no pod is left.
func TestAddPodAtomic(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	mustAdd(t, db, newContainer("taken"))
	err := db.AddPod(ctx, &Pod{ID: NewID(), Name: "p", Config: []byte(`{}`)}, newContainer("taken"))
	if !errors.Is(err, errdefs.ErrAlreadyExists) {
		t.Fatalf("AddPod with a taken infra name: %v", err)
	}
	if pods, err := db.ListPods(ctx); err != nil || len(pods) != 0 {
		t.Fatalf("a pod was left: %v %v", pods, err)
	}
}
