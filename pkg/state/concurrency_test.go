package state

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// helperEnv makes the test binary act as one more pod process: it waits
// for its stdin to close (so that all helpers start at once), then opens
// the DB named by the variable and adds a container named by POD_STATE_NAME.
const helperEnv = "POD_STATE_TEST_DB"

func TestMain(m *testing.M) {
	if path := os.Getenv(helperEnv); path != "" {
		io.Copy(io.Discard, os.Stdin)
		if err := helperAdd(path, os.Getenv("POD_STATE_NAME")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func helperAdd(path, name string) error {
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Add(ctx, newContainer(name)); err != nil {
		return err
	}
	// A write that follows a read, as lifecycle code does.
	c, err := db.Get(ctx, name)
	if err != nil {
		return err
	}
	c.Status = StatusRunning
	c.PID = os.Getpid()
	return db.Update(ctx, c)
}

func checkAll(t *testing.T, path string, n int) {
	t.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	list, err := db.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range list {
		if c.Status != StatusRunning {
			t.Errorf("%s: status %s, want running", c.Name, c.Status)
		}
		names[c.Name] = true
	}
	for i := 0; i < n; i++ {
		if !names[fmt.Sprintf("c%d", i)] {
			t.Errorf("c%d missing from List", i)
		}
	}
	if len(list) != n {
		t.Errorf("List has %d containers, want %d", len(list), n)
	}
}

// TestConcurrentProcesses starts 20 processes at once on a DB file that
// does not exist yet: all of them create, migrate and write it, and all
// succeed.
func TestConcurrentProcesses(t *testing.T) {
	const n = 20
	path := filepath.Join(t.TempDir(), "state", "pod.db")
	var cmds []*exec.Cmd
	var gates []io.WriteCloser
	for i := 0; i < n; i++ {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), helperEnv+"="+path, fmt.Sprintf("POD_STATE_NAME=c%d", i))
		cmd.Stderr = os.Stderr
		gate, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
		gates = append(gates, gate)
	}
	for _, g := range gates {
		g.Close()
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v", i, err)
		}
	}
	checkAll(t, path, n)
}

func TestConcurrentGoroutines(t *testing.T) {
	const n = 20
	for _, shared := range []bool{true, false} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pod.db")
			var db *DB
			if shared {
				db = openTest(t)
				path = db.Path()
			}
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					name := fmt.Sprintf("c%d", i)
					if !shared {
						// Its own handle, so its own SQLite connections.
						errs <- helperAdd(path, name)
						return
					}
					ctx := context.Background()
					if err := db.Add(ctx, newContainer(name)); err != nil {
						errs <- err
						return
					}
					c, err := db.Get(ctx, name)
					if err == nil {
						c.Status = StatusRunning
						err = db.Update(ctx, c)
					}
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			checkAll(t, path, n)
		})
	}
}
