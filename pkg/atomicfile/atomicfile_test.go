package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

// entries lists dir's names, to see that no temporary file is left.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestCommit(t *testing.T) {
	for _, tc := range []struct {
		name string
		old  string // content at the path before, "" for none
		perm os.FileMode
	}{
		{"new file", "", 0o644},
		{"replaces a file", "old", 0o600},
		{"mode beyond the umask", "", 0o666},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.tar")
			if tc.old != "" {
				if err := os.WriteFile(path, []byte(tc.old), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f, err := Create(path, tc.perm)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.Write([]byte("new")); err != nil {
				t.Fatal(err)
			}
			// Until Commit, readers see the old content (or nothing).
			if b, err := os.ReadFile(path); tc.old == "" && err == nil || tc.old != "" && string(b) != tc.old {
				t.Fatalf("before commit: %q %v", b, err)
			}
			if err := f.Commit(); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Errorf("Close after Commit: %v", err)
			}
			b, err := os.ReadFile(path)
			if err != nil || string(b) != "new" {
				t.Fatalf("after commit: %q %v", b, err)
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != tc.perm {
				t.Errorf("mode %v, want %v", fi.Mode().Perm(), tc.perm)
			}
			if names := entries(t, dir); len(names) != 1 {
				t.Errorf("left in the directory: %v", names)
			}
		})
	}
}

func TestCloseWithoutCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	f, err := Create(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("half")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if names := entries(t, dir); len(names) != 0 {
		t.Errorf("an abandoned write left %v", names)
	}
	if err := f.Commit(); err == nil {
		t.Errorf("Commit after Close succeeded")
	}
}

func TestCommitFails(t *testing.T) {
	// The path is a directory that is not empty: the rename fails, the
	// directory is untouched and the temporary file gone.
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	if err := os.MkdirAll(filepath.Join(path, "keep"), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err == nil {
		t.Fatal("Commit over a non-empty directory succeeded")
	}
	if names := entries(t, dir); len(names) != 1 || names[0] != "out" {
		t.Errorf("after a failed commit: %v", names)
	}
	if _, err := os.Stat(filepath.Join(path, "keep")); err != nil {
		t.Errorf("the directory changed: %v", err)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "digest")
	for _, content := range []string{"sha256:1", "sha256:2"} {
		if err := WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != content {
			t.Errorf("content %q, want %q", b, content)
		}
	}
	if err := WriteFile(filepath.Join(dir, "nosuchdir", "f"), nil, 0o644); err == nil {
		t.Errorf("WriteFile into a missing directory succeeded")
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("left in the directory: %v", names)
	}
}

// A temporary file a killed writer left is removed by the next Create of
// the same path; one whose maker still runs (this process) stays.
func TestCreateSweepsDeadWriters(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	dead := filepath.Join(dir, ".out.tmp-1999999999@1-123")
	f, err := Create(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.WriteFile(dead, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, ".other.tmp-1999999999@1-123")
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	g, err := Create(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("a dead writer's temporary file survived: %v", err)
	}
	for _, p := range []string{f.Name(), other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was swept: %v", p, err)
		}
	}
}
