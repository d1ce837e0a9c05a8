package cli

import (
	"fmt"
	"regexp"

	"github.com/spf13/pflag"
)

// strconvNoise is how pflag reports a number or boolean it could not read:
// the strconv error, which names a Go function rather than what was wrong.
var strconvNoise = regexp.MustCompile(`strconv\.Parse(\w+): parsing "[^"]*": (invalid syntax|value out of range)`)

// FlagError is the error of a command whose flags could not be read: the
// command, what was wrong in words (not in strconv's), and where to look.
func FlagError(path string, err error) error {
	msg := strconvNoise.ReplaceAllStringFunc(err.Error(), func(m string) string {
		sub := strconvNoise.FindStringSubmatch(m)
		switch {
		case sub[2] == "value out of range":
			return "out of range"
		case sub[1] == "Bool":
			return "not true or false"
		case sub[1] == "Float":
			return "not a number"
		}
		return "not a whole number"
	})
	return fmt.Errorf("%s: %s (see '%s --help')", path, msg, path)
}

// FlagInfo says whether name (long, or a shorthand letter) is a flag of fs
// and whether it takes a value: generate systemd splits stored run/create
// and pod create command lines with it.
func FlagInfo(fs *pflag.FlagSet) func(name string) (known, takesValue bool) {
	return func(name string) (bool, bool) {
		f := fs.Lookup(name)
		if f == nil && len(name) == 1 {
			f = fs.ShorthandLookup(name)
		}
		if f == nil {
			return false, false
		}
		return true, f.NoOptDefVal == ""
	}
}
