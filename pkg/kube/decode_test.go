package kube

import (
	"errors"
	"strings"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

const good = `# a comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  GREETING: hello
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: srv
        image: busybox
        envFrom:
        - configMapRef: {name: cfg}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 1Gi}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - port: 80
    nodePort: 30080
`

func TestDecode(t *testing.T) {
	objs, err := Decode(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.ConfigMaps) != 1 || len(objs.Deployments) != 1 || len(objs.Claims) != 1 || len(objs.Services) != 1 {
		t.Fatalf("decoded %+v", objs)
	}
	if objs.Deployments[0].Spec.Template.Spec.Containers[0].EnvFrom[0].ConfigMapRef.Name != "cfg" {
		t.Errorf("envFrom not decoded")
	}
	if len(objs.Skipped) != 1 || objs.Skipped[0] != (Skipped{Index: 3, Kind: "CronJob", Name: "nightly"}) {
		t.Errorf("skipped %+v", objs.Skipped)
	}
	objs, err = Decode(strings.NewReader(`apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: OnFailure
      containers: [{name: c, image: i}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: c, image: i}]
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.Jobs) != 1 || *objs.Jobs[0].Spec.BackoffLimit != 2 || len(objs.DaemonSets) != 1 || objs.DaemonSets[0].Name != "agent" {
		t.Fatalf("decoded jobs %+v daemon sets %+v", objs.Jobs, objs.DaemonSets)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown field", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containerz: []\n",
			`YAML document 2 (Pod p): unknown field "spec.containerz"`},
		{"wrong type", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: many\n",
			"YAML document 1 (Deployment d)"},
		{"no image", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n",
			"YAML document 1 (Pod p): spec.containers[0].image: required"},
		{"no containers", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {}\n",
			"YAML document 1 (Pod p): spec.containers: at least one container is required"},
		{"missing volume", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i\n    volumeMounts:\n    - {name: v, mountPath: /v}\n",
			`spec.containers[0].volumeMounts[0].name: no volume "v"`},
		{"no name", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "YAML document 1 (ConfigMap): metadata.name: required"},
		{"no kind", "apiVersion: v1\nmetadata: {name: x}\n", "YAML document 1: no kind"},
		{"broken yaml", "kind: Pod\n  metadata: [\n", "YAML document 1"},
		{"only unknown kinds", "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: j}\n", "no Kubernetes objects pod can run"},
		{"job restart always", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      restartPolicy: Always\n      containers: [{name: c, image: i}]\n",
			`YAML document 1 (Job j): spec.template.spec.restartPolicy: "Always" is not allowed for a Job`},
		{"job no restart policy", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: i}]\n",
			"YAML document 1 (Job j): spec.template.spec.restartPolicy: required"},
		{"daemonset no containers", "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d}\nspec: {}\n",
			"YAML document 1 (DaemonSet d): spec.template.spec.containers: at least one container is required"},
		{"probe named port", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i\n    livenessProbe:\n      httpGet: {port: web}\n",
			`YAML document 1 (Pod p): spec.containers[0].livenessProbe.httpGet.port: "web" names no port of the container`},
		{"probe grpc", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i\n    readinessProbe:\n      grpc: {port: 9000}\n",
			"spec.containers[0].readinessProbe.grpc: not supported"},
		{"probe no handler", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i\n    startupProbe: {periodSeconds: 1}\n",
			"spec.containers[0].startupProbe.exec: a probe needs exec, httpGet or tcpSocket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if !errors.Is(err, errdefs.ErrInvalidArg) {
				t.Errorf("error %v is not an invalid argument", err)
			}
		})
	}
}
