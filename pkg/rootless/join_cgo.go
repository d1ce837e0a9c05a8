package rootless

// The constructor in join.c runs in every process that links this package.

// #cgo CFLAGS: -Wall
import "C"
