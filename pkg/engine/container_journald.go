package engine

import (
	"bytes"
	"text/template"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/journal"
	"github.com/pod-engine/pod/pkg/logs"
)

// checkLogDriver refuses --log-driver journald on a host without a journal
// at create time, rather than a start that fails or logs nowhere.
func checkLogDriver(driver string) error {
	if driver == logs.DriverJournald && !journal.Available() {
		return errdefs.Unavailablef("log driver journald: this host has no systemd journal (nothing listens on %s): use k8s-file or json-file", journal.Socket)
	}
	return nil
}

// logTag is the journal tag of c: its --log-opt tag, a Go template over
// the container's ID, Name, ImageName and Image (its image ID), as podman
// expands it. A tag that does not expand is used as written.
func logTag(c *Container) string {
	tag := c.Config.LogOpts["tag"]
	if tag == "" || c.Config.LogDriver != logs.DriverJournald {
		return ""
	}
	t, err := template.New("tag").Option("missingkey=error").Parse(tag)
	if err != nil {
		return tag
	}
	var b bytes.Buffer
	data := struct{ ID, Name, ImageName, Image string }{c.ID, c.Name, c.ImageName, c.ImageID}
	if err := t.Execute(&b, data); err != nil {
		return tag
	}
	return b.String()
}
