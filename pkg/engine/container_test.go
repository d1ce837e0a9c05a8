package engine

import (
	"strings"

	"github.com/pod-engine/pod/pkg/state"
)

func newTestContainer() *Container {
	return &Container{Container: &state.Container{ID: strings.Repeat("a", 64), Name: "t"}, Config: &ContainerConfig{}}
}
