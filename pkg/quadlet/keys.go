package quadlet

import (
	"fmt"
	"path/filepath"
	"strings"
)

// argKey maps a Quadlet key to the pod flag it becomes: each value (or,
// with split, each blank-separated word of each value) one flag.
type argKey struct {
	flag    string
	split   bool // the value is words, one flag each
	boolean bool // a switch: a true value adds the flag alone
	path    bool // a path, relative to the Quadlet file's directory
	joined  bool // --flag=VALUE: the flag's value is optional
}

// Ref is what a Quadlet file makes that other files name by its file name
// (Volume=data.volume:/data, Network=net.network, Image=app.build,
// Pod=web.pod): the object's name and the service unit that makes it.
type Ref struct {
	Name    string
	Service string
}

// conv is the conversion of one file: its path and group, the options,
// and what its keys add besides flags.
type conv struct {
	path, group string
	o           Options
	global      []string // GlobalArgs: pod's global flags
	podmanArgs  []string // PodmanArgs: more flags of the verb
	flags       []string // the flags the keys became, in file order
	requires    []string // units this one requires and starts after
	bindsTo     []string // units this one is bound to and starts after
}

func (c *conv) bad(key, msg string) error {
	return &KeyError{File: c.path, Group: c.group, Key: key, Msg: msg}
}

// words splits a value of key into words.
func (c *conv) words(key, v string) ([]string, error) {
	w, err := splitWords(v)
	if err != nil {
		return nil, c.bad(key, "invalid value ("+err.Error()+")")
	}
	return w, nil
}

// abs makes a path relative to the Quadlet file's directory absolute, as
// podman's Quadlet reads them; a URL is left alone.
func (c *conv) abs(p string) string {
	if p == "" || filepath.IsAbs(p) || strings.Contains(p, "://") || strings.HasPrefix(p, "%") {
		return p
	}
	return filepath.Join(filepath.Dir(c.path), p)
}

// ref resolves a value naming another Quadlet file by its extension:
// the name of what that file makes, and a dependency on its service.
// Values of other forms come back unchanged.
func (c *conv) ref(key, v string, exts ...string) (string, error) {
	for _, ext := range exts {
		if !strings.HasSuffix(v, ext) || strings.Contains(v, "/") {
			continue
		}
		r, ok := c.o.Refs[v]
		if !ok {
			return "", c.bad(key, fmt.Sprintf("%s unit %s is not found (in the search path)", strings.TrimPrefix(ext, "."), v))
		}
		if ext == ".pod" {
			c.bindsTo = append(c.bindsTo, r.Service)
		} else {
			c.requires = append(c.requires, r.Service)
		}
		return r.Name, nil
	}
	return v, nil
}

// args turns the group's keys into flags by table; PodmanArgs and
// GlobalArgs are common to every group. other handles the keys the table
// does not, appending to c.flags (reporting whether it knew the key); refused names the keys
// podman knows and pod does not implement, anything else is unknown.
func (c *conv) args(s *section, table map[string]argKey, refused []string, other func(kv keyValue) (bool, error)) error {
	for _, kv := range s.keys {
		k, v := kv.key, kv.value
		if ak, ok := table[k]; ok {
			switch {
			case ak.boolean:
				b, ok := parseBool(v)
				if !ok {
					return c.bad(k, fmt.Sprintf("invalid boolean %q", v))
				}
				if b {
					c.flags = append(c.flags, ak.flag)
				}
			case ak.split:
				words, err := c.words(k, v)
				if err != nil {
					return err
				}
				for _, w := range words {
					c.flags = append(c.flags, ak.flag, w)
				}
			case ak.joined:
				c.flags = append(c.flags, ak.flag+"="+v)
			case ak.path:
				c.flags = append(c.flags, ak.flag, c.abs(v))
			default:
				c.flags = append(c.flags, ak.flag, v)
			}
			continue
		}
		switch k {
		case "PodmanArgs", "GlobalArgs":
			words, err := c.words(k, v)
			if err != nil {
				return err
			}
			if k == "PodmanArgs" {
				c.podmanArgs = append(c.podmanArgs, words...)
			} else {
				c.global = append(c.global, words...)
			}
			continue
		}
		if other != nil {
			known, err := other(kv)
			if err != nil {
				return err
			}
			if known {
				continue
			}
		}
		for _, r := range refused {
			if r == k {
				return c.bad(k, "not supported by pod")
			}
		}
		return c.bad(k, "")
	}
	return nil
}

// pod is the pod binary with the file's global flags, then verb's words.
func (c *conv) pod(verb ...string) []string {
	return append(append([]string{c.o.Pod}, c.global...), verb...)
}

// unitExtras writes what every generated unit's [Unit] gets: the source
// and the dependencies its keys named.
func (c *conv) unitExtras(b *strings.Builder, network bool) {
	fmt.Fprintf(b, "SourcePath=%s\n", c.path)
	if network {
		b.WriteString("Wants=network-online.target\nAfter=network-online.target\n")
	}
	for _, d := range uniq(c.requires) {
		fmt.Fprintf(b, "Requires=%s\nAfter=%s\n", d, d)
	}
	for _, d := range uniq(c.bindsTo) {
		fmt.Fprintf(b, "BindsTo=%s\nAfter=%s\n", d, d)
	}
}

func uniq(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// oneshot converts a file whose service runs one command and is then
// active until stopped (.volume, .network, .image, .build): start, and
// optionally stop, command lines.
func (c *conv) oneshot(u *unitFile, unit *Unit, network bool, start, stopPost []string, serviceExtra string) {
	var b strings.Builder
	fmt.Fprintf(&b, "# Automatically generated by pod-systemd-generator from %s\n#\n", c.path)
	writeSections(&b, u, c.group, unit, func() { c.unitExtras(&b, network) }, func() {
		fmt.Fprintf(&b, "ExecStart=%s\n", line(start))
		if stopPost != nil {
			fmt.Fprintf(&b, "ExecStopPost=%s\n", line(stopPost))
		}
		b.WriteString("Type=oneshot\nRemainAfterExit=yes\nSyslogIdentifier=%N\n")
		b.WriteString(serviceExtra)
	})
	unit.Text = strings.TrimRight(b.String(), "\n") + "\n"
}

// nameKey is the value of the group's key naming the object (VolumeName,
// NetworkName, PodName), else systemd-BASE as podman's Quadlet names it.
func nameKey(path string, u *unitFile, group, key string) string {
	name := "systemd-" + strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if s := u.section(group); s != nil {
		for _, kv := range s.keys {
			if kv.key == key {
				name = kv.value
			}
		}
	}
	return name
}

// base is the file's name without its extension.
func base(path string) string {
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}
