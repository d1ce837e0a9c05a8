package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSystemPrune(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("tag", img, "spare:1")
		e.MustPod("volume", "create", "unused")
		e.MustPod("volume", "create", "used")
		e.MustPod("network", "create", "idle")
		e.MustPod("run", "-d", "--name", "up", "-v", "used:/data", img, "sleep", "1000")
		stopped := strings.TrimSpace(e.MustPod("create", "--name", "down", img, "true").Stdout)

		r := e.PodStdin(strings.NewReader("n\n"), "system", "prune", "--volumes").Success(t)
		if !strings.Contains(r.Stdout, "WARNING! This command removes:") || !strings.Contains(r.Stdout, "all volumes not used by at least one container") {
			t.Fatalf("prune did not ask: %q", r.Stdout)
		}
		if got := len(e.MustPod("ps", "-a", "-q").Lines()); got != 2 {
			t.Fatalf("answering no removed containers: %d left", got)
		}

		// Without --volumes volumes stay; the stopped container and the
		// idle network go, the running container and its image stay.
		r = e.MustPod("system", "prune", "-f")
		for _, want := range []string{"Deleted Containers\n" + stopped + "\n", "Deleted Networks\nidle\n", "Total reclaimed space: "} {
			if !strings.Contains(r.Stdout, want) {
				t.Fatalf("prune -f output lacks %q: %q", want, r.Stdout)
			}
		}
		if strings.Contains(r.Stdout, "Deleted Volumes") {
			t.Fatalf("prune without --volumes removed volumes: %q", r.Stdout)
		}
		if got := e.MustPod("ps", "-a", "--format", "{{.Names}}").Lines(); len(got) != 1 || got[0] != "up" {
			t.Fatalf("containers after prune: %q", got)
		}
		if got := e.MustPod("network", "ls", "--format", "{{.Name}}").Lines(); len(got) != 1 || got[0] != "podman" {
			t.Fatalf("networks after prune: %q", got)
		}

		// --volumes takes the unused volume; -a every image no container uses.
		e.MustPod("rm", "-f", "-t", "0", "up")
		r = e.MustPod("system", "prune", "-f", "--volumes")
		if !strings.Contains(r.Stdout, "Deleted Volumes\n") || strings.Contains(r.Stdout, "Deleted Images") {
			t.Fatalf("prune --volumes: %q (a tagged image is not dangling)", r.Stdout)
		}
		if got := e.MustPod("volume", "ls", "-q").Stdout; got != "" {
			t.Fatalf("volumes after prune --volumes: %q", got)
		}
		r = e.MustPod("system", "prune", "-f", "-a")
		if !strings.Contains(r.Stdout, "Deleted Images\n") {
			t.Fatalf("prune -a: %q", r.Stdout)
		}
		if got := e.MustPod("images", "-q").Stdout; got != "" {
			t.Fatalf("images after prune -a: %q", got)
		}
	})
}

func TestSystemDF(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("run", "-d", "--name", "up", "-v", "vol:/data", img, "sh", "-c", "echo data > /data/f; sleep 1000")
		e.MustPod("create", "--name", "down", img, "true")
		e.MustPod("volume", "create", "spare")

		r := e.MustPod("system", "df")
		lines := r.Lines()
		if len(lines) != 4 || strings.Join(strings.Fields(lines[0]), " ") != "TYPE TOTAL ACTIVE SIZE RECLAIMABLE" {
			t.Fatalf("df: %q", r.Stdout)
		}
		var rows []struct {
			Type          string
			Total, Active int
			Size          string
			Reclaimable   string
		}
		if err := json.Unmarshal([]byte(e.MustPod("system", "df", "--format", "json").Stdout), &rows); err != nil {
			t.Fatal(err)
		}
		want := map[string][2]int{"Images": {1, 1}, "Containers": {2, 1}, "Local Volumes": {2, 1}}
		if len(rows) != 3 {
			t.Fatalf("df json rows: %+v", rows)
		}
		for _, row := range rows {
			if w := want[row.Type]; row.Total != w[0] || row.Active != w[1] {
				t.Errorf("%s: total %d active %d, want %d %d", row.Type, row.Total, row.Active, w[0], w[1])
			}
		}
		if rows[0].Size == "0B" || rows[0].Reclaimable != "0B (0%)" {
			t.Errorf("images: size %s reclaimable %s, want a size and nothing reclaimable", rows[0].Size, rows[0].Reclaimable)
		}
		if got := e.MustPod("system", "df", "--format", "{{.Type}}={{.Total}}").Stdout; got != "Images=1\nContainers=2\nLocal Volumes=2\n" {
			t.Fatalf("df --format: %q", got)
		}
		r = e.MustPod("system", "df", "-v")
		for _, want := range []string{"Images space usage:", "Containers space usage:", "Local Volumes space usage:", "VOLUME NAME", "spare", "vol", "up", "down"} {
			if !strings.Contains(r.Stdout, want) {
				t.Fatalf("df -v lacks %q: %s", want, r.Stdout)
			}
		}
		e.MustPod("rm", "-f", "-t", "0", "up")
	})
}
