package main

import (
	"path/filepath"
	"testing"

	"github.com/pod-engine/pod/pkg/conmon/protocol"
	"golang.org/x/sys/unix"
)

// TestOutputAllocatesNothing guards the monitor's size over a long life:
// copying a chunk of output to the log and an attach client must not
// allocate, so the garbage collector never has a reason to run.
func TestOutputAllocatesNothing(t *testing.T) {
	for _, driver := range []string{protocol.LogDriverK8sFile, protocol.LogDriverJSONFile} {
		t.Run(driver, func(t *testing.T) {
			log, err := openLog(filepath.Join(t.TempDir(), "log"), driver, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer log.close()
			pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(pair[0])
			defer unix.Close(pair[1])
			m := &monitor{cfg: &protocol.Config{ID: "t"}, log: log, clients: map[int]*client{pair[0]: {fd: pair[0]}}}
			pkt := append([]byte{protocol.PacketStdout}, "a line of output\nand a partial one"...)
			buf := make([]byte, protocol.MaxPacket)
			// Warm up: the log's formatting buffer grows once.
			m.output(pkt)
			unix.Read(pair[1], buf)
			allocs := testing.AllocsPerRun(200, func() {
				m.output(pkt)
				if _, err := unix.Read(pair[1], buf); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per chunk of output, want 0", allocs)
			}
			if len(m.clients) != 1 {
				t.Errorf("the client was dropped")
			}
		})
	}
}
