// Package version holds pod's version, set at build time by the Makefile.
package version

// Set with -ldflags "-X github.com/pod-engine/pod/pkg/version.Version=..." .
var (
	Version    = "0.1.0-dev"
	APIVersion = "1.41"
	GitCommit  = "unknown"
	BuildDate  = "unknown"
)
