// Package runlabel turns the value of an image label (RUN, INSTALL, ...)
// into the command `pod container runlabel` executes, with podman's
// substitutions. It runs nothing itself.
//
// Contracts a caller may rely on:
//
//   - The label is split as a POSIX shell would split words (quotes and
//     backslashes), without running a shell: no globbing, no pipes.
//   - A word IMAGE, $IMAGE or ${IMAGE} becomes the image's name, and a word
//     ending in =IMAGE, =$IMAGE or =${IMAGE} keeps what precedes the "=";
//     NAME likewise becomes the container name. $PWD and ${PWD} become the
//     working directory, $OPT1..$OPT3 the environment's values of those;
//     any other $VAR is left as written.
//   - A command whose program is podman, docker or pod (by base name) runs
//     Options.Exe instead, followed by Options.GlobalArgs.
//   - The caller's extra arguments are appended unchanged.
package runlabel

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/shlex"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Options are what a label's variables stand for.
type Options struct {
	Image string // the image's name as the user gave it or as stored
	Name  string // the container name; "" means the image's base name
	Pwd   string // the working directory
	// Exe replaces a podman, docker or pod program; GlobalArgs follow it
	// (pod's storage flags, so that the command sees the same containers).
	Exe        string
	GlobalArgs []string
	// Getenv looks up OPT1..OPT3 ($OPT1 in a label); nil is os.Getenv.
	Getenv func(string) string
}

// Command returns the argv that the label's value stands for, with args
// appended. An empty label, or one that does not split, is
// errdefs.ErrInvalidArg.
func Command(label string, args []string, o Options) ([]string, error) {
	words, err := shlex.Split(label)
	if err != nil {
		return nil, errdefs.InvalidArgumentf("label %q: %v", label, err)
	}
	if len(words) == 0 {
		return nil, errdefs.InvalidArgumentf("the label is empty")
	}
	name := o.Name
	if name == "" {
		name = BaseName(o.Image)
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	expand := func(k string) (string, bool) {
		switch k {
		case "PWD":
			return o.Pwd, true
		case "OPT1", "OPT2", "OPT3":
			return getenv(k), true
		}
		return "", false
	}
	var argv []string
	switch filepath.Base(words[0]) {
	case "podman", "docker", "pod":
		if o.Exe == "" {
			return nil, errors.New("runlabel: no pod executable to substitute")
		}
		argv = append([]string{o.Exe}, o.GlobalArgs...)
	default:
		argv = []string{expandVars(words[0], expand)}
	}
	for _, w := range words[1:] {
		w = substitute(w, "IMAGE", o.Image)
		w = substitute(w, "NAME", name)
		argv = append(argv, expandVars(w, expand))
	}
	return append(argv, args...), nil
}

// substitute replaces the variable v in word w by val: a whole word V, $V
// or ${V}, or a word ending in =V, =$V or =${V}.
func substitute(w, v, val string) string {
	for _, form := range []string{v, "$" + v, "${" + v + "}"} {
		if w == form {
			return val
		}
		if prefix, ok := strings.CutSuffix(w, "="+form); ok {
			return prefix + "=" + val
		}
	}
	return w
}

// expandVars replaces $K and ${K} for the keys expand knows; anything else
// (a $ of the command's own, say in sh -c) stays as written.
func expandVars(w string, expand func(string) (string, bool)) string {
	if !strings.Contains(w, "$") {
		return w
	}
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		if w[i] != '$' {
			b.WriteByte(w[i])
			continue
		}
		rest := w[i+1:]
		var key string
		braced := strings.HasPrefix(rest, "{")
		if braced {
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				b.WriteByte('$')
				continue
			}
			key = rest[1:end]
		} else {
			n := 0
			for n < len(rest) && (rest[n] == '_' || rest[n] >= 'A' && rest[n] <= 'Z' || rest[n] >= 'a' && rest[n] <= 'z' || n > 0 && rest[n] >= '0' && rest[n] <= '9') {
				n++
			}
			key = rest[:n]
		}
		val, ok := expand(key)
		if !ok || key == "" {
			b.WriteByte('$')
			continue
		}
		b.WriteString(val)
		if braced {
			i += len(key) + 2
		} else {
			i += len(key)
		}
	}
	return b.String()
}

// BaseName is the default container name for an image: the last component
// of its repository, without registry, tag or digest
// ("registry:5000/team/web:1.0" gives "web").
func BaseName(image string) string {
	s, _, _ := strings.Cut(image, "@")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	return s
}

// ContainerName returns the value of --name in argv ("--name X" or
// "--name=X"), as --replace needs it; "" when there is none.
func ContainerName(argv []string) string {
	for i, a := range argv {
		if a == "--name" && i+1 < len(argv) {
			return argv[i+1]
		}
		if v, ok := strings.CutPrefix(a, "--name="); ok {
			return v
		}
	}
	return ""
}
