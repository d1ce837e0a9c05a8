// Package systemdgen writes systemd service units that run pod containers,
// as podman-generate-systemd(1) lays them out: without New the unit starts
// and stops an existing container and systemd watches its monitor through
// a PID file (Type=forking); with New the unit creates the container on
// start from the command line that created it, removes it on stop, and the
// monitor reports MAINPID and READY=1 over sd_notify (Type=notify).
// A pod gets a unit of its own, watching its infra container's monitor,
// bound to one unit per other container (GeneratePod).
//
// It knows nothing of the engine: the caller describes the container
// (Container) and how pod's command-line flags take values (FlagInfo).
package systemdgen
