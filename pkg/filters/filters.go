// Package filters is the one --filter engine of pod: it parses KEY=VALUE
// arguments into Docker's typed set (api/types/filters.Args), checks the
// keys a command accepts, and holds the matchers every command shares:
// labels, ID prefixes, name patterns, booleans, and creation-time windows
// (before=/since= an object, until= a time), plus the one parser of
// --since/--until/until= times.
//
// The rule is Docker's: values of one key are alternatives (any may
// match), different keys must all match; label= and label!= are the
// exception, as in Docker: every one must hold.
package filters

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	dfilters "github.com/docker/docker/api/types/filters"
	timetypes "github.com/docker/docker/api/types/time"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Args are parsed filters: a set of values per key. "label!=K" is key
// "label!" with value "K".
type Args = dfilters.Args

// Parse reads --filter arguments. Every one must be KEY=VALUE with a
// non-empty value and a KEY among valid; otherwise the error (an
// errdefs.ErrInvalidArg) names the argument and lists the valid keys.
func Parse(in []string, valid ...string) (Args, error) {
	args := dfilters.NewArgs()
	for _, f := range in {
		key, value, ok := strings.Cut(f, "=")
		if !ok || value == "" {
			return args, errdefs.InvalidArgumentf("invalid filter %q: want KEY=VALUE", f)
		}
		if !slices.Contains(valid, key) {
			return args, errdefs.InvalidArgumentf("invalid filter %q: unknown key %q (valid filters: %s)", f, key, strings.Join(valid, ", "))
		}
		args.Add(key, value)
	}
	return args, nil
}

// Values returns key's values sorted, so that errors and lookups are
// deterministic (Args holds a set).
func Values(args Args, key string) []string {
	v := args.Get(key)
	slices.Sort(v)
	return v
}

// Invalid is the error for a bad value of a known key.
func Invalid(key, value string, format string, a ...any) error {
	return errdefs.InvalidArgumentf("invalid filter %q: %s", key+"="+value, fmt.Sprintf(format, a...))
}

// MatchAny reports whether match holds for any value of key, or key is
// not filtered on at all.
func MatchAny(args Args, key string, match func(value string) bool) bool {
	if !args.Contains(key) {
		return true
	}
	return slices.ContainsFunc(args.Get(key), match)
}

// MatchLabels reports whether labels hold every label=KEY[=VALUE] and
// none of the label!=KEY[=VALUE] filters.
func MatchLabels(args Args, labels map[string]string) bool {
	for _, f := range args.Get("label") {
		if !MatchKV(f, labels) {
			return false
		}
	}
	for _, f := range args.Get("label!") {
		if MatchKV(f, labels) {
			return false
		}
	}
	return true
}

// MatchKV reports whether m holds spec, "KEY" (any value) or "KEY=VALUE".
func MatchKV(spec string, m map[string]string) bool {
	k, v, hasValue := strings.Cut(spec, "=")
	got, ok := m[k]
	return ok && (!hasValue || got == v)
}

// HasLabels reports whether any label filter is set (label values may be
// costly to read).
func HasLabels(args Args) bool {
	return args.Contains("label") || args.Contains("label!")
}

// CheckLabels refuses label filters without a key ("label==x").
func CheckLabels(args Args) error {
	for _, key := range []string{"label", "label!"} {
		for _, v := range Values(args, key) {
			if k, _, _ := strings.Cut(v, "="); k == "" {
				return Invalid(key, v, "no label key")
			}
		}
	}
	return nil
}

// MatchIDPrefix reports whether id starts with any value of key (a
// "sha256:" on either side is ignored), or key is not filtered on.
func MatchIDPrefix(args Args, key, id string) bool {
	id = strings.TrimPrefix(id, "sha256:")
	return MatchAny(args, key, func(p string) bool {
		return strings.HasPrefix(id, strings.TrimPrefix(p, "sha256:"))
	})
}

// Regexps compiles the values of key (name=, which podman and Docker match
// as a regular expression anywhere in the name).
func Regexps(args Args, key string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, v := range Values(args, key) {
		re, err := regexp.Compile(v)
		if err != nil {
			return nil, Invalid(key, v, "%v", err)
		}
		out = append(out, re)
	}
	return out, nil
}

// MatchRegexps reports whether s matches any of res, or res is empty.
func MatchRegexps(res []*regexp.Regexp, s string) bool {
	return len(res) == 0 || slices.ContainsFunc(res, func(re *regexp.Regexp) bool { return re.MatchString(s) })
}

// Bool reads a boolean key (dangling=): set is false when the key is
// absent. true/1 and false/0 are accepted; both at once is an error, as in
// Docker.
func Bool(args Args, key string) (value, set bool, err error) {
	if !args.Contains(key) {
		return false, false, nil
	}
	value, err = args.GetBoolOrDefault(key, false)
	if err != nil {
		return false, false, errdefs.InvalidArgumentf("invalid filter %q: want %s=true or %s=false", key+"="+strings.Join(Values(args, key), ","), key, key)
	}
	return value, true, nil
}

// ParseTime reads a time as Docker's --since/--until and until= take it
// (api/types/time.GetTimestamp): a Go duration counts back from now
// ("10m", "1h30m"); a Unix time with an optional fraction
// ("1700000000.5"); or an RFC 3339 time, whole or cut short
// ("2024-01-02T15:04:05Z", "2024-01-02T15:04", "2024-01-02"), in now's
// time zone (local time, for time.Now()) unless it names one.
func ParseTime(value string, now time.Time) (time.Time, error) {
	bad := func() (time.Time, error) {
		return time.Time{}, errdefs.InvalidArgumentf("invalid time %q: use a duration (10m), a Unix time or an RFC 3339 timestamp", value)
	}
	if value == "" {
		return bad()
	}
	ts, err := timetypes.GetTimestamp(value, now)
	if err != nil {
		return bad()
	}
	sec, nsec, err := timetypes.ParseTimestamps(ts, 0)
	if err != nil {
		return bad()
	}
	return time.Unix(sec, nsec), nil
}

// Window is the creation times a filter set lets through: before Before
// and after After, where set.
type Window struct {
	Before, After time.Time
}

// Contains reports whether t is inside w.
func (w Window) Contains(t time.Time) bool {
	return (w.Before.IsZero() || t.Before(w.Before)) && (w.After.IsZero() || t.After(w.After))
}

// Created reads the creation-time filters of args into a Window:
// until=TIME (see ParseTime, relative to now), and before=OBJECT and
// since=OBJECT, whose creation time created looks up (nil when the command
// takes neither). Several values of one key are alternatives, so the
// widest wins: before the latest, since the earliest, until the latest.
func Created(args Args, now time.Time, created func(ref string) (time.Time, error)) (Window, error) {
	var w Window
	until, err := Until(args, now)
	if err != nil {
		return w, err
	}
	for _, key := range []string{"before", "since"} {
		for _, ref := range Values(args, key) {
			if created == nil {
				return w, errdefs.InvalidArgumentf("invalid filter %q", key+"="+ref)
			}
			t, err := created(ref)
			if err != nil {
				return w, fmt.Errorf("filter %s=%s: %w", key, ref, err)
			}
			switch {
			case key == "before" && t.After(w.Before):
				w.Before = t
			case key == "since" && (w.After.IsZero() || t.Before(w.After)):
				w.After = t
			}
		}
	}
	if !until.IsZero() && (w.Before.IsZero() || until.Before(w.Before)) {
		w.Before = until // before= and until= are different keys: both hold
	}
	return w, nil
}

// Until reads the until= values (see ParseTime, relative to now): the
// latest of them, as they are alternatives; zero without any.
func Until(args Args, now time.Time) (time.Time, error) {
	var until time.Time
	for _, v := range Values(args, "until") {
		t, err := ParseTime(v, now)
		if err != nil {
			return time.Time{}, fmt.Errorf("invalid filter %q: %w", "until="+v, err)
		}
		if t.After(until) {
			until = t
		}
	}
	return until, nil
}
