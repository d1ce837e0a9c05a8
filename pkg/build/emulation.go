package build

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// binfmtDir is where the kernel lists its binfmt_misc handlers.
const binfmtDir = "/proc/sys/fs/binfmt_misc"

// qemuName is qemu-user's name for a Go architecture: the suffix of the
// binfmt_misc handlers that qemu-user-static and binfmt-support register
// (qemu-aarch64, qemu-x86_64, ...).
func qemuName(arch string) string {
	switch arch {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	case "386":
		return "i386"
	case "mips64le":
		return "mips64el"
	case "loong64":
		return "loongarch64"
	}
	return arch
}

// emulated reports whether RUN steps of a build for arch can run here:
// binfmt_misc is enabled in dir and an enabled handler for qemu-user of
// that architecture is registered, so the kernel runs its executables
// through the emulator.
func emulated(dir, arch string) bool {
	if st, err := os.ReadFile(filepath.Join(dir, "status")); err != nil || strings.TrimSpace(string(st)) != "enabled" {
		return false
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	want := "qemu-" + qemuName(arch)
	for _, e := range entries {
		if n := e.Name(); n == "status" || n == "register" {
			continue
		}
		enabled, interp := readHandler(filepath.Join(dir, e.Name()))
		if !enabled {
			continue
		}
		base := filepath.Base(interp)
		if e.Name() == want || base == want || base == want+"-static" {
			return true
		}
	}
	return false
}

// readHandler reads a binfmt_misc entry: whether it is enabled and its
// interpreter.
func readHandler(path string) (enabled bool, interpreter string) {
	f, err := os.Open(path)
	if err != nil {
		return false, ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "enabled":
			enabled = true
		case strings.HasPrefix(line, "interpreter "):
			interpreter = strings.TrimPrefix(line, "interpreter ")
		}
	}
	return enabled, interpreter
}
