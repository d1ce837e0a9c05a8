package filters

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestParse(t *testing.T) {
	valid := []string{"name", "label", "label!", "until"}
	tests := []struct {
		in      []string
		want    string // "key=v1,v2;..." of the parsed set, keys in valid's order
		wantErr string
	}{
		{in: nil, want: ""},
		{in: []string{"name=a", "name=b", "name=a"}, want: "name=a,b"},
		{in: []string{"label=x=y", "label!=z"}, want: "label=x=y;label!=z"},
		{in: []string{"until=10m", "name=a=b"}, want: "name=a=b;until=10m"},
		{in: []string{"colour=red"}, wantErr: `invalid filter "colour=red": unknown key "colour" (valid filters: name, label, label!, until)`},
		{in: []string{"name"}, wantErr: `invalid filter "name": want KEY=VALUE`},
		{in: []string{"name="}, wantErr: `invalid filter "name=": want KEY=VALUE`},
		{in: []string{"label!"}, wantErr: `invalid filter "label!": want KEY=VALUE`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.in, " "), func(t *testing.T) {
			args, err := Parse(tc.in, valid...)
			if tc.wantErr != "" {
				if !errors.Is(err, errdefs.ErrInvalidArg) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want invalid argument %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, k := range valid {
				if args.Contains(k) {
					parts = append(parts, k+"="+strings.Join(Values(args, k), ","))
				}
			}
			if got := strings.Join(parts, ";"); got != tc.want || args.Len() != len(parts) {
				t.Fatalf("got %q (%d keys), want %q", got, args.Len(), tc.want)
			}
		})
	}
}

func TestMatchers(t *testing.T) {
	labels := map[string]string{"app": "web", "tier": "", "x": "a=b"}
	tests := []struct {
		filters []string
		want    bool
	}{
		{nil, true},
		{[]string{"label=app"}, true},
		{[]string{"label=app=web"}, true},
		{[]string{"label=app=db"}, false},
		{[]string{"label=tier="}, true},
		{[]string{"label=x=a=b"}, true},
		{[]string{"label=app", "label=nope"}, false}, // every label= must hold
		{[]string{"label!=nope"}, true},
		{[]string{"label!=app"}, false},
		{[]string{"label!=app=db"}, true},
		{[]string{"label=app", "label!=app=web"}, false},
		{[]string{"id=abc"}, true},
		{[]string{"id=sha256:abc"}, true},
		{[]string{"id=zzz", "id=abcd"}, true}, // alternatives
		{[]string{"id=abd"}, false},
		{[]string{"name=^we"}, true},
		{[]string{"name=eb"}, true}, // anywhere in the name
		{[]string{"name=^eb", "name=db"}, false},
		{[]string{"name=^eb", "name=w"}, true},
		{[]string{"name=web", "id=zzz"}, false}, // different keys: all
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.filters, " "), func(t *testing.T) {
			args, err := Parse(tc.filters, "label", "label!", "id", "name")
			if err != nil {
				t.Fatal(err)
			}
			res, err := Regexps(args, "name")
			if err != nil {
				t.Fatal(err)
			}
			got := MatchLabels(args, labels) && MatchIDPrefix(args, "id", "sha256:abcdef") && MatchRegexps(res, "web")
			if got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestValueErrors(t *testing.T) {
	for _, tc := range []struct {
		filter string
		check  func(Args) error
	}{
		{"name=(", func(a Args) error { _, err := Regexps(a, "name"); return err }},
		{"label==v", CheckLabels},
		{"label!==v", CheckLabels},
		{"dangling=maybe", func(a Args) error { _, _, err := Bool(a, "dangling"); return err }},
		{"until=yesterday", func(a Args) error { _, err := Until(a, time.Now()); return err }},
		{"until=2024-13-01", func(a Args) error { _, err := Created(a, time.Now(), nil); return err }},
		{"before=x", func(a Args) error { _, err := Created(a, time.Now(), nil); return err }},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			a, err := Parse([]string{tc.filter}, "name", "label", "label!", "dangling", "until", "before")
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.check(a); !errors.Is(err, errdefs.ErrInvalidArg) || !strings.Contains(err.Error(), tc.filter) {
				t.Fatalf("err = %v, want invalid argument naming %q", err, tc.filter)
			}
		})
	}
}

func TestBool(t *testing.T) {
	for _, tc := range []struct {
		in       []string
		val, set bool
		bad      bool
	}{
		{nil, false, false, false},
		{[]string{"dangling=true"}, true, true, false},
		{[]string{"dangling=1"}, true, true, false},
		{[]string{"dangling=false"}, false, true, false},
		{[]string{"dangling=0"}, false, true, false},
		{[]string{"dangling=yes"}, false, false, true},
		{[]string{"dangling=true", "dangling=false"}, false, false, true},
	} {
		t.Run(strings.Join(tc.in, " "), func(t *testing.T) {
			a, err := Parse(tc.in, "dangling")
			if err != nil {
				t.Fatal(err)
			}
			val, set, err := Bool(a, "dangling")
			if tc.bad != (err != nil) || val != tc.val || set != tc.set {
				t.Fatalf("got %v %v %v", val, set, err)
			}
			if err != nil && !errors.Is(err, errdefs.ErrInvalidArg) {
				t.Fatalf("err %v: not invalid argument", err)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "10m", want: now.Add(-10 * time.Minute)},
		{in: "1h30m", want: now.Add(-90 * time.Minute)},
		{in: "24h", want: now.Add(-24 * time.Hour)},
		{in: "0", want: time.Unix(0, 0)},
		{in: "1700000000", want: time.Unix(1700000000, 0)},
		{in: "1700000000.25", want: time.Unix(1700000000, 250000000)},
		{in: "1700000000.000000001", want: time.Unix(1700000000, 1)},
		{in: "2024-02-01T10:00:00Z", want: time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)},
		{in: "2024-02-01T10:00:00.5+02:00", want: time.Date(2024, 2, 1, 8, 0, 0, 500000000, time.UTC)},
		{in: "2024-02-01T10:00:00.123456789Z", want: time.Date(2024, 2, 1, 10, 0, 0, 123456789, time.UTC)},
		{in: "2024-02-01T10:00:00-05:00", want: time.Date(2024, 2, 1, 15, 0, 0, 0, time.UTC)},
		{in: "2024-02-01", want: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)},
		{in: "2024-02-01T10:30", want: time.Date(2024, 2, 1, 10, 30, 0, 0, time.UTC)},
		{in: "2024-02-01T10:30:15", want: time.Date(2024, 2, 1, 10, 30, 15, 0, time.UTC)},
		{in: "yesterday", bad: true},
		{in: "soon", bad: true},
		{in: "2024-02-30", bad: true},
		{in: "", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTime(tc.in, now)
			if tc.bad {
				if !errors.Is(err, errdefs.ErrInvalidArg) {
					t.Fatalf("got %v, %v; want an invalid-argument error", got, err)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// TestParseTimeZone is the case the two old parsers disagreed on: a time
// without a zone is local time (the zone of now, which callers take from
// time.Now()), as Docker reads it, not UTC. The old until= parser of
// images and volumes (time.Parse) read "2025-06-01" as UTC midnight; here
// now is 5 hours east of UTC, so it would be 5 hours late.
func TestParseTimeZone(t *testing.T) {
	east := time.FixedZone("EAST", 5*3600)
	now := time.Date(2025, 6, 2, 12, 0, 0, 0, east)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2025-06-01", time.Date(2025, 6, 1, 0, 0, 0, 0, east)},
		{"2025-06-01T10:00:00", time.Date(2025, 6, 1, 10, 0, 0, 0, east)},
		{"2025-06-01T10:00", time.Date(2025, 6, 1, 10, 0, 0, 0, east)},
		{"2025-06-01T10:00:00.5", time.Date(2025, 6, 1, 10, 0, 0, 500000000, east)},
		{"2025-06-01T10:00:00Z", time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)}, // a zone given wins
		{"1748736000", time.Unix(1748736000, 0)},                               // Unix time has no zone
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTime(tc.in, now)
			if err != nil || !got.Equal(tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	// The filters read it the same way: until= one second after local
	// midnight lets through what was created at local midnight.
	args, _ := Parse([]string{"until=2025-06-01T00:00:01"}, "until")
	w, err := Created(args, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !w.Contains(time.Date(2025, 6, 1, 0, 0, 0, 0, east)) || w.Contains(time.Date(2025, 6, 1, 0, 0, 2, 0, east)) {
		t.Fatalf("until window %v is not at local midnight", w.Before)
	}
}

func TestCreated(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 10, 0, 0, time.UTC)
	at := func(min int) time.Time { return time.Date(2024, 1, 1, 0, min, 0, 0, time.UTC) }
	objects := map[string]time.Time{"one": at(1), "two": at(2), "three": at(3), "four": at(4)}
	lookup := func(ref string) (time.Time, error) {
		if t, ok := objects[ref]; ok {
			return t, nil
		}
		return time.Time{}, errdefs.NotFoundf("no such object %q", ref)
	}
	tests := []struct {
		filters []string
		want    string // which of one..four pass
	}{
		{nil, "one two three four"},
		{[]string{"before=three"}, "one two"},
		{[]string{"since=two"}, "three four"},
		{[]string{"since=two", "before=four"}, "three"},
		{[]string{"before=two", "before=four"}, "one two three"}, // alternatives: the widest
		{[]string{"since=three", "since=one"}, "two three four"},
		{[]string{"until=7m"}, "one two"}, // created before now-7m = 00:03
		{[]string{"until=7m", "until=2024-01-01T00:04:00Z"}, "one two three"},
		{[]string{"until=1704067380"}, "one two"},    // 00:03 UTC
		{[]string{"before=four", "until=8m"}, "one"}, // different keys: both
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.filters, " "), func(t *testing.T) {
			args, err := Parse(tc.filters, "before", "since", "until")
			if err != nil {
				t.Fatal(err)
			}
			w, err := Created(args, now, lookup)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, n := range []string{"one", "two", "three", "four"} {
				if w.Contains(objects[n]) {
					got = append(got, n)
				}
			}
			if strings.Join(got, " ") != tc.want {
				t.Fatalf("got %v, want %s", got, tc.want)
			}
		})
	}
	args, _ := Parse([]string{"before=five"}, "before")
	if _, err := Created(args, now, lookup); !errors.Is(err, errdefs.ErrNotFound) || !strings.Contains(err.Error(), "before=five") {
		t.Fatalf("unknown object: err %v", err)
	}
}
