package specgen

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHasSubIDRange(t *testing.T) {
	f := filepath.Join(t.TempDir(), "subuid")
	if err := os.WriteFile(f, []byte("podtest:100000:65536\nempty:200000:0\n# comment\ncontainers:300000:1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"containers": true, "podtest": true, "empty": false, "nobody": false} {
		got, err := hasSubIDRange(f, name)
		if err != nil || got != want {
			t.Errorf("hasSubIDRange(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	if got, err := hasSubIDRange(filepath.Join(t.TempDir(), "missing"), "containers"); got || err != nil {
		t.Errorf("missing file: %v, %v", got, err)
	}
}
