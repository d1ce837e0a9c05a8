package views

import (
	"testing"
	"time"
)

func TestHumanSize(t *testing.T) {
	for _, tc := range []struct {
		in   int64
		want string
	}{
		{0, "0 B"},
		{999, "999 B"},
		{1000, "1 kB"},
		{5_860_000, "5.86 MB"},
		{1_234_567_890, "1.23 GB"},
		{-1, "unknown"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := humanSize(tc.in); got != tc.want {
				t.Errorf("humanSize(%d) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCreatedSince(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		t    time.Time
		want string
	}{
		{"hours", now.Add(-2 * time.Hour), "2 hours ago"},
		{"about an hour", now.Add(-70 * time.Minute), "About an hour ago"},
		{"years", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), "2 years ago"},
		{"zero", time.Time{}, "<unknown>"},
		{"future", now.Add(time.Hour), "Less than a second ago"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := createdSince(tc.t, now); got != tc.want {
				t.Errorf("createdSince = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDisplayID(t *testing.T) {
	id := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	if got := displayID(id, false); got != "0123456789ab" {
		t.Errorf("short = %q", got)
	}
	if got := displayID("sha256:"+id, true); got != "sha256:"+id {
		t.Errorf("no-trunc = %q", got)
	}
}

func TestTruncateText(t *testing.T) {
	if got := truncateText("abcdefghij", 8); got != "abcde..." {
		t.Errorf("got %q", got)
	}
	if got := truncateText("abc", 8); got != "abc" {
		t.Errorf("got %q", got)
	}
}
