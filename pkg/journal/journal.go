// Package journal is pod's access to the systemd journal: whether this host
// has one, sending entries over journald's native protocol (go-systemd), and
// reading entries back through `journalctl -o json` (reading the journal
// files directly needs libsystemd through cgo, which pod does not link).
//
// Contracts a caller may rely on:
//   - Available is cheap and says whether journald listens; Send and Read
//     on a host where it is false fail with an errdefs "unavailable" error.
//   - Read calls fn once per entry, oldest first, with every field as
//     bytes (binary fields included), and never blocks on new entries: a
//     follower calls it again with AfterCursor set to the last Cursor.
//   - What Read sees is what journalctl shows the calling user: as root,
//     the whole journal; as another user, the journal files the user may
//     read (their own, with a persistent journal split per user, the
//     journald default).
package journal

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-systemd/v22/journal"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Socket is where journald receives native-protocol entries.
const Socket = "/run/systemd/journal/socket"

// Available says whether systemd-journald listens on this host.
func Available() bool { return journal.Enabled() }

// ErrUnavailable is the error of Send and Read on a host without journald.
func errUnavailable() error {
	return errdefs.Unavailablef("no systemd journal on this host (nothing listens on %s)", Socket)
}

// Priorities as syslog numbers them.
const (
	PriErr  = 3
	PriInfo = 6
)

// Send writes one entry with message, priority and fields (names of upper
// case letters, digits and underscores).
func Send(message string, priority int, fields map[string]string) error {
	if !Available() {
		return errUnavailable()
	}
	if err := journal.Send(message, journal.Priority(priority), fields); err != nil {
		return fmt.Errorf("write to the journal: %w", err)
	}
	return nil
}

// Entry is one journal entry.
type Entry struct {
	Fields map[string][]byte
	Time   time.Time // __REALTIME_TIMESTAMP: when journald received it
	Cursor string
}

// Field is the value of name as a string ("" when absent).
func (e *Entry) Field(name string) string { return string(e.Fields[name]) }

// Query selects entries.
type Query struct {
	// Matches are FIELD=VALUE pairs, all of which an entry must have.
	Matches []string
	// Since and Until bound the entries by time (zero: no bound). They are
	// applied exactly here; journalctl is only given whole seconds around
	// them.
	Since, Until time.Time
	// AfterCursor, when set, starts after that entry.
	AfterCursor string
}

// Read calls fn for each entry q selects, oldest first.
func Read(ctx context.Context, q Query, fn func(*Entry) error) error {
	if !Available() {
		return errUnavailable()
	}
	args := []string{"--no-pager", "--quiet", "--all", "--output=json"}
	if !q.Since.IsZero() {
		args = append(args, "--since=@"+strconv.FormatInt(q.Since.Unix(), 10))
	}
	if !q.Until.IsZero() {
		args = append(args, "--until=@"+strconv.FormatInt(q.Until.Unix()+1, 10))
	}
	if q.AfterCursor != "" {
		args = append(args, "--after-cursor="+q.AfterCursor)
	}
	args = append(args, q.Matches...)
	cmd := exec.CommandContext(ctx, "journalctl", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("journalctl: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return errdefs.Unavailablef("read the journal: %v", err)
	}
	var ferr error
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	for sc.Scan() {
		e, err := parseEntry(sc.Bytes())
		if err != nil {
			ferr = err
			break
		}
		if !q.Since.IsZero() && e.Time.Before(q.Since) || !q.Until.IsZero() && e.Time.After(q.Until) {
			continue
		}
		if ferr = fn(e); ferr != nil {
			break
		}
	}
	if ferr != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return ferr
	}
	if err := sc.Err(); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return fmt.Errorf("read journalctl's output: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// No journal file at all yet is an empty journal; files the
		// user may not read are an error worth reading.
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "No journal files were found") {
			return nil
		}
		return fmt.Errorf("journalctl: %v: %s", err, msg)
	}
	return nil
}

// parseEntry reads one line of `journalctl -o json`: each field a string,
// an array of byte values (binary data), null (too large, not with --all)
// or an array of those (a field given several times: the last one wins).
func parseEntry(line []byte) (*Entry, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(line, &raw); err != nil {
		return nil, fmt.Errorf("journalctl output: %w", err)
	}
	e := &Entry{Fields: make(map[string][]byte, len(raw))}
	for k, v := range raw {
		b, err := fieldValue(v)
		if err != nil {
			return nil, fmt.Errorf("journalctl output: field %s: %w", k, err)
		}
		e.Fields[k] = b
	}
	e.Cursor = string(e.Fields["__CURSOR"])
	us, err := strconv.ParseInt(string(e.Fields["__REALTIME_TIMESTAMP"]), 10, 64)
	if err != nil {
		return nil, errors.New("journalctl output: entry without __REALTIME_TIMESTAMP")
	}
	e.Time = time.UnixMicro(us)
	return e, nil
}

func fieldValue(v json.RawMessage) ([]byte, error) {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || string(v) == "null":
		return nil, nil
	case v[0] == '"':
		var s string
		err := json.Unmarshal(v, &s)
		return []byte(s), err
	case v[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(v, &items); err != nil {
			return nil, err
		}
		if len(items) > 0 && bytes.TrimSpace(items[0])[0] != '"' && bytes.TrimSpace(items[0])[0] != '[' {
			// An array of numbers: the bytes of a binary value.
			var bs []int
			if err := json.Unmarshal(v, &bs); err != nil {
				return nil, err
			}
			out := make([]byte, len(bs))
			for i, b := range bs {
				out[i] = byte(b)
			}
			return out, nil
		}
		if len(items) == 0 {
			return nil, nil
		}
		return fieldValue(items[len(items)-1])
	}
	return nil, fmt.Errorf("unexpected value %.40s", v)
}
