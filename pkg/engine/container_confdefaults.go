package engine

import (
	"strconv"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/journal"
	"github.com/pod-engine/pod/pkg/logs"
	"github.com/pod-engine/pod/pkg/spec"
	"github.com/pod-engine/pod/pkg/specgen"
)

// confDefaults fills the create options the user left unset from
// containers.conf, so that a flag wins over the file and the file over
// pod's built-in defaults (containers.conf(5)). The container records the
// result: a later change of the file does not change containers made.
func (r *Runtime) confDefaults(opts *CreateOptions) {
	c := r.Config().Containers
	n := &opts.NetOptions
	// A container in another's or the host's network namespace has that
	// namespace's resolver configuration.
	ownNet := true
	for _, m := range n.Networks {
		if strings.HasPrefix(m, netModeCtrPfx) || m == netModeHost {
			ownNet = false
		}
	}
	if ownNet && len(n.DNS) == 0 {
		n.DNS = c.DNSServers
	}
	if ownNet && len(n.DNSSearch) == 0 {
		n.DNSSearch = c.DNSSearches
	}
	if ownNet && len(n.DNSOptions) == 0 {
		n.DNSOptions = c.DNSOptions
	}
	if opts.LogDriver == "" {
		opts.LogDriver = c.LogDriver
		if opts.LogDriver == logs.DriverJournald && !journal.Available() {
			// As podman, whose default is journald where there is one:
			// the configured default falls back to a file, while
			// --log-driver journald is refused (checkLogDriver).
			logrus.Warnf("containers.conf log_driver is journald, but this host has no systemd journal: using %s", logs.DriverK8sFile)
			opts.LogDriver = logs.DriverK8sFile
		}
	}
	if c.LogSizeMax > 0 && !hasKey(opts.LogOpts, "max-size") {
		opts.LogOpts = append([]string{"max-size=" + strconv.FormatInt(c.LogSizeMax, 10)}, opts.LogOpts...)
	}
	for _, u := range c.DefaultUlimits {
		name, _, _ := strings.Cut(u, "=")
		if !hasKey(opts.Ulimits, name) {
			opts.Ulimits = append(opts.Ulimits, u)
		}
	}
	if c.PidsLimit > 0 && opts.Limits.PidsLimit == nil {
		limit := c.PidsLimit
		opts.Limits.PidsLimit = &limit
	}
	if opts.NamespaceOptions.ShmSize == "" {
		opts.NamespaceOptions.ShmSize = c.ShmSize
	}
}

// hasKey says whether one of KEY=VALUE settings has key.
func hasKey(settings []string, key string) bool {
	for _, s := range settings {
		if k, _, _ := strings.Cut(s, "="); k == key {
			return true
		}
	}
	return false
}

// defaultCapabilities are the capabilities a container gets before
// --cap-add and --cap-drop.
func (r *Runtime) defaultCapabilities() []string {
	if caps := r.Config().Capabilities(); caps != nil {
		return caps
	}
	return spec.DefaultCapabilities()
}

// confEnv is the environment every container starts from, below the
// image's and the user's (containers.conf's env).
func (r *Runtime) confEnv(image []string) []string {
	return specgen.MergeEnv(r.Config().Containers.Env, image)
}
