package systemdgen

import "strings"

// FlagInfo says whether name (a long flag without dashes, or a one-letter
// shorthand) is a flag of the command and whether it takes a value: it is
// how a stored command line is split without knowing pod's flags here.
type FlagInfo func(name string) (known, takesValue bool)

// parsedCreate is a stored `pod [GLOBAL] run|create [FLAGS] IMAGE [ARGS]`
// command line, split at the places the unit rewrites.
type parsedCreate struct {
	global   []string // the global flags before the verb, as typed
	flags    []string // the verb's flags, minus those the unit sets itself
	rest     []string // the image and the container's command
	sdNotify bool     // the user chose --sdnotify: keep theirs
	// exitPolicy: the user chose pod create's --exit-policy: keep theirs.
	exitPolicy bool
	hasName    bool // --name was given
}

// dropped are the create flags a --new unit sets itself (or that would
// fight systemd): the name, detaching, removal, cgroups of the monitor and
// the restart policy, which is systemd's job in a unit (and pod refuses
// --rm with --restart).
var dropped = map[string]bool{
	"name": true, "d": true, "detach": true, "rm": true, "cgroups": true, "restart": true, "replace": true,
}

// createVerb says which command line parseCreate reads: where its verb
// is and which of its flags the unit sets itself.
type createVerb struct {
	// match reports how many arguments at argv[i:] name the verb (0: not
	// this verb).
	match func(argv []string) int
	drop  map[string]bool
}

// containerCreate is `run`, `create`, `container run|create`; in a pod the
// unit also names the pod itself (--pod-id-file).
func containerCreate(inPod bool) createVerb {
	drop := dropped
	if inPod {
		drop = map[string]bool{"pod": true, "pod-id-file": true}
		for k := range dropped {
			drop[k] = true
		}
	}
	return createVerb{drop: drop, match: func(argv []string) int {
		n := 0
		if len(argv) > 0 && argv[0] == "container" {
			n = 1
		}
		if len(argv) > n && (argv[n] == "run" || argv[n] == "create") {
			return n + 1
		}
		return 0
	}}
}

// podCreate is `pod create`; the unit sets the files it watches and
// --replace.
var podCreate = createVerb{
	drop: map[string]bool{"pod-id-file": true, "infra-conmon-pidfile": true, "replace": true},
	match: func(argv []string) int {
		if len(argv) > 1 && argv[0] == "pod" && argv[1] == "create" {
			return 2
		}
		return 0
	},
}

// parseCreate splits argv (argv[0] the pod binary). global and verb
// report the flags of pod itself.
func parseCreate(argv []string, global, verb FlagInfo) (*parsedCreate, bool) {
	p, ok := parseVerb(argv, global, verb, containerCreate(false))
	return p, ok && len(p.rest) > 0
}

// parseVerb splits argv, the command line of kind.
func parseVerb(argv []string, global, verb FlagInfo, kind createVerb) (*parsedCreate, bool) {
	drop := kind.drop
	p := &parsedCreate{}
	i := 1
	// Global flags up to the verb: "run", "create", or "container run|create".
	for ; i < len(argv); i++ {
		a := argv[i]
		if !strings.HasPrefix(a, "-") {
			break
		}
		p.global = append(p.global, a)
		if name, _, hasValue := splitFlag(a); !hasValue {
			if _, takes := global(name); takes && i+1 < len(argv) {
				i++
				p.global = append(p.global, argv[i])
			}
		}
	}
	n := 0
	if i < len(argv) {
		n = kind.match(argv[i:])
	}
	if n == 0 {
		return nil, false
	}
	i += n
	for ; i < len(argv); i++ {
		a := argv[i]
		if a == "--" {
			i++
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			break
		}
		if strings.HasPrefix(a, "--") {
			name, _, hasValue := splitFlag(a)
			_, takes := verb(name)
			var val []string
			if takes && !hasValue && i+1 < len(argv) {
				i++
				val = []string{argv[i]}
			}
			switch name {
			case "sdnotify":
				p.sdNotify = true
			case "exit-policy":
				p.exitPolicy = true
			case "name":
				p.hasName = true
			}
			if known, _ := verb(name); !known {
				// pod's own flags, typed after the verb: every command
				// of the unit needs them.
				p.global = append(p.global, a)
				p.global = append(p.global, val...)
				continue
			}
			if !drop[name] {
				p.flags = append(p.flags, a)
				p.flags = append(p.flags, val...)
			}
			continue
		}
		// A cluster of shorthands, "-dit", where one taking a value ends
		// the cluster ("-ePATH=x") or takes the next argument ("-e X").
		kept := "-"
		var val []string
		for j := 1; j < len(a); j++ {
			name := a[j : j+1]
			_, takes := verb(name)
			if name == "n" && takes {
				p.hasName = true // pod create -n NAME
			}
			if !takes {
				if !drop[name] {
					kept += name
				}
				continue
			}
			if j+1 < len(a) {
				val = []string{a[j+1:]}
			} else if i+1 < len(argv) {
				i++
				val = []string{argv[i]}
			}
			if drop[name] {
				val = nil
			} else {
				kept += name
			}
			break
		}
		if kept != "-" {
			if len(val) == 1 && strings.HasPrefix(a, kept) && len(a) > len(kept) && a[len(kept):] == val[0] {
				p.flags = append(p.flags, kept+val[0]) // -ePATH=x stays one argument
			} else {
				p.flags = append(p.flags, kept)
				p.flags = append(p.flags, val...)
			}
		}
	}
	p.rest = append(p.rest, argv[i:]...)
	return p, true
}

// splitFlag parses "--name=value", "--name" or "-x".
func splitFlag(a string) (name, value string, hasValue bool) {
	a = strings.TrimLeft(a, "-")
	return strings.Cut(a, "=")
}

// quote writes one argument of an Exec*= line in systemd's syntax: '%'
// starts a specifier and '$' a variable, so both are doubled; an argument
// with blanks, quotes, backslashes or a lone ';' is double-quoted with C
// escapes.
func quote(a string) string {
	a = strings.ReplaceAll(a, "%", "%%")
	a = strings.ReplaceAll(a, "$", "$$")
	if a != "" && a != ";" && !strings.ContainsAny(a, " \t\n\"'\\") {
		return a
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)
	return `"` + r.Replace(a) + `"`
}

// commandLine joins argv for an Exec*= setting.
func commandLine(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = quote(a)
	}
	return strings.Join(q, " ")
}
