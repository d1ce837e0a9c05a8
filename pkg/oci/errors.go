package oci

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// ErrorMessage extracts the runtime's own error message from what it wrote
// on stderr: the last error of its JSON log lines (--log-format json), else
// the msg of a logrus text line, else the last non-empty line. For example
// runc's `exec: "nosuch": executable file not found in $PATH` rather than
// "exit status 1". It returns "" when stderr holds nothing.
func ErrorMessage(stderr []byte) string {
	var jsonMsg, lastLine, usage string
	s := bufio.NewScanner(bytes.NewReader(stderr))
	s.Buffer(make([]byte, 64*1024), 1024*1024)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" {
			continue
		}
		var entry struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
		}
		if strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &entry) == nil {
			if entry.Msg != "" && (entry.Level == "error" || entry.Level == "fatal" || entry.Level == "panic") {
				jsonMsg = entry.Msg
			}
			continue
		}
		// A command line the runtime refused (runc: "Incorrect Usage.
		// flag provided but not defined: -x", crun: "crun: unrecognized
		// option") comes first, before the usage text that follows it.
		if usage == "" && (strings.HasPrefix(line, "Incorrect Usage") || strings.Contains(line, "unrecognized option")) {
			usage = line
		}
		lastLine = line
	}
	if jsonMsg != "" {
		return jsonMsg
	}
	if usage != "" {
		return usage
	}
	if m, ok := logrusTextMsg(lastLine); ok {
		return m
	}
	return lastLine
}

// logrusTextMsg reads msg out of a logrus text line:
// time="..." level=error msg="the message".
func logrusTextMsg(line string) (string, bool) {
	i := strings.Index(line, " msg=")
	if !strings.HasPrefix(line, "time=") || i < 0 {
		return "", false
	}
	rest := line[i+len(" msg="):]
	if strings.HasPrefix(rest, `"`) {
		if m, err := strconv.QuotedPrefix(rest); err == nil {
			if u, err := strconv.Unquote(m); err == nil {
				return u, true
			}
		}
	}
	return rest, true
}

// ExecFailure classifies a runtime error message as Docker does:
// errdefs.ErrCommandNotFound when the command was not found,
// errdefs.ErrCannotInvoke when it could not be executed (permission denied,
// a directory, a bad binary format), nil for anything else. Only failures
// of the exec itself count: a missing bind-mount source is nil. The CLI
// maps the categories to exit codes 127 and 126.
//
// The wording is runc's (`exec: "x": executable file not found in $PATH`,
// `exec: "/x": stat /x: no such file or directory`, `exec: "/etc":
// permission denied`) and crun's ("executable file `x` not found in $PATH",
// "exec container process `/x`: No such file or directory", "open
// executable: Permission denied", or "Operation not permitted" from crun
// 1.8 on a directory).
func ExecFailure(msg string) error {
	m := strings.ToLower(msg)
	execFailed := strings.Contains(m, `exec: "`) ||
		strings.Contains(m, "exec container process") ||
		strings.Contains(m, "open executable") ||
		strings.Contains(m, "executable file")
	if !execFailed {
		return nil
	}
	switch {
	case strings.Contains(m, "executable file not found"),
		strings.Contains(m, "executable file `") && strings.Contains(m, "not found"),
		strings.Contains(m, "no such file or directory"):
		return errdefs.ErrCommandNotFound
	case strings.Contains(m, "permission denied"),
		strings.Contains(m, "operation not permitted"),
		strings.Contains(m, "is a directory"),
		strings.Contains(m, "exec format error"):
		return errdefs.ErrCannotInvoke
	}
	return nil
}
