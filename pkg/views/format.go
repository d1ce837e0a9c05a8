package views

import (
	"strings"
	"time"
	"unicode"

	units "github.com/docker/go-units"
)

// humanSize prints a size as podman's tables do: three significant digits,
// decimal units, a space before the unit ("5.86 MB", "0 B").
func humanSize(n int64) string {
	if n < 0 {
		return "unknown"
	}
	s := units.HumanSizeWithPrecision(float64(n), 3)
	i := strings.LastIndexFunc(s, unicode.IsDigit)
	return s[:i+1] + " " + s[i+1:]
}

// createdSince prints how long ago t was: "2 hours ago", "3 years ago".
func createdSince(t, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	if t.After(now) {
		return "Less than a second ago"
	}
	return units.HumanDuration(now.Sub(t)) + " ago"
}

// displayID prints an image ID: 12 characters, or with noTrunc the full
// "sha256:..." form.
func displayID(id string, noTrunc bool) string {
	id = strings.TrimPrefix(id, "sha256:")
	if noTrunc {
		return "sha256:" + id
	}
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// truncateText shortens s to max characters, ending in "...".
func truncateText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return s[:max-3] + "..."
}
