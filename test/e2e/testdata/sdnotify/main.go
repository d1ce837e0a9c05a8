// sdnotify sends its arguments, one per line, to $NOTIFY_SOCKET as one
// datagram (the sd_notify protocol) and then sleeps: a container's own
// process telling the service manager it is ready (--sdnotify=container).
package main

import (
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	sock := os.Getenv("NOTIFY_SOCKET")
	if sock == "" {
		fmt.Fprintln(os.Stderr, "sdnotify: NOTIFY_SOCKET is not set")
		os.Exit(1)
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdnotify:", err)
		os.Exit(1)
	}
	if _, err := c.Write([]byte(strings.Join(os.Args[1:], "\n") + "\n")); err != nil {
		fmt.Fprintln(os.Stderr, "sdnotify:", err)
		os.Exit(1)
	}
	time.Sleep(time.Hour)
}
