package conmon

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// The reaper holds no descriptor per child, and collects each child when
// it exits: none is left a zombie, and with none left the loop ends.
func TestReaperCollectsChildren(t *testing.T) {
	fds0 := openFDs(t)
	var pids []int
	for i := 0; i < 20; i++ {
		cmd := exec.Command("sleep", "0."+strconv.Itoa(i%5+1))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, cmd.Process.Pid)
		children.adopt(cmd.Process)
	}
	if n := openFDs(t); n > fds0 {
		t.Errorf("%d descriptors open with 20 adopted children, %d before", n, fds0)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for {
			_, err := os.Stat("/proc/" + strconv.Itoa(pid))
			if os.IsNotExist(err) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("child %d still exists (a zombie) after it exited", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for {
		children.mu.Lock()
		running := children.running
		children.mu.Unlock()
		if !running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the reaper still runs with no child left")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
