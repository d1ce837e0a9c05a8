package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// kube play / down / generate. Names start with "pp-", host ports come
// from 21200-21299.

func kubeApp(img string, port int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: pp-cfg
data:
  GREETING: hello-kube
  index.html: |
    served-from-configmap
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: pp-data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 1Gi}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: pp-nightly
spec:
  schedule: "@daily"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: pp-web
spec:
  replicas: 1
  selector:
    matchLabels: {app: pp-web}
  template:
    metadata:
      labels: {app: pp-web}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: srv
        image: %s
        command: [sh, -c]
        args: ["date >> /data/starts && exec httpd -f -p 80 -h /www"]
        env:
        - name: GREETING
          valueFrom:
            configMapKeyRef: {name: pp-cfg, key: GREETING}
        - name: LEVEL
          value: "3"
        ports:
        - containerPort: 80
          name: http
        livenessProbe:
          httpGet: {path: /, port: http}
        resources:
          limits: {memory: 128Mi}
          requests: {cpu: 100m}
        volumeMounts:
        - {name: www, mountPath: /www, readOnly: true}
        - {name: data, mountPath: /data}
        - {name: scratch, mountPath: /scratch}
      volumes:
      - name: www
        configMap:
          name: pp-cfg
          items:
          - {key: index.html, path: index.html}
      - name: data
        persistentVolumeClaim: {claimName: pp-data}
      - name: scratch
        emptyDir: {}
---
apiVersion: v1
kind: Service
metadata:
  name: pp-web
spec:
  type: NodePort
  selector: {app: pp-web}
  ports:
  - port: 80
    targetPort: http
    nodePort: %d
`, img, port)
}

// decodeStrict reads every document of a kube YAML with k8s.io/api's
// types, failing on any field those types do not have.
func decodeStrict(t *testing.T, data []byte) (pods []*v1.Pod, cms []*v1.ConfigMap) {
	t.Helper()
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			t.Fatalf("generated YAML: %v\n%s", err, data)
		}
		var head struct{ Kind string }
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Fatal(err)
		}
		var obj any
		switch head.Kind {
		case "Pod":
			p := &v1.Pod{}
			pods, obj = append(pods, p), p
		case "ConfigMap":
			cm := &v1.ConfigMap{}
			cms, obj = append(cms, cm), cm
		case "":
			continue
		default:
			t.Fatalf("generated an unexpected %s:\n%s", head.Kind, data)
		}
		strict, err := kjson.UnmarshalStrict(js, obj, kjson.DisallowUnknownFields, kjson.DisallowDuplicateFields)
		if err != nil || len(strict) > 0 {
			t.Fatalf("generated %s does not decode strictly: %v %v\n%s", head.Kind, err, strict, data)
		}
	}
	return pods, cms
}

// checkKubeApp checks what a user of the played app sees.
func checkKubeApp(t *testing.T, e *Env, port int, starts int) {
	t.Helper()
	if got := out(e.MustPod("pod", "ps", "--format", "{{.Name}} {{.Status}} {{.NumberOfContainers}}")); got != "pp-web-pod Running 2" {
		t.Fatalf("pod ps: %q", got)
	}
	if body, err := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port)); err != nil || body != "served-from-configmap\n" {
		t.Fatalf("GET the Service's nodePort: %q, %v", body, err)
	}
	if got := out(e.MustPod("exec", "pp-web-pod-srv", "sh", "-c", "echo $GREETING $LEVEL; wc -l < /data/starts; ls -d /scratch")); got != fmt.Sprintf("hello-kube 3\n%d\n/scratch", starts) {
		t.Errorf("env, PVC and emptyDir in the container: %q", got)
	}
	want := "restart 2 134217728"
	if noRootlessCgroups(e) {
		want = "restart 2 0"
	}
	if got := out(e.MustPod("inspect", "--format", "{{.Config.HealthcheckOnFailureAction}} {{.Config.StopTimeout}} {{.HostConfig.Memory}}", "pp-web-pod-srv")); got != want {
		t.Errorf("liveness probe, grace period and memory limit: %q, want %q", got, want)
	}
}

func TestKubePlayGenerateDown(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		podCleanup(t, e)
		t.Cleanup(func() { e.Pod("volume", "rm", "-af") })
		port := ppPort(t)
		app := e.WriteFile("app.yaml", []byte(kubeApp(img, port)))

		r := e.MustPod("kube", "play", app)
		if !strings.Contains(r.Stdout, "Volumes:\npp-data\nPod:\n") || !strings.Contains(r.Stdout, "Containers:\n") {
			t.Errorf("kube play printed:\n%s", r.Stdout)
		}
		if !strings.Contains(r.Stderr, "YAML document 3: kind CronJob (pp-nightly) is not supported: skipped") {
			t.Errorf("kube play did not report the skipped CronJob: %q", r.Stderr)
		}
		checkKubeApp(t, e, port, 1)

		// generate: YAML that k8s.io/api decodes strictly, carrying what
		// the container has.
		gen := e.MustPod("kube", "generate", "pp-web-pod").Stdout
		pods, cms := decodeStrict(t, []byte(gen))
		if len(pods) != 1 || len(cms) != 1 {
			t.Fatalf("generated %d pods and %d config maps:\n%s", len(pods), len(cms), gen)
		}
		p := pods[0]
		if p.Name != "pp-web-pod" || len(p.Spec.Containers) != 1 {
			t.Fatalf("generated pod:\n%s", gen)
		}
		c := p.Spec.Containers[0]
		env := map[string]string{}
		for _, ev := range c.Env {
			env[ev.Name] = ev.Value
		}
		switch {
		case c.Name != "srv" || c.Image != img:
			t.Errorf("generated container %s image %s", c.Name, c.Image)
		case strings.Join(c.Command, " ") != "sh -c" || len(c.Args) != 1:
			t.Errorf("generated command %q args %q", c.Command, c.Args)
		case env["GREETING"] != "hello-kube" || env["LEVEL"] != "3":
			t.Errorf("generated env %v", env)
		case len(c.Ports) != 1 || c.Ports[0].ContainerPort != 80 || int(c.Ports[0].HostPort) != port:
			t.Errorf("generated ports %+v", c.Ports)
		case len(p.Spec.Volumes) != 3:
			t.Errorf("generated volumes %+v", p.Spec.Volumes)
		case cms[0].Data["index.html"] != "served-from-configmap\n":
			t.Errorf("generated config map %+v", cms[0].Data)
		}
		// The probe and limits come back (limits only where the
		// container got them: not rootless on cgroup v1).
		if lp := c.LivenessProbe; lp == nil || lp.Exec == nil || !strings.Contains(strings.Join(lp.Exec.Command, " "), "wget -q -O /dev/null 'http://127.0.0.1:80/'") || lp.FailureThreshold != 3 {
			t.Errorf("generated liveness probe %+v", lp)
		}
		if g := p.Spec.TerminationGracePeriodSeconds; g == nil || *g != 2 {
			t.Errorf("generated terminationGracePeriodSeconds %v", g)
		}
		if !noRootlessCgroups(e) && (c.Resources.Limits.Memory().String() != "128Mi" || c.Resources.Requests.Cpu().String() != "100m") {
			t.Errorf("generated resources %+v", c.Resources)
		}
		var claim string
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil {
				claim = v.PersistentVolumeClaim.ClaimName
			}
		}
		if claim != "pp-data" {
			t.Errorf("generated volumes carry no claim pp-data: %+v", p.Spec.Volumes)
		}
		// The older name writes the same YAML, -f into a file.
		genFile := e.Path("gen.yaml")
		e.MustPod("generate", "kube", "-f", genFile, "pp-web-pod")

		// down leaves nothing but the PVC's volume.
		e.MustPod("kube", "down", app)
		if got := out(e.MustPod("pod", "ps", "-q")); got != "" {
			t.Fatalf("pods after kube down: %q", got)
		}
		if got := out(e.MustPod("ps", "-a", "-q")); got != "" {
			t.Fatalf("containers after kube down: %q", got)
		}
		if got := out(e.MustPod("volume", "ls", "-q")); got != "pp-data" {
			t.Fatalf("volumes after kube down: %q, want pp-data only", got)
		}

		// The generated YAML plays back to the same running app, on the
		// same volume.
		e.MustPod("play", "kube", genFile)
		checkKubeApp(t, e, port, 2)
		e.MustPod("kube", "play", "--down", genFile)
		if got := out(e.MustPod("ps", "-a", "-q")); got != "" {
			t.Fatalf("containers after kube play --down: %q", got)
		}
	})
}

// Bad YAML is one clear error naming the document and field, and leaves
// nothing.
func TestKubePlayBadYAML(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		podCleanup(t, e)
		good := kubeApp(img, 21299)
		bad := strings.Replace(good, "  replicas: 1\n", "  replicaz: 1\n", 1)
		e.Pod("kube", "play", e.WriteFile("bad.yaml", []byte(bad))).
			Fails(t, 125, `YAML document 4 (Deployment pp-web): unknown field "spec.replicaz"`)
		noImage := strings.Replace(good, "        image: "+img+"\n", "", 1)
		e.Pod("kube", "play", e.WriteFile("noimage.yaml", []byte(noImage))).
			Fails(t, 125, "YAML document 4 (Deployment pp-web): spec.template.spec.containers[0].image: required")
		badProbe := strings.Replace(good, "httpGet: {path: /, port: http}", "httpGet: {path: /, port: nope}", 1)
		e.Pod("kube", "play", e.WriteFile("badprobe.yaml", []byte(badProbe))).
			Fails(t, 125, `YAML document 4 (Deployment pp-web): spec.template.spec.containers[0].livenessProbe.httpGet.port: "nope" names no port of the container`)
		missingCM := strings.Replace(good, "configMapKeyRef: {name: pp-cfg", "configMapKeyRef: {name: pp-nocfg", 1)
		e.Pod("kube", "play", e.WriteFile("nocm.yaml", []byte(missingCM))).
			Fails(t, 125, "ConfigMap pp-nocfg not found")
		e.Pod("kube", "play", e.Path("missing.yaml")).Fails(t, 125, "no such file")
		if got := out(e.MustPod("pod", "ps", "-q")); got != "" {
			t.Fatalf("pods after bad YAML: %q", got)
		}
		if got := out(e.MustPod("ps", "-a", "-q")); got != "" {
			t.Fatalf("containers after bad YAML: %q", got)
		}
		if got := out(e.MustPod("volume", "ls", "-q")); got != "" {
			t.Fatalf("volumes after bad YAML: %q", got)
		}
	})
}

// kubeAgent is a DaemonSet whose container has probes and resources.
func kubeAgent(img string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: pp-agent
spec:
  selector:
    matchLabels: {app: pp-agent}
  template:
    metadata:
      labels: {app: pp-agent}
    spec:
      terminationGracePeriodSeconds: 0
      securityContext:
        supplementalGroups: [1234]
      containers:
      - name: srv
        image: %s
        command: [sh, -c, "touch /tmp/alive; exec sleep 1000"]
        livenessProbe:
          exec: {command: [cat, /tmp/alive]}
          periodSeconds: 1
          failureThreshold: 2
        readinessProbe:
          tcpSocket: {port: 80}
        resources:
          limits: {memory: 64Mi, cpu: 500m}
          requests: {memory: 32Mi, cpu: 250m}
`, img)
}

// kubeJob fails its first run and succeeds on its second, printing what
// the image built from the directory pp-built holds.
const kubeJob = `apiVersion: batch/v1
kind: Job
metadata:
  name: pp-once
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: OnFailure
      containers:
      - name: main
        image: localhost/pp-built:latest
        command: [sh, -c, "cat /built; test -e /state/tried && exit 0; touch /state/tried; exit 3"]
        volumeMounts:
        - {name: state, mountPath: /state}
      volumes:
      - name: state
        emptyDir: {}
`

// Probes become running healthchecks, resources become limits, a Job
// runs to completion (restarted OnFailure), its image built from a
// directory named like it; --wait runs a Job through and tears it down,
// or a signal ends it.
func TestKubePlayProbesJobsWait(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		podCleanup(t, e)
		t.Cleanup(func() { e.Pod("volume", "rm", "-af") })
		e.Mkdir("pp-built")
		e.WriteFile("pp-built/Containerfile", []byte("FROM "+img+"\nRUN echo built-here > /built\n"))
		agent := e.WriteFile("agent.yaml", []byte(kubeAgent(img)))
		job := e.WriteFile("job.yaml", []byte(kubeJob))

		// --build=false never builds: the image is pulled, and there is none.
		if r := e.Pod("kube", "play", "--build=false", job); r.Code != 125 || !strings.Contains(r.Stderr, "localhost/pp-built") {
			t.Fatalf("kube play --build=false of a missing image: exit %d, %q", r.Code, r.Stderr)
		}
		// Missing, so built from ./pp-built (the current directory's).
		e.MustPod("kube", "play", job)
		if got := out(e.MustPod("images", "--format", "{{.Repository}}:{{.Tag}}", "localhost/pp-built")); got != "localhost/pp-built:latest" {
			t.Fatalf("images after kube play with a build directory: %q", got)
		}

		r := e.MustPod("kube", "play", agent)
		if !strings.Contains(r.Stderr, "pp-agent-pod: container srv: readinessProbe ignored") {
			t.Errorf("kube play did not say the readinessProbe was ignored: %q", r.Stderr)
		}
		hc := out(e.MustPod("inspect", "--format", "{{json .Config.Healthcheck}} {{.Config.HealthcheckOnFailureAction}}", "pp-agent-pod-srv"))
		if hc != `{"Test":["CMD","cat","/tmp/alive"],"Interval":1000000000,"Timeout":1000000000,"StartPeriod":0,"Retries":2} restart` {
			t.Errorf("healthcheck of the livenessProbe: %s", hc)
		}
		waitFor(t, func() bool {
			return out(e.MustPod("inspect", "--format", "{{.State.Health.Status}}", "pp-agent-pod-srv")) == "healthy"
		})
		if got := out(e.MustPod("inspect", "--format", "{{.Config.StopTimeout}}", "pp-agent-pod-srv")); got != "0" {
			t.Errorf("stop timeout of terminationGracePeriodSeconds 0: %s", got)
		}
		lim := inspectLimits(t, e, "pp-agent-pod-srv")
		mem := out(e.MustPod("exec", "pp-agent-pod-srv", "sh", "-c", "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes; id -G"))
		mem, groups, _ := strings.Cut(mem, "\n")
		if !strings.Contains(" "+groups+" ", " 1234 ") {
			t.Errorf("supplementalGroups: id -G is %q", groups)
		}
		if noRootlessCgroups(e) {
			if !strings.Contains(r.Stderr, "Resource limits are not supported and ignored on cgroups V1 rootless systems") || lim.Memory != 0 {
				t.Errorf("rootless on cgroup v1: stderr %q, memory %d", r.Stderr, lim.Memory)
			}
		} else if lim.Memory != 64<<20 || lim.MemoryReservation != 32<<20 || lim.NanoCpus != 5e8 || lim.CpuShares != 256 || mem != "67108864" {
			t.Errorf("limits of the resources: %+v, memory cgroup %s", lim, mem)
		}

		// The Job: one failed run, restarted, done; its pod stops with it.
		waitFor(t, func() bool {
			return out(e.MustPod("pod", "ps", "--filter", "name=pp-once-pod", "--format", "{{.Status}}")) == "Exited"
		})
		if got := out(e.MustPod("inspect", "--format", "{{.State.ExitCode}} {{.RestartCount}}", "pp-once-pod-main")); got != "0 1" {
			t.Errorf("Job container exit code and restarts: %q", got)
		}
		if got := out(e.MustPod("logs", "pp-once-pod-main")); got != "built-here\nbuilt-here" {
			t.Errorf("Job logs: %q", got)
		}

		// --wait: runs the Job through, then nothing of it is left.
		e.MustPod("kube", "play", "--wait", "--replace", "--build=false", job)
		if got := out(e.MustPod("pod", "ps", "--format", "{{.Name}}")); got != "pp-agent-pod" {
			t.Errorf("pods after kube play --wait of the Job: %q", got)
		}
		if got := out(e.MustPod("volume", "ls", "-q")); got != "" {
			t.Errorf("volumes after kube play --wait: %q", got)
		}

		// --wait ends with a signal (once the play printed what it made)
		// and removes the DaemonSet's pod.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := e.Command(ctx, "kube", "play", "--wait", "--replace", agent)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		for sc.Scan() && sc.Text() != "Containers:" {
		}
		if !sc.Scan() {
			t.Fatalf("kube play --wait printed no container: %s", stderr.String())
		}
		cmd.Process.Signal(os.Interrupt)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("kube play --wait ended by SIGINT: %v\n%s", err, stderr.String())
		}
		if got := out(e.MustPod("pod", "ps", "-q")); got != "" {
			t.Errorf("pods after kube play --wait was interrupted: %q", got)
		}
		if got := out(e.MustPod("ps", "-aq")); got != "" {
			t.Errorf("containers after kube play --wait was interrupted: %q", got)
		}
	})
}
