package quadlet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// execStart is the unit's ExecStart= value.
func execStart(t *testing.T, text string) string {
	t.Helper()
	for _, l := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(l, "ExecStart="); ok {
			return v
		}
	}
	t.Fatalf("no ExecStart in\n%s", text)
	return ""
}

func TestConvertContainer(t *testing.T) {
	const run = "/bin/pod run --name systemd-%N --cgroups=no-conmon --rm -d --sdnotify=conmon "
	for _, tc := range []struct {
		name, file string
		start      string   // the whole ExecStart, when set
		lines      []string // lines the unit must have
		err        string
	}{
		{name: "image only", file: "[Container]\nImage=busybox\n", start: run + "busybox",
			lines: []string{"[X-Container]", "Type=notify", "NotifyAccess=all", "KillMode=mixed", "SourcePath=/q/x.container",
				"ExecStop=/bin/pod rm -v -f -i systemd-%N", "ExecStopPost=-/bin/pod rm -v -f -i systemd-%N",
				"ExecStartPre=/bin/pod rm -v -f -i systemd-%N", "Environment=PODMAN_SYSTEMD_UNIT=%n"}},
		{name: "exec and quoting", file: "[Container]\nImage=busybox\nExec=sh -c \"echo $HOME 'a b'\"\n",
			start: run + `busybox sh -c "echo $$HOME 'a b'"`},
		{name: "flags in file order", file: "[Container]\nImage=img\nPublishPort=20800:80\nVolume=/a:/b:ro\nNetwork=none\n" +
			"Environment=A=1 \"B=x y\"\nEnvironmentFile=/e\nLabel=l=1 m=2\nAddCapability=NET_ADMIN SYS_TIME\nDropCapability=ALL\n" +
			"HostName=h\nWorkingDir=/w\nReadOnly=true\nRunInit=yes\nNoNewPrivileges=false\nHealthCmd=true\nHealthInterval=5s\n" +
			"Tmpfs=/t\nDNS=10.127.0.1\nAddHost=x:10.127.0.2\nUlimit=nofile=100:200\nStopTimeout=3\nPull=never\nAutoUpdate=registry\n",
			start: run + `--publish 20800:80 --volume /a:/b:ro --network none --env A=1 --env "B=x y" --env-file /e ` +
				`--label l=1 --label m=2 --cap-add NET_ADMIN --cap-add SYS_TIME --cap-drop ALL --hostname h --workdir /w --read-only --init ` +
				`--health-cmd true --health-interval 5s --tmpfs /t --dns 10.127.0.1 --add-host x:10.127.0.2 --ulimit nofile=100:200 ` +
				`--stop-timeout 3 --pull never --label io.containers.autoupdate=registry img`},
		{name: "name, user, notify, args", file: "[Container]\nImage=img\nContainerName=sd-x\nUser=10\nGroup=20\nNotify=true\n" +
			"PodmanArgs=--log-driver none\nGlobalArgs=--root /r\n",
			start: "/bin/pod --root /r run --name sd-x --cgroups=no-conmon --rm -d --sdnotify=container --user 10:20 --log-driver none img",
			lines: []string{"ExecStop=/bin/pod --root /r rm -v -f -i sd-x"}},
		{name: "sections kept, user's service settings after pod's", file: "[Unit]\nDescription=d\nAfter=x.service\n[Container]\nImage=img\n[Service]\nRestart=always\n[Install]\nWantedBy=default.target\n",
			lines: []string{"Description=d", "After=x.service", "Restart=always", "[Install]", "WantedBy=default.target"}},
		{name: "continued line", file: "[Container]\nImage=img\nExec=sleep \\\n  100\n", start: run + "img sleep 100"},
		{name: "unknown key", file: "[Container]\nImage=img\nFoo=bar\n", err: "unsupported key 'Foo' in group 'Container' in /q/x.container"},
		{name: "refused key", file: "[Container]\nImage=img\nSecret=s\n", err: "not supported by pod for key 'Secret' in group 'Container'"},
		{name: "bad boolean", file: "[Container]\nImage=img\nReadOnly=maybe\n", err: `invalid boolean "maybe" for key 'ReadOnly'`},
		{name: "healthy", file: "[Container]\nImage=img\nNotify=healthy\n", start: "/bin/pod run --name systemd-%N --cgroups=no-conmon --rm -d --sdnotify=healthy img"},
		{name: "unbalanced quote", file: "[Container]\nImage=img\nExec=sh -c \"x\n", err: "unbalanced quotes"},
		{name: "no image", file: "[Container]\nExec=true\n", err: "no Image key specified in /q/x.container"},
		{name: "no container group", file: "[Unit]\nDescription=x\n", err: "missing [Container] group"},
		{name: "group without user", file: "[Container]\nImage=img\nGroup=1\n", err: "Group without User for key 'Group'"},
		{name: "not a setting", file: "[Container]\nImage\n", err: "line 2"},
		{name: "setting before a section", file: "Image=img\n", err: "outside of any section"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ConvertContainer("/q/x.container", strings.NewReader(tc.file), Options{Pod: "/bin/pod"})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.Name != "x.service" {
				t.Errorf("name %q", u.Name)
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
			if strings.Contains(tc.file, "[Service]") {
				if strings.Index(u.Text, "Restart=always") < strings.Index(u.Text, "ExecStart=") {
					t.Errorf("the file's [Service] settings come before pod's:\n%s", u.Text)
				}
			}
		})
	}
}

// TestGenerate: a broken file does not stop the others; an earlier
// directory's file wins over a later one of the same name; [Install]
// targets are reported.
func TestGenerate(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	write := func(dir, name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(a, "web.container", "[Container]\nImage=first\n[Install]\nWantedBy=default.target multi-user.target\n")
	write(b, "web.container", "[Container]\nImage=second\n")
	write(a, "broken.container", "[Container]\nImage=img\nBogus=1\n")
	write(b, "db.container", "[Container]\nImage=db\n")
	write(b, "data.volume", "[Volume]\nLabel=a=b\n")
	write(b, "app.container", "[Container]\nImage=app\nVolume=data.volume:/data:ro\nVolume=gone.volume:/x\n")
	write(b, "net.network", "[Network]\nBogus=1\n")
	write(b, "notes.txt", "not a unit")
	units, errs := Generate([]string{a, "/nonexistent/sd-quadlet", b}, Options{Pod: "pod"})
	var names []string
	for _, u := range units {
		names = append(names, u.Name)
		if u.Name == "web.service" && (!strings.Contains(u.Text, " first") || strings.Join(u.WantedBy, " ") != "default.target multi-user.target") {
			t.Errorf("web.service from the wrong file or without targets: %v\n%s", u.WantedBy, u.Text)
		}
	}
	if got := strings.Join(names, " "); got != "web.service data-volume.service db.service" {
		t.Errorf("units %q", got)
	}
	if len(errs) != 3 || !strings.Contains(errs[0].Error(), `converting "broken.container": unsupported key 'Bogus'`) ||
		!strings.Contains(errs[1].Error(), `converting "app.container": volume unit gone.volume is not found (in the search path) for key 'Volume'`) ||
		!strings.Contains(errs[2].Error(), `converting "net.network": unsupported key 'Bogus' in group 'Network'`) {
		t.Errorf("errors %v", errs)
	}
}

func TestUnitDirs(t *testing.T) {
	t.Setenv(UnitDirsEnv, "")
	if got := strings.Join(UnitDirs(false, 0, ""), " "); got != "/run/containers/systemd /etc/containers/systemd /usr/share/containers/systemd" {
		t.Errorf("root: %s", got)
	}
	if got := strings.Join(UnitDirs(true, 1000, "/home/u/.config"), " "); got != "/home/u/.config/containers/systemd /etc/containers/systemd/users/1000 /etc/containers/systemd/users" {
		t.Errorf("user: %s", got)
	}
	t.Setenv(UnitDirsEnv, "/a::/b")
	if got := strings.Join(UnitDirs(true, 1000, "/h"), " "); got != "/a /b" {
		t.Errorf("%s: %s", UnitDirsEnv, got)
	}
}

func TestConvertVolume(t *testing.T) {
	for _, tc := range []struct {
		name, file, start, err string
	}{
		{name: "default name", file: "[Volume]\n", start: "/bin/pod volume create --ignore systemd-data"},
		{name: "everything", file: "[Volume]\nVolumeName=sd-vol\nLabel=a=1 \"b=x y\"\nDriver=local\nType=tmpfs\nDevice=tmpfs\nOptions=size=1m\nGlobalArgs=--root /r\n",
			start: `/bin/pod --root /r volume create --ignore --label a=1 --label "b=x y" --driver local --opt type=tmpfs --opt device=tmpfs --opt o=size=1m sd-vol`},
		{name: "refused", file: "[Volume]\nCopy=true\n", err: "not supported by pod for key 'Copy' in group 'Volume'"},
		{name: "unknown", file: "[Volume]\nFoo=1\n", err: "unsupported key 'Foo' in group 'Volume'"},
		{name: "no group", file: "[Unit]\n", err: "missing [Volume] group"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ConvertVolume("/q/data.volume", strings.NewReader(tc.file), Options{Pod: "/bin/pod"})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.Name != "data-volume.service" || !strings.Contains(u.Text, "Type=oneshot\nRemainAfterExit=yes\n") {
				t.Errorf("unit %s:\n%s", u.Name, u.Text)
			}
			if got := execStart(t, u.Text); got != tc.start {
				t.Errorf("ExecStart=%s\nwant       %s", got, tc.start)
			}
		})
	}
}

// A container's Volume=NAME.volume names the volume the file makes and
// requires its service.
func TestContainerVolumeUnit(t *testing.T) {
	u, err := ConvertContainer("/q/app.container", strings.NewReader("[Container]\nImage=img\nVolume=data.volume:/data:ro\n"),
		Options{Pod: "/bin/pod", Refs: map[string]Ref{"data.volume": {Name: "sd-data", Service: "data-volume.service"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(execStart(t, u.Text), " --volume sd-data:/data:ro img") ||
		!strings.Contains(u.Text, "Requires=data-volume.service\nAfter=data-volume.service\n") {
		t.Errorf("unit:\n%s", u.Text)
	}
}
