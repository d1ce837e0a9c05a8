package e2e

import (
	"regexp"
	"strings"
	"testing"
)

var imageIDRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

// pulledID pulls ref quietly and returns the image ID pod printed.
func pulledID(t *testing.T, e *Env, ref string) string {
	t.Helper()
	r := e.MustPod("pull", "-q", ref)
	id := strings.TrimSpace(r.Stdout)
	if !imageIDRe.MatchString(id) {
		t.Fatalf("pull -q %s printed %q, want an image ID", ref, r.Stdout)
	}
	return id
}

func TestPull(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		// A full name, with progress lines on stderr and the ID on stdout.
		r := e.MustPod("pull", suite.images.Multi)
		id := strings.TrimSpace(r.Stdout)
		if !imageIDRe.MatchString(id) {
			t.Fatalf("pull printed %q on stdout, want only the image ID", r.Stdout)
		}
		for _, want := range []string{"Trying to pull " + suite.images.Multi, "Getting image source signatures", "Copying blob ", "Copying config ", "Writing manifest to image destination"} {
			if !strings.Contains(r.Stderr, want) {
				t.Errorf("pull stderr lacks %q:\n%s", want, r.Stderr)
			}
		}
		// Again: the image is re-checked and the same ID comes back.
		if again := pulledID(t, e, suite.images.Multi); again != id {
			t.Errorf("second pull gave %s, first %s", again, id)
		}
		// A short name resolves through the unqualified-search registry
		// ("busybox" itself is an alias for docker.io in Debian's
		// registries.conf.d/shortnames.conf, so the test uses "multi").
		r = e.MustPod("pull", "-q", "multi")
		if r.Stderr != "" || strings.TrimSpace(r.Stdout) != id {
			t.Errorf("pull -q multi: stdout %q stderr %q, want %s", r.Stdout, r.Stderr, id)
		}
	})
}
