package specgen

import "github.com/pod-engine/pod/pkg/errdefs"

// NotifySocketInContainer is where --sdnotify=container puts the service
// manager's notify socket inside the container (podman's path), and what
// NOTIFY_SOCKET says there.
const NotifySocketInContainer = "/run/notify/notify.sock"

// ParseSdNotify checks --sdnotify. conmon, the default, is stored as "":
// the monitor tells the service manager it is the main process and the
// service is ready once the container runs. container leaves READY=1 to
// the container's own process; ignore sends nothing. Podman's healthy
// (ready after the first passing healthcheck) is not implemented.
func ParseSdNotify(s string) (string, error) {
	switch s {
	case "", "conmon":
		return "", nil
	case "container", "ignore":
		return s, nil
	case "healthy":
		return "", notImplementedf("--sdnotify=healthy is not supported yet: use conmon, container or ignore")
	}
	return "", invalidf("invalid --sdnotify %q: use conmon, container or ignore", s)
}

func notImplementedf(format string, args ...any) error {
	return errdefs.NotImplementedf(format, args...)
}
