// Package specgen turns what `pod create` and `pod run` were asked for into
// the container's configuration (ContainerConfig, stored as JSON in the
// state DB): the parsers and checks of mounts, environment, restart and log
// policies, networking, user namespaces, cgroup limits and healthchecks.
//
// It knows nothing of the engine's Runtime, of storage or of the DB: what
// a flag names outside itself (a container, a network, the user pod acts
// for) comes in through a NetResolver or a UserNSHost, so that every edge
// (the CLI, the API service) builds a config the same way and the parsers
// are tested without a runtime.
package specgen
