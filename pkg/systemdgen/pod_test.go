package systemdgen

import (
	"strings"
	"testing"
	"time"
)

var podCreateFlags = podFlags("name n infra-conmon-pidfile pod-id-file exit-policy p publish label l", "replace infra")

func TestGeneratePod(t *testing.T) {
	pod := Pod{
		ID: "feed0123", Name: "web", RunRoot: "/run/pod",
		CreateCommand: []string{"/usr/bin/pod", "--root", "/var/lib/x", "pod", "create", "--name", "web", "-p", "8080:80", "--pod-id-file", "/tmp/old"},
		Infra:         Container{ID: "1nfra", Name: "feed0123-infra", StopTimeout: 10, PIDFile: "/run/pod/1nfra/monitor.pid"},
	}
	ctrs := []Container{
		{ID: "bbb", Name: "b", StopTimeout: 2, CreateCommand: []string{"/usr/bin/pod", "--root", "/var/lib/x", "run", "-d", "--pod", "web", "--name", "b", "img", "sleep", "9"}},
		{ID: "aaa", Name: "a", StopTimeout: 2, CreateCommand: []string{"/usr/bin/pod", "--root", "/var/lib/x", "create", "--pod-id-file=/tmp/old", "--name", "a", "img"}},
	}
	base := Options{Executable: "/usr/bin/pod", Version: "1.0", Now: time.Unix(0, 0).UTC(), UseName: true,
		ContainerPrefix: "container", PodPrefix: "pod", Separator: "-", GlobalFlags: globalFlags, VerbFlags: podFlags("name pod pod-id-file e", "d rm")}
	for _, tc := range []struct {
		name    string
		opts    func(*Options)
		pod     func(*Pod)
		ctrs    []Container         // nil: both
		want    map[string][]string // unit name: lines it must have
		notWant []string            // in any unit
		err     string
	}{
		{name: "existing pod", want: map[string][]string{
			"pod-web.service": {"Wants=container-a.service container-b.service", "Before=container-a.service container-b.service",
				"RequiresMountsFor=/run/pod", "Restart=on-failure", "TimeoutStopSec=70",
				"ExecStart=/usr/bin/pod --root /var/lib/x start feed0123-infra",
				"ExecStop=/usr/bin/pod --root /var/lib/x stop -t 10 feed0123-infra",
				"PIDFile=/run/pod/1nfra/monitor.pid", "Type=forking"},
			"container-a.service": {"BindsTo=pod-web.service", "After=pod-web.service", "ExecStart=/usr/bin/pod --root /var/lib/x start a"},
			"container-b.service": {"BindsTo=pod-web.service", "After=pod-web.service"},
		}, notWant: []string{"ExecStartPre", "--pod-id-file"}},
		{name: "new", opts: func(o *Options) { o.New = true; o.StopTimeout = u(5); o.RestartPolicy = "always" }, want: map[string][]string{
			"pod-web.service": {
				"ExecStartPre=/usr/bin/pod --root /var/lib/x pod create --infra-conmon-pidfile %t/pod-web.pid --pod-id-file %t/pod-web.pod-id --exit-policy=stop --name web -p 8080:80 --replace",
				"ExecStart=/usr/bin/pod --root /var/lib/x pod start --pod-id-file %t/pod-web.pod-id",
				"ExecStop=/usr/bin/pod --root /var/lib/x pod stop --ignore --pod-id-file %t/pod-web.pod-id -t 5",
				"ExecStopPost=/usr/bin/pod --root /var/lib/x pod rm --ignore -f --pod-id-file %t/pod-web.pod-id",
				"PIDFile=%t/pod-web.pid", "Type=forking", "Restart=always", "TimeoutStopSec=65"},
			"container-a.service": {"BindsTo=pod-web.service",
				"ExecStart=/usr/bin/pod --root /var/lib/x run --name a --cgroups=no-conmon --rm -d --sdnotify=conmon --pod-id-file %t/pod-web.pod-id img",
				"Type=notify"},
			"container-b.service": {"ExecStart=/usr/bin/pod --root /var/lib/x run --name b --cgroups=no-conmon --rm -d --sdnotify=conmon --pod-id-file %t/pod-web.pod-id img sleep 9"},
		}, notWant: []string{"/tmp/old", "--pod web"}},
		{name: "the user's exit policy, a positional name, prefixes", opts: func(o *Options) {
			o.New, o.PodPrefix, o.ContainerPrefix, o.Separator, o.UseName = true, "p", "c", "_", false
		}, pod: func(p *Pod) {
			p.CreateCommand = []string{"/usr/bin/pod", "pod", "create", "--exit-policy", "continue", "web"}
		}, want: map[string][]string{
			"p_feed0123.service": {"ExecStartPre=/usr/bin/pod pod create --infra-conmon-pidfile %t/p_feed0123.pid --pod-id-file %t/p_feed0123.pod-id --exit-policy continue web --replace",
				"Wants=c_aaa.service c_bbb.service"},
			"c_aaa.service": {"BindsTo=p_feed0123.service"},
		}, notWant: []string{"--exit-policy=stop"}},
		{name: "infra alone", ctrs: []Container{}, want: map[string][]string{
			"pod-web.service": {"Wants=network-online.target", "Type=forking"},
		}, notWant: []string{"Wants=\n", "Before="}},
		{name: "template", opts: func(o *Options) { o.Template = true }, err: "--template is not supported for pods"},
		{name: "no infra", pod: func(p *Pod) { p.Infra = Container{} }, err: "has no infra container"},
		{name: "new without create command", opts: func(o *Options) { o.New = true }, pod: func(p *Pod) { p.CreateCommand = nil }, err: "no create command"},
		{name: "bad restart policy", opts: func(o *Options) { o.RestartPolicy = "sometimes" }, err: "invalid --restart-policy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, p := base, pod
			if tc.opts != nil {
				tc.opts(&o)
			}
			if tc.pod != nil {
				tc.pod(&p)
			}
			cs := ctrs
			if tc.ctrs != nil {
				cs = tc.ctrs
			}
			units, err := GeneratePod(p, cs, o, podCreateFlags)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(units) != len(cs)+1 {
				t.Fatalf("%d units, want %d", len(units), len(cs)+1)
			}
			got := map[string]string{}
			for _, u := range units {
				got[u.Name] = u.Text
				for _, nw := range tc.notWant {
					if strings.Contains(u.Text, nw) {
						t.Errorf("%s has %q:\n%s", u.Name, nw, u.Text)
					}
				}
			}
			for name, lines := range tc.want {
				text, ok := got[name]
				if !ok {
					t.Fatalf("no unit %s among %v", name, units)
				}
				have := map[string]bool{}
				for _, l := range strings.Split(text, "\n") {
					have[l] = true
				}
				for _, l := range lines {
					if !have[l] {
						t.Errorf("%s lacks %q:\n%s", name, l, text)
					}
				}
			}
			if !strings.HasPrefix(units[0].Name, o.PodPrefix) {
				t.Errorf("the pod's unit is not first: %s", units[0].Name)
			}
		})
	}
}
