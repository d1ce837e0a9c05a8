package specgen

import "testing"

func TestParseSecret(t *testing.T) {
	good := map[string]SecretMount{
		"s":                                     {Name: "s", Type: "mount", Target: "/run/secrets/s", Mode: 0o444},
		"s,target=x/y":                          {Name: "s", Type: "mount", Target: "/run/secrets/x/y", Mode: 0o444},
		"s,target=/etc/k,uid=5,gid=6,mode=0400": {Name: "s", Type: "mount", Target: "/etc/k", UID: 5, GID: 6, Mode: 0o400},
		"s,type=env":                            {Name: "s", Type: "env", Target: "s"},
		"s,type=env,target=PASS":                {Name: "s", Type: "env", Target: "PASS"},
	}
	for in, want := range good {
		got, err := ParseSecret(in)
		if err != nil || got != want {
			t.Errorf("ParseSecret(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", ",type=env", "s,type=file", "s,uid=x", "s,mode=9", "s,type=env,uid=1", "s,bogus=1", "s,target", "s,target=/"} {
		if _, err := ParseSecret(in); err == nil {
			t.Errorf("ParseSecret(%q) succeeded", in)
		}
	}
}
