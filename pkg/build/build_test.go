package build

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func parse(t *testing.T, df string) *Dockerfile {
	t.Helper()
	d, err := ParseDockerfile("Dockerfile", strings.NewReader(df))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestParseDockerfileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, df, want string
	}{
		{"unknown instruction", "FROM a\nRUN x\nFROOM b\n", "Dockerfile:3"},
		{"no FROM", "# nothing\n", "Dockerfile"},
		{"instruction before FROM", "RUN x\n", "Dockerfile:1"},
		{"unterminated heredoc", "FROM a\nRUN <<EOF\necho\n", "Dockerfile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDockerfile("Dockerfile", strings.NewReader(tc.df))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, errdefs.ErrInvalidArg) {
				t.Fatalf("error %v, want one naming %q, an invalid argument", err, tc.want)
			}
		})
	}
}

func TestStageIndex(t *testing.T) {
	d := parse(t, "FROM a AS One\nFROM b\nFROM c AS three\n")
	for name, want := range map[string]int{"one": 0, "One": 0, "1": 1, "three": 2, "2": 2, "3": -1, "nope": -1, "01": -1} {
		if got := d.stageIndex(name); got != want {
			t.Errorf("stageIndex(%q) = %d, want %d", name, got, want)
		}
	}
}

func newTestBuilder(t *testing.T, df string, args map[string]string) *Builder {
	t.Helper()
	b, err := New(nil, nil, Options{Context: &Context{Dir: t.TempDir()}, Dockerfile: parse(t, df), BuildArgs: args, Layers: true})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMetaArgs(t *testing.T) {
	for _, tc := range []struct {
		name string
		df   string
		args map[string]string
		from string
	}{
		{"default", "ARG BASE=busybox\nARG TAG=1.36\nFROM $BASE:${TAG}\n", nil, "busybox:1.36"},
		{"build arg wins", "ARG BASE=busybox\nFROM $BASE\n", map[string]string{"BASE": "alpine"}, "alpine"},
		{"arg from an arg", "ARG V=1\nARG IMG=img:$V\nFROM $IMG\n", nil, "img:1"},
		{"undeclared stays empty", "FROM x${NOPE}y\n", map[string]string{"NOPE": "ignored"}, "xy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newTestBuilder(t, tc.df, tc.args)
			meta, err := b.metaArgs()
			if err != nil {
				t.Fatal(err)
			}
			got, err := b.expandMeta(b.o.Dockerfile.Stages[0].BaseName, meta)
			if err != nil || got != tc.from {
				t.Fatalf("FROM expands to %q (%v), want %q", got, err, tc.from)
			}
		})
	}
}

func TestNeededStages(t *testing.T) {
	df := "FROM a AS base\nFROM b AS unused\nRUN x\nFROM c AS assets\nFROM base AS final\nCOPY --from=assets /x /x\nRUN --mount=type=bind,from=unused2,target=/m true\n"
	b := newTestBuilder(t, df, nil)
	got, err := b.needed(3, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 2, 3}; !equalInts(got, want) {
		t.Fatalf("needed = %v, want %v", got, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCacheKey(t *testing.T) {
	cmd := func(df string) instructions.Command { return parse(t, "FROM a\n"+df).Stages[0].Commands[0] }
	base := cacheKey("p1", cmd("RUN echo hi"), map[string]string{"A": "1"}, "")
	for _, tc := range []struct {
		name string
		key  string
		same bool
	}{
		{"identical", cacheKey("p1", cmd("RUN echo hi"), map[string]string{"A": "1"}, ""), true},
		{"other parent", cacheKey("p2", cmd("RUN echo hi"), map[string]string{"A": "1"}, ""), false},
		{"other command", cacheKey("p1", cmd("RUN echo ho"), map[string]string{"A": "1"}, ""), false},
		{"other arg value", cacheKey("p1", cmd("RUN echo hi"), map[string]string{"A": "2"}, ""), false},
		{"other content", cacheKey("p1", cmd("RUN echo hi"), map[string]string{"A": "1"}, "sha256:x"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if (tc.key == base) != tc.same {
				t.Fatalf("key equal to the base's: %v, want %v", tc.key == base, tc.same)
			}
		})
	}
	// Expansion is part of the key: the same text with another value differs.
	b := newTestBuilder(t, "FROM a\nENV X=$V\n", nil)
	expanded := func(v string) string {
		c := parse(t, "FROM a\nENV X=$V\n").Stages[0].Commands[0]
		c.(instructions.SupportsSingleWordExpansion).Expand(func(w string) (string, error) {
			s, _, err := b.lex.ProcessWord(w, mapEnv{"V": v})
			return s, err
		})
		return cacheKey("p", c, nil, "")
	}
	if expanded("1") == expanded("2") {
		t.Fatal("ENV X=$V has the same key for V=1 and V=2")
	}
}

func TestIgnore(t *testing.T) {
	ig, err := NewIgnore([]string{"*.log", "secret", "build/", "!build/keep", "**/tmp"})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{
		"a.log": true, "dir/a.log": false, "secret": true, "secret/x": true, "build/out": true,
		"build/keep": false, "src/tmp": true, "src/tmp/x": true, "main.go": false, ".": false,
	} {
		if got := ig.Ignored(path); got != want {
			t.Errorf("Ignored(%q) = %v, want %v", path, got, want)
		}
	}
	var none *Ignore
	if none.Ignored("x") {
		t.Error("a nil Ignore ignores")
	}
}

func TestResolveAndDigest(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"a.txt": "a", "b.txt": "b", "sub/c.txt": "c", "skip.txt": "s"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644)
	}
	ig, _ := NewIgnore([]string{"skip.txt"})
	src := source{root: dir, ignore: ig, what: "build context"}
	for _, tc := range []struct {
		name     string
		patterns []string
		want     []string
		err      error
	}{
		{"plain", []string{"a.txt"}, []string{"a.txt"}, nil},
		{"wildcard skips ignored", []string{"*.txt"}, []string{"a.txt", "b.txt"}, nil},
		{"dot-dot inside", []string{"sub/../a.txt"}, []string{"a.txt"}, nil},
		{"outside", []string{"../etc/passwd"}, nil, errdefs.ErrInvalidArg},
		{"ignored", []string{"skip.txt"}, nil, errdefs.ErrNotFound},
		{"missing", []string{"nope"}, nil, errdefs.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := src.resolve(tc.patterns)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("error %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.rel)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("matches %v, want %v", got, tc.want)
			}
		})
	}
	ms, _ := src.resolve([]string{"."})
	d1, err := src.digest(ms)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "skip.txt"), []byte("changed"), 0o644)
	if d2, _ := src.digest(ms); d2 != d1 {
		t.Error("changing an ignored file changed the digest")
	}
	os.WriteFile(filepath.Join(dir, "sub/c.txt"), []byte("changed"), 0o644)
	if d3, _ := src.digest(ms); d3 == d1 {
		t.Error("changing a copied file kept the digest")
	}
	os.Chmod(filepath.Join(dir, "a.txt"), 0o600)
	if d4, _ := src.digest(ms); d4 == d1 {
		t.Error("changing a mode kept the digest")
	}
}

func TestRunArgs(t *testing.T) {
	s := &stageState{shell: []string{"/bin/sh", "-c"}}
	for _, tc := range []struct {
		name, df string
		want     []string
	}{
		{"shell form", "RUN echo $HOME", []string{"/bin/sh", "-c", "echo $HOME"}},
		{"exec form", `RUN ["echo", "a b"]`, []string{"echo", "a b"}},
		{"lone heredoc", "RUN <<EOF\necho one\necho two\nEOF", []string{"/bin/sh", "-c", "echo one\necho two\n"}},
		{"heredoc as input", "RUN cat <<EOF > /f\nhello\nEOF", []string{"/bin/sh", "-c", "cat <<EOF > /f\nhello\nEOF"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := parse(t, "FROM a\n"+tc.df+"\n").Stages[0].Commands[0].(*instructions.RunCommand)
			got := s.runArgs(c)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("argv %q, want %q", got, tc.want)
			}
		})
	}
}
