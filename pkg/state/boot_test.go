package state

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"
)

func TestBootID(t *testing.T) {
	a, err := BootID()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(a) {
		t.Errorf("BootID() = %q; want a UUID", a)
	}
	if b, _ := BootID(); b != a {
		t.Errorf("BootID() changed within one boot: %q, %q", a, b)
	}
}

func TestRecordBoot(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	started := time.Now().Add(-time.Hour)
	byStatus := map[Status]*Container{}
	for _, s := range []Status{StatusCreated, StatusRunning, StatusPaused, StatusStopping, StatusExited, StatusRemoving} {
		c := newContainer(string(s))
		c.Status = s
		c.PID, c.MonitorPID = 100, 99
		c.ExitCode = 3
		c.StartedAt = started
		mustAdd(t, db, c)
		byStatus[s] = c
	}

	// The first boot id recorded is not a reboot; recording it again is not either.
	for i := 0; i < 2; i++ {
		if _, rebooted, err := db.RecordBoot(ctx, "boot-1", 255, time.Now()); err != nil || rebooted {
			t.Fatalf("RecordBoot(boot-1) #%d = %v, %v; want false", i, rebooted, err)
		}
	}
	if got, _ := db.Get(ctx, "running"); got.Status != StatusRunning {
		t.Fatalf("container changed without a reboot: %s", got.Status)
	}

	at := time.Now()
	swept, rebooted, err := db.RecordBoot(ctx, "boot-2", 255, at)
	if err != nil || !rebooted {
		t.Fatalf("RecordBoot(boot-2) = %v, %v; want true", rebooted, err)
	}
	sweptIDs := map[string]bool{}
	for _, c := range swept {
		if c.Status != StatusExited || c.ExitCode != 255 || c.MonitorPID != 0 || len(c.Config) == 0 {
			t.Errorf("swept %s as %+v", c.Name, c)
		}
		sweptIDs[c.ID] = true
	}
	for _, s := range []Status{StatusRunning, StatusPaused, StatusStopping} {
		if !sweptIDs[byStatus[s].ID] || len(swept) != 3 {
			t.Errorf("swept %d containers, want running, paused and stopping ones", len(swept))
		}
	}
	for s, c := range byStatus {
		got, err := db.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch s {
		case StatusRunning, StatusPaused, StatusStopping:
			if got.Status != StatusExited || got.PID != 0 || got.MonitorPID != 0 || got.ExitCode != 255 ||
				!got.FinishedAt.Equal(at) || !got.StartedAt.Equal(started) {
				t.Errorf("%s after reboot: %+v", s, got)
			}
		default:
			if got.Status != s || got.PID != 100 || got.ExitCode != 3 {
				t.Errorf("%s changed by the reboot: %+v", s, got)
			}
		}
	}
	if v, _, _ := db.GetMeta(ctx, bootKey); v != "boot-2" {
		t.Errorf("recorded boot id = %q", v)
	}
	if _, rebooted, err := db.RecordBoot(ctx, "boot-2", 255, time.Now()); err != nil || rebooted {
		t.Errorf("RecordBoot(boot-2) again = %v, %v; want false", rebooted, err)
	}
}

// TestRecordBootRace runs the first command after a reboot in many
// processes' worth of DB handles at once: exactly one sees the reboot.
func TestRecordBootRace(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if _, _, err := db.RecordBoot(ctx, "old", 255, time.Now()); err != nil {
		t.Fatal(err)
	}
	const n = 10
	results := make(chan error, n)
	seen := make(chan bool, n)
	for i := 0; i < n; i++ {
		go func() {
			h, err := Open(ctx, db.Path())
			if err != nil {
				results <- err
				return
			}
			defer h.Close()
			_, rebooted, err := h.RecordBoot(ctx, "new", 255, time.Now())
			seen <- rebooted
			results <- err
		}()
	}
	count := 0
	for i := 0; i < n; i++ {
		if err := <-results; err != nil {
			t.Error(err)
			continue
		}
		if <-seen {
			count++
		}
	}
	if count != 1 {
		t.Errorf("%d handles saw the reboot, want 1", count)
	}
}

// TestRecordBootRaceStart races the first commands after a reboot: each
// records the boot, then starts the container (as `pod start` does once
// its Runtime is open). No sweep may land after a start: the container ends
// running, with the monitor of the last start.
func TestRecordBootRaceStart(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	c := newContainer("web")
	c.Status, c.MonitorPID = StatusRunning, 1
	mustAdd(t, db, c)
	for round := 0; round < 20; round++ {
		// The boot before: the container ran in it.
		if err := db.SetMeta(ctx, BootKey, fmt.Sprintf("boot-%d", round)); err != nil {
			t.Fatal(err)
		}
		next := fmt.Sprintf("boot-%d", round+1)
		const n = 8
		var (
			wg         sync.WaitGroup
			mu         sync.Mutex
			lastStart  int
			sweeps     int
			errs       = make(chan error, n)
			ready, run = make(chan struct{}, n), make(chan struct{})
		)
		for i := 1; i <= n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h, err := Open(ctx, db.Path())
				if err != nil {
					errs <- err
					return
				}
				defer h.Close()
				ready <- struct{}{}
				<-run
				_, rebooted, err := h.RecordBoot(ctx, next, 255, time.Now())
				if err != nil {
					errs <- err
					return
				}
				// Start: the container lock orders starts; a mutex stands
				// in for it here.
				mu.Lock()
				defer mu.Unlock()
				if rebooted {
					sweeps++
				}
				row, err := h.Get(ctx, c.ID)
				if err != nil {
					errs <- err
					return
				}
				row.Status, row.MonitorPID = StatusRunning, 1000*round+i
				if err := h.Update(ctx, row); err != nil {
					errs <- err
					return
				}
				lastStart = row.MonitorPID
			}()
		}
		for i := 0; i < n; i++ {
			select {
			case <-ready:
			case err := <-errs:
				t.Fatal(err)
			}
		}
		close(run)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		got, err := db.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != StatusRunning || got.MonitorPID != lastStart || sweeps != 1 {
			t.Fatalf("round %d: %d sweeps, container %s with monitor %d; want 1 sweep, running with monitor %d",
				round, sweeps, got.Status, got.MonitorPID, lastStart)
		}
	}
}
