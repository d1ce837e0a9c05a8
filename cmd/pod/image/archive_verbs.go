package image

import (
	"os"

	"golang.org/x/sys/unix"
)

// archiveVerbs are the commands that move images to and from files.
func archiveVerbs() []verb {
	return []verb{
		{top: "save", new: newSaveCommand},
		{top: "load", new: newLoadCommand},
		{top: "import", new: newImportCommand},
	}
}

// isTerminal reports whether v is a terminal: archives are never written
// to or read from one.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
