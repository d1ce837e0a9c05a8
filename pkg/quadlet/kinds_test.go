package quadlet

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConvertKinds converts one file of each kind besides .container and
// .volume: its unit's name, ExecStart and lines, or the error naming the
// key.
func TestConvertKinds(t *testing.T) {
	type convert func(string, io.Reader, Options) (*Unit, error)
	refs := Options{Pod: "/bin/pod", Refs: map[string]Ref{
		"n.network": {Name: "sd-n", Service: "n-network.service"},
		"v.volume":  {Name: "sd-v", Service: "v-volume.service"},
	}, PodMembers: map[string][]string{"p.pod": {"a.service", "b.service"}}}
	for _, tc := range []struct {
		name, path, file string
		fn               convert
		unit, start      string
		lines            []string
		err              string
	}{
		{name: "network default", path: "/q/n.network", file: "[Network]\n", fn: ConvertNetwork, unit: "n-network.service",
			start: "/bin/pod network create --ignore systemd-n", lines: []string{"Type=oneshot", "RemainAfterExit=yes", "[X-Network]"}},
		{name: "network keys", path: "/q/n.network", fn: ConvertNetwork, unit: "n-network.service",
			file: "[Network]\nNetworkName=sd-net\nSubnet=10.135.9.0/24\nGateway=10.135.9.1\nIPRange=10.135.9.128/25\nInternal=yes\n" +
				"DisableDNS=true\nIPv6=false\nDriver=bridge\nOptions=mtu=1400\nLabel=a=1 b=2\nNetworkDeleteOnStop=true\nGlobalArgs=--root /r\n",
			start: "/bin/pod --root /r network create --ignore --subnet 10.135.9.0/24 --gateway 10.135.9.1 --ip-range 10.135.9.128/25 " +
				"--internal --disable-dns --driver bridge --opt mtu=1400 --label a=1 --label b=2 sd-net",
			lines: []string{"ExecStopPost=/bin/pod --root /r network rm -f sd-net"}},
		{name: "network refused", path: "/q/n.network", file: "[Network]\nIPAMDriver=dhcp\n", fn: ConvertNetwork,
			err: "not supported by pod for key 'IPAMDriver' in group 'Network' in /q/n.network"},
		{name: "network bad boolean", path: "/q/n.network", file: "[Network]\nInternal=perhaps\n", fn: ConvertNetwork,
			err: `invalid boolean "perhaps" for key 'Internal'`},
		{name: "pod", path: "/q/p.pod", fn: ConvertPod, unit: "p-pod.service",
			file: "[Pod]\nPublishPort=21500:80\nNetwork=n.network\nVolume=v.volume:/data\nLabel=x=y\nStopTimeout=3\n",
			lines: []string{
				"ExecStartPre=/bin/pod pod create --replace --infra-name systemd-p-infra --name systemd-p --publish 21500:80 --network sd-n --volume sd-v:/data --label x=y",
				"ExecStart=/bin/pod pod start systemd-p", "ExecStop=/bin/pod pod stop -i -t 3 systemd-p",
				"ExecStopPost=-/bin/pod pod rm -i -f -t 3 systemd-p", "Requires=n-network.service", "After=n-network.service",
				"Requires=v-volume.service", "Wants=a.service", "Before=a.service", "Wants=b.service", "Before=b.service",
				"Environment=PODMAN_SYSTEMD_UNIT=%n"}},
		{name: "pod name", path: "/q/p.pod", fn: ConvertPod, unit: "p-pod.service", file: "[Pod]\nPodName=web\n",
			lines: []string{"ExecStart=/bin/pod pod start web"}},
		{name: "pod refused", path: "/q/p.pod", fn: ConvertPod, file: "[Pod]\nUserNS=auto\n", err: "not supported by pod for key 'UserNS' in group 'Pod'"},
		{name: "pod bad network unit", path: "/q/p.pod", fn: ConvertPod, file: "[Pod]\nNetwork=gone.network\n",
			err: "network unit gone.network is not found (in the search path) for key 'Network' in group 'Pod'"},
		{name: "kube", path: "/q/k.kube", fn: ConvertKube, unit: "k.service",
			file:  "[Kube]\nYaml=app.yaml\nConfigMap=/etc/cm.yaml\nNetwork=n.network\n",
			start: "/bin/pod kube play --replace --configmap /etc/cm.yaml --network sd-n /q/app.yaml",
			lines: []string{"ExecStopPost=/bin/pod kube down /q/app.yaml", "Requires=n-network.service"}},
		{name: "kube no yaml", path: "/q/k.kube", fn: ConvertKube, file: "[Kube]\n", err: "no Yaml key specified in /q/k.kube"},
		{name: "kube refused", path: "/q/k.kube", fn: ConvertKube, file: "[Kube]\nYaml=a\nAutoUpdate=registry\n", err: "not supported by pod for key 'AutoUpdate'"},
		{name: "image", path: "/q/i.image", fn: ConvertImage, unit: "i-image.service",
			file:  "[Image]\nImage=127.0.0.1:21501/x:1\nImageTag=localhost/x:1\nTLSVerify=false\nArch=arm64\nVariant=v8\nAuthFile=auth.json\n",
			start: "/bin/pod image pull --tls-verify=false --authfile /q/auth.json --platform linux/arm64/v8 127.0.0.1:21501/x:1"},
		{name: "image no image", path: "/q/i.image", fn: ConvertImage, file: "[Image]\nAllTags=true\n", err: "no Image key specified"},
		{name: "build", path: "/q/b.build", fn: ConvertBuild, unit: "b-build.service",
			file:  "[Build]\nImageTag=localhost/b:1\nImageTag=localhost/b:latest\nFile=ctx/Containerfile\nBuildArg=V=1\nTarget=final\nPull=never\n",
			start: "/bin/pod build --tag localhost/b:1 --tag localhost/b:latest --build-arg V=1 --target final --pull=never --file /q/ctx/Containerfile /q/ctx",
			lines: []string{"TimeoutStartSec=infinity"}},
		{name: "build unit dir", path: "/q/b.build", fn: ConvertBuild, unit: "b-build.service",
			file: "[Build]\nImageTag=b\nSetWorkingDirectory=unit\n", start: "/bin/pod build --tag b /q"},
		{name: "build no tag", path: "/q/b.build", fn: ConvertBuild, file: "[Build]\nFile=/c/Containerfile\n", err: "no ImageTag key specified"},
		{name: "build no context", path: "/q/b.build", fn: ConvertBuild, file: "[Build]\nImageTag=b\n", err: "neither File nor SetWorkingDirectory"},
		{name: "build refused", path: "/q/b.build", fn: ConvertBuild, file: "[Build]\nImageTag=b\nVolume=/a:/b\n", err: "not supported by pod for key 'Volume' in group 'Build'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := tc.fn(tc.path, strings.NewReader(tc.file), refs)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.Name != tc.unit {
				t.Errorf("name %q, want %q", u.Name, tc.unit)
			}
			if tc.start != "" {
				if got := execStart(t, u.Text); got != tc.start {
					t.Errorf("ExecStart=%s\nwant       %s", got, tc.start)
				}
			}
			have := map[string]bool{}
			for _, l := range strings.Split(u.Text, "\n") {
				have[l] = true
			}
			for _, l := range tc.lines {
				if !have[l] {
					t.Errorf("no line %q in\n%s", l, u.Text)
				}
			}
		})
	}
}

// TestGenerateDependencies: files name one another by file name; the
// units carry the names and the dependencies, and a file naming a broken
// one fails alone.
func TestGenerateDependencies(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"net.network":    "[Network]\nNetworkName=sd-net\n",
		"data.volume":    "[Volume]\n",
		"img.image":      "[Image]\nImage=127.0.0.1:21501/img:1\n",
		"app.build":      "[Build]\nImageTag=localhost/app\nSetWorkingDirectory=unit\n",
		"web.pod":        "[Pod]\nNetwork=net.network\n",
		"a.container":    "[Container]\nImage=img.image\nNetwork=net.network\nVolume=data.volume:/d\nPod=web.pod\n",
		"b.container":    "[Container]\nImage=app.build\nPod=web.pod\n",
		"bad.container":  "[Container]\nImage=img\nNetwork=gone.network\n",
		"bad2.container": "[Container]\nImage=img\nPod=web\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	units, errs := Generate([]string{dir}, Options{Pod: "/bin/pod"})
	byName := map[string]string{}
	for _, u := range units {
		byName[u.Name] = u.Text
	}
	want := map[string][]string{
		"a.service": {"Requires=img-image.service", "Requires=net-network.service", "Requires=data-volume.service",
			"BindsTo=web-pod.service", "After=web-pod.service"},
		"b.service":           {"Requires=app-build.service", "BindsTo=web-pod.service"},
		"web-pod.service":     {"Requires=net-network.service", "Wants=a.service", "Before=a.service", "Wants=b.service", "Before=b.service"},
		"net-network.service": {"ExecStart=/bin/pod network create --ignore sd-net"},
	}
	for unit, lines := range want {
		text, ok := byName[unit]
		if !ok {
			t.Errorf("no %s among %v", unit, units)
			continue
		}
		for _, l := range lines {
			if !strings.Contains(text, l+"\n") {
				t.Errorf("%s has no line %q:\n%s", unit, l, text)
			}
		}
	}
	if s := execStart(t, byName["a.service"]); !strings.Contains(s, " --network sd-net --volume systemd-data:/d --pod systemd-web 127.0.0.1:21501/img:1") {
		t.Errorf("a.service ExecStart=%s", s)
	}
	if s := execStart(t, byName["b.service"]); !strings.HasSuffix(s, " --pod systemd-web localhost/app") {
		t.Errorf("b.service ExecStart=%s", s)
	}
	if len(units) != 7 || len(errs) != 2 ||
		!strings.Contains(errs[0].Error(), `converting "bad.container": network unit gone.network is not found`) ||
		!strings.Contains(errs[1].Error(), `converting "bad2.container": "web" is not the name of a .pod file for key 'Pod'`) {
		t.Errorf("%d units, errors %v", len(units), errs)
	}
}
