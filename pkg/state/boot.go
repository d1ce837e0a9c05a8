package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

const bootIDPath = "/proc/sys/kernel/random/boot_id"

// BootID returns the kernel's boot id, a UUID that changes on every boot.
// The engine records it in the DB (RecordBoot) and compares it on later
// commands: a run root is not always a tmpfs (/run is not on this host),
// and may differ between environments, so neither an empty nor a missing
// run root can be relied on to reveal a reboot, and every container
// recorded as running before a reboot must be marked exited.
func BootID() (string, error) {
	b, err := os.ReadFile(bootIDPath)
	if err != nil {
		return "", fmt.Errorf("read boot id: %w", err)
	}
	id := strings.TrimSpace(string(b))
	if id == "" {
		return "", fmt.Errorf("read boot id: %s is empty", bootIDPath)
	}
	return id, nil
}

// bootKey is the meta key RecordBoot keeps the boot id under.
const bootKey = "boot-id"

// RecordedBoot returns the boot id RecordBoot recorded last (ok false:
// none yet).
func (db *DB) RecordedBoot(ctx context.Context) (bootID string, ok bool, err error) {
	return db.GetMeta(ctx, bootKey)
}

// RecordBoot records bootID (from BootID) as the boot the DB's run state
// belongs to. When a different boot id was recorded before, the host has
// rebooted since and no container process survived: in the same
// transaction every container left running, paused, stopping or
// initialized is marked exited with PID and MonitorPID 0, ExitCode
// exitCode and FinishedAt at; rebooted is true and swept holds those
// containers as now recorded. Containers being removed are left for `rm`
// to finish. The first record of a boot id is not a reboot: nothing is
// swept (a DB written by a pod that kept the boot id elsewhere has its
// dead monitors found one by one instead).
//
// When the boot id is unchanged (every command but the first after a boot)
// this costs one read. Processes racing through the first command after a
// reboot mark the containers once: only one of them sees rebooted true, and
// a container another process starts once RecordBoot returned there is
// never swept, as the check and the sweep are one write transaction.
func (db *DB) RecordBoot(ctx context.Context, bootID string, exitCode int, at time.Time) (swept []*Container, rebooted bool, err error) {
	if prev, ok, err := db.RecordedBoot(ctx); err != nil || (ok && prev == bootID) {
		return nil, false, err
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		var prev string
		err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, bootKey).Scan(&prev)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			prev = ""
		case err != nil:
			return fmt.Errorf("read recorded boot id: %w", err)
		}
		if prev == bootID {
			return nil // another process recorded it meanwhile
		}
		if prev != "" {
			active := []any{string(StatusRunning), string(StatusPaused), string(StatusStopping), string(StatusInitialized)}
			rows, err := tx.QueryContext(ctx, `SELECT `+columns+` FROM containers WHERE status IN (?, ?, ?, ?)`, active...)
			if err != nil {
				return fmt.Errorf("list containers running before the reboot: %w", err)
			}
			for rows.Next() {
				c, err := scan(rows)
				if err != nil {
					rows.Close()
					return fmt.Errorf("list containers running before the reboot: %w", err)
				}
				c.Status, c.PID, c.MonitorPID, c.ExitCode, c.FinishedAt = StatusExited, 0, 0, exitCode, at
				swept = append(swept, c)
			}
			if err := rows.Close(); err != nil {
				return fmt.Errorf("list containers running before the reboot: %w", err)
			}
			_, err = tx.ExecContext(ctx, `UPDATE containers SET
				status = ?, pid = 0, monitor_pid = 0, exit_code = ?, finished_at = ?
				WHERE status IN (?, ?, ?, ?)`,
				append([]any{string(StatusExited), exitCode, toNanos(at)}, active...)...)
			if err != nil {
				return fmt.Errorf("mark containers exited after reboot: %w", err)
			}
			rebooted = true
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, bootKey, bootID)
		if err != nil {
			return fmt.Errorf("record boot id: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return swept, rebooted, nil
}

// BootKey is the meta key of the recorded boot id, for tests that simulate
// a reboot by recording another one.
const BootKey = bootKey
