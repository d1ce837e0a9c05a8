package engine

// globalFlags are the options of opts that the cleanup command the monitor
// runs must get too, as the global flags that set them: a container's end
// (its events, its runtime's delete, a restart) is handled as its start was.
func (o Options) globalFlags() []string {
	var argv []string
	for _, f := range o.RuntimeFlags {
		argv = append(argv, "--runtime-flag", f)
	}
	for _, d := range o.HooksDirs {
		argv = append(argv, "--hooks-dir", d)
	}
	for _, m := range o.ConfigModules {
		argv = append(argv, "--module", m)
	}
	add := func(flag, v string) {
		if v != "" {
			argv = append(argv, flag, v)
		}
	}
	add("--events-backend", o.EventsBackend)
	add("--volumepath", o.VolumePath)
	add("--network-cmd-path", o.NetworkCmdPath)
	add("--conmon", o.MonitorPath)
	if o.Syslog {
		argv = append(argv, "--syslog")
	}
	return argv
}
