package images

import (
	"io"
	"strings"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// BuildOutput is build -o/--output: where the final image's filesystem is
// also written. Type is "local" (a directory) or "tar" (an archive; Dest
// "-" is Writer).
type BuildOutput struct {
	Type   string
	Dest   string
	Writer io.Writer // for Dest "-"
}

// ParseBuildOutput reads podman's and docker's --output forms:
// "type=local,dest=DIR", "type=tar,dest=FILE", a bare DIR (local) and "-"
// (a tar on standard output).
func ParseBuildOutput(s string) (*BuildOutput, error) {
	if s == "" {
		return nil, nil
	}
	if s == "-" {
		return &BuildOutput{Type: "tar", Dest: "-"}, nil
	}
	if !strings.Contains(s, "=") {
		return &BuildOutput{Type: "local", Dest: s}, nil
	}
	o := &BuildOutput{}
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "type":
			o.Type = v
		case "dest":
			o.Dest = v
		default:
			return nil, errdefs.InvalidArgumentf("invalid --output %q: unknown key %q (use type=local|tar,dest=PATH)", s, k)
		}
	}
	if o.Type != "local" && o.Type != "tar" {
		return nil, errdefs.InvalidArgumentf("invalid --output %q: type must be local or tar", s)
	}
	if o.Dest == "" || (o.Type == "local" && o.Dest == "-") {
		return nil, errdefs.InvalidArgumentf("invalid --output %q: no dest", s)
	}
	return o, nil
}
