// Package views holds what `--format` templates and JSON output read: one
// typed view per object the CLI lists or inspects (a ps row, an images row,
// a volume, a network row), built from what the engine returns, with
// podman's and Docker's field names. Fields keep their types (a count is
// an int, a time a time.Time) so that templates print them as such; the
// CLI renders every view the same way (cmd/pod/cli.Render). The inspect
// documents of containers and images are the engine's own typed
// engine.ContainerInspect and images.ImageInspect; network inspect prints
// network.Network.
package views
