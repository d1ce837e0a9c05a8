package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
)

// startProfile writes a CPU profile of this command to the file named by
// POD_CPUPROFILE ("%p" in it becomes the PID, so that many runs can be
// profiled and merged: go tool pprof -top bin/pod prof.*), to find where a
// command's time goes (bench/README.md). It returns the function that ends
// the profile; without the variable it does nothing.
func startProfile() func() {
	path := os.Getenv("POD_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	path = strings.ReplaceAll(path, "%p", strconv.Itoa(os.Getpid()))
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "POD_CPUPROFILE: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(os.Stderr, "POD_CPUPROFILE: %v\n", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
