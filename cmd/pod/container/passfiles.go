package container

import (
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

// passFiles is what run and start hand a container's process at 3 and up:
// with --preserve-fds N, pod's descriptors 3 to 3+N-1; else, when systemd
// socket-activated pod, its sockets with LISTEN_FDS, LISTEN_FDNAMES and
// LISTEN_PID=1 (the container's process is its PID 1), as podman does.
func passFiles(g *cli.Globals, preserve uint) (engine.PassFiles, error) {
	act := g.Inherited.Activation()
	if preserve > 0 {
		files, err := g.Inherited.Range(int(preserve))
		if err != nil {
			return engine.PassFiles{}, err
		}
		if act != nil {
			logrus.Warn("ignoring LISTEN_FDS: --preserve-fds passes the descriptors it names")
		}
		return engine.PassFiles{Files: files}, nil
	}
	if act != nil {
		return engine.PassFiles{Files: act.Files, Env: act.Env()}, nil
	}
	return engine.PassFiles{}, nil
}
