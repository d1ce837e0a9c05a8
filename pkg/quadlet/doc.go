// Package quadlet turns the Quadlet files podman-systemd.unit(5) describes
// into systemd service units that run pod: a .container file's [Container]
// keys become a `pod run` command line, its other sections are copied.
// Reading the search paths and writing the units is the generator's job
// (cmd/pod-systemd-generator); this package converts one file at a time
// and reports a bad key or value with the file and key it is in.
package quadlet
