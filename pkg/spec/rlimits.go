package spec

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/docker/go-units"
	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Unlimited is the Ulimit value meaning no limit (RLIM_INFINITY; "-1" in
// --ulimit).
const Unlimited = math.MaxUint64

// Ulimit is one resource limit. Name is the lower-case kernel name without
// the RLIMIT_ prefix: "nofile", "nproc", ...
type Ulimit struct {
	Name       string
	Soft, Hard uint64
}

// rlimitNames maps Docker's --ulimit names to the kernel's resources.
var rlimitNames = map[string]int{
	"core": unix.RLIMIT_CORE, "cpu": unix.RLIMIT_CPU, "data": unix.RLIMIT_DATA,
	"fsize": unix.RLIMIT_FSIZE, "locks": unix.RLIMIT_LOCKS, "memlock": unix.RLIMIT_MEMLOCK,
	"msgqueue": unix.RLIMIT_MSGQUEUE, "nice": unix.RLIMIT_NICE, "nofile": unix.RLIMIT_NOFILE,
	"nproc": unix.RLIMIT_NPROC, "rss": unix.RLIMIT_RSS, "rtprio": unix.RLIMIT_RTPRIO,
	"rttime": unix.RLIMIT_RTTIME, "sigpending": unix.RLIMIT_SIGPENDING, "stack": unix.RLIMIT_STACK,
}

// defaultLimits are the ceilings the container gets for open files and
// processes when --ulimit does not say (podman's values), never more than
// the engine's own hard limit, since the kernel refuses to raise a hard
// limit without CAP_SYS_RESOURCE.
var defaultLimits = []struct {
	name     string
	resource int
	max      uint64
}{
	{"nofile", unix.RLIMIT_NOFILE, 1 << 20},
	{"nproc", unix.RLIMIT_NPROC, 4194304},
}

// ParseUlimit parses Docker's --ulimit syntax with go-units, as Docker
// does: "nofile=1024:2048", "nproc=512" (soft = hard), with -1 meaning
// unlimited. An error wraps errdefs.ErrInvalidArg and is the library's
// wording; the caller names the flag and value.
func ParseUlimit(s string) (Ulimit, error) {
	u, err := units.ParseUlimit(s)
	if ne := (*strconv.NumError)(nil); errors.As(err, &ne) {
		// go-units passes strconv's error on bare ("strconv.ParseInt:
		// parsing ..."); say which part is wrong instead.
		return Ulimit{}, errdefs.InvalidArgumentf("limit %q is not a number", ne.Num)
	}
	if err != nil {
		return Ulimit{}, errdefs.InvalidArgument(err)
	}
	// go-units takes any negative number; only -1 (RLIM_INFINITY) means
	// something to the kernel.
	limit := func(v int64) (uint64, error) {
		switch {
		case v == -1:
			return Unlimited, nil
		case v < 0:
			return 0, errdefs.InvalidArgumentf("negative limit %d (-1 is unlimited)", v)
		}
		return uint64(v), nil
	}
	soft, err := limit(u.Soft)
	if err != nil {
		return Ulimit{}, err
	}
	hard, err := limit(u.Hard)
	if err != nil {
		return Ulimit{}, err
	}
	return Ulimit{Name: u.Name, Soft: soft, Hard: hard}, nil
}

// String formats u in --ulimit syntax.
func (u Ulimit) String() string {
	f := func(v uint64) string {
		if v == Unlimited {
			return "-1"
		}
		return fmt.Sprint(v)
	}
	return u.Name + "=" + f(u.Soft) + ":" + f(u.Hard)
}

// rlimits returns the explicit ulimits as asked, plus the defaults for the
// resources they do not name.
func rlimits(explicit []Ulimit) ([]specs.POSIXRlimit, error) {
	var out []specs.POSIXRlimit
	set := map[string]bool{}
	for _, u := range explicit {
		name := strings.ToLower(strings.TrimPrefix(strings.ToUpper(u.Name), "RLIMIT_"))
		if _, ok := rlimitNames[name]; !ok {
			return nil, errdefs.InvalidArgumentf("invalid ulimit type: %s", u.Name)
		}
		if u.Soft > u.Hard {
			return nil, errdefs.InvalidArgumentf("ulimit %s: soft limit %d above hard limit %d", name, u.Soft, u.Hard)
		}
		if set[name] {
			// A later --ulimit for the same resource wins, as in Docker.
			for i := range out {
				if out[i].Type == rlimitType(name) {
					out[i].Soft, out[i].Hard = u.Soft, u.Hard
				}
			}
			continue
		}
		set[name] = true
		out = append(out, specs.POSIXRlimit{Type: rlimitType(name), Soft: u.Soft, Hard: u.Hard})
	}
	for _, d := range defaultLimits {
		if set[d.name] {
			continue
		}
		var own unix.Rlimit
		if err := unix.Getrlimit(d.resource, &own); err != nil {
			continue // leave it to the runtime's inherited limit
		}
		v := min(d.max, own.Max)
		out = append(out, specs.POSIXRlimit{Type: rlimitType(d.name), Soft: v, Hard: v})
	}
	return out, nil
}

// ClampRlimits lowers each of p's limits to this process's own hard limit
// where that is lower. A plain user cannot raise a hard limit (that takes
// CAP_SYS_RESOURCE in the initial user namespace), and the runtime would
// fail with EPERM: an exec run from a shell with lower limits than the one
// that created the container (a login session's 524288 open files, then
// a cron job's or su's 4096) gets what it can have.
func ClampRlimits(p *specs.Process) {
	for i, l := range p.Rlimits {
		res, ok := rlimitNames[strings.ToLower(strings.TrimPrefix(l.Type, "RLIMIT_"))]
		if !ok {
			continue
		}
		var own unix.Rlimit
		if err := unix.Getrlimit(res, &own); err != nil {
			continue
		}
		if l.Hard > own.Max {
			p.Rlimits[i].Hard = own.Max
		}
		if p.Rlimits[i].Soft > p.Rlimits[i].Hard {
			p.Rlimits[i].Soft = p.Rlimits[i].Hard
		}
	}
}

func rlimitType(name string) string { return "RLIMIT_" + strings.ToUpper(name) }
