package pod

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"text/template"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

// sortPods orders list by --sort; with a nil list it only checks the key.
func sortPods(list []*engine.ListedPod, key string) error {
	var cmp func(a, b *engine.ListedPod) int
	switch key {
	case "created":
		cmp = func(a, b *engine.ListedPod) int { return b.CreatedAt.Compare(a.CreatedAt) }
	case "id":
		cmp = func(a, b *engine.ListedPod) int { return strings.Compare(a.ID, b.ID) }
	case "name":
		cmp = func(a, b *engine.ListedPod) int { return strings.Compare(a.Name, b.Name) }
	case "number":
		cmp = func(a, b *engine.ListedPod) int { return len(a.Containers) - len(b.Containers) }
	case "status":
		cmp = func(a, b *engine.ListedPod) int { return strings.Compare(a.Status, b.Status) }
	default:
		return errdefs.InvalidArgumentf("invalid --sort %q: use created, id, name, number or status", key)
	}
	slices.SortStableFunc(list, cmp)
	return nil
}

// writeRows renders rows, in a table with a header row when header is not
// nil (podman's layout: columns at least 12 wide, two spaces apart).
func writeRows(g *cli.Globals, tmpl *template.Template, header *podHeader, rows []podRow) error {
	w := io.Writer(g.Stdout)
	var tw *tabwriter.Writer
	if header != nil {
		tw = tabwriter.NewWriter(g.Stdout, 12, 2, 2, ' ', 0)
		w = tw
		if err := tmpl.Execute(w, *header); err != nil {
			return fmt.Errorf("execute --format template: %w", err)
		}
	}
	for _, r := range rows {
		if err := tmpl.Execute(w, r); err != nil {
			return fmt.Errorf("execute --format template: %w", err)
		}
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}
