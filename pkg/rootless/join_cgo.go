package rootless

// The constructor in join.c runs in every process that links this package.

// #cgo CFLAGS: -Wall
// #include <stdlib.h>
import "C"

import (
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// JoinSpan returns when the constructor's join of the pause process's
// namespaces began and ended, if it joined them in this process, for pod
// --timings. The constructor's setenv is in libc's environment, which Go's
// os.Getenv does not read; JoinSpan removes it so that no child inherits
// it.
func JoinSpan() (began, joined time.Time, ok bool) {
	name := C.CString("_POD_JOIN_SPAN")
	defer C.free(unsafe.Pointer(name))
	v := C.getenv(name)
	if v == nil {
		return time.Time{}, time.Time{}, false
	}
	a, b, found := strings.Cut(C.GoString(v), ",")
	C.unsetenv(name)
	if !found {
		return time.Time{}, time.Time{}, false
	}
	x, err1 := strconv.ParseInt(a, 10, 64)
	y, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || x <= 0 || y < x {
		return time.Time{}, time.Time{}, false
	}
	return time.Unix(0, x), time.Unix(0, y), true
}
