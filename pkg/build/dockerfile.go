// Package build builds images from Dockerfiles. The Dockerfile is parsed by
// BuildKit's own parser (github.com/moby/buildkit/frontend/dockerfile), so
// pod reads exactly the syntax Docker does, heredocs included; the
// instructions then run here, RUN steps as containers through a Backend,
// COPY and ADD straight into a mounted container layer, each step committed
// as an image that the layer cache can find again.
package build

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Dockerfile is a parsed Dockerfile: its stages and the ARGs before the
// first FROM.
type Dockerfile struct {
	Name     string
	Stages   []instructions.Stage
	MetaArgs []instructions.ArgCommand
	Escape   rune
	source   []byte
}

// Reparse parses the Dockerfile's text again. A build expands the
// instructions in place, so each build of one Dockerfile (one per
// platform) needs its own parse.
func (d *Dockerfile) Reparse() (*Dockerfile, error) {
	return ParseDockerfile(d.Name, bytes.NewReader(d.source))
}

// ParseDockerfile parses r, named name in errors. A syntax error says the
// file and line and wraps errdefs.ErrInvalidArg.
func ParseDockerfile(name string, r io.Reader) (*Dockerfile, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, syntaxError(name, err)
	}
	stages, meta, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, syntaxError(name, err)
	}
	if len(stages) == 0 {
		return nil, errdefs.InvalidArgumentf("%s: no FROM instruction", name)
	}
	return &Dockerfile{Name: name, Stages: stages, MetaArgs: meta, Escape: res.EscapeToken, source: data}, nil
}

// syntaxError names the file and, when the parser knows it, the line.
func syntaxError(name string, err error) error {
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		return errdefs.InvalidArgumentf("%s:%d: %w", name, le.Locations[0][0].Start.Line, err)
	}
	return errdefs.InvalidArgumentf("%s: %w", name, err)
}

// stageIndex finds a stage by name or number; -1 if none.
func (d *Dockerfile) stageIndex(name string) int {
	for i, s := range d.Stages {
		if s.Name != "" && equalFold(s.Name, name) {
			return i
		}
	}
	var n int
	if _, err := fmt.Sscanf(name, "%d", &n); err == nil && fmt.Sprint(n) == name && n >= 0 && n < len(d.Stages) {
		return n
	}
	return -1
}

func equalFold(a, b string) bool { return bytes.EqualFold([]byte(a), []byte(b)) }
