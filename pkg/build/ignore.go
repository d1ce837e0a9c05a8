package build

import (
	"errors"
	"fmt"
	"github.com/pod-engine/pod/pkg/errdefs"
	"os"
	"path/filepath"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// Ignore says which context paths COPY and ADD do not see, from
// .containerignore or else .dockerignore at the context's top.
type Ignore struct {
	pm *patternmatcher.PatternMatcher
}

// LoadIgnore reads the context's ignore file; none ignores nothing.
func LoadIgnore(contextDir string) (*Ignore, error) {
	for _, name := range []string{".containerignore", ".dockerignore"} {
		f, err := OpenInContext(contextDir, name)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		patterns, err := ignorefile.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		return NewIgnore(patterns)
	}
	return &Ignore{}, nil
}

// LoadIgnoreFile reads the ignore patterns of a file outside the context
// (build --ignorefile).
func LoadIgnoreFile(path string) (*Ignore, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errdefs.InvalidArgument(fmt.Errorf("--ignorefile: %w", err))
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return NewIgnore(patterns)
}

// NewIgnore compiles ignore patterns as .dockerignore has them.
func NewIgnore(patterns []string) (*Ignore, error) {
	if len(patterns) == 0 {
		return &Ignore{}, nil
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf("ignore patterns: %w", err)
	}
	return &Ignore{pm: pm}, nil
}

// Ignored reports whether rel (slash-separated, relative to the context
// top) is excluded, itself or through a parent directory.
func (i *Ignore) Ignored(rel string) bool {
	if i == nil || i.pm == nil || rel == "." || rel == "" {
		return false
	}
	m, err := i.pm.MatchesOrParentMatches(filepath.FromSlash(rel))
	return err == nil && m
}
