package logs

import (
	"context"
	"io"
	"time"

	"github.com/pod-engine/pod/pkg/journal"
)

// DriverJournald is the driver whose log is the systemd journal.
const DriverJournald = "journald"

// journalSettle is how long a follow that saw the container stop waits
// before its last read: journald takes datagrams in asynchronously, so the
// monitor's last lines may reach the journal files a moment after it exited.
const journalSettle = 250 * time.Millisecond

// ReadJournal prints the journal entries of the container id (its
// CONTAINER_ID_FULL field, as the monitor writes it) as Read prints a file:
// PRIORITY 3 entries to stderr, the others to stdout, pieces marked
// CONTAINER_PARTIAL_MESSAGE=true joined. A follow asks journalctl again
// every PollInterval (default 250ms) for what came after the last entry.
func ReadJournal(ctx context.Context, id string, opts Options, stdout, stderr io.Writer) error {
	if opts.PollInterval <= 0 {
		opts.PollInterval = 250 * time.Millisecond
	}
	j := &journalSource{
		ctx:       ctx,
		q:         journal.Query{Matches: []string{"CONTAINER_ID_FULL=" + id}, Since: opts.Since, Until: opts.Until},
		follow:    opts.Follow,
		assembler: assembler{pending: map[string]*Line{}},
	}
	return read(ctx, j, opts, stdout, stderr)
}

type journalSource struct {
	ctx    context.Context
	q      journal.Query
	follow bool
	assembler
}

func (j *journalSource) readAvailable(emit func(Line) error) error {
	return journal.Read(j.ctx, j.q, func(e *journal.Entry) error {
		j.q.AfterCursor = e.Cursor
		stream := Stdout
		if e.Field("PRIORITY") == "3" {
			stream = Stderr
		}
		return j.add(entry{
			Time:    e.Time,
			Stream:  stream,
			Text:    e.Fields["MESSAGE"],
			Partial: e.Field("CONTAINER_PARTIAL_MESSAGE") == "true",
		}, emit)
	})
}

func (j *journalSource) flush(emit func(Line) error) error {
	if j.follow {
		select {
		case <-j.ctx.Done():
			return j.ctx.Err()
		case <-time.After(journalSettle):
		}
		if err := j.readAvailable(emit); err != nil {
			return err
		}
	}
	return j.assembler.flush(emit)
}
