package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func write(t *testing.T, path, data string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadOrder(t *testing.T) {
	dir := t.TempDir()
	sys := write(t, filepath.Join(dir, "usr/containers.conf"), "[containers]\nlog_driver = \"json-file\"\nenv = [\"A=1\"]\npids_limit = 100\n")
	etc := write(t, filepath.Join(dir, "etc/containers.conf"), "[containers]\nenv = [\"B=2\"]\n[engine]\nruntime = \"crun\"\n")
	write(t, filepath.Join(dir, "etc/containers.conf.d/20-b.conf"), "[engine]\nevents_logger = \"none\"\n")
	write(t, filepath.Join(dir, "etc/containers.conf.d/10-a.conf"), "[engine]\nevents_logger = \"file\"\nruntime = \"runc\"\n")
	write(t, filepath.Join(dir, "etc/containers.conf.d/ignored.txt"), "not toml [")
	user := write(t, filepath.Join(dir, "home/containers.conf"), "[containers]\nshm_size = \"96m\"\n")
	over := write(t, filepath.Join(dir, "override.conf"), "[containers]\npids_limit = 7\n")

	c, err := Environment{SystemFiles: []string{sys, etc}, UserFile: user, Override: over}.Load()
	if err != nil {
		t.Fatal(err)
	}
	// Later files set only their keys; arrays replace.
	if c.LogDriver() != "json-file" || !reflect.DeepEqual(c.Containers.Env, []string{"B=2"}) || c.Engine.Runtime != "runc" ||
		c.EventsLogger() != "none" || c.Containers.PidsLimit != 7 || c.Containers.ShmSize != "96m" {
		t.Errorf("merged config %+v", c)
	}
	if n, err := c.ShmSize(); err != nil || n != 96<<20 {
		t.Errorf("ShmSize = %d, %v", n, err)
	}
	if len(c.Files) != 6 {
		t.Errorf("files read: %v", c.Files)
	}

	// CONTAINERS_CONF replaces every other file but the override.
	only := write(t, filepath.Join(dir, "only.conf"), "[containers]\ndefault_capabilities = [\"chown\", \"CAP_KILL\"]\n")
	c, err = Environment{SystemFiles: []string{sys, etc}, UserFile: user, Conf: only, Override: over}.Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.LogDriver() != DefaultLogDriver || c.Engine.Runtime != "" || c.Containers.PidsLimit != 7 ||
		!reflect.DeepEqual(c.Capabilities(), []string{"CAP_CHOWN", "CAP_KILL"}) {
		t.Errorf("CONTAINERS_CONF config %+v", c)
	}

	// Missing system files are fine; a missing named file is not.
	if _, err := (Environment{SystemFiles: []string{filepath.Join(dir, "none")}}).Load(); err != nil {
		t.Errorf("missing system file: %v", err)
	}
	if _, err := (Environment{Conf: filepath.Join(dir, "none")}).Load(); err == nil {
		t.Errorf("missing CONTAINERS_CONF file loaded")
	}
}

func TestLoadBad(t *testing.T) {
	dir := t.TempDir()
	bad := write(t, filepath.Join(dir, "bad.conf"), "[containers\n")
	_, err := Environment{Conf: bad}.Load()
	if err == nil || !errdefs.IsInvalidArgument(err) || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad TOML: %v", err)
	}
	for _, data := range []string{"[containers]\nshm_size = \"lots\"\n", "[engine]\nevents_logger = \"syslog\"\n", "[containers]\ndefault_ulimits = [\"nofile\"]\n", "[network]\ndefault_subnet = \"10.1.2\"\n"} {
		c, err := Environment{Conf: write(t, filepath.Join(dir, "v.conf"), data)}.Load()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err == nil || !errdefs.IsInvalidArgument(err) {
			t.Errorf("%q validated: %v", data, err)
		}
	}
}

func TestLoadModules(t *testing.T) {
	dir := t.TempDir()
	sys := write(t, filepath.Join(dir, "etc/containers.conf"), "[engine]\nruntime = \"crun\"\nevents_logger = \"file\"\n")
	userMods, etcMods := filepath.Join(dir, "home/modules"), filepath.Join(dir, "etc/modules")
	write(t, filepath.Join(etcMods, "runc.conf"), "[engine]\nruntime = \"runc\"\n")
	write(t, filepath.Join(userMods, "sub/quiet.conf"), "[engine]\nevents_logger = \"none\"\n")
	write(t, filepath.Join(etcMods, "sub/quiet.conf"), "[engine]\nevents_logger = \"journald\"\n")
	abs := write(t, filepath.Join(dir, "abs.conf"), "[containers]\npids_limit = 9\n")
	over := write(t, filepath.Join(dir, "override.conf"), "[containers]\npids_limit = 7\n")
	env := Environment{SystemFiles: []string{sys}, ModuleDirs: []string{userMods, etcMods}}

	// A relative name is the first found in ModuleDirs (the user's wins);
	// modules come after the files and before the override.
	env.Modules, env.Override = []string{"runc.conf", "sub/quiet.conf", abs}, over
	c, err := env.Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.Engine.Runtime != "runc" || c.EventsLogger() != "none" || c.Containers.PidsLimit != 7 {
		t.Errorf("config with modules %+v", c)
	}
	env.Modules, env.Override = []string{"missing.conf"}, ""
	if _, err := env.Load(); !errors.Is(err, errdefs.ErrNotFound) || !strings.Contains(err.Error(), "missing.conf") {
		t.Errorf("missing module: %v", err)
	}
}
