package spec

import (
	"fmt"
	"os"

	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// SeccompUnconfined is the Options.Seccomp value that disables filtering.
const SeccompUnconfined = "unconfined"

// seccompProfile returns the filter for o; s must already carry the final
// capabilities, because the profile allows some system calls only to
// holders of the matching capability (Docker's rule).
func seccompProfile(o Options, s *specs.Spec) (*specs.LinuxSeccomp, error) {
	switch {
	case o.Privileged, o.Seccomp == SeccompUnconfined:
		return nil, nil
	case o.Seccomp == "":
		p, err := seccomp.GetDefaultProfile(s)
		if err != nil {
			return nil, fmt.Errorf("default seccomp profile: %w", err)
		}
		return p, nil
	}
	body, err := os.ReadFile(o.Seccomp)
	if err != nil {
		return nil, errdefs.InvalidArgumentf("read seccomp profile: %w", err)
	}
	p, err := seccomp.LoadProfile(string(body), s)
	if err != nil {
		return nil, errdefs.InvalidArgumentf("seccomp profile %s: %w", o.Seccomp, err)
	}
	return p, nil
}
