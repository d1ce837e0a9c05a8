// Package kube reads and writes Kubernetes YAML with k8s.io/api's types:
// the documents `pod kube play` runs and `pod kube generate` writes. It
// knows nothing of the engine; the engine turns its objects into pods and
// containers.
//
// Contracts a caller may rely on:
//   - Decode reads every document strictly (an unknown field is an error)
//     and names the failing document by its 1-based index and kind, and the
//     field when the decoder or the check knows it.
//   - A document of a kind pod does not run is reported in Skipped, not an
//     error; an empty document is ignored.
//   - Errors are errdefs.ErrInvalidArg.
package kube

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// Document is one decoded document of a kube file.
type Document struct {
	Index  int    // 1-based position in the file
	Kind   string // Pod, Deployment, DaemonSet, Job, ConfigMap, Secret, PersistentVolumeClaim, Service
	Object any    // *v1.Pod, *appsv1.Deployment, *appsv1.DaemonSet, *batchv1.Job, *v1.ConfigMap, ...
}

// Skipped is a document of a kind pod does not run.
type Skipped struct {
	Index      int
	Kind, Name string
}

// Objects are the decoded documents of a file, by kind.
type Objects struct {
	Pods        []*v1.Pod
	Deployments []*appsv1.Deployment
	DaemonSets  []*appsv1.DaemonSet
	Jobs        []*batchv1.Job
	ConfigMaps  []*v1.ConfigMap
	Secrets     []*v1.Secret
	Claims      []*v1.PersistentVolumeClaim
	Services    []*v1.Service
	Skipped     []Skipped
}

// Decode reads a multi-document YAML (or JSON) stream.
func Decode(r io.Reader) (*Objects, error) {
	yr := utilyaml.NewYAMLReader(bufio.NewReader(r))
	out := &Objects{}
	for i := 1; ; i++ {
		doc, err := yr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errdefs.InvalidArgumentf("read YAML document %d: %v", i, err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			i--
			continue
		}
		if err := out.add(i, doc); err != nil {
			return nil, err
		}
	}
	if len(out.Pods)+len(out.Deployments)+len(out.DaemonSets)+len(out.Jobs)+len(out.ConfigMaps)+len(out.Secrets)+len(out.Claims)+len(out.Services) == 0 {
		return nil, errdefs.InvalidArgumentf("no Kubernetes objects pod can run in the YAML (%d skipped)", len(out.Skipped))
	}
	return out, nil
}

func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for _, l := range strings.Split(string(doc), "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func (o *Objects) add(i int, doc []byte) error {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(doc, &head); err != nil {
		return errdefs.InvalidArgumentf("YAML document %d: %v", i, cleanErr(err))
	}
	if head.Kind == "" {
		return errdefs.InvalidArgumentf("YAML document %d: no kind", i)
	}
	var obj any
	switch head.Kind {
	case "Pod":
		obj = &v1.Pod{}
	case "Deployment":
		obj = &appsv1.Deployment{}
	case "DaemonSet":
		obj = &appsv1.DaemonSet{}
	case "Job":
		obj = &batchv1.Job{}
	case "ConfigMap":
		obj = &v1.ConfigMap{}
	case "Secret":
		obj = &v1.Secret{}
	case "PersistentVolumeClaim":
		obj = &v1.PersistentVolumeClaim{}
	case "Service":
		obj = &v1.Service{}
	default:
		o.Skipped = append(o.Skipped, Skipped{Index: i, Kind: head.Kind, Name: head.Metadata.Name})
		return nil
	}
	if err := strictDecode(doc, obj); err != nil {
		return errdefs.InvalidArgumentf("YAML document %d (%s %s): %s", i, head.Kind, head.Metadata.Name, cleanErr(err))
	}
	if head.Metadata.Name == "" {
		return errdefs.InvalidArgumentf("YAML document %d (%s): metadata.name: required", i, head.Kind)
	}
	var err error
	switch x := obj.(type) {
	case *v1.Pod:
		err = checkPodSpec("spec", &x.Spec)
		o.Pods = append(o.Pods, x)
	case *appsv1.Deployment:
		err = checkPodSpec("spec.template.spec", &x.Spec.Template.Spec)
		o.Deployments = append(o.Deployments, x)
	case *appsv1.DaemonSet:
		err = checkPodSpec("spec.template.spec", &x.Spec.Template.Spec)
		o.DaemonSets = append(o.DaemonSets, x)
	case *batchv1.Job:
		err = checkPodSpec("spec.template.spec", &x.Spec.Template.Spec)
		if err == nil {
			err = checkJob(x)
		}
		o.Jobs = append(o.Jobs, x)
	case *v1.ConfigMap:
		o.ConfigMaps = append(o.ConfigMaps, x)
	case *v1.Secret:
		o.Secrets = append(o.Secrets, x)
	case *v1.PersistentVolumeClaim:
		o.Claims = append(o.Claims, x)
	case *v1.Service:
		o.Services = append(o.Services, x)
	}
	if err != nil {
		return errdefs.InvalidArgumentf("YAML document %d (%s %s): %v", i, head.Kind, head.Metadata.Name, err)
	}
	return nil
}

// strictDecode decodes doc into obj as the API server does: an unknown or
// duplicate field is an error naming its path (spec.template.replicaz).
func strictDecode(doc []byte, obj any) error {
	js, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return err
	}
	strict, err := kjson.UnmarshalStrict(js, obj)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// cleanErr drops the decoder's layers of "error unmarshaling JSON: while
// decoding JSON:" so that the message is the field and what is wrong.
func cleanErr(err error) string {
	s := strings.ReplaceAll(err.Error(), "\n", "; ")
	for _, p := range []string{"error converting YAML to JSON: ", "error unmarshaling JSON: ", "while decoding JSON: ", "json: "} {
		s = strings.ReplaceAll(s, p, "")
	}
	return s
}

// checkPodSpec checks what a pod needs to run, naming the field at path.
func checkPodSpec(path string, s *v1.PodSpec) error {
	if len(s.Containers) == 0 {
		return fmt.Errorf("%s.containers: at least one container is required", path)
	}
	seen := map[string]bool{}
	vols := map[string]bool{}
	for i, v := range s.Volumes {
		if v.Name == "" {
			return fmt.Errorf("%s.volumes[%d].name: required", path, i)
		}
		if v.HostPath == nil && v.EmptyDir == nil && v.PersistentVolumeClaim == nil && v.ConfigMap == nil && v.Secret == nil {
			return fmt.Errorf("%s.volumes[%d] (%s): unsupported volume source: pod supports hostPath, emptyDir, persistentVolumeClaim, configMap and secret", path, i, v.Name)
		}
		vols[v.Name] = true
	}
	all := append(append([]v1.Container(nil), s.InitContainers...), s.Containers...)
	for i, c := range all {
		field := fmt.Sprintf("%s.containers[%d]", path, i-len(s.InitContainers))
		if i < len(s.InitContainers) {
			field = fmt.Sprintf("%s.initContainers[%d]", path, i)
		}
		if c.Name == "" {
			return fmt.Errorf("%s.name: required", field)
		}
		if seen[c.Name] {
			return fmt.Errorf("%s.name: %q given twice", field, c.Name)
		}
		seen[c.Name] = true
		if c.Image == "" {
			return fmt.Errorf("%s.image: required", field)
		}
		for j, m := range c.VolumeMounts {
			if !vols[m.Name] {
				return fmt.Errorf("%s.volumeMounts[%d].name: no volume %q in %s.volumes", field, j, m.Name, path)
			}
			if !strings.HasPrefix(m.MountPath, "/") {
				return fmt.Errorf("%s.volumeMounts[%d].mountPath: %q is not an absolute path", field, j, m.MountPath)
			}
		}
		for j, p := range c.Ports {
			if p.ContainerPort <= 0 || p.ContainerPort > 65535 {
				return fmt.Errorf("%s.ports[%d].containerPort: %d is not a port", field, j, p.ContainerPort)
			}
			if p.HostPort < 0 || p.HostPort > 65535 {
				return fmt.Errorf("%s.ports[%d].hostPort: %d is not a port", field, j, p.HostPort)
			}
		}
		for _, pr := range []struct {
			name  string
			probe *v1.Probe
		}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}} {
			if pr.probe == nil {
				continue
			}
			if _, err := probeTest(&all[i], pr.probe); err != nil {
				return fmt.Errorf("%s.%s.%w", field, pr.name, err)
			}
		}
	}
	return nil
}

// checkJob checks what Kubernetes requires of a Job's pods: they run to
// completion, so they are never restarted always.
func checkJob(j *batchv1.Job) error {
	switch p := j.Spec.Template.Spec.RestartPolicy; p {
	case v1.RestartPolicyNever, v1.RestartPolicyOnFailure:
	case "":
		return fmt.Errorf("spec.template.spec.restartPolicy: required for a Job: Never or OnFailure")
	default:
		return fmt.Errorf("spec.template.spec.restartPolicy: %q is not allowed for a Job: use Never or OnFailure", p)
	}
	if b := j.Spec.BackoffLimit; b != nil && *b < 0 {
		return fmt.Errorf("spec.backoffLimit: %d must not be negative", *b)
	}
	return nil
}
