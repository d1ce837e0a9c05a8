// Package testimage makes container images for pod's end-to-end tests and
// benchmarks without any outside registry: root filesystems from the host's
// static busybox and synthetic layers, written as OCI image layouts, and a
// real Docker distribution registry (Debian's docker-registry) on loopback to
// push them to.
package testimage
