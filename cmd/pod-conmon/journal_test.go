package main

import (
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/conmon/protocol"
	"golang.org/x/sys/unix"
)

// decodeEntry parses one native-protocol datagram into its fields.
func decodeEntry(t *testing.T, b []byte) map[string]string {
	t.Helper()
	f := map[string]string{}
	for len(b) > 0 {
		i := strings.IndexAny(string(b), "=\n")
		if i < 0 {
			t.Fatalf("field without end: %q", b)
		}
		key := string(b[:i])
		if b[i] == '=' {
			end := strings.IndexByte(string(b[i+1:]), '\n')
			f[key] = string(b[i+1 : i+1+end])
			b = b[i+1+end+1:]
			continue
		}
		n := binary.LittleEndian.Uint64(b[i+1 : i+9])
		f[key] = string(b[i+9 : i+9+int(n)])
		if b[i+9+int(n)] != '\n' {
			t.Fatalf("binary field %s not ended by a newline", key)
		}
		b = b[i+9+int(n)+1:]
	}
	return f
}

// TestJournalWriter checks the fields of each entry, stdout and stderr
// priorities, lines split across reads joined, a line longer than readSize
// sent in partial pieces, and a last line without newline marked partial.
func TestJournalWriter(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "journal")
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: sock}); err != nil {
		t.Fatal(err)
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 1<<20)
	id := strings.Repeat("ab", 32)
	j, err := openJournal(&protocol.Config{ID: id, Name: "web", LogTag: "mytag"}, sock)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	j.write(protocol.PacketStdout, []byte("one\ntw"), now)
	j.write(protocol.PacketStderr, []byte("err\n"), now)
	j.write(protocol.PacketStdout, []byte("o\n"), now)
	long := strings.Repeat("x", readSize+10)
	j.write(protocol.PacketStdout, []byte(long), now)
	j.write(protocol.PacketStdout, []byte("\nlast"), now)
	j.close()

	var got []map[string]string
	buf := make([]byte, 64*1024)
	for {
		n, _, err := unix.Recvfrom(fd, buf, unix.MSG_DONTWAIT)
		if err != nil {
			break
		}
		got = append(got, decodeEntry(t, buf[:n]))
	}
	want := []struct{ msg, prio, partial string }{
		{"one", "6", ""}, {"err", "3", ""}, {"two", "6", ""},
		{long[:readSize], "6", "true"}, {long[readSize:], "6", ""}, {"last", "6", "true"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g["MESSAGE"] != w.msg || g["PRIORITY"] != w.prio || g["CONTAINER_PARTIAL_MESSAGE"] != w.partial {
			t.Errorf("entry %d: MESSAGE %.20q PRIORITY %s partial %q; want %.20q %s %q", i, g["MESSAGE"], g["PRIORITY"], g["CONTAINER_PARTIAL_MESSAGE"], w.msg, w.prio, w.partial)
		}
		if g["CONTAINER_ID_FULL"] != id || g["CONTAINER_ID"] != id[:12] || g["CONTAINER_NAME"] != "web" ||
			g["CONTAINER_TAG"] != "mytag" || g["SYSLOG_IDENTIFIER"] != "mytag" {
			t.Errorf("entry %d fields: %v", i, g)
		}
	}
	// A message with a newline inside goes in the binary form.
	if f := decodeEntry(t, appendField(nil, "MESSAGE", []byte("a\nb"))); f["MESSAGE"] != "a\nb" {
		t.Errorf("binary field: %q", f["MESSAGE"])
	}
}
