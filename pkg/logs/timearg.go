package logs

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// localLayouts are the timestamps without a zone Docker accepts for
// --since and --until; they mean local time.
var localLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02T15",
	"2006-01-02",
}

// ParseTime reads a --since/--until value the way Docker does: a duration
// ("10m", "1h30m") counts back from now; a Unix time ("1700000000",
// "1700000000.5"); or an RFC 3339 date and time, whole or cut short
// ("2024-01-02", "2024-01-02T15:04"), in local time unless it names a zone.
func ParseTime(value string, now time.Time) (time.Time, error) {
	if value == "" {
		return time.Time{}, errors.New("empty time")
	}
	if d, err := time.ParseDuration(value); err == nil && value != "0" {
		return now.Add(-d), nil
	}
	if !strings.ContainsAny(value, "-:T") {
		sec, frac, _ := strings.Cut(value, ".")
		s, err := strconv.ParseInt(sec, 10, 64)
		if err == nil {
			var ns int64
			if frac != "" {
				if len(frac) > 9 {
					frac = frac[:9]
				}
				ns, err = strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
			}
			if err == nil {
				return time.Unix(s, ns), nil
			}
		}
		return time.Time{}, fmt.Errorf("invalid time %q: use a duration (10m), a Unix time or an RFC 3339 timestamp", value)
	}
	if t, err := time.Parse(time.RFC3339Nano, value); err == nil {
		return t, nil
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, value, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid time %q: use a duration (10m), a Unix time or an RFC 3339 timestamp", value)
}
