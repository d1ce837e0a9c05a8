// Command cpracer is the attacker of test/e2e/cp_security_test.go: run
// inside a container, it keeps changing the container's tree under a
// running `pod cp`, the way a hostile container process can.
//
//	cpracer exchange A B [C D ...]   swap each pair with renameat2(RENAME_EXCHANGE), forever
//	cpracer replace TARGET PATH      keep renaming a fresh symlink to TARGET over PATH
//
// It is built static (CGO_ENABLED=0) by the test and exits on SIGTERM.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

func main() {
	// One spinning thread: the race needs no more, and the machine's
	// other cores belong to the pod being raced.
	runtime.GOMAXPROCS(1)
	args := os.Args[1:]
	if len(args) < 3 || len(args)%2 == 0 {
		fmt.Fprintln(os.Stderr, "usage: cpracer exchange A B [C D ...] | cpracer replace TARGET PATH")
		os.Exit(2)
	}
	switch args[0] {
	case "exchange":
		for i := 1; i < len(args); i += 2 {
			go exchange(args[i], args[i+1])
		}
	case "replace":
		go replace(args[1], args[2])
	default:
		fmt.Fprintf(os.Stderr, "cpracer: unknown mode %q\n", args[0])
		os.Exit(2)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}

func exchange(a, b string) {
	for {
		_ = unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	}
}

func replace(target, p string) {
	tmp := p + ".racer"
	for {
		_ = os.Symlink(target, tmp)
		_ = os.Rename(tmp, p)
	}
}
