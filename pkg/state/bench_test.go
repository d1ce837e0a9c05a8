package state

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkList1000 measures what `pod ps -a` costs the state DB with 1000
// containers: open (PRAGMAs and the schema version check), one List, close.
func BenchmarkList1000(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "pod.db")
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	base := time.Now()
	for i := 0; i < 1000; i++ {
		c := newContainer(fmt.Sprintf("c%d", i))
		c.Config = make([]byte, benchConfigSize) // about the size of a real ContainerConfig
		c.CreatedAt = base.Add(time.Duration(i) * time.Millisecond)
		mustAdd(b, db, c)
	}
	db.Close()

	// The CLI's context is cancellable (SIGINT), which costs go-sqlite3
	// more than context.Background(); measure what the CLI pays.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	b.ResetTimer()
	cpu0 := cpuTime(b)
	for i := 0; i < b.N; i++ {
		db, err := Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		list, err := db.List(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(list) != 1000 {
			b.Fatalf("List returned %d", len(list))
		}
		db.Close()
	}
	// CPU time is steadier than wall time on a machine shared with
	// compilers.
	b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// cpuTime is the user and system CPU time this process used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkOpen is the fixed cost every pod command pays for the state DB;
// "import" opens as the engine does, checking that volumes were imported.
func BenchmarkOpen(b *testing.B) {
	imp := WithVolumeImport(func(context.Context, []*Container) (VolumeImport, error) { return VolumeImport{}, nil })
	for _, bc := range []struct {
		name string
		opts []OpenOption
	}{{"plain", nil}, {"import", []OpenOption{imp}}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			path := filepath.Join(b.TempDir(), "pod.db")
			db, err := Open(ctx, path, bc.opts...)
			if err != nil {
				b.Fatal(err)
			}
			db.Close()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				db, err := Open(ctx, path, bc.opts...)
				if err != nil {
					b.Fatal(err)
				}
				db.Close()
			}
		})
	}
}

const benchConfigSize = 2048
