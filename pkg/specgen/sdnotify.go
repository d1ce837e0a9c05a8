package specgen

// NotifySocketInContainer is where --sdnotify=container puts the service
// manager's notify socket inside the container (podman's path), and what
// NOTIFY_SOCKET says there.
const NotifySocketInContainer = "/run/notify/notify.sock"

// ParseSdNotify checks --sdnotify. conmon, the default, is stored as "":
// the monitor tells the service manager it is the main process and the
// service is ready once the container runs. container leaves READY=1 to
// the container's own process; healthy sends it after the container's
// first passing healthcheck; ignore sends nothing.
func ParseSdNotify(s string) (string, error) {
	switch s {
	case "", "conmon":
		return "", nil
	case "container", "ignore", "healthy":
		return s, nil
	}
	return "", invalidf("invalid --sdnotify %q: use conmon, container, healthy or ignore", s)
}
