// Package config reads containers.conf, the containers ecosystem's engine
// configuration (containers.conf(5)), with podman's file order and key
// names, for the keys pod honours.
//
// Contracts a caller may rely on:
//   - Load reads, in order, each file that exists: /usr/share/containers/
//     containers.conf, /etc/containers/containers.conf, then the user's
//     $XDG_CONFIG_HOME/containers/containers.conf (~/.config/...); after
//     each file, the *.conf files of its containers.conf.d directory in
//     lexical order. CONTAINERS_CONF names the one file read instead of all
//     of those; CONTAINERS_CONF_OVERRIDE names a file read last, on top.
//   - A later file sets only the keys it has; arrays replace, never merge.
//   - A file that exists but does not parse is an error naming the file;
//     a file named by CONTAINERS_CONF or CONTAINERS_CONF_OVERRIDE must
//     exist. Keys pod does not know are ignored, as podman ignores keys of
//     newer releases.
//   - The zero Config (and Default) means pod's built-in defaults.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Config is what pod reads of containers.conf, by podman's table and key
// names. Empty values are "not set": pod's built-in default applies.
type Config struct {
	Containers Containers `toml:"containers"`
	Engine     Engine     `toml:"engine"`
	Network    Network    `toml:"network"`

	// Files are the files read, in order.
	Files []string `toml:"-"`
}

// Containers is the [containers] table.
type Containers struct {
	DefaultCapabilities []string `toml:"default_capabilities"`
	DefaultUlimits      []string `toml:"default_ulimits"`
	DNSServers          []string `toml:"dns_servers"`
	DNSSearches         []string `toml:"dns_searches"`
	DNSOptions          []string `toml:"dns_options"`
	Env                 []string `toml:"env"`
	LogDriver           string   `toml:"log_driver"`
	LogSizeMax          int64    `toml:"log_size_max"` // bytes; <= 0 unlimited
	PidsLimit           int64    `toml:"pids_limit"`   // <= 0 unlimited
	ShmSize             string   `toml:"shm_size"`     // "64m"
}

// Engine is the [engine] table.
type Engine struct {
	Runtime      string `toml:"runtime"`
	EventsLogger string `toml:"events_logger"` // "file", "journald" or "none"
	VolumePath   string `toml:"volume_path"`
}

// Network is the [network] table. default_network (the default
// network's name) is not honoured: pod's is always "podman".
type Network struct {
	DefaultSubnet string `toml:"default_subnet"`
}

// Default is the configuration without any containers.conf.
func Default() *Config { return &Config{} }

// Environment names the files Load reads: the system's and the user's,
// CONTAINERS_CONF and CONTAINERS_CONF_OVERRIDE, as podman reads them.
type Environment struct {
	// SystemFiles are read first, in order (the distribution's, then the
	// administrator's).
	SystemFiles []string
	// UserFile is the user's own file, read after the system's.
	UserFile string
	// Conf is CONTAINERS_CONF: when set, the one file read instead of the
	// system's and the user's.
	Conf string
	// Override is CONTAINERS_CONF_OVERRIDE: read last.
	Override string
	// Modules are podman's --module files, read after the others and
	// before Override: an absolute path as it is, else the first file of
	// that name under ModuleDirs.
	Modules []string
	// ModuleDirs are where a module's relative name is looked up, in
	// order: the user's containers.conf.modules, then /etc's and
	// /usr/share's.
	ModuleDirs []string
}

// FromEnv is the Environment of this process.
func FromEnv() Environment {
	e := Environment{
		SystemFiles: []string{"/usr/share/containers/containers.conf", "/etc/containers/containers.conf"},
		Conf:        os.Getenv("CONTAINERS_CONF"),
		Override:    os.Getenv("CONTAINERS_CONF_OVERRIDE"),
	}
	if dir, err := os.UserConfigDir(); err == nil {
		e.UserFile = filepath.Join(dir, "containers", "containers.conf")
		e.ModuleDirs = append(e.ModuleDirs, filepath.Join(dir, "containers", "containers.conf.modules"))
	}
	e.ModuleDirs = append(e.ModuleDirs, "/etc/containers/containers.conf.modules", "/usr/share/containers/containers.conf.modules")
	return e
}

// Load reads this process's containers.conf files.
func Load() (*Config, error) { return FromEnv().Load() }

// Load reads the files e names, each on top of the ones before.
func (e Environment) Load() (*Config, error) {
	c := Default()
	if e.Conf != "" {
		if err := c.readFile(e.Conf, true); err != nil {
			return nil, err
		}
	} else {
		for _, f := range append(append([]string{}, e.SystemFiles...), e.UserFile) {
			if f == "" {
				continue
			}
			if err := c.readWithDropIns(f); err != nil {
				return nil, err
			}
		}
	}
	for _, m := range e.Modules {
		f, err := e.module(m)
		if err != nil {
			return nil, err
		}
		if err := c.readFile(f, true); err != nil {
			return nil, err
		}
	}
	if e.Override != "" {
		if err := c.readFile(e.Override, true); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// module is the file of the module name: name itself when absolute, else
// the first ModuleDirs/name that exists.
func (e Environment) module(name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	for _, d := range e.ModuleDirs {
		f := filepath.Join(d, name)
		if _, err := os.Stat(f); err == nil {
			return f, nil
		}
	}
	return "", errdefs.NotFoundf("containers.conf module %q: no such file in %s", name, strings.Join(e.ModuleDirs, ", "))
}

// readWithDropIns reads file, if it exists, then its containers.conf.d.
func (c *Config) readWithDropIns(file string) error {
	if err := c.readFile(file, false); err != nil {
		return err
	}
	dir := file + ".d"
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("read containers.conf drop-ins %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".conf") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if err := c.readFile(filepath.Join(dir, n), true); err != nil {
			return err
		}
	}
	return nil
}

func (c *Config) readFile(file string, mustExist bool) error {
	data, err := os.ReadFile(file)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !mustExist {
			return nil
		}
		return fmt.Errorf("read containers.conf: %w", err)
	}
	if _, err := toml.Decode(string(data), c); err != nil {
		return errdefs.InvalidArgument(fmt.Errorf("parse containers.conf %s: %w", file, err))
	}
	c.Files = append(c.Files, file)
	return nil
}
