package state

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
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
		c.Config = make([]byte, 2048) // about the size of a real ContainerConfig
		c.CreatedAt = base.Add(time.Duration(i) * time.Millisecond)
		mustAdd(b, db, c)
	}
	db.Close()

	b.ResetTimer()
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
}

// BenchmarkOpen is the fixed cost every pod command pays for the state DB.
func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "pod.db")
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	db.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db, err := Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}
