package container

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// addInteractiveFlags binds the create flags of terminals and healthchecks.
func addInteractiveFlags(fs *pflag.FlagSet, f *createFlags) {
	o := &f.opts
	fs.BoolVarP(&o.Tty, "tty", "t", false, "allocate a pseudo-terminal for the container")
	h := &o.Health
	fs.StringVar(&h.Cmd, "health-cmd", "", `healthcheck command: a shell command, a JSON array to run directly, or "none"`)
	fs.StringVar(&h.Interval, "health-interval", "30s", "time between healthchecks")
	fs.IntVar(&f.healthRetries, "health-retries", 3, "consecutive failures that make the container unhealthy")
	fs.StringVar(&h.StartPeriod, "health-start-period", "0s", "time after start during which failures do not count")
	fs.StringVar(&h.Timeout, "health-timeout", "30s", "time a healthcheck may take before it counts as failed")
	fs.StringVar(&h.OnFailure, "health-on-failure", "none", "action when the container turns unhealthy: none, kill, restart or stop")
	fs.BoolVar(&h.None, "no-healthcheck", false, "disable any healthcheck, the image's included")
}

// healthOptions keeps only the health flags the user set, so that the
// image's HEALTHCHECK values apply to the others.
func (f *createFlags) healthOptions(c *cobra.Command) {
	h := &f.opts.Health
	for name, v := range map[string]*string{"health-interval": &h.Interval, "health-start-period": &h.StartPeriod, "health-timeout": &h.Timeout} {
		if !c.Flags().Changed(name) {
			*v = ""
		}
	}
	if c.Flags().Changed("health-retries") {
		r := f.healthRetries
		h.Retries = &r
	}
}
