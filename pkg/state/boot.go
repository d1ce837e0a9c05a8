package state

import (
	"fmt"
	"os"
	"strings"
)

const bootIDPath = "/proc/sys/kernel/random/boot_id"

// BootID returns the kernel's boot id, a UUID that changes on every boot.
// The engine records it in the run root and compares it on later commands:
// on this host /run is not a tmpfs, so an empty run root cannot be relied on
// to reveal a reboot, and every container recorded as running before a
// reboot must be marked exited.
func BootID() (string, error) {
	b, err := os.ReadFile(bootIDPath)
	if err != nil {
		return "", fmt.Errorf("read boot id: %w", err)
	}
	id := strings.TrimSpace(string(b))
	if id == "" {
		return "", fmt.Errorf("read boot id: %s is empty", bootIDPath)
	}
	return id, nil
}
