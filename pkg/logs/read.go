package logs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// Options select what Read prints.
type Options struct {
	// Follow keeps reading as the file grows, until Done reports true and
	// the file has been read to its end, Until has passed, or ctx ends.
	Follow bool
	// Tail prints only the last Tail lines present when Read starts (then
	// follows from there); negative means every line.
	Tail int
	// Since and Until bound the lines printed by their timestamps; zero
	// values do not bound.
	Since, Until time.Time
	// Timestamps prefixes each line with its time (RFC 3339, nanoseconds).
	Timestamps bool
	// Done reports whether the writer of the log has finished for good
	// (the container exited and its monitor closed the log). nil means the
	// log never finishes, so only ctx or Until end a follow.
	Done func() bool
	// PollInterval is how often a follow looks for new data; zero means
	// 100ms. Polling a stat is cheap and works on every file system.
	PollInterval time.Duration
}

// Line is one output line of the container, reassembled from partial
// entries. Partial is set for a last line the container never finished.
type Line struct {
	Time    time.Time
	Stream  string
	Text    []byte
	Partial bool
}

// Read prints the log at path, written with driver (k8s-file or json-file),
// to stdout and stderr by the stream each line came from. A log file that
// does not exist yet is an empty log (the container has not started).
func Read(ctx context.Context, path, driver string, opts Options, stdout, stderr io.Writer) error {
	parse, err := parserFor(driver)
	if err != nil {
		return err
	}
	r := &reader{path: path, parse: parse, assembler: assembler{pending: map[string]*Line{}}}
	defer r.close()
	return read(ctx, r, opts, stdout, stderr)
}

// source is where a log's entries come from: a file, or the journal.
type source interface {
	// readAvailable passes each line completed by what is there now to
	// emit.
	readAvailable(emit func(Line) error) error
	// flush ends the log, passing on lines never completed.
	flush(emit func(Line) error) error
}

func read(ctx context.Context, r source, opts Options, stdout, stderr io.Writer) error {
	w := &printer{opts: opts, stdout: stdout, stderr: stderr}

	emit := w.print
	var ring *lineRing
	if opts.Tail >= 0 {
		ring = &lineRing{max: opts.Tail}
		emit = ring.add
	}
	keep := func(l Line) error {
		if !opts.Since.IsZero() && l.Time.Before(opts.Since) {
			return nil
		}
		if !opts.Until.IsZero() && l.Time.After(opts.Until) {
			return nil
		}
		return emit(l)
	}

	finished := func() bool { return opts.Done != nil && opts.Done() }
	done := !opts.Follow || finished()
	if err := r.readAvailable(keep); err != nil {
		return err
	}
	if done {
		if err := r.flush(keep); err != nil {
			return err
		}
	}
	if ring != nil {
		for _, l := range ring.lines() {
			if err := w.print(l); err != nil {
				return err
			}
		}
		emit = w.print
	}
	if done {
		return nil
	}

	interval := opts.PollInterval
	if interval <= 0 {
		interval = 100 * time.Millisecond
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		// Ask before reading: whatever the writer wrote before it finished
		// is then in the file when we read to its end.
		last := finished() || (!opts.Until.IsZero() && time.Now().After(opts.Until))
		if err := r.readAvailable(keep); err != nil {
			return err
		}
		if last {
			return r.flush(keep)
		}
	}
}

// reader consumes a log file line by line, remembering where it stopped
// and the partial lines it has not seen the end of.
type reader struct {
	path   string
	parse  parseFunc
	f      *os.File
	offset int64
	buf    []byte // bytes after the last complete line in the file
	assembler
}

// assembler joins partial entries into lines.
type assembler struct {
	pending map[string]*Line // per stream, an output line still being assembled
	order   []string         // streams with pending lines, oldest first
}

func (r *reader) close() {
	if r.f != nil {
		r.f.Close()
	}
}

// readAvailable reads what the file holds now and passes each completed
// line to emit.
func (r *reader) readAvailable(emit func(Line) error) error {
	if r.f == nil {
		f, err := os.Open(r.path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("open log: %w", err)
		}
		r.f = f
	}
	if fi, err := r.f.Stat(); err == nil && fi.Size() < r.offset {
		// Truncated under us: start again from the top.
		if _, err := r.f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("read log: %w", err)
		}
		r.offset, r.buf = 0, r.buf[:0]
	}
	chunk := make([]byte, 64*1024)
	for {
		n, err := r.f.Read(chunk)
		r.offset += int64(n)
		r.buf = append(r.buf, chunk[:n]...)
		if perr := r.consumeLines(emit); perr != nil {
			return perr
		}
		if errors.Is(err, io.EOF) || n == 0 {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read log: %w", err)
		}
	}
}

func (r *reader) consumeLines(emit func(Line) error) error {
	start := 0
	for {
		i := bytes.IndexByte(r.buf[start:], '\n')
		if i < 0 {
			break
		}
		if err := r.entry(r.buf[start:start+i], emit); err != nil {
			return err
		}
		start += i + 1
	}
	r.buf = append(r.buf[:0], r.buf[start:]...)
	return nil
}

func (r *reader) entry(raw []byte, emit func(Line) error) error {
	if len(raw) == 0 {
		return nil
	}
	e, err := r.parse(raw)
	if err != nil {
		return nil // a torn or foreign line: skip it, keep the rest
	}
	return r.add(e, emit)
}

// add takes one entry: a whole line is emitted, a partial one kept until
// the entry that ends it.
func (r *assembler) add(e entry, emit func(Line) error) error {
	p := r.pending[e.Stream]
	if p == nil && e.Partial {
		p = &Line{Time: e.Time, Stream: e.Stream}
		r.pending[e.Stream] = p
		r.order = append(r.order, e.Stream)
	}
	if p == nil {
		return emit(Line{Time: e.Time, Stream: e.Stream, Text: append([]byte(nil), e.Text...)})
	}
	p.Text = append(p.Text, e.Text...)
	if e.Partial {
		return nil
	}
	delete(r.pending, e.Stream)
	r.dropOrder(e.Stream)
	return emit(*p)
}

func (r *assembler) dropOrder(stream string) {
	for i, s := range r.order {
		if s == stream {
			r.order = append(r.order[:i], r.order[i+1:]...)
			return
		}
	}
}

// flush ends the log: a last line without its newline (a writer that died
// mid-line) is parsed, and partial lines are printed as they are.
func (r *reader) flush(emit func(Line) error) error {
	if len(r.buf) > 0 {
		raw := r.buf
		r.buf = nil
		if err := r.entry(raw, emit); err != nil {
			return err
		}
	}
	return r.assembler.flush(emit)
}

// flush emits the lines never completed, marked partial.
func (r *assembler) flush(emit func(Line) error) error {
	for _, s := range r.order {
		p := r.pending[s]
		p.Partial = true
		if err := emit(*p); err != nil {
			return err
		}
		delete(r.pending, s)
	}
	r.order = nil
	return nil
}

// lineRing keeps the last max lines passed to add.
type lineRing struct {
	max  int
	buf  []Line
	next int
	full bool
}

func (q *lineRing) add(l Line) error {
	if q.max == 0 {
		return nil
	}
	if len(q.buf) < q.max {
		q.buf = append(q.buf, l)
		return nil
	}
	q.buf[q.next] = l
	q.next = (q.next + 1) % q.max
	q.full = true
	return nil
}

func (q *lineRing) lines() []Line {
	if !q.full {
		return q.buf
	}
	return append(append([]Line(nil), q.buf[q.next:]...), q.buf[:q.next]...)
}

// printer writes lines to the stream they came from.
type printer struct {
	opts           Options
	stdout, stderr io.Writer
	out            []byte
}

func (p *printer) print(l Line) error {
	w := p.stdout
	if l.Stream == Stderr {
		w = p.stderr
	}
	b := p.out[:0]
	if p.opts.Timestamps {
		b = l.Time.AppendFormat(b, time.RFC3339Nano)
		b = append(b, ' ')
	}
	b = append(b, l.Text...)
	if !l.Partial {
		b = append(b, '\n')
	}
	p.out = b
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write log line: %w", err)
	}
	return nil
}
