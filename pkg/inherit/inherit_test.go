package inherit

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// childEnv makes the test binary report what Take found, as pod's main
// would see it, instead of running the tests.
const childEnv = "INHERIT_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		report()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// report prints, one fact a line: the activation's sockets and the
// environment it gives a container, whether LISTEN_* is still in the
// environment, whether descriptors 3 and 4 are close-on-exec, and what
// Range(2) says.
func report() {
	s := Take()
	if a := s.Activation(); a != nil {
		fmt.Printf("activation %d %s\n", len(a.Files), strings.Join(a.Env(), " "))
	} else {
		fmt.Println("activation none")
	}
	_, set := os.LookupEnv("LISTEN_FDS")
	fmt.Printf("env left %v\n", set)
	for _, fd := range []int{3, 4} {
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		fmt.Printf("fd %d cloexec %v\n", fd, err == nil && flags&unix.FD_CLOEXEC != 0)
	}
	if _, err := s.Range(2); err != nil {
		fmt.Println("range", err)
	} else {
		fmt.Println("range ok")
	}
	s.Restore()
	flags, _ := unix.FcntlInt(3, unix.F_GETFD, 0)
	fmt.Printf("restored %v %s\n", flags&unix.FD_CLOEXEC == 0, os.Getenv("LISTEN_FDS"))
}

// child runs the test binary with files at 3 and up and env; sh sets
// LISTEN_PID to the PID that exec keeps when pid is "self".
func child(t *testing.T, files int, pid string, env ...string) string {
	t.Helper()
	var extra []*os.File
	for i := 0; i < files; i++ {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		defer w.Close()
		extra = append(extra, r)
	}
	script := `exec "$0"`
	if pid == "self" {
		script = `LISTEN_PID=$$ exec "$0"`
	} else if pid != "" {
		env = append(env, "LISTEN_PID="+pid)
	}
	cmd := exec.Command("sh", "-c", script, os.Args[0])
	cmd.Env = append(append(os.Environ(), childEnv+"=1"), env...)
	cmd.ExtraFiles = extra
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	return out.String()
}

func TestTake(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files int
		pid   string
		env   []string
		want  []string
	}{
		{"activated, named", 2, "self", []string{"LISTEN_FDS=2", "LISTEN_FDNAMES=web:admin"}, []string{
			"activation 2 LISTEN_FDS=2 LISTEN_PID=1 LISTEN_FDNAMES=web:admin", "env left false",
			"fd 3 cloexec true", "fd 4 cloexec true", "range ok", "restored true 2"}},
		{"activated, unnamed", 1, "self", []string{"LISTEN_FDS=1"}, []string{
			"activation 1 LISTEN_FDS=1 LISTEN_PID=1\n"}},
		{"addressed to another process", 1, "1", []string{"LISTEN_FDS=1"}, []string{
			"activation none", "env left false", "fd 3 cloexec true"}},
		{"more sockets than descriptors", 1, "self", []string{"LISTEN_FDS=2"}, []string{"activation none"}},
		{"plain descriptors", 1, "", nil, []string{
			"activation none", "fd 3 cloexec true", "range --preserve-fds 2: file descriptor 4 is not open in pod"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := child(t, tc.files, tc.pid, tc.env...)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("want %q in:\n%s", w, got)
				}
			}
		})
	}
}
