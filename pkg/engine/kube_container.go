package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/kube"
)

// kubeEnv resolves a container's env against the file's ConfigMaps and
// Secrets.
type kubeEnv struct {
	pod  string
	objs *kube.Objects
	warn io.Writer // what a container's settings lose on the way
}

func (k kubeEnv) configMap(name string) (map[string]string, bool) {
	for _, cm := range k.objs.ConfigMaps {
		if cm.Name == name {
			return cm.Data, true
		}
	}
	return nil, false
}

func (k kubeEnv) secret(name string) (map[string]string, bool) {
	for _, s := range k.objs.Secrets {
		if s.Name == name {
			out := map[string]string{}
			for key, v := range s.Data {
				out[key] = string(v)
			}
			for key, v := range s.StringData {
				out[key] = v
			}
			return out, true
		}
	}
	return nil, false
}

// vars turns env and envFrom into KEY=VALUE settings.
func (k kubeEnv) vars(c *v1.Container) ([]string, error) {
	var out []string
	for _, from := range c.EnvFrom {
		var data map[string]string
		var ok, optional bool
		var what string
		switch {
		case from.ConfigMapRef != nil:
			data, ok = k.configMap(from.ConfigMapRef.Name)
			optional = from.ConfigMapRef.Optional != nil && *from.ConfigMapRef.Optional
			what = "ConfigMap " + from.ConfigMapRef.Name
		case from.SecretRef != nil:
			data, ok = k.secret(from.SecretRef.Name)
			optional = from.SecretRef.Optional != nil && *from.SecretRef.Optional
			what = "Secret " + from.SecretRef.Name
		}
		if !ok {
			if optional {
				continue
			}
			return nil, errdefs.NotFoundf("envFrom: %s not found in the YAML or --configmap", what)
		}
		for key, v := range data {
			out = append(out, from.Prefix+key+"="+v)
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			out = append(out, e.Name+"="+e.Value)
			continue
		}
		var data map[string]string
		var ok, optional bool
		var key, what string
		switch vf := e.ValueFrom; {
		case vf.ConfigMapKeyRef != nil:
			data, ok = k.configMap(vf.ConfigMapKeyRef.Name)
			key, what = vf.ConfigMapKeyRef.Key, "ConfigMap "+vf.ConfigMapKeyRef.Name
			optional = vf.ConfigMapKeyRef.Optional != nil && *vf.ConfigMapKeyRef.Optional
		case vf.SecretKeyRef != nil:
			data, ok = k.secret(vf.SecretKeyRef.Name)
			key, what = vf.SecretKeyRef.Key, "Secret "+vf.SecretKeyRef.Name
			optional = vf.SecretKeyRef.Optional != nil && *vf.SecretKeyRef.Optional
		case vf.FieldRef != nil && vf.FieldRef.FieldPath == "metadata.name":
			out = append(out, e.Name+"="+k.pod)
			continue
		default:
			return nil, errdefs.NotImplementedf("env %s: valueFrom supports configMapKeyRef, secretKeyRef and fieldRef metadata.name", e.Name)
		}
		v, has := data[key]
		switch {
		case ok && has:
			out = append(out, e.Name+"="+v)
		case optional:
		case !ok:
			return nil, errdefs.NotFoundf("env %s: %s not found in the YAML or --configmap", e.Name, what)
		default:
			return nil, errdefs.NotFoundf("env %s: %s has no key %q", e.Name, what, key)
		}
	}
	return out, nil
}

// kubeContainer turns one container of a workload into create options
// for pod p, creating the volumes it mounts; it returns the volumes it
// created.
func (r *Runtime) kubeContainer(ctx context.Context, w kubeWorkload, p *Pod, c *v1.Container, env kubeEnv) (CreateOptions, []string, error) {
	co := CreateOptions{
		Image: c.Image, Name: w.name + "-" + c.Name, Pod: p.ID,
		Command: c.Args, WorkingDir: c.WorkingDir, Interactive: c.Stdin, Tty: c.TTY,
	}
	switch c.ImagePullPolicy {
	case v1.PullAlways:
		co.Pull = "always"
	case v1.PullNever:
		co.Pull = "never"
	}
	if len(c.Command) > 0 {
		b, err := json.Marshal(c.Command)
		if err != nil {
			return co, nil, err
		}
		ep := string(b)
		co.Entrypoint = &ep
	}
	var err error
	if co.Env, err = env.vars(c); err != nil {
		return co, nil, err
	}
	if g := w.spec.TerminationGracePeriodSeconds; g != nil && *g >= 0 {
		// The time a stop gives the container before SIGKILL.
		t := int(min(*g, 1<<30))
		co.StopTimeout = &t
	}
	kubeResources(&co.Limits, c.Resources)
	hc, notes, ok, err := kube.Healthcheck(c, w.spec.RestartPolicy)
	if err != nil {
		return co, nil, err
	}
	if w.always && ok && hc.OnFailure == "kill" {
		hc.OnFailure = "restart"
	}
	if ok {
		co.Health = hc
	}
	for _, n := range notes {
		fmt.Fprintf(env.warn, "%s: container %s: %s\n", w.name, c.Name, n)
	}
	applySecurityContext(&co, w.spec.SecurityContext, c.SecurityContext)
	vols, err := r.kubeMounts(ctx, w, c, env, &co)
	return co, vols, err
}

// kubeResources sets a container's limits as the kubelet does: limits
// are the cgroup's maximum, a memory request its reservation (soft limit)
// and a CPU request its share weight (1 CPU = 1024 shares).
func kubeResources(l *LimitOptions, res v1.ResourceRequirements) {
	if q, ok := res.Limits[v1.ResourceMemory]; ok {
		l.Memory = strconv.FormatInt(q.Value(), 10)
	}
	if q, ok := res.Limits[v1.ResourceCPU]; ok {
		l.CPUs = float64(q.MilliValue()) / 1000
	}
	if q, ok := res.Requests[v1.ResourceMemory]; ok {
		l.MemoryReservation = strconv.FormatInt(q.Value(), 10)
	}
	if q, ok := res.Requests[v1.ResourceCPU]; ok {
		l.CPUShares = uint64(min(max(q.MilliValue()*1024/1000, 2), 262144))
	}
}

func applySecurityContext(co *CreateOptions, pod *v1.PodSecurityContext, sc *v1.SecurityContext) {
	var uid, gid *int64
	var seccomp *v1.SeccompProfile
	if pod != nil {
		uid, gid, seccomp = pod.RunAsUser, pod.RunAsGroup, pod.SeccompProfile
		for _, g := range pod.SupplementalGroups {
			co.GroupAdd = append(co.GroupAdd, strconv.FormatInt(g, 10))
		}
		for _, sc := range pod.Sysctls {
			co.Sysctls = append(co.Sysctls, sc.Name+"="+sc.Value)
		}
	}
	if sc != nil && sc.SeccompProfile != nil {
		seccomp = sc.SeccompProfile
	}
	if seccomp != nil && seccomp.Type == v1.SeccompProfileTypeUnconfined {
		co.SecurityOpt = append(co.SecurityOpt, "seccomp=unconfined")
	}
	if sc != nil {
		if sc.RunAsUser != nil {
			uid = sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			gid = sc.RunAsGroup
		}
		co.Privileged = sc.Privileged != nil && *sc.Privileged
		co.ReadOnly = sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem
		if sc.Capabilities != nil {
			for _, c := range sc.Capabilities.Add {
				co.CapAdd = append(co.CapAdd, string(c))
			}
			for _, c := range sc.Capabilities.Drop {
				co.CapDrop = append(co.CapDrop, string(c))
			}
		}
		if sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
			co.SecurityOpt = append(co.SecurityOpt, "no-new-privileges")
		}
	}
	if uid != nil {
		co.User = strconv.FormatInt(*uid, 10)
		if gid != nil {
			co.User += ":" + strconv.FormatInt(*gid, 10)
		}
	}
}

// kubeMounts adds the container's volumeMounts to co.
func (r *Runtime) kubeMounts(ctx context.Context, w kubeWorkload, c *v1.Container, env kubeEnv, co *CreateOptions) ([]string, error) {
	var created []string
	for _, m := range c.VolumeMounts {
		var vol *v1.Volume
		for i := range w.spec.Volumes {
			if w.spec.Volumes[i].Name == m.Name {
				vol = &w.spec.Volumes[i]
			}
		}
		opt := ""
		if m.ReadOnly {
			opt = ":ro"
		}
		if m.SubPath != "" && vol.HostPath == nil {
			return created, errdefs.NotImplementedf("volumeMount %s: subPath is supported for hostPath volumes only", m.Name)
		}
		switch {
		case vol.HostPath != nil:
			src := vol.HostPath.Path
			if vol.HostPath.Type != nil && *vol.HostPath.Type == v1.HostPathDirectoryOrCreate {
				if err := os.MkdirAll(src, 0o755); err != nil {
					return created, fmt.Errorf("hostPath %s: %w", src, err)
				}
			}
			if m.SubPath != "" {
				src = filepath.Join(src, filepath.Clean("/"+m.SubPath))
			}
			co.Volumes = append(co.Volumes, src+":"+m.MountPath+opt)
		case vol.EmptyDir != nil && vol.EmptyDir.Medium == v1.StorageMediumMemory:
			co.Tmpfs = append(co.Tmpfs, m.MountPath)
		case vol.EmptyDir != nil:
			name := w.name + "-" + vol.Name
			made, err := r.ensureVolume(ctx, name, []string{kubeLabel + "=" + w.name})
			if err != nil {
				return created, err
			}
			if made {
				created = append(created, name)
			}
			co.Volumes = append(co.Volumes, name+":"+m.MountPath+opt)
		case vol.PersistentVolumeClaim != nil:
			name := vol.PersistentVolumeClaim.ClaimName
			made, err := r.ensureVolume(ctx, name, nil)
			if err != nil {
				return created, err
			}
			if made {
				created = append(created, name)
			}
			if vol.PersistentVolumeClaim.ReadOnly {
				opt = ":ro"
			}
			co.Volumes = append(co.Volumes, name+":"+m.MountPath+opt)
		case vol.ConfigMap != nil || vol.Secret != nil:
			dir, err := r.kubeFiles(w.name, vol, env)
			if err != nil {
				return created, err
			}
			co.Volumes = append(co.Volumes, dir+":"+m.MountPath+":ro")
		}
	}
	return created, nil
}

// kubeFiles writes a configMap or secret volume's keys as files (items
// choosing and renaming them) under the pod's kube directory.
func (r *Runtime) kubeFiles(pod string, vol *v1.Volume, env kubeEnv) (string, error) {
	var data map[string]string
	var ok, optional bool
	var items []v1.KeyToPath
	var what string
	mode := os.FileMode(0o644)
	if cm := vol.ConfigMap; cm != nil {
		data, ok = env.configMap(cm.Name)
		optional, items, what = cm.Optional != nil && *cm.Optional, cm.Items, "ConfigMap "+cm.Name
		if cm.DefaultMode != nil {
			mode = os.FileMode(*cm.DefaultMode)
		}
	} else {
		s := vol.Secret
		data, ok = env.secret(s.SecretName)
		optional, items, what = s.Optional != nil && *s.Optional, s.Items, "Secret "+s.SecretName
		mode = 0o600
		if s.DefaultMode != nil {
			mode = os.FileMode(*s.DefaultMode)
		}
	}
	if !ok && !optional {
		return "", errdefs.NotFoundf("volume %s: %s not found in the YAML or --configmap", vol.Name, what)
	}
	dir := filepath.Join(r.kubeFilesDir(pod), vol.Name)
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if len(items) == 0 {
		for k := range data {
			items = append(items, v1.KeyToPath{Key: k, Path: k})
		}
	}
	for _, it := range items {
		v, has := data[it.Key]
		if !has {
			return "", errdefs.NotFoundf("volume %s: %s has no key %q", vol.Name, what, it.Key)
		}
		rel := filepath.Clean("/" + it.Path)
		if rel == "/" || strings.Contains(it.Path, "..") {
			return "", invalidf("volume %s: item path %q must be a relative path inside the volume", vol.Name, it.Path)
		}
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		m := mode
		if it.Mode != nil {
			m = os.FileMode(*it.Mode)
		}
		if err := os.WriteFile(p, []byte(v), m); err != nil {
			return "", err
		}
	}
	return dir, nil
}
