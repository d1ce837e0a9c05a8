package state

import (
	"context"
	"errors"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestSecrets(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := &Secret{ID: "0123456789abcdef012345678", Name: "a", Driver: "file", Labels: map[string]string{"k": "v"}}
	if _, err := db.AddSecret(ctx, a, false); err != nil {
		t.Fatal(err)
	}
	dup := &Secret{ID: "1123456789abcdef012345678", Name: "a", Driver: "file"}
	if _, err := db.AddSecret(ctx, dup, false); !errors.Is(err, errdefs.ErrAlreadyExists) {
		t.Fatalf("a taken name: %v", err)
	}
	replaced, err := db.AddSecret(ctx, dup, true)
	if err != nil || !replaced || dup.ID != a.ID {
		t.Fatalf("replace: %v %v, ID %s", replaced, err, dup.ID)
	}
	got, err := db.GetSecret(ctx, "01234")
	if err != nil || got.Name != "a" || got.Labels != nil || !got.CreatedAt.Equal(a.CreatedAt) {
		t.Fatalf("by prefix after replace: %+v %v", got, err)
	}
	if _, err := db.GetSecret(ctx, "b"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	if err := db.RemoveSecret(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveSecret(ctx, a.ID); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("second remove: %v", err)
	}
	if list, err := db.ListSecrets(ctx); err != nil || len(list) != 0 {
		t.Fatalf("list: %v %v", list, err)
	}
}
