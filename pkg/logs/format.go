// Package logs reads the container log files the monitor writes, in the
// k8s-file and json-file formats, for `pod logs`.
package logs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Driver names as --log-driver takes them.
const (
	DriverK8sFile  = "k8s-file"
	DriverJSONFile = "json-file"
	DriverNone     = "none"
)

// Stream names the container output a log entry came from.
const (
	Stdout = "stdout"
	Stderr = "stderr"
)

// k8sTimeLayout is the timestamp layout of k8s-file lines (CRI's log
// format): RFC 3339 with nanoseconds, always nine digits.
const k8sTimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// entry is one line of a log file: a whole output line (Partial false) or a
// piece of a longer one that continues in the next entry of that stream.
type entry struct {
	Time    time.Time
	Stream  string
	Text    []byte // without the trailing newline
	Partial bool
}

// errBadLine marks a line that is not in the file's format; readers skip
// such lines rather than failing a whole `pod logs`.
var errBadLine = errors.New("malformed log line")

// parseFunc turns one line of a log file (without its newline) into an entry.
type parseFunc func(line []byte) (entry, error)

func parserFor(driver string) (parseFunc, error) {
	switch driver {
	case DriverK8sFile, "":
		return parseK8s, nil
	case DriverJSONFile:
		return parseJSON, nil
	case DriverNone:
		return nil, fmt.Errorf("this container is using the 'none' log driver, cannot read logs")
	}
	return nil, fmt.Errorf("unsupported log driver %q", driver)
}

// parseK8s parses `TIME STREAM TAG TEXT` where TAG is F (full line) or P
// (partial: the line goes on in the next entry).
func parseK8s(line []byte) (entry, error) {
	var e entry
	ts, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return e, errBadLine
	}
	t, err := time.Parse(time.RFC3339Nano, string(ts))
	if err != nil {
		return e, fmt.Errorf("%w: %v", errBadLine, err)
	}
	stream, rest, ok := bytes.Cut(rest, []byte{' '})
	if !ok {
		return e, errBadLine
	}
	tag, text, _ := bytes.Cut(rest, []byte{' '})
	e.Time, e.Stream, e.Text = t, string(stream), text
	switch string(tag) {
	case "F":
	case "P":
		e.Partial = true
	default:
		// CRI allows several tags separated by ':'; the first is P or F.
		e.Partial = bytes.HasPrefix(tag, []byte("P"))
	}
	return e, nil
}

type jsonLine struct {
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

// parseJSON parses Docker's json-file lines. A log string without a trailing
// newline is a partial line, as Docker writes it.
func parseJSON(line []byte) (entry, error) {
	var j jsonLine
	if err := json.Unmarshal(line, &j); err != nil {
		return entry{}, fmt.Errorf("%w: %v", errBadLine, err)
	}
	text := []byte(j.Log)
	partial := true
	if n := len(text); n > 0 && text[n-1] == '\n' {
		text, partial = text[:n-1], false
	}
	return entry{Time: j.Time, Stream: j.Stream, Text: text, Partial: partial}, nil
}

// FormatK8s renders one k8s-file line, newline included. Writers of the
// format (the monitor, tests) and this reader agree through it.
func FormatK8s(t time.Time, stream string, text []byte, partial bool) []byte {
	tag := "F"
	if partial {
		tag = "P"
	}
	b := make([]byte, 0, len(text)+64)
	b = t.AppendFormat(b, k8sTimeLayout)
	b = append(b, ' ')
	b = append(b, stream...)
	b = append(b, ' ')
	b = append(b, tag...)
	b = append(b, ' ')
	b = append(b, text...)
	return append(b, '\n')
}

// FormatJSON renders one json-file line, newline included; text carries its
// own trailing newline unless it is a partial line.
func FormatJSON(t time.Time, stream string, text []byte) ([]byte, error) {
	b, err := json.Marshal(jsonLine{Log: string(text), Stream: stream, Time: t.UTC()})
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
