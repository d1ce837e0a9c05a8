package config

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/docker/go-units"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// The built-in defaults, where containers.conf sets nothing.
const (
	DefaultLogDriver    = "k8s-file"
	DefaultEventsLogger = "file"
)

// LogDriver is the log driver of a container created without --log-driver.
func (c *Config) LogDriver() string {
	if c.Containers.LogDriver != "" {
		return c.Containers.LogDriver
	}
	return DefaultLogDriver
}

// EventsLogger is where events go: "file" (pod's state DB), "journald"
// (the systemd journal; the engine falls back to file on a host without
// one) or "none".
func (c *Config) EventsLogger() string {
	if c.Engine.EventsLogger != "" {
		return c.Engine.EventsLogger
	}
	return DefaultEventsLogger
}

// RecordsEvents says whether events are recorded at all.
func (c *Config) RecordsEvents() bool { return c.EventsLogger() != "none" }

// ShmSize is the bytes of /dev/shm a container gets without --shm-size;
// 0 for the built-in default.
func (c *Config) ShmSize() (int64, error) {
	if c.Containers.ShmSize == "" {
		return 0, nil
	}
	n, err := units.RAMInBytes(c.Containers.ShmSize)
	if err != nil || n <= 0 {
		return 0, errdefs.InvalidArgumentf("containers.conf: invalid shm_size %q", c.Containers.ShmSize)
	}
	return n, nil
}

// DefaultSubnet is the default network's subnet when it is first made;
// the zero Prefix lets pod choose a free one.
func (c *Config) DefaultSubnet() (netip.Prefix, error) {
	if c.Network.DefaultSubnet == "" {
		return netip.Prefix{}, nil
	}
	p, err := netip.ParsePrefix(c.Network.DefaultSubnet)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, errdefs.InvalidArgumentf("containers.conf: invalid default_subnet %q: an IPv4 CIDR such as 10.89.0.0/24", c.Network.DefaultSubnet)
	}
	return p.Masked(), nil
}

// Capabilities are default_capabilities in the runtime's "CAP_X" form;
// nil when containers.conf names none.
func (c *Config) Capabilities() []string {
	if c.Containers.DefaultCapabilities == nil {
		return nil
	}
	caps := make([]string, 0, len(c.Containers.DefaultCapabilities))
	for _, name := range c.Containers.DefaultCapabilities {
		name = strings.ToUpper(strings.TrimSpace(name))
		if !strings.HasPrefix(name, "CAP_") {
			name = "CAP_" + name
		}
		caps = append(caps, name)
	}
	return caps
}

// Validate checks the values pod honours, so that a bad file fails every
// command with one line naming the key, not some container later.
func (c *Config) Validate() error {
	if _, err := c.ShmSize(); err != nil {
		return err
	}
	if _, err := c.DefaultSubnet(); err != nil {
		return err
	}
	switch c.EventsLogger() {
	case "file", "journald", "none":
	default:
		return errdefs.InvalidArgumentf("containers.conf: invalid events_logger %q: use file, journald or none", c.Engine.EventsLogger)
	}
	for _, u := range c.Containers.DefaultUlimits {
		if _, err := units.ParseUlimit(u); err != nil {
			return errdefs.InvalidArgumentf("containers.conf: invalid default_ulimits entry %q: %v", u, err)
		}
	}
	for _, e := range c.Containers.Env {
		if k, _, _ := strings.Cut(e, "="); k == "" {
			return errdefs.InvalidArgumentf("containers.conf: invalid env entry %q", e)
		}
	}
	return nil
}

// String names the files read, for debug logs.
func (c *Config) String() string { return fmt.Sprintf("containers.conf from %v", c.Files) }
