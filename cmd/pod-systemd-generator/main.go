// pod-systemd-generator is a systemd generator (systemd.generator(7)): it
// turns the Quadlet files of podman-systemd.unit(5) into service units that
// run pod. systemd runs it at boot and on daemon-reload with the directory
// to write into; --dryrun prints the units instead, --user generates for a
// user's manager (also when installed under a name containing "user").
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pod-engine/pod/pkg/quadlet"
)

// podPath is the installed pod binary, set by `make install`'s build; a
// pod next to the generator (a build tree) wins.
var podPath = "/usr/local/bin/pod"

func main() {
	os.Exit(run())
}

func run() int {
	fs := flag.NewFlagSet("pod-systemd-generator", flag.ContinueOnError)
	dryrun := fs.Bool("dryrun", false, "print the units to stdout instead of writing them")
	user := fs.Bool("user", false, "generate the units of a user's service manager")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: pod-systemd-generator [--dryrun] [--user] [NORMAL_DIR [EARLY_DIR LATE_DIR]]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	if strings.Contains(filepath.Base(os.Args[0]), "user") {
		*user = true
	}
	if !*dryrun && fs.NArg() < 1 {
		fs.Usage()
		return 2
	}
	configHome := os.Getenv("XDG_CONFIG_HOME")
	if configHome == "" {
		home, _ := os.UserHomeDir()
		configHome = filepath.Join(home, ".config")
	}
	units, errs := quadlet.Generate(quadlet.UnitDirs(*user, os.Getuid(), configHome), quadlet.Options{Pod: pod()})
	for _, err := range errs {
		fmt.Fprintf(os.Stderr, "pod-systemd-generator: %v\n", err)
	}
	failed := len(errs) > 0
	for _, u := range units {
		if *dryrun {
			fmt.Printf("---%s---\n%s\n", u.Name, u.Text)
			continue
		}
		if err := write(fs.Arg(0), u); err != nil {
			fmt.Fprintf(os.Stderr, "pod-systemd-generator: %v\n", err)
			failed = true
		}
	}
	if failed {
		return 1
	}
	return 0
}

// pod is the pod binary the units run.
func pod() string {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "pod")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return podPath
}

// write puts the unit into dir and links it into the .wants/.requires
// directories of its [Install] targets: generated units cannot be
// enabled with systemctl.
func write(dir string, u *quadlet.Unit) error {
	path := filepath.Join(dir, u.Name)
	if err := os.WriteFile(path, []byte(u.Text), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	for suffix, targets := range map[string][]string{".wants": u.WantedBy, ".requires": u.RequiredBy} {
		for _, t := range targets {
			d := filepath.Join(dir, t+suffix)
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
			link := filepath.Join(d, u.Name)
			os.Remove(link)
			if err := os.Symlink(filepath.Join("..", u.Name), link); err != nil {
				return fmt.Errorf("link %s: %w", link, err)
			}
		}
	}
	return nil
}
