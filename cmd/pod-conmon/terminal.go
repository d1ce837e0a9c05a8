package main

import (
	"encoding/binary"
	"errors"

	"golang.org/x/sys/unix"
)

// A container with a terminal gets a pseudo-terminal from the runtime: the
// runtime connects to the console socket during create and passes the
// master over it (SCM_RIGHTS). Its output is the container's only stream;
// attach clients' stdin is written to it and their resize packets set its
// size.

// listenConsole binds the console socket before the runtime's create.
func (m *monitor) listenConsole(path string) error {
	fd, err := listenSocket(path, unix.SOCK_STREAM)
	if err != nil {
		return err
	}
	m.console = fd
	return nil
}

// receiveTerminal takes the master the runtime sent during create, which
// has finished: the connection and its message wait in the socket.
func (m *monitor) receiveTerminal() error {
	conn, _, err := unix.Accept4(m.console, unix.SOCK_CLOEXEC)
	if err == unix.EAGAIN {
		return errors.New("the runtime sent no terminal to the console socket")
	}
	if err != nil {
		return &pathError{"accept on the console socket", err}
	}
	defer unix.Close(conn)
	buf := make([]byte, 512)
	oob := make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(conn, buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return &pathError{"receive the terminal", err}
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) == 0 {
		return errors.New("the runtime sent no descriptor to the console socket")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) == 0 {
		return errors.New("the runtime sent no descriptor to the console socket")
	}
	for _, fd := range fds[1:] {
		unix.Close(fd)
	}
	m.term = fds[0]
	m.closeConsole()
	if !m.cfg.Stdin {
		return nil
	}
	// Input goes through its own descriptor, so that ending it never
	// closes the output.
	if m.stdin.fd, err = unix.FcntlInt(uintptr(m.term), unix.F_DUPFD_CLOEXEC, 0); err != nil {
		return &pathError{"dup the terminal", err}
	}
	// A terminal's input has no end of file to pass on.
	m.stdin.once = false
	return nil
}

func (m *monitor) closeConsole() {
	if m.console >= 0 {
		unix.Close(m.console)
		m.console = -1
		unix.Unlink(m.cfg.ConsoleSocket)
	}
}

// resize applies a resize packet's [rows uint16][cols uint16].
func (m *monitor) resize(p []byte) {
	if m.term < 0 || len(p) < 4 {
		return
	}
	ws := &unix.Winsize{Row: binary.BigEndian.Uint16(p[0:2]), Col: binary.BigEndian.Uint16(p[2:4])}
	unix.IoctlSetWinsize(m.term, unix.TIOCSWINSZ, ws)
}
