package engine

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pod-engine/pod/pkg/journal"
	"github.com/pod-engine/pod/pkg/state"
)

// Events in the journal (events_logger = "journald") carry podman's
// fields, so that journalctl PODMAN_EVENT=start and tools written for
// podman's journal events read pod's too. SYSLOG_IDENTIFIER is pod's own
// name: the field names the program that logged, and `pod events` must not
// read podman's events as its own.
const (
	eventsIdentifier = "pod"
	eventsBackendJD  = "journald"
	// journalPoll is how often a streaming `pod events` asks the journal
	// for new entries.
	journalPoll = 250 * time.Millisecond
)

// journalEvent writes e to the journal.
func journalEvent(e *state.Event) error {
	f := map[string]string{
		"SYSLOG_IDENTIFIER": eventsIdentifier,
		"PODMAN_EVENT":      e.Action,
		"PODMAN_TYPE":       e.Type,
		"PODMAN_TIME":       e.Time.Format(time.RFC3339Nano),
	}
	put := func(k, v string) {
		if v != "" {
			f[k] = v
		}
	}
	put("PODMAN_ID", e.ActorID)
	put("PODMAN_NAME", e.Name)
	put("PODMAN_IMAGE", e.Image)
	put("PODMAN_NETWORK_NAME", e.Network)
	if e.ExitCode != nil {
		f["PODMAN_EXIT_CODE"] = strconv.Itoa(*e.ExitCode)
	}
	if len(e.Attributes) > 0 {
		b, err := json.Marshal(e.Attributes)
		if err != nil {
			return err
		}
		f["PODMAN_LABELS"] = string(b)
	}
	return journal.Send(eventMessage(e), journal.PriInfo, f)
}

// eventMessage is the entry's MESSAGE, as `pod events` prints an event:
// "TYPE ACTION ID (key=value, ...)".
func eventMessage(e *state.Event) string {
	var b strings.Builder
	b.WriteString(e.Type + " " + e.Action + " " + e.ActorID)
	keys := make([]string, 0, len(e.Attributes))
	for k := range e.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(k + "=" + e.Attributes[k])
	}
	if len(keys) > 0 {
		b.WriteString(")")
	}
	return b.String()
}

// eventFromJournal reads back what journalEvent wrote.
func eventFromJournal(j *journal.Entry) *Event {
	e := &Event{
		ID: j.Field("PODMAN_ID"), Image: j.Field("PODMAN_IMAGE"), Name: j.Field("PODMAN_NAME"),
		Network: j.Field("PODMAN_NETWORK_NAME"), Status: j.Field("PODMAN_EVENT"), Type: j.Field("PODMAN_TYPE"),
		Time: j.Time,
	}
	if t, err := time.Parse(time.RFC3339Nano, j.Field("PODMAN_TIME")); err == nil {
		e.Time = t
	}
	e.TimeNano = e.Time.UnixNano()
	if s := j.Field("PODMAN_EXIT_CODE"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			e.ContainerExitCode = &n
		}
	}
	if s := j.Field("PODMAN_LABELS"); s != "" {
		_ = json.Unmarshal([]byte(s), &e.Attributes) // a foreign entry's bad labels: none
	}
	return e
}

// journalEvents is Events over the journal: the entries pod wrote, as
// journalctl shows them to this user, then, with Stream, new ones as they
// come (asked for every journalPoll).
func (r *Runtime) journalEvents(ctx context.Context, o EventsOptions, match func(*Event) bool, fn func(*Event) error) error {
	q := journal.Query{Matches: []string{"SYSLOG_IDENTIFIER=" + eventsIdentifier}, Since: o.Since, Until: o.Until}
	if o.Stream && o.Since.IsZero() {
		q.Since = time.Now() // only what happens from now on, as the file backend
	}
	for {
		err := journal.Read(ctx, q, func(j *journal.Entry) error {
			q.AfterCursor = j.Cursor
			if j.Field("PODMAN_EVENT") == "" {
				return nil // pod's own other messages, if any
			}
			e := eventFromJournal(j)
			if !match(e) {
				return nil
			}
			return fn(e)
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if !o.Stream || (!o.Until.IsZero() && time.Now().After(o.Until)) {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(journalPoll):
		}
	}
}
