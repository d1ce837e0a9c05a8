package state

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func openTest(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "state", "pod.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newContainer(name string) *Container {
	return &Container{
		ID:        NewID(),
		Name:      name,
		ImageID:   strings.Repeat("ab", 32),
		ImageName: "docker.io/library/busybox:latest",
		Command:   "sh -c 'echo hi'",
		Labels:    map[string]string{"app": name, "tier": "web"},
		Config:    []byte(`{"imageName":"busybox"}`),
	}
}

func mustAdd(t testing.TB, db *DB, c *Container) *Container {
	t.Helper()
	if err := db.Add(context.Background(), c); err != nil {
		t.Fatalf("Add %s: %v", c.Name, err)
	}
	return c
}

func sameContainer(t *testing.T, got, want *Container) {
	t.Helper()
	// time.Time carries a location and monotonic reading; compare instants.
	times := func(c *Container) [3]time.Time { return [3]time.Time{c.CreatedAt, c.StartedAt, c.FinishedAt} }
	gt, wt := times(got), times(want)
	for i := range gt {
		if !gt[i].Equal(wt[i]) {
			t.Errorf("time %d = %v, want %v", i, gt[i], wt[i])
		}
	}
	g, w := *got, *want
	g.CreatedAt, g.StartedAt, g.FinishedAt = time.Time{}, time.Time{}, time.Time{}
	w.CreatedAt, w.StartedAt, w.FinishedAt = time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("container = %+v\nwant        %+v", g, w)
	}
}

func TestAddGetRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	c := newContainer("web")
	mustAdd(t, db, c)
	if c.Status != StatusCreated || c.CreatedAt.IsZero() {
		t.Fatalf("Add did not default Status/CreatedAt: %q %v", c.Status, c.CreatedAt)
	}
	got, err := db.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameContainer(t, got, c)
	if !got.StartedAt.IsZero() || !got.FinishedAt.IsZero() {
		t.Errorf("never-started container has times %v %v", got.StartedAt, got.FinishedAt)
	}

	// No labels and no config come back as nil labels and empty config.
	bare := &Container{ID: NewID(), Name: "bare"}
	mustAdd(t, db, bare)
	got, err = db.Get(ctx, "bare")
	if err != nil {
		t.Fatal(err)
	}
	if got.Labels != nil || len(got.Config) != 0 {
		t.Errorf("bare container: labels %v config %q", got.Labels, got.Config)
	}
}

func TestAddErrors(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	web := mustAdd(t, db, newContainer("web"))

	dupName := newContainer("web")
	err := db.Add(ctx, dupName)
	if !errors.Is(err, errdefs.ErrAlreadyExists) {
		t.Fatalf("Add with a taken name = %v; want ErrAlreadyExists", err)
	}
	want := `the container name "web" is already in use by ` + web.ID
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message %q does not start with %q", err, want)
	}

	dupID := newContainer("other")
	dupID.ID = web.ID
	if err := db.Add(ctx, dupID); !errors.Is(err, errdefs.ErrAlreadyExists) || !strings.Contains(err.Error(), web.ID) {
		t.Errorf("Add with a taken ID = %v; want ErrAlreadyExists naming the ID", err)
	}

	for _, tc := range []struct {
		name string
		mod  func(c *Container)
	}{
		{"bad name", func(c *Container) { c.Name = "-web" }},
		{"short ID", func(c *Container) { c.ID = "abc" }},
		{"upper-case ID", func(c *Container) { c.ID = strings.ToUpper(NewID()) }},
		{"bad status", func(c *Container) { c.Status = "sleeping" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newContainer("fine")
			tc.mod(c)
			if err := db.Add(ctx, c); !errors.Is(err, errdefs.ErrInvalidArg) {
				t.Errorf("Add = %v; want ErrInvalidArg", err)
			}
		})
	}
	list, err := db.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Errorf("failed Adds left rows behind: %d containers", len(list))
	}
}

func TestGet(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := newContainer("alpha")
	a.ID = "abc1" + NewID()[4:]
	b := newContainer("beta")
	b.ID = "abc2" + NewID()[4:]
	c := newContainer("gamma")
	c.ID = "abd0" + NewID()[4:]
	// A container named like another's ID prefix: the name wins over the
	// prefix; a full ID wins over a name.
	d := newContainer("abd0")
	d.ID = "ffff" + NewID()[4:]
	e := newContainer(c.ID)
	e.ID = "eeee" + NewID()[4:]
	for _, x := range []*Container{a, b, c, d, e} {
		mustAdd(t, db, x)
	}

	for _, tc := range []struct {
		key     string
		want    *Container
		wantErr error
		msg     string
	}{
		{key: a.ID, want: a},
		{key: "alpha", want: a},
		{key: "/alpha", want: a},
		{key: "abc1", want: a},
		{key: "abc2" + b.ID[4:20], want: b},
		{key: "abd", want: c},
		{key: "abd0", want: d},
		{key: c.ID, want: c},
		{key: "abc", wantErr: errdefs.ErrInvalidArg, msg: `2 containers have IDs starting with "abc"`},
		{key: "a", wantErr: errdefs.ErrInvalidArg, msg: `3 containers`},
		{key: "9", wantErr: errdefs.ErrNotFound, msg: `no container with name or ID "9" found`},
		{key: "nosuch", wantErr: errdefs.ErrNotFound, msg: `no container with name or ID "nosuch" found`},
		{key: "ABC1", wantErr: errdefs.ErrNotFound},
		{key: "alph", wantErr: errdefs.ErrNotFound},
		{key: "", wantErr: errdefs.ErrInvalidArg},
	} {
		t.Run(tc.key, func(t *testing.T) {
			got, err := db.Get(ctx, tc.key)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Get = %v, %v; want %v", got, err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("message %q does not contain %q", err, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != tc.want.ID {
				t.Errorf("Get = %s (%s); want %s (%s)", got.Name, got.ID, tc.want.Name, tc.want.ID)
			}
		})
	}
}

func TestListNewestFirst(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if list, err := db.List(ctx); err != nil || len(list) != 0 {
		t.Fatalf("List of an empty DB = %v, %v", list, err)
	}
	base := time.Now()
	var want []string
	for i, name := range []string{"one", "two", "three", "four"} {
		c := newContainer(name)
		c.CreatedAt = base.Add(time.Duration(i) * time.Second)
		mustAdd(t, db, c)
		want = append([]string{name}, want...)
	}
	// Same creation time: the later Add is listed first.
	same := newContainer("five")
	same.CreatedAt = base.Add(3 * time.Second)
	mustAdd(t, db, same)
	want = append([]string{"five"}, want...)

	list, err := db.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range list {
		got = append(got, c.Name)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("List = %v; want %v", got, want)
	}
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	c := mustAdd(t, db, newContainer("web"))

	now := time.Now()
	u := *c
	u.Status = StatusExited
	u.PID, u.MonitorPID = 1234, 1200
	u.ExitCode = 137
	u.OOMKilled = true
	u.StartedAt = now.Add(-time.Minute)
	u.FinishedAt = now
	u.RestartCount = 3
	u.StoppedByUser = true
	u.Config = []byte(`{"new":true}`)
	// Immutable fields are not written by Update.
	u.Name, u.ImageName, u.Command, u.Labels = "ignored", "ignored", "ignored", nil
	if err := db.Update(ctx, &u); err != nil {
		t.Fatal(err)
	}
	got, err := db.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := u
	want.Name, want.ImageName, want.Command, want.Labels = c.Name, c.ImageName, c.Command, c.Labels
	sameContainer(t, got, &want)

	// Back to zero times.
	u.StartedAt, u.FinishedAt = time.Time{}, time.Time{}
	if err := db.Update(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Get(ctx, c.ID); !got.StartedAt.IsZero() || !got.FinishedAt.IsZero() {
		t.Errorf("zero times after Update: %v %v", got.StartedAt, got.FinishedAt)
	}

	bad := u
	bad.Status = "sleeping"
	if err := db.Update(ctx, &bad); !errors.Is(err, errdefs.ErrInvalidArg) {
		t.Errorf("Update with a bad status = %v; want ErrInvalidArg", err)
	}
	gone := newContainer("gone")
	gone.Status = StatusRunning
	if err := db.Update(ctx, gone); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Update of a missing container = %v; want ErrNotFound", err)
	}
}

func TestRename(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	web := mustAdd(t, db, newContainer("web"))
	db2 := mustAdd(t, db, newContainer("db"))

	if err := db.Rename(ctx, web.ID, "frontend"); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Get(ctx, "frontend"); err != nil || got.ID != web.ID {
		t.Fatalf("Get new name = %v, %v", got, err)
	}
	if _, err := db.Get(ctx, "web"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("old name still found: %v", err)
	}
	// The old name is free for a new container.
	mustAdd(t, db, newContainer("web"))

	for _, tc := range []struct {
		name, id, newName string
		want              error
		msg               string
	}{
		{"taken", web.ID, "db", errdefs.ErrAlreadyExists, `the container name "db" is already in use by ` + db2.ID},
		{"own name", web.ID, "frontend", errdefs.ErrInvalidArg, "already named"},
		{"invalid", web.ID, "has space", errdefs.ErrInvalidArg, NameRule},
		{"missing", NewID(), "fresh", errdefs.ErrNotFound, "no container"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := db.Rename(ctx, tc.id, tc.newName)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Rename = %v; want %v containing %q", err, tc.want, tc.msg)
			}
		})
	}
	if got, _ := db.Get(ctx, web.ID); got.Name != "frontend" {
		t.Errorf("failed renames changed the name to %q", got.Name)
	}
}

func TestRemove(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	c := mustAdd(t, db, newContainer("web"))
	if err := db.Remove(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Get(ctx, c.ID); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Get after Remove = %v; want ErrNotFound", err)
	}
	if err := db.Remove(ctx, c.ID); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("second Remove = %v; want ErrNotFound", err)
	}
	// The name is free again.
	mustAdd(t, db, newContainer("web"))
}

func TestMeta(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if v, ok, err := db.GetMeta(ctx, "boot-id"); err != nil || ok || v != "" {
		t.Fatalf("GetMeta of an unset key = %q, %v, %v", v, ok, err)
	}
	for _, v := range []string{"one", "two", ""} {
		if err := db.SetMeta(ctx, "boot-id", v); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := db.GetMeta(ctx, "boot-id"); err != nil || !ok || got != v {
			t.Errorf("GetMeta after SetMeta(%q) = %q, %v, %v", v, got, ok, err)
		}
	}
}

func TestPersistsAcrossOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pod.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	c := mustAdd(t, db, newContainer("web"))
	if err := db.SetMeta(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Get(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	sameContainer(t, got, c)
	if v, _, _ := db.GetMeta(ctx, "k"); v != "v" {
		t.Errorf("meta after reopen = %q", v)
	}
}

func TestCancelledContext(t *testing.T) {
	db := openTest(t)
	mustAdd(t, db, newContainer("web"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.List(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("List with a cancelled context = %v", err)
	}
	if _, err := db.Get(ctx, "web"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with a cancelled context = %v", err)
	}
	if err := db.Add(ctx, newContainer("db")); !errors.Is(err, context.Canceled) {
		t.Errorf("Add with a cancelled context = %v", err)
	}
}
