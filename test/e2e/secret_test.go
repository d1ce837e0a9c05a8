package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var secretIDRe = regexp.MustCompile(`^[0-9a-f]{25}$`)

// TestSecretCommands checks secret create (file, stdin, --env, labels,
// --replace, --ignore, bad input), ls, inspect, exists and rm, and that
// the data is kept in a 0600 file under the graph root.
func TestSecretCommands(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		src := e.WriteFile("pw", []byte("hunter2"))
		id := out(e.MustPod("secret", "create", "-l", "app=db", "pw", src))
		if !secretIDRe.MatchString(id) {
			t.Fatalf("create printed %q, want a 25-character ID", id)
		}
		e.PodStdin(strings.NewReader("from-stdin"), "secret", "create", "in", "-").Success(t)
		e.ExtraEnv = append(e.ExtraEnv, "TOKEN=from-env")
		e.MustPod("secret", "create", "--env", "tok", "TOKEN")

		// The data is in a 0600 file named by the ID, in a 0700 directory.
		dir := filepath.Join(e.Root, "secrets", "filedriver")
		st, err := os.Stat(filepath.Join(dir, id))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("data file: %v %v", st, err)
		}
		if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
			t.Fatalf("data directory: %v %v", st, err)
		}

		e.Pod("secret", "create", "pw", src).Fails(t, 125, `secret name "pw" is already in use`)
		e.Pod("secret", "create", "bad/name", src).Fails(t, 125, "invalid secret name")
		e.Pod("secret", "create", "x", "-d", "pass", src).Fails(t, 125, `secret driver "pass" is not supported`)
		e.PodStdin(strings.NewReader(""), "secret", "create", "empty", "-").Fails(t, 125, "secret data must be larger than 0")
		if got := out(e.MustPod("secret", "create", "--ignore", "pw", src)); got != id {
			t.Errorf("--ignore printed %q, want the existing ID %s", got, id)
		}

		var docs []struct {
			ID   string
			Spec struct {
				Name   string
				Driver struct{ Name string }
				Labels map[string]string
			}
			SecretData string
		}
		raw := e.MustPod("secret", "inspect", "--showsecret", "pw", "in").Stdout
		if err := json.Unmarshal([]byte(raw), &docs); err != nil || len(docs) != 2 {
			t.Fatalf("inspect: %v\n%s", err, raw)
		}
		if d := docs[0]; d.ID != id || d.Spec.Name != "pw" || d.Spec.Driver.Name != "file" || d.Spec.Labels["app"] != "db" || d.SecretData != "hunter2" {
			t.Errorf("inspect pw: %+v", d)
		}
		if docs[1].SecretData != "from-stdin" {
			t.Errorf("stdin secret holds %q", docs[1].SecretData)
		}
		if strings.Contains(e.MustPod("secret", "inspect", "pw").Stdout, "hunter2") {
			t.Error("inspect without --showsecret shows the data")
		}
		if got := out(e.MustPod("secret", "inspect", "--showsecret", "-f", "{{.SecretData}}", "tok")); got != "from-env" {
			t.Errorf("--env secret holds %q", got)
		}

		// --replace keeps the ID, changes the data and labels.
		e.PodStdin(strings.NewReader("new"), "secret", "create", "--replace", "-l", "app=db", "pw", "-").Success(t)
		if got := out(e.MustPod("secret", "inspect", "--showsecret", "-f", "{{.ID}} {{.SecretData}}", "pw")); got != id+" new" {
			t.Errorf("after --replace: %q", got)
		}

		ls := e.MustPod("secret", "ls").Lines()
		if len(ls) != 4 || !strings.HasPrefix(ls[0], "ID") || !strings.Contains(ls[0], "NAME") || !strings.Contains(ls[0], "DRIVER") || !strings.Contains(ls[0], "UPDATED") {
			t.Errorf("ls:\n%s", strings.Join(ls, "\n"))
		}
		if got := out(e.MustPod("secret", "ls", "--filter", "name=^p", "--format", "{{.Name}} {{.Driver}}")); got != "pw file" {
			t.Errorf("ls --filter name: %q", got)
		}
		if got := out(e.MustPod("secret", "ls", "-q", "--filter", "label=app=db")); got != id {
			t.Errorf("ls -q --filter label: %q", got)
		}

		e.MustPod("secret", "exists", id[:10])
		if r := e.Pod("secret", "exists", "nope"); r.Code != 1 || r.Stderr != "" {
			t.Errorf("exists of a missing secret: exit %d, stderr %q", r.Code, r.Stderr)
		}
		e.Pod("secret", "rm", "nope").Fails(t, 1, "no such secret")
		e.MustPod("secret", "rm", "--ignore", "nope", "in")
		if got := out(e.MustPod("secret", "rm", "pw")); got != id {
			t.Errorf("rm printed %q, want the ID", got)
		}
		if _, err := os.Stat(filepath.Join(dir, id)); !os.IsNotExist(err) {
			t.Errorf("data file left after rm: %v", err)
		}
		e.MustPod("secret", "rm", "--all")
		if got := out(e.MustPod("secret", "ls", "-q")); got != "" {
			t.Errorf("after rm --all: %q", got)
		}
	})
}

// TestRunSecret checks --secret as a file (default path, target, owner,
// mode) and as an environment variable, and that a container keeps its
// copy when the secret is removed, as podman's.
func TestRunSecret(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.PodStdin(strings.NewReader("s3cret"), "secret", "create", "db", "-").Success(t)
		got := out(e.MustPod("run", "--rm",
			"--secret", "db",
			"--secret", "db,target=/etc/db.key,uid=1000,gid=100,mode=0400",
			"--secret", "db,type=env,target=DB_PASS",
			img, "sh", "-c", `cat /run/secrets/db; echo; stat -c '%u:%g %a' /run/secrets/db /etc/db.key; cat /etc/db.key; echo; echo "$DB_PASS"`))
		want := "s3cret\n0:0 444\n1000:100 400\ns3cret\ns3cret"
		if got != want {
			t.Errorf("in the container:\n%s\nwant\n%s", got, want)
		}
		if got := out(e.MustPod("run", "--rm", "--secret", "db", img, "sh", "-c", "echo x > /run/secrets/db 2>&1 || echo refused")); !strings.Contains(got, "refused") {
			t.Errorf("the secret file is writable: %q", got)
		}
		e.MustPod("create", "--name", "keeps", "--secret", "db,type=env", "--secret", "db", img, "sh", "-c", `echo "$db"; cat /run/secrets/db`)
		e.MustPod("secret", "rm", "db")
		if got := out(e.MustPod("start", "-a", "keeps")); got != "s3cret\ns3cret" {
			t.Errorf("after secret rm the container sees %q", got)
		}
		e.Pod("run", "--rm", "--secret", "db", img, "true").Fails(t, 125, `no secret with name or id "db"`)
		e.Pod("run", "--rm", "--secret", "db,type=env,mode=0400", img, "true").Fails(t, 125, "cannot be set with type=env")
		if got := out(e.MustPod("ps", "-aq")); got == "" || strings.Contains(got, "\n") {
			t.Errorf("failed runs left containers: %q", got)
		}
	})
}
