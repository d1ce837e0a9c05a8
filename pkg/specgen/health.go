package specgen

import (
	"encoding/json"
	"strings"
	"time"
)

// HealthConfig is a container's healthcheck, as Docker's HealthConfig says
// it. Field names are part of the DB format.
type HealthConfig struct {
	// Test is ["CMD", arg...] (run directly) or ["CMD-SHELL", command]
	// (run with /bin/sh -c).
	Test        []string      `json:"test"`
	Interval    time.Duration `json:"interval"`
	Timeout     time.Duration `json:"timeout"`
	StartPeriod time.Duration `json:"startPeriod,omitempty"`
	Retries     int           `json:"retries"`
	// OnFailure is what happens when the container turns unhealthy: "none"
	// (the default), "kill", "restart" or "stop".
	OnFailure string `json:"onFailure,omitempty"`
}

// Docker's defaults for what neither the flags nor the image set.
const (
	defaultHealthInterval = 30 * time.Second
	defaultHealthTimeout  = 30 * time.Second
	defaultHealthRetries  = 3
)

// HealthOptions are the --health-* flags as typed; "" (or nil) is unset.
type HealthOptions struct {
	Cmd         string // a shell command (CMD-SHELL), a JSON array, or "none"
	Interval    string // a Go duration: 30s, 1m30s
	Timeout     string
	StartPeriod string
	Retries     *int
	OnFailure   string
	// None is --no-healthcheck: no check, not even the image's.
	None bool
}

// Argv is the command a healthcheck runs.
func (h *HealthConfig) Argv() []string {
	if len(h.Test) > 1 && h.Test[0] == "CMD-SHELL" {
		return []string{"/bin/sh", "-c", h.Test[1]}
	}
	return h.Test[1:]
}

// Healthcheck merges the flags over the image's HEALTHCHECK (nil when it
// has none; its OnFailure is ignored, and a zero duration or retry count
// means unset); nil means no healthcheck.
func Healthcheck(o HealthOptions, image *HealthConfig) (*HealthConfig, error) {
	if o.None {
		if o.Cmd != "" && o.Cmd != "none" {
			return nil, invalidf("--no-healthcheck conflicts with --health-cmd")
		}
		return nil, nil
	}
	h := &HealthConfig{}
	switch {
	case o.Cmd == "none":
		return nil, nil
	case o.Cmd != "":
		test, err := parseHealthCmd(o.Cmd)
		if err != nil {
			return nil, err
		}
		h.Test = test
	case image != nil && len(image.Test) > 0:
		if image.Test[0] == "NONE" {
			return nil, nil
		}
		h.Test = image.Test
	default:
		return nil, nil
	}
	if (h.Test[0] != "CMD" && h.Test[0] != "CMD-SHELL") || len(h.Test) < 2 || (h.Test[0] == "CMD-SHELL" && len(h.Test) != 2) {
		return nil, invalidf("invalid healthcheck test %q: want [\"CMD\", arg...] or [\"CMD-SHELL\", command]", h.Test)
	}
	if image == nil {
		image = &HealthConfig{}
	}
	var err error
	if h.Interval, err = healthDuration("--health-interval", o.Interval, image.Interval, defaultHealthInterval); err != nil {
		return nil, err
	}
	if h.Timeout, err = healthDuration("--health-timeout", o.Timeout, image.Timeout, defaultHealthTimeout); err != nil {
		return nil, err
	}
	if h.StartPeriod, err = healthDuration("--health-start-period", o.StartPeriod, image.StartPeriod, 0); err != nil {
		return nil, err
	}
	if h.Interval <= 0 || h.Timeout <= 0 {
		return nil, invalidf("healthcheck interval and timeout must be positive")
	}
	switch {
	case o.Retries != nil && *o.Retries < 1:
		return nil, invalidf("--health-retries must be at least 1")
	case o.Retries != nil:
		h.Retries = *o.Retries
	case image.Retries > 0:
		h.Retries = image.Retries
	default:
		h.Retries = defaultHealthRetries
	}
	switch o.OnFailure {
	case "", "none":
	case "kill", "restart", "stop":
		h.OnFailure = o.OnFailure
	default:
		return nil, invalidf("invalid --health-on-failure %q: use none, kill, restart or stop", o.OnFailure)
	}
	return h, nil
}

// parseHealthCmd reads --health-cmd: a JSON array is the test itself when
// it starts with CMD or CMD-SHELL and a command to run directly otherwise;
// anything else is a shell command.
func parseHealthCmd(s string) ([]string, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "[") {
		var arr []string
		if err := json.Unmarshal([]byte(t), &arr); err != nil {
			return nil, invalidf("invalid --health-cmd %q: not a JSON array of strings: %v", s, err)
		}
		if len(arr) == 0 {
			return nil, invalidf("invalid --health-cmd %q: empty", s)
		}
		if arr[0] == "CMD" || arr[0] == "CMD-SHELL" {
			return arr, nil
		}
		return append([]string{"CMD"}, arr...), nil
	}
	return []string{"CMD-SHELL", s}, nil
}

func healthDuration(flag, typed string, image, def time.Duration) (time.Duration, error) {
	switch {
	case typed != "":
		d, err := time.ParseDuration(typed)
		if err != nil || d < 0 {
			return 0, invalidf("invalid %s %q: want a duration such as 30s or 1m", flag, typed)
		}
		return d, nil
	case image > 0:
		return image, nil
	}
	return def, nil
}
