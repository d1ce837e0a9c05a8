package quadlet

import (
	"fmt"
	"io"
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
	// Refs maps the .volume, .network, .image, .build and .pod files of
	// the search path to what they make, for keys that name them
	// (Volume=NAME.volume:/path, Network=NAME.network, ...).
	Refs map[string]Ref
	// PodMembers maps a .pod file to the services of the .container files
	// that join it (Pod=NAME.pod): the pod's unit wants them.
	PodMembers map[string][]string
}

var containerKeys = map[string]argKey{
	"PublishPort":       {flag: "--publish"},
	"EnvironmentFile":   {flag: "--env-file", path: true},
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
	"ReadOnly":          {flag: "--read-only", boolean: true},
	"RunInit":           {flag: "--init", boolean: true},
	"NoNewPrivileges":   {flag: "--security-opt=no-new-privileges", boolean: true},
}

// containerRefused are podman-systemd.unit(5) [Container] keys pod does
// not implement: named as such rather than as unknown.
var containerRefused = []string{
	"Annotation", "CgroupsMode", "ContainersConfModule", "Device", "EnvironmentHost", "ExposeHostPort",
	"GroupAdd", "HealthStartupCmd", "HealthStartupInterval", "HealthStartupRetries", "HealthStartupSuccess",
	"HealthStartupTimeout", "IP", "IP6", "Mask", "Unmask", "LogOpt", "Rootfs", "Secret",
	"SecurityLabelDisable", "SecurityLabelFileType", "SecurityLabelLevel", "SecurityLabelNested",
	"SecurityLabelType", "ShmSize", "StartWithPod", "SubGIDMap", "SubUIDMap", "Sysctl", "Timezone",
	"Memory", "ReloadCmd", "ReloadSignal", "StopSignal", "RemapGid", "RemapUid", "RemapUidSize",
	"RemapUsers", "NetworkAlias", "PublishPorts", "SeccompProfile", "HttpProxy", "ServiceName",
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
	ctr := u.section("Container")
	if ctr == nil {
		return nil, &KeyError{File: path, Msg: "missing [Container] group"}
	}
	c := &conv{path: path, group: "Container", o: o}

	var image, user, group string
	var exec []string
	name := "systemd-%N"
	notify := "conmon"
	err = c.args(ctr, containerKeys, containerRefused, func(kv keyValue) (bool, error) {
		k, v := kv.key, kv.value
		var err error
		switch k {
		case "Image":
			image, err = c.ref(k, v, ".image", ".build")
		case "Volume":
			src, rest, _ := strings.Cut(v, ":")
			if src, err = c.ref(k, src, ".volume"); err == nil {
				if rest != "" {
					src += ":" + rest
				}
				c.flags = append(c.flags, "--volume", src)
			}
		case "Network":
			if v, err = c.ref(k, v, ".network"); err == nil {
				c.flags = append(c.flags, "--network", v)
			}
		case "Pod":
			if !strings.HasSuffix(v, ".pod") {
				return true, c.bad(k, fmt.Sprintf("%q is not the name of a .pod file", v))
			}
			if v, err = c.ref(k, v, ".pod"); err == nil {
				c.flags = append(c.flags, "--pod", v)
			}
		case "ContainerName":
			name = v
		case "User":
			user = v
		case "Group":
			group = v
		case "Notify":
			b, ok := parseBool(v)
			switch {
			case v == "healthy":
				notify = "healthy"
			case !ok:
				return true, c.bad(k, fmt.Sprintf("invalid boolean %q", v))
			case b:
				notify = "container"
			default:
				notify = "conmon"
			}
		case "AutoUpdate":
			if v != "registry" && v != "local" {
				return true, c.bad(k, fmt.Sprintf("invalid value %q (want registry or local)", v))
			}
			c.flags = append(c.flags, "--label", "io.containers.autoupdate="+v)
		case "Exec":
			var words []string
			if words, err = c.words(k, v); err == nil {
				exec = append(exec, words...)
			}
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return nil, err
	}
	if image == "" {
		return nil, &KeyError{File: path, Msg: "no Image key specified"}
	}
	if group != "" && user == "" {
		return nil, c.bad("Group", "Group without User")
	}
	if user != "" {
		if group != "" {
			user += ":" + group
		}
		c.flags = append(c.flags, "--user", user)
	}

	run := c.pod("run", "--name", name, "--cgroups=no-conmon", "--rm", "-d", "--sdnotify="+notify)
	run = append(append(append(run, c.flags...), c.podmanArgs...), image)
	run = append(run, exec...)
	rm := c.pod("rm", "-v", "-f", "-i", name)

	var b strings.Builder
	fmt.Fprintf(&b, "# Automatically generated by pod-systemd-generator from %s\n#\n", path)
	unit := &Unit{Name: base(path) + ".service"}
	writeSections(&b, u, "Container", unit, func() { c.unitExtras(&b, true) }, func() {
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
