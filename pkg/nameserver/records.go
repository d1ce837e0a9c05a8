package nameserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pod-engine/pod/pkg/lock"
)

// Entry is what one container answers to on the network.
type Entry struct {
	Names []string `json:"names"`
	IPs   []string `json:"ips"` // without prefix length
}

// Records maps container IDs to their entries.
type Records map[string]Entry

// Dir is a network's name server state directory.
type Dir string

func (d Dir) records() string { return filepath.Join(string(d), "records.json") }
func (d Dir) pidFile() string { return filepath.Join(string(d), "pid") }
func (d Dir) logFile() string { return filepath.Join(string(d), "log") }

// Lock serialises changes to the records and the server's start and stop.
func (d Dir) Lock(ctx context.Context) (*lock.Lock, error) {
	return lock.Acquire(ctx, filepath.Join(string(d), "lock"))
}

// Read returns the records; a missing file is an empty set.
func (d Dir) Read() (Records, error) {
	b, err := os.ReadFile(d.records())
	if errors.Is(err, os.ErrNotExist) {
		return Records{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read name records: %w", err)
	}
	r := Records{}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("parse %s: %w", d.records(), err)
	}
	return r, nil
}

// Write replaces the records atomically. The caller holds the lock.
func (d Dir) Write(r Records) error {
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	tmp := d.records() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write name records: %w", err)
	}
	return os.Rename(tmp, d.records())
}
