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
		{"only unknown kinds", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n", "no Kubernetes objects pod can run"},
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
