package e2e

import (
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

// sdnotifyEnv makes the test binary itself what testdata/sdnotify is (a
// container's process that sends sd_notify messages itself), for the VM,
// where no Go toolchain builds the helper: it waits sdnotifyDelay, sends
// its arguments, one per line, to $NOTIFY_SOCKET as one datagram, then
// sleeps.
const sdnotifyEnv = "POD_E2E_SDNOTIFY"

// sdnotifyDelay is how long the helper works before it says READY=1.
const sdnotifyDelay = 3 * time.Second

func init() {
	if os.Getenv(sdnotifyEnv) == "" {
		return
	}
	if err := sdnotify(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "sdnotify:", err)
		os.Exit(1)
	}
	time.Sleep(time.Hour)
	os.Exit(0)
}

func sdnotify(msg []string) error {
	sock := os.Getenv("NOTIFY_SOCKET")
	if sock == "" {
		return fmt.Errorf("NOTIFY_SOCKET is not set")
	}
	time.Sleep(sdnotifyDelay)
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write([]byte(strings.Join(msg, "\n") + "\n"))
	return err
}
