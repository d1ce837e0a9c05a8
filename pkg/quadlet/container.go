package quadlet

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
)

// Unit is one generated service unit.
type Unit struct {
	Name string // foo.service for foo.container
	Text string
	// WantedBy and RequiredBy are the [Install] targets the generator
	// links the unit into (a generated unit cannot be enabled).
	WantedBy, RequiredBy []string
}

// Options are what the conversion needs besides the file.
type Options struct {
	Pod string // the pod binary the unit runs
	// Volumes maps the .volume files of the search path to the volumes
	// they make, for Volume=NAME.volume:/path.
	Volumes map[string]string
}

// flagKey maps a [Container] key to the `pod run` flag it becomes: each
// value (or, with split, each blank-separated word of each value) one flag.
type flagKey struct {
	flag  string
	split bool
}

var flagKeys = map[string]flagKey{
	"PublishPort":       {flag: "--publish"},
	"Volume":            {flag: "--volume"},
	"Network":           {flag: "--network"},
	"EnvironmentFile":   {flag: "--env-file"},
	"Mount":             {flag: "--mount"},
	"Tmpfs":             {flag: "--tmpfs"},
	"AddHost":           {flag: "--add-host"},
	"DNS":               {flag: "--dns"},
	"DNSSearch":         {flag: "--dns-search"},
	"DNSOption":         {flag: "--dns-option"},
	"Ulimit":            {flag: "--ulimit"},
	"AddCapability":     {flag: "--cap-add", split: true},
	"DropCapability":    {flag: "--cap-drop", split: true},
	"Label":             {flag: "--label", split: true},
	"Environment":       {flag: "--env", split: true},
	"UIDMap":            {flag: "--uidmap"},
	"GIDMap":            {flag: "--gidmap"},
	"HostName":          {flag: "--hostname"},
	"WorkingDir":        {flag: "--workdir"},
	"Entrypoint":        {flag: "--entrypoint"},
	"PidsLimit":         {flag: "--pids-limit"},
	"Pull":              {flag: "--pull"},
	"LogDriver":         {flag: "--log-driver"},
	"StopTimeout":       {flag: "--stop-timeout"},
	"UserNS":            {flag: "--userns"},
	"HealthCmd":         {flag: "--health-cmd"},
	"HealthInterval":    {flag: "--health-interval"},
	"HealthRetries":     {flag: "--health-retries"},
	"HealthStartPeriod": {flag: "--health-start-period"},
	"HealthTimeout":     {flag: "--health-timeout"},
	"HealthOnFailure":   {flag: "--health-on-failure"},
}

// boolKeys are [Container] switches: true adds the flag.
var boolKeys = map[string]string{
	"ReadOnly":        "--read-only",
	"RunInit":         "--init",
	"NoNewPrivileges": "--security-opt=no-new-privileges",
}

// otherKeys are handled by name in convertContainer.
var otherKeys = map[string]bool{
	"Image": true, "Exec": true, "ContainerName": true, "User": true, "Group": true,
	"Notify": true, "PodmanArgs": true, "GlobalArgs": true, "AutoUpdate": true,
}

// refusedKeys are podman-systemd.unit(5) [Container] keys pod does not
// implement: named as such rather than as unknown.
var refusedKeys = map[string]bool{
	"Annotation": true, "CgroupsMode": true, "ContainersConfModule": true, "Device": true,
	"EnvironmentHost": true, "ExposeHostPort": true, "GroupAdd": true, "HealthStartupCmd": true,
	"HealthStartupInterval": true, "HealthStartupRetries": true, "HealthStartupSuccess": true,
	"HealthStartupTimeout": true, "IP": true, "IP6": true, "Mask": true, "Unmask": true, "LogOpt": true,
	"Pod": true, "Rootfs": true, "Secret": true, "SecurityLabelDisable": true, "SecurityLabelFileType": true,
	"SecurityLabelLevel": true, "SecurityLabelNested": true, "SecurityLabelType": true, "ShmSize": true,
	"StartWithPod": true, "SubGIDMap": true, "SubUIDMap": true, "Sysctl": true, "Timezone": true,
	"Memory": true, "ReloadCmd": true, "ReloadSignal": true, "StopSignal": true, "RemapGid": true,
	"RemapUid": true, "RemapUidSize": true, "RemapUsers": true, "NetworkAlias": true, "PublishPorts": true,
	"SeccompProfile": true, "HttpProxy": true, "ServiceName": true,
}

// KeyError is a bad key or value, reported with its file and key as
// podman's Quadlet reports them: an unknown key as "unsupported key 'K' in
// group 'G' in FILE", anything else as "PROBLEM for key 'K' in group 'G'
// in FILE".
type KeyError struct {
	File, Group, Key string
	Msg              string // what is wrong; "" for an unknown key
}

func (e *KeyError) Error() string {
	switch {
	case e.Key == "":
		return fmt.Sprintf("%s in %s", e.Msg, e.File)
	case e.Msg == "":
		return fmt.Sprintf("unsupported key '%s' in group '%s' in %s", e.Key, e.Group, e.File)
	}
	return fmt.Sprintf("%s for key '%s' in group '%s' in %s", e.Msg, e.Key, e.Group, e.File)
}

// ConvertContainer converts the .container file path, read from r.
func ConvertContainer(path string, r io.Reader, o Options) (*Unit, error) {
	u, err := parseUnit(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	base := strings.TrimSuffix(filepath.Base(path), ".container")
	ctr := u.section("Container")
	if ctr == nil {
		return nil, &KeyError{File: path, Msg: "missing [Container] group"}
	}
	bad := func(key, msg string) error { return &KeyError{File: path, Group: "Container", Key: key, Msg: msg} }

	var image, name, user, group string
	var exec, podmanArgs, globalArgs, flags, deps []string
	notify := false
	name = "systemd-%N"
	for _, kv := range ctr.keys {
		k, v := kv.key, kv.value
		if k == "Volume" {
			src, rest, _ := strings.Cut(v, ":")
			if strings.HasSuffix(src, ".volume") {
				name, ok := o.Volumes[src]
				if !ok {
					return nil, bad(k, fmt.Sprintf("volume unit %s is not found (in the search path)", src))
				}
				dep := strings.TrimSuffix(src, ".volume") + "-volume.service"
				deps = append(deps, dep)
				v = name
				if rest != "" {
					v += ":" + rest
				}
			}
		}
		if fk, ok := flagKeys[k]; ok {
			if !fk.split {
				flags = append(flags, fk.flag, v)
				continue
			}
			words, err := splitWords(v)
			if err != nil {
				return nil, bad(k, "invalid value ("+err.Error()+")")
			}
			for _, w := range words {
				flags = append(flags, fk.flag, w)
			}
			continue
		}
		if f, ok := boolKeys[k]; ok {
			b, ok := parseBool(v)
			if !ok {
				return nil, bad(k, fmt.Sprintf("invalid boolean %q", v))
			}
			if b {
				flags = append(flags, f)
			}
			continue
		}
		switch k {
		case "Image":
			image = v
		case "ContainerName":
			name = v
		case "User":
			user = v
		case "Group":
			group = v
		case "Notify":
			b, ok := parseBool(v)
			if !ok {
				if v != "healthy" {
					return nil, bad(k, fmt.Sprintf("invalid boolean %q", v))
				}
				return nil, bad(k, "Notify=healthy is not supported by pod")
			}
			notify = b
		case "AutoUpdate":
			if v != "registry" && v != "local" {
				return nil, bad(k, fmt.Sprintf("invalid value %q (want registry or local)", v))
			}
			flags = append(flags, "--label", "io.containers.autoupdate="+v)
		case "Exec", "PodmanArgs", "GlobalArgs":
			words, err := splitWords(v)
			if err != nil {
				return nil, bad(k, "invalid value ("+err.Error()+")")
			}
			switch k {
			case "Exec":
				exec = append(exec, words...)
			case "PodmanArgs":
				podmanArgs = append(podmanArgs, words...)
			default:
				globalArgs = append(globalArgs, words...)
			}
		default:
			if refusedKeys[k] {
				return nil, bad(k, "not supported by pod")
			}
			return nil, bad(k, "")
		}
	}
	if image == "" {
		return nil, &KeyError{File: path, Msg: "no Image key specified"}
	}
	if group != "" && user == "" {
		return nil, bad("Group", "Group without User")
	}
	if user != "" {
		if group != "" {
			user += ":" + group
		}
		flags = append(flags, "--user", user)
	}

	pod := append([]string{o.Pod}, globalArgs...)
	run := append(append([]string(nil), pod...), "run", "--name", name, "--cgroups=no-conmon", "--rm", "-d")
	if notify {
		run = append(run, "--sdnotify=container")
	} else {
		run = append(run, "--sdnotify=conmon")
	}
	run = append(append(append(run, flags...), podmanArgs...), image)
	run = append(run, exec...)
	rm := append(append([]string(nil), pod...), "rm", "-v", "-f", "-i", name)

	var b strings.Builder
	fmt.Fprintf(&b, "# Automatically generated by pod-systemd-generator from %s\n#\n", path)
	unit := &Unit{Name: base + ".service"}
	writeSections(&b, u, "Container", unit, func() {
		fmt.Fprintf(&b, "SourcePath=%s\n", path)
		b.WriteString("Wants=network-online.target\nAfter=network-online.target\n")
		for _, d := range deps {
			fmt.Fprintf(&b, "Requires=%s\nAfter=%s\n", d, d)
		}
	}, func() {
		b.WriteString("Environment=PODMAN_SYSTEMD_UNIT=%n\n")
		b.WriteString("KillMode=mixed\n")
		// pod run has no --replace: a container a crash left is removed first.
		fmt.Fprintf(&b, "ExecStartPre=%s\n", line(rm))
		fmt.Fprintf(&b, "ExecStart=%s\n", line(run))
		fmt.Fprintf(&b, "ExecStop=%s\n", line(rm))
		fmt.Fprintf(&b, "ExecStopPost=-%s\n", line(rm))
		b.WriteString("Type=notify\nNotifyAccess=all\nSyslogIdentifier=%N\n")
	})
	unit.Text = strings.TrimRight(b.String(), "\n") + "\n"
	return unit, nil
}

// writeSections copies the file's sections (group as X-group) and adds
// pod's settings to [Unit] and, before the file's own, to [Service],
// making either when the file has none; it notes the [Install] targets.
func writeSections(b *strings.Builder, u *unitFile, group string, unit *Unit, unitExtras, serviceExtras func()) {
	unitDone, serviceDone := false, false
	for _, s := range u.sections {
		name := s.name
		if name == group {
			name = "X-" + group
		}
		fmt.Fprintf(b, "[%s]\n", name)
		switch s.name {
		case "Unit":
			unitExtras()
			unitDone = true
		case "Service":
			serviceExtras()
			serviceDone = true
		}
		for _, kv := range s.keys {
			fmt.Fprintf(b, "%s=%s\n", kv.key, kv.value)
			if s.name == "Install" {
				words, _ := splitWords(kv.value)
				switch kv.key {
				case "WantedBy":
					unit.WantedBy = append(unit.WantedBy, words...)
				case "RequiredBy":
					unit.RequiredBy = append(unit.RequiredBy, words...)
				}
			}
		}
		b.WriteString("\n")
	}
	if !unitDone {
		b.WriteString("[Unit]\n")
		unitExtras()
		b.WriteString("\n")
	}
	if !serviceDone {
		b.WriteString("[Service]\n")
		serviceExtras()
		b.WriteString("\n")
	}
	sort.Strings(unit.WantedBy)
	sort.Strings(unit.RequiredBy)
}

func line(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = quoteArg(a)
	}
	return strings.Join(q, " ")
}

// parseBool accepts systemd's booleans.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "1", "yes", "y", "true", "t", "on":
		return true, true
	case "0", "no", "n", "false", "f", "off":
		return false, true
	}
	return false, false
}
