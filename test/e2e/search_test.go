package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSearch checks search against the loopback registry (Docker
// distribution: no search API, so its /v2/_catalog filtered by the term):
// the registry named in the term and the unqualified-search one,
// podman's columns, --limit, --format json, --filter, --list-tags and
// --tls-verify.
func TestSearch(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		reg := strings.SplitN(suite.images.Busybox, "/", 2)[0]
		lines := e.MustPod("search", reg+"/busy").Lines()
		if len(lines) < 2 || !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "DESCRIPTION") {
			t.Fatalf("search output:\n%s", strings.Join(lines, "\n"))
		}
		found := false
		for _, l := range lines[1:] {
			name := strings.Fields(l)[0]
			if !strings.HasPrefix(name, reg+"/") || !strings.Contains(name, "busy") {
				t.Errorf("result %q does not match the term", l)
			}
			found = found || name == reg+"/busybox"
		}
		if !found {
			t.Errorf("busybox not found:\n%s", strings.Join(lines, "\n"))
		}
		// The unqualified-search registry of registries.conf.
		if !strings.Contains(e.MustPod("search", "busybox").Stdout, reg+"/busybox") {
			t.Error("a short term does not search the unqualified-search registry")
		}
		var rows []struct{ Index, Name, Tag string }
		if err := json.Unmarshal([]byte(e.MustPod("search", "--limit", "1", "--format", "json", reg+"/").Stdout), &rows); err != nil || len(rows) != 1 || rows[0].Index != reg {
			t.Errorf("--limit 1 --format json: %+v %v", rows, err)
		}
		if got := out(e.MustPod("search", "--format", "{{.Name}}", reg+"/nosuchrepo")); got != "" {
			t.Errorf("search for a missing name printed %q", got)
		}
		if got := out(e.MustPod("search", "--filter", "is-official=true", "--format", "{{.Name}}", reg+"/busybox")); got != "" {
			t.Errorf("is-official filter kept %q", got)
		}
		tags := e.MustPod("search", "--list-tags", reg+"/busybox").Lines()
		if len(tags) < 3 || !strings.HasPrefix(tags[0], "NAME") || !strings.Contains(tags[0], "TAG") {
			t.Fatalf("--list-tags:\n%s", strings.Join(tags, "\n"))
		}
		all := strings.Join(tags, "\n")
		for _, tag := range []string{"latest", "1.36"} {
			if !strings.Contains(all, reg+"/busybox") || !strings.Contains(all, tag) {
				t.Errorf("--list-tags lacks %s:\n%s", tag, all)
			}
		}
		if got := e.MustPod("search", "--list-tags", "--limit", "1", reg+"/busybox").Lines(); len(got) != 2 {
			t.Errorf("--list-tags --limit 1: %q", got)
		}
		e.Pod("search", "--list-tags", "--filter", "stars=1", reg+"/busybox").Fails(t, 125, "filters do not apply to --list-tags")
		e.Pod("search", "--list-tags", reg+"/busybox:latest").Fails(t, 125, "without a tag")
		// The registry speaks plain HTTP: requiring TLS fails.
		e.Pod("search", "--tls-verify=true", reg+"/busy").Fails(t, 125, reg)
	})
}

// TestAPIDockerSearch: `docker search` through the API service finds what
// `pod search` finds, with Docker's limit and filters.
func TestAPIDockerSearch(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		s := startService(t, e)
		reg := strings.SplitN(suite.images.Busybox, "/", 2)[0]
		names := s.mustDocker(t, "search", "--format", "{{.Name}}", reg+"/busy").Stdout
		if !strings.Contains(names, reg+"/busybox\n") {
			t.Errorf("docker search %s/busy: %q", reg, names)
		}
		if got := strings.Count(s.mustDocker(t, "search", "--limit", "1", "--format", "{{.Name}}", reg+"/").Stdout, "\n"); got != 1 {
			t.Errorf("docker search --limit 1 printed %d lines", got)
		}
		if got := s.mustDocker(t, "search", "--filter", "is-official=true", "--format", "{{.Name}}", reg+"/busybox").Stdout; got != "" {
			t.Errorf("is-official filter kept %q", got)
		}
		code, body := s.raw(t, "GET", "/images/search", "")
		if code != 400 || !strings.Contains(apiError(t, body), "term") {
			t.Errorf("search without a term: %d %s", code, body)
		}
	})
}
