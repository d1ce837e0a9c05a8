// Package conmon is the client side of pod-conmon, the small process that
// monitors one running container (see cmd/pod-conmon and docs/pod-conmon.md).
//
// It imports only the standard library and golang.org/x/sys. What the
// monitor shares with it lives in the subpackage protocol, which avoids
// reflection and formatting packages so that the monitor, of which one runs
// per container, stays small.
//
// # Starting a monitor
//
// Start runs the monitor binary with setsid, as the caller's child, which the
// caller reaps while it runs: the monitor is in a session of its own, so
// pod exiting or being killed never affects it. (Only when the monitor
// inherited descriptors beyond the protocol's does it execute itself once
// more, to leave them behind.) Inherited descriptors carry the protocol:
//
//   - fd 3, the config pipe: pod writes the Config as NUL-terminated
//     "key=value" records (protocol.Config.Encode) and closes it; the
//     monitor reads it to EOF. No parser library is needed on either side.
//   - fd 4, the sync pipe: the monitor writes one JSON protocol.SyncMessage
//     after the runtime's create finished — {"pid":N,"monitorPid":M} on
//     success, {"createFailed":true,"stderr":"...","runtimeStatus":N} when
//     the runtime failed, or
//     {"error":"..."} when the monitor itself failed — and closes it.
//   - fd 5, with Config.Client (StartAttached): one end of a connected
//     SOCK_SEQPACKET socketpair, an attach client registered before the
//     runtime runs.
//
// The monitor's own stdin, stdout and stderr are /dev/null; errors it meets
// after the sync report go to MonitorLogPath(cfg).
//
// # Attach protocol
//
// The monitor listens on Config.AttachSocket, a unix SOCK_SEQPACKET socket.
// Every packet starts with a one-byte type:
//
//	monitor → client  [5]                    connection registered (first packet)
//	                  [1][data]              container stdout
//	                  [2][data]              container stderr
//	                  [3][4-byte big-endian] exit code; the monitor then closes
//	client → monitor  [0][data]              container stdin
//	                  [0]                    end of this client's stdin
//	                  [4][rows u16][cols u16] terminal size (Config.Terminal only)
//	                  [6]                    detach: leave without ending stdin
//	                  [7]                    done: did the exit command's work (Config.ClientCleans)
//
// With Config.Terminal the container's terminal is the only stream: all
// output arrives as stdout, stdin is written to the terminal (it has no end
// of file, so StdinOnce does not apply) and resize packets set its size.
//
// Packets are at most MaxPacket bytes. Every client receives all output
// produced while it is connected, so connecting before the runtime's start
// receives everything. Writes to clients block: a client that stops reading
// holds the container's output back (as docker attach does); a client that
// disconnects is dropped. Logging never waits for clients.
//
// # Exit file
//
// When the container exits the monitor drains its output into the log,
// atomically writes Config.ExitFile as JSON
// ({"exitCode":N,"oomKilled":false,"finishedAt":"RFC3339Nano"}), sends the
// exit packet to attach clients, removes the socket, starts
// Config.ExitCommand detached and exits. A ClientCleans client still
// connected then is waited for instead: [7] from it means the command is
// not needed; its hang-up without [7] runs the command after all.
package conmon
