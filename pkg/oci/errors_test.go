package oci

import (
	"errors"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		name, stderr, want string
	}{
		{name: "runc json and plain",
			stderr: `{"level":"warning","msg":"a warning","time":"2026-11-23T02:31:07Z"}
{"level":"error","msg":"runc create failed: unable to start container process: exec: \"nosuch\": executable file not found in $PATH","time":"2026-11-23T02:31:07Z"}
runc create failed: unable to start container process: exec: "nosuch": executable file not found in $PATH
`,
			want: `runc create failed: unable to start container process: exec: "nosuch": executable file not found in $PATH`},
		{name: "crun json",
			stderr: `{"msg":"executable file ` + "`nosuch`" + ` not found in $PATH: No such file or directory","level":"error","time":"2026-11-23T02:31:09.975803Z"}` + "\n",
			want:   "executable file `nosuch` not found in $PATH: No such file or directory"},
		{name: "logrus text",
			stderr: `time="2026-11-23T02:31:07Z" level=error msg="container \"x\" does not exist"` + "\n",
			want:   `container "x" does not exist`},
		{name: "runc usage", stderr: "Incorrect Usage. flag provided but not defined: -nosuch\n\nNAME:\n   runc - Open Container Initiative runtime\n   --version, -v       print the version\n",
			want: "Incorrect Usage. flag provided but not defined: -nosuch"},
		{name: "crun usage", stderr: "crun: unrecognized option '--nosuch'\nTry `crun --help' or `crun --usage' for more information.\n",
			want: "crun: unrecognized option '--nosuch'"},
		{name: "plain lines", stderr: "first\n\nlast line\n\n", want: "last line"},
		{name: "only warnings", stderr: `{"level":"warning","msg":"w"}` + "\n", want: ""},
		{name: "empty", stderr: "", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ErrorMessage([]byte(tc.stderr)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestExecFailure(t *testing.T) {
	tests := []struct {
		msg  string
		want error
	}{
		{`runc create failed: unable to start container process: exec: "nosuch": executable file not found in $PATH`, errdefs.ErrCommandNotFound},
		{`runc create failed: unable to start container process: exec: "/nosuch": stat /nosuch: no such file or directory`, errdefs.ErrCommandNotFound},
		{"executable file `nosuch` not found in $PATH: No such file or directory", errdefs.ErrCommandNotFound},
		{"exec container process `/nosuch`: No such file or directory", errdefs.ErrCommandNotFound},
		{`runc create failed: unable to start container process: exec: "/etc/passwd": permission denied`, errdefs.ErrCannotInvoke},
		{`exec: "/etc": is a directory`, errdefs.ErrCannotInvoke},
		{"open executable: Permission denied", errdefs.ErrCannotInvoke},
		// crun 1.8.1 (Debian 12) on a directory as the command.
		{"open executable: Operation not permitted", errdefs.ErrCannotInvoke},
		{"exec container process `/bin/x`: Exec format error", errdefs.ErrCannotInvoke},
		{`runc create failed: unable to start container init: error mounting "/nosuch" to rootfs at "/data": stat /nosuch: no such file or directory`, nil},
		{"cgroups in hybrid mode not supported, drop all controllers from cgroupv2", nil},
		{"", nil},
	}
	for _, tc := range tests {
		t.Run(tc.msg, func(t *testing.T) {
			if got := ExecFailure(tc.msg); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseSignal(t *testing.T) {
	tests := []struct {
		in   string
		want unix.Signal
		err  bool
	}{
		{in: "TERM", want: unix.SIGTERM},
		{in: "SIGTERM", want: unix.SIGTERM},
		{in: "sigkill", want: unix.SIGKILL},
		{in: "hup", want: unix.SIGHUP},
		{in: "15", want: unix.SIGTERM},
		{in: "9", want: unix.SIGKILL},
		{in: "64", want: unix.Signal(64)},
		{in: "RTMIN", want: unix.Signal(34)},
		{in: "SIGRTMIN+3", want: unix.Signal(37)},
		{in: "rtmax-1", want: unix.Signal(63)},
		{in: "0", err: true},
		{in: "65", err: true},
		{in: "-1", err: true},
		{in: "NOPE", err: true},
		{in: "", err: true},
		{in: "RTMIN-1", err: true},
		{in: "RTMAX+1", err: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSignal(tc.in)
			if tc.err {
				if !errors.Is(err, errdefs.ErrInvalidArg) {
					t.Fatalf("got %v, %v; want an invalid-argument error", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestCreateArgs(t *testing.T) {
	r := New("/usr/bin/runc", "/run/pod/runc")
	if r.Name() != "runc" {
		t.Errorf("name %q", r.Name())
	}
	got := r.CreateArgs("c1", "/b", "/b/pid", "")
	want := []string{"/usr/bin/runc", "--root", "/run/pod/runc", "--log-format", "json", "create", "--bundle", "/b", "--pid-file", "/b/pid", "c1"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	got = r.CreateArgs("c1", "/b", "/b/pid", "/b/console.sock")
	if !slices.Contains(got, "--console-socket") || got[len(got)-1] != "c1" || got[len(got)-2] != "/b/console.sock" {
		t.Errorf("with a terminal: %q", got)
	}
}
