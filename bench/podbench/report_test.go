package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A new run rewrites the tables whole: the build rows replace the old "not
// implemented" row, with a ratio and no target, and the hand-written
// analysis stays.
func TestMarkdownBuildRowsReplaceOldOnes(t *testing.T) {
	b := &bench{opts: options{rounds: 15}, started: time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC)}
	titles := buildTitles()
	for _, acct := range []string{"root", "rootless"} {
		b.add(&row{acct: acct, title: titles[0], unit: "ms", pod: &series{values: []float64{1000, 1200, 1100}}, podman: &series{values: []float64{2000, 2200}}}, nil)
		b.add(&row{acct: acct, title: titles[1], unit: "ms", pod: &series{values: []float64{50}}, podman: &series{absent: "failed: boom"}}, nil)
	}
	md := b.markdown(&machine{}, time.Minute)

	p := filepath.Join(t.TempDir(), "RESULTS.md")
	old := "# pod against podman: benchmark results\n\n## As root\n\n| scenario | pod | podman | pod/podman | target | met |\n| --- | --- | --- | --- | --- | --- |\n" +
		"| build: a 6-step Dockerfile, cold and cached | not implemented in pod yet (`build`) | not measured until pod has `build` |  | — |  |\n\n" +
		analysisMarker + "\n\n## Reading this run\n\nhand-written\n"
	if err := os.WriteFile(p, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeResults(p, md); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	for _, want := range []string{
		"| " + titles[0] + " | 1100 (1000–1200) | 2100 (2000–2200) | 0.52 | — |  |\n",
		"| " + titles[1] + " | 50.0 (50.0–50.0) | failed: boom |  | — |  |\n",
		"## As rootless\n",
		"cold builds 5",
		analysisMarker + "\n\n## Reading this run\n\nhand-written\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("RESULTS.md lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "not implemented") || strings.Count(got, titles[0]) != 2 {
		t.Errorf("RESULTS.md keeps the old build row or lacks a new one per account:\n%s", got)
	}
}
