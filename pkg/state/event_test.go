package state

import (
	"context"
	"reflect"
	"testing"
	"time"
)

func TestEventsRoundTripAndQuery(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if seq, err := db.LastEventSeq(ctx); err != nil || seq != 0 {
		t.Fatalf("LastEventSeq of an empty log = %d, %v", seq, err)
	}
	base := time.Unix(1700000000, 0)
	code := 137
	in := []*Event{
		{Time: base, Type: "container", Action: "create", ActorID: "c1", Name: "web", Image: "alpine", Attributes: map[string]string{"app": "x"}},
		{Time: base.Add(time.Second), Type: "container", Action: "died", ActorID: "c1", Name: "web", Image: "alpine", ExitCode: &code},
		{Time: base.Add(2 * time.Second), Type: "network", Action: "create", ActorID: "n1", Name: "front", Network: "front"},
	}
	for _, e := range in {
		if err := db.AddEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if in[0].Seq == 0 || in[1].Seq <= in[0].Seq || in[2].Seq <= in[1].Seq {
		t.Fatalf("sequence numbers do not grow: %d %d %d", in[0].Seq, in[1].Seq, in[2].Seq)
	}
	tests := []struct {
		name string
		q    EventQuery
		want []*Event
	}{
		{"all", EventQuery{}, in},
		{"after", EventQuery{AfterSeq: in[0].Seq}, in[1:]},
		{"since", EventQuery{Since: base.Add(time.Second)}, in[1:]},
		{"until", EventQuery{Until: base.Add(time.Second)}, in[:2]},
		{"window", EventQuery{Since: base.Add(500 * time.Millisecond), Until: base.Add(1500 * time.Millisecond)}, in[1:2]},
		{"none", EventQuery{Since: base.Add(time.Hour)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.Events(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d events, want %d", len(got), len(tt.want))
			}
			for i := range got {
				g, w := *got[i], *tt.want[i]
				if !g.Time.Equal(w.Time) {
					t.Errorf("event %d: time %v, want %v", i, g.Time, w.Time)
				}
				g.Time, w.Time = time.Time{}, time.Time{}
				if !reflect.DeepEqual(g, w) {
					t.Errorf("event %d: got %+v, want %+v", i, g, w)
				}
			}
		})
	}
	if seq, err := db.LastEventSeq(ctx); err != nil || seq != in[2].Seq {
		t.Fatalf("LastEventSeq = %d, %v; want %d", seq, err, in[2].Seq)
	}
}

func TestEventsTrimmed(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	total := MaxEvents + 2*trimEvery
	for i := 0; i < total; i++ {
		if err := db.AddEvent(ctx, &Event{Time: time.Unix(int64(i), 0), Type: "image", Action: "tag"}); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := db.Events(ctx, EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) > MaxEvents || len(evs) < MaxEvents-trimEvery {
		t.Fatalf("%d events kept of %d recorded, want about %d", len(evs), total, MaxEvents)
	}
	if last := evs[len(evs)-1]; last.Seq != int64(total) {
		t.Fatalf("newest event has seq %d, want %d: trimming must drop the oldest", last.Seq, total)
	}
}

func TestWatchSeesWritesOfAnotherConnection(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	db := openTest(t)
	other, err := Open(ctx, db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ch, err := db.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.AddEvent(ctx, &Event{Time: time.Now(), Type: "volume", Action: "create", Name: "v"}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatal("no change notification for a write by another connection")
	}
	cancel()
	for range ch {
		// drained until the watcher closes it
	}
}

// BenchmarkAddEvent measures what recording one event adds to a command.
func BenchmarkAddEvent(b *testing.B) {
	ctx := context.Background()
	db := openTest(b)
	e := &Event{Type: "container", Action: "start", ActorID: NewID(), Name: "web", Image: "alpine",
		Attributes: map[string]string{"image": "alpine", "name": "web", "app": "shop"}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Time = time.Now()
		if err := db.AddEvent(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}
