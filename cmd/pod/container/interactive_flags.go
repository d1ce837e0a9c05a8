package container

import (
	"github.com/spf13/pflag"
)

// addInteractiveFlags binds the create flags of terminals and healthchecks.
func addInteractiveFlags(fs *pflag.FlagSet, f *createFlags) {
	o := &f.opts
	fs.BoolVarP(&o.Tty, "tty", "t", false, "allocate a pseudo-terminal for the container")
}
