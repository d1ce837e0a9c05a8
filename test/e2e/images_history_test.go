package e2e

import (
	"strings"
	"testing"
)

// TestImagesHistory checks images --history: the names an image has had,
// still shown after a name is removed.
func TestImagesHistory(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("tag", img, "localhost/hist:1")
		e.MustPod("untag", img, "localhost/hist:1")
		e.MustPod("tag", img, "localhost/hist:2")
		got := out(e.MustPod("images", "--history", "--format", "{{.Repository}}:{{.Tag}} {{.History}}", "localhost/hist:2"))
		// The order is storage's (names set most recently first); the
		// removed name is still there.
		name, hist, _ := strings.Cut(got, " ")
		names := strings.Split(hist, ", ")
		if name != "localhost/hist:2" || len(names) != 3 || !strings.Contains(hist, "localhost/hist:1") || !strings.Contains(hist, img) {
			t.Errorf("images --history: %q", got)
		}
		head := e.MustPod("images", "--history").Lines()[0]
		if !strings.HasSuffix(strings.TrimSpace(head), "HISTORY") {
			t.Errorf("header %q lacks HISTORY", head)
		}
	})
}
