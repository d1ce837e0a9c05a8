// Package sshagent gives a build's RUN steps SSH agents (build --ssh):
// an agent socket of the user's, passed on as it is, or private key files
// served by an agent in this process for as long as the build runs.
//
// Contracts a caller may rely on:
//   - Serve returns one socket path per source ID; the sockets answer
//     until Close.
//   - Keys are read when Serve is called: a key that cannot be read (a
//     missing file, a passphrase-protected key) fails Serve, which then
//     leaves nothing behind.
//   - Close stops the agents this process serves and removes their
//     sockets; the user's own sockets are left alone.
package sshagent

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Agents are the agents of one build.
type Agents struct {
	// Sockets are the agent sockets by source ID.
	Sockets   map[string]string
	dir       string
	listeners []net.Listener
	wg        sync.WaitGroup
}

// Serve makes an agent socket for each source: ID → paths, each an agent
// socket (alone) or private key files (served together from one agent
// whose socket is made in a new directory under dir).
func Serve(dir string, sources map[string][]string) (*Agents, error) {
	a := &Agents{Sockets: map[string]string{}}
	for id, paths := range sources {
		if len(paths) == 0 {
			return nil, errdefs.InvalidArgumentf("--ssh %s: no agent socket or key file", id)
		}
		if len(paths) == 1 && isSocket(paths[0]) {
			a.Sockets[id] = paths[0]
			continue
		}
		sock, err := a.serveKeys(dir, id, paths)
		if err != nil {
			a.Close()
			return nil, err
		}
		a.Sockets[id] = sock
	}
	return a, nil
}

func isSocket(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode()&os.ModeSocket != 0
}

// serveKeys loads the key files into a keyring and serves it on a new
// socket.
func (a *Agents) serveKeys(dir, id string, files []string) (string, error) {
	ring := agent.NewKeyring()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", errdefs.InvalidArgumentf("--ssh %s: %v (want an agent socket or a private key file)", id, err)
		}
		key, err := ssh.ParseRawPrivateKey(b)
		var pm *ssh.PassphraseMissingError
		if errors.As(err, &pm) {
			return "", errdefs.InvalidArgumentf("--ssh %s: %s is protected by a passphrase: add it to an agent and give its socket", id, f)
		}
		if err != nil {
			return "", errdefs.InvalidArgumentf("--ssh %s: %s is neither an agent socket nor a private key: %v", id, f, err)
		}
		if err := ring.Add(agent.AddedKey{PrivateKey: key, Comment: f}); err != nil {
			return "", fmt.Errorf("--ssh %s: %w", id, err)
		}
	}
	if a.dir == "" {
		d, err := os.MkdirTemp(dir, "ssh-")
		if err != nil {
			return "", err
		}
		a.dir = d
	}
	sock := filepath.Join(a.dir, fmt.Sprintf("agent.%d", len(a.listeners)))
	l, err := net.Listen("unix", sock)
	if err != nil {
		return "", fmt.Errorf("--ssh %s: %w", id, err)
	}
	a.listeners = append(a.listeners, l)
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = agent.ServeAgent(ring, c)
			}()
		}
	}()
	return sock, nil
}

// Close stops the agents Serve started and removes their sockets.
func (a *Agents) Close() error {
	if a == nil {
		return nil
	}
	for _, l := range a.listeners {
		l.Close()
	}
	a.wg.Wait()
	if a.dir != "" {
		return os.RemoveAll(a.dir)
	}
	return nil
}
