package oci

// ExecArgs returns the full argv (argv[0] is Path) of `exec --detach` for a
// monitor to run: it starts the process described in processFile (a JSON
// specs.Process) in the running container id, writes its PID to pidFile
// and exits, leaving the process to the nearest subreaper (the monitor).
// consoleSocket is needed when the process has a terminal. As with
// CreateArgs, the runtime's errors go to its stderr for ErrorMessage.
func (r *Runtime) ExecArgs(id, processFile, pidFile, consoleSocket string) []string {
	args := append(r.globalArgs(), "exec", "--detach", "--process", processFile, "--pid-file", pidFile)
	if consoleSocket != "" {
		args = append(args, "--console-socket", consoleSocket)
	}
	return append(args, id)
}
