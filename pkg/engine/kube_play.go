package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/containers/image/v5/types"
	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/sirupsen/logrus"
	v1 "k8s.io/api/core/v1"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/images"
	"github.com/pod-engine/pod/pkg/kube"
)

// kubeLabel marks what kube play made for a pod (emptyDir volumes), so
// that kube down removes it; its value is the pod's name.
const kubeLabel = "io.pod.kube.pod"

// KubePlayOptions are `pod kube play`'s flags.
type KubePlayOptions struct {
	Input io.Reader
	// ConfigMaps are more YAML files whose ConfigMaps the pods may use
	// (--configmap).
	ConfigMaps []io.Reader
	Replace    bool     // remove pods of the same names first
	NoStart    bool     // --start=false: create only
	Networks   []string // --network for every pod
	// Build is --build: nil builds an image that is missing from a
	// directory named like it (with a Containerfile or Dockerfile) under
	// ContextDir; true builds it even when present; false never builds.
	Build      *bool
	ContextDir string // --context-dir; "" is the current directory
	// BuildOut receives the builds' output.
	BuildOut io.Writer
	// Warn receives one line per document skipped or setting ignored.
	Warn io.Writer

	// Registry holds --authfile, --cert-dir, --creds and --tls-verify for
	// the images the YAML names; its other fields are not read.
	Registry images.PullOptions
	// Annotations (--annotation KEY=VALUE) go on every container.
	Annotations []string
	// IPs and MACs are --ip and --mac-address: the Nth pod made gets the
	// Nth of each.
	IPs, MACs []string
	// LogDriver and LogOpts are every container's --log-driver, --log-opt.
	LogDriver string
	LogOpts   []string
	// SeccompProfileRoot is where a Localhost seccomp profile is looked
	// up (default /var/lib/kubelet/seccomp).
	SeccompProfileRoot string
	// UserNS is every pod's --userns.
	UserNS string
	// NoHosts is --no-hosts: no pod writes /etc/hosts (pod create
	// --no-hosts).
	NoHosts bool
}

// registrySet reports whether any registry flag was given: then images
// are pulled with them before the containers are made.
func (o KubePlayOptions) registrySet() bool {
	g := o.Registry
	return g.AuthFile != "" || g.CertDir != "" || g.Credentials != "" || g.TLSVerify != types.OptionalBoolUndefined
}

// KubePlayPod is one pod kube play made.
type KubePlayPod struct {
	ID, Name   string
	Containers []string // IDs
}

// KubePlayReport is what kube play made.
type KubePlayReport struct {
	Pods    []KubePlayPod
	Volumes []string
	// Created are the volumes this play made (PVCs' and emptyDirs'), the
	// ones --wait removes at the end.
	Created []string
}

// kubeWorkload is a Pod or the pod template of a Deployment, DaemonSet
// or Job, ready to run.
type kubeWorkload struct {
	kind   string // Pod, Deployment, DaemonSet, Job
	name   string
	labels map[string]string
	spec   *v1.PodSpec
	always bool // a Deployment or DaemonSet: restart always
	// job: the pod runs to completion and stops with its containers; an
	// OnFailure Job's containers restart up to backoffLimit times.
	job     bool
	backoff int
	// annotations are the pod's (its template's), read for podman's
	// io.podman.annotations.* settings.
	annotations map[string]string
}

func workloads(objs *kube.Objects, warn io.Writer) []kubeWorkload {
	var out []kubeWorkload
	for _, p := range objs.Pods {
		out = append(out, kubeWorkload{kind: "Pod", name: p.Name, labels: p.Labels, spec: &p.Spec, annotations: p.Annotations})
	}
	for _, d := range objs.Deployments {
		if d.Spec.Replicas != nil && *d.Spec.Replicas > 1 {
			fmt.Fprintf(warn, "Deployment %s: %d replicas asked for, pod runs 1\n", d.Name, *d.Spec.Replicas)
		}
		out = append(out, kubeWorkload{kind: "Deployment", name: deploymentPodName(d.Name), labels: d.Spec.Template.Labels, spec: &d.Spec.Template.Spec, always: true, annotations: d.Spec.Template.Annotations})
	}
	for _, d := range objs.DaemonSets {
		// One node, so one pod: as podman runs a DaemonSet.
		out = append(out, kubeWorkload{kind: "DaemonSet", name: deploymentPodName(d.Name), labels: d.Spec.Template.Labels, spec: &d.Spec.Template.Spec, always: true, annotations: d.Spec.Template.Annotations})
	}
	for _, j := range objs.Jobs {
		if j.Spec.Parallelism != nil && *j.Spec.Parallelism > 1 || j.Spec.Completions != nil && *j.Spec.Completions > 1 {
			fmt.Fprintf(warn, "Job %s: parallelism and completions above 1 asked for, pod runs the pod once\n", j.Name)
		}
		backoff := 6 // Kubernetes' default backoffLimit
		if j.Spec.BackoffLimit != nil {
			backoff = int(*j.Spec.BackoffLimit)
		}
		out = append(out, kubeWorkload{kind: "Job", name: deploymentPodName(j.Name), labels: j.Spec.Template.Labels, spec: &j.Spec.Template.Spec, job: true, backoff: backoff, annotations: j.Spec.Template.Annotations})
	}
	return out
}

// deploymentPodName is the pod a Deployment, DaemonSet or Job runs as,
// named as podman names it.
func deploymentPodName(name string) string { return name + "-pod" }

// PlayKube runs the pods, deployments, volumes and services of a kube
// YAML. A document pod cannot read is an error naming it before anything
// is made; a failure later undoes what this play made.
func (r *Runtime) PlayKube(ctx context.Context, o KubePlayOptions) (rep *KubePlayReport, err error) {
	if o.Warn == nil {
		o.Warn = io.Discard
	}
	objs, err := kube.Decode(o.Input)
	if err != nil {
		return nil, err
	}
	for i, in := range o.ConfigMaps {
		more, err := kube.Decode(in)
		if err != nil {
			return nil, fmt.Errorf("--configmap %d: %w", i+1, err)
		}
		objs.ConfigMaps = append(objs.ConfigMaps, more.ConfigMaps...)
	}
	for _, s := range objs.Skipped {
		fmt.Fprintf(o.Warn, "YAML document %d: kind %s (%s) is not supported: skipped\n", s.Index, s.Kind, s.Name)
	}
	work := workloads(objs, o.Warn)
	if err := r.checkPlayNames(ctx, work, o.Replace); err != nil {
		return nil, err
	}
	if err := r.kubeBuild(ctx, work, o); err != nil {
		return nil, err
	}
	rep = &KubePlayReport{}
	var made []string    // pods
	var newVols []string // volumes this play created
	defer func() {
		if err == nil {
			return
		}
		uctx := context.WithoutCancel(ctx)
		for _, id := range made {
			if rerr := r.RemovePod(uctx, id, PodRemoveOptions{Force: true}); rerr != nil {
				logrus.Warnf("undo kube play: %v", rerr)
			}
		}
		if len(newVols) > 0 {
			r.RemoveVolumes(uctx, newVols, RemoveVolumesOptions{Force: true})
		}
		for _, w := range work {
			os.RemoveAll(r.kubeFilesDir(w.name))
		}
	}()
	for _, c := range objs.Claims {
		created, err := r.ensureVolume(ctx, c.Name, nil)
		if err != nil {
			return nil, fmt.Errorf("PersistentVolumeClaim %s: %w", c.Name, err)
		}
		if created {
			newVols = append(newVols, c.Name)
		}
		rep.Volumes = append(rep.Volumes, c.Name)
	}
	if len(o.IPs) > len(work) || len(o.MACs) > len(work) {
		return nil, invalidf("more --ip or --mac-address values than the %d pods the YAML runs", len(work))
	}
	for n, w := range work {
		if o.Replace {
			if err := r.RemovePod(ctx, w.name, PodRemoveOptions{Force: true}); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
				return nil, err
			}
		}
		kp, vols, err := r.playWorkload(ctx, w, objs, o, n, &made)
		newVols = append(newVols, vols...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", w.name, err)
		}
		rep.Pods = append(rep.Pods, *kp)
	}
	rep.Created = newVols
	return rep, nil
}

// checkPlayNames refuses, before anything is made, pods that exist.
func (r *Runtime) checkPlayNames(ctx context.Context, work []kubeWorkload, replace bool) error {
	seen := map[string]bool{}
	for _, w := range work {
		if seen[w.name] {
			return invalidf("two workloads run as pod %s", w.name)
		}
		seen[w.name] = true
		if replace {
			continue
		}
		if ok, err := r.PodExists(ctx, w.name); err != nil {
			return err
		} else if ok {
			return errdefs.AlreadyExistsf("pod %s already exists: use --replace, or pod kube down first", w.name)
		}
	}
	return nil
}

// playWorkload makes one pod and its containers, and starts it unless
// o.NoStart. It appends the pod's ID to made as soon as the pod exists
// and returns the volumes it created.
func (r *Runtime) playWorkload(ctx context.Context, w kubeWorkload, objs *kube.Objects, o KubePlayOptions, n int, made *[]string) (*KubePlayPod, []string, error) {
	spec := w.spec
	po := PodCreateOptions{Name: w.name, Hostname: spec.Hostname, Annotations: o.Annotations}
	po.UserNS = o.UserNS
	po.NoHosts = o.NoHosts
	if n < len(o.IPs) {
		po.IP = o.IPs[n]
	}
	if n < len(o.MACs) {
		po.MAC = o.MACs[n]
	}
	if w.job {
		// A Job's pod is done when its containers are.
		po.ExitPolicy = "stop"
	}
	for k, v := range w.labels {
		po.Labels = append(po.Labels, k+"="+v)
	}
	po.Networks = o.Networks
	if spec.HostNetwork {
		po.Networks = []string{netModeHost}
	}
	if spec.ShareProcessNamespace != nil && *spec.ShareProcessNamespace {
		share := "+pid"
		po.Share = &share
	}
	if d := spec.DNSConfig; d != nil {
		po.DNS, po.DNSSearch = d.Nameservers, d.Searches
		for _, opt := range d.Options {
			v := opt.Name
			if opt.Value != nil {
				v += ":" + *opt.Value
			}
			po.DNSOptions = append(po.DNSOptions, v)
		}
	}
	if o.NoHosts && len(spec.HostAliases) > 0 {
		return nil, nil, invalidf("--no-hosts cannot be used with the hostAliases of pod %s", w.name)
	}
	for _, h := range spec.HostAliases {
		for _, n := range h.Hostnames {
			po.AddHosts = append(po.AddHosts, n+":"+h.IP)
		}
	}
	ports, err := kubePublish(spec, w.labels, objs.Services)
	if err != nil {
		return nil, nil, err
	}
	if !spec.HostNetwork {
		po.Publish = ports
	}
	p, err := r.CreatePod(ctx, po)
	if err != nil {
		return nil, nil, err
	}
	*made = append(*made, p.ID)
	kp := &KubePlayPod{ID: p.ID, Name: p.Name}
	var newVols []string
	restart := "always"
	if !w.always {
		switch spec.RestartPolicy {
		case v1.RestartPolicyOnFailure:
			restart = "on-failure"
			if w.job && w.backoff == 0 {
				restart = "no"
			} else if w.job {
				restart = fmt.Sprintf("on-failure:%d", w.backoff)
			}
		case v1.RestartPolicyNever:
			restart = "no"
		}
	}
	env := kubeEnv{pod: w.name, objs: objs, warn: o.Warn}
	build := func(c *v1.Container, restart string) (CreateOptions, error) {
		co, vols, err := r.kubeContainer(ctx, w, p, c, env)
		newVols = append(newVols, vols...)
		co.Restart = restart
		if err != nil {
			return co, err
		}
		return co, r.kubePlayFlags(ctx, &co, w, c, o)
	}
	// Init containers are the pod's (--init-ctr): StartPod runs them to
	// completion before the others, now or at a later pod start.
	for i := range spec.InitContainers {
		ic := &spec.InitContainers[i]
		co, err := build(ic, "no")
		if err != nil {
			return kp, newVols, fmt.Errorf("init container %s: %w", ic.Name, err)
		}
		co.InitCtr = InitCtrOnce
		if t := w.annotations[kubeInitCtrTypeAnnotation]; t != "" {
			co.InitCtr = t
		}
		if _, err := r.Create(ctx, co); err != nil {
			return kp, newVols, fmt.Errorf("init container %s: %w", ic.Name, err)
		}
	}
	for i := range spec.Containers {
		co, err := build(&spec.Containers[i], restart)
		if err != nil {
			return kp, newVols, fmt.Errorf("container %s: %w", spec.Containers[i].Name, err)
		}
		c, err := r.Create(ctx, co)
		if err != nil {
			return kp, newVols, fmt.Errorf("container %s: %w", spec.Containers[i].Name, err)
		}
		kp.Containers = append(kp.Containers, c.ID)
	}
	if !o.NoStart {
		if _, err := r.StartPod(ctx, p.ID); err != nil {
			return kp, newVols, err
		}
	}
	return kp, newVols, nil
}

// kubeInitCtrTypeAnnotation on a pod says how its init containers run:
// once (the default: at the pod's first start) or always (at each start).
const kubeInitCtrTypeAnnotation = "io.podman.annotations.init.container.type"

// kubeFilesDir holds the files of a pod's configMap and secret volumes.
func (r *Runtime) kubeFilesDir(pod string) string {
	return filepath.Join(r.storeOpts.GraphRoot, "pod", "kube", pod)
}

// ensureVolume creates the named volume unless it exists, and reports
// whether it did.
func (r *Runtime) ensureVolume(ctx context.Context, name string, labels []string) (bool, error) {
	if ok, err := r.VolumeExists(ctx, name); err != nil {
		return false, err
	} else if ok {
		return false, nil
	}
	_, err := r.CreateVolume(ctx, VolumeCreateOptions{Name: name, Labels: labels, IgnoreExisting: true})
	return err == nil, err
}

// kubeDownReport is what kube down removed.
type KubeDownReport struct {
	Pods    []string // IDs
	Volumes []string
}

// DownKube removes the pods a kube YAML made, with their emptyDir volumes
// and configMap files; PersistentVolumeClaims' volumes stay, as podman
// keeps them.
func (r *Runtime) DownKube(ctx context.Context, in io.Reader) (*KubeDownReport, error) {
	objs, err := kube.Decode(in)
	if err != nil {
		return nil, err
	}
	rep := &KubeDownReport{}
	var errs []error
	for _, w := range workloads(objs, io.Discard) {
		p, err := r.Pod(ctx, w.name)
		if err == nil {
			err = r.RemovePod(ctx, p.ID, PodRemoveOptions{Force: true})
		}
		if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			errs = append(errs, err)
			continue
		}
		if err == nil {
			rep.Pods = append(rep.Pods, p.ID)
		}
		removed, verrs := r.removeKubeVolumes(ctx, w.name)
		rep.Volumes = append(rep.Volumes, removed...)
		errs = append(errs, verrs...)
		if err := os.RemoveAll(r.kubeFilesDir(w.name)); err != nil {
			errs = append(errs, err)
		}
	}
	return rep, errors.Join(errs...)
}

// removeKubeVolumes removes the emptyDir volumes kube play made for pod.
func (r *Runtime) removeKubeVolumes(ctx context.Context, pod string) ([]string, []error) {
	vols, err := r.ListVolumes(ctx, []string{"label=" + kubeLabel + "=" + pod})
	if err != nil {
		return nil, []error{err}
	}
	var names []string
	for _, v := range vols {
		names = append(names, v.Name)
	}
	if len(names) == 0 {
		return nil, nil
	}
	return r.RemoveVolumes(ctx, names, RemoveVolumesOptions{Force: true})
}

// kubePublish is the pod's -p list: the containers' hostPorts, and the
// nodePorts of the Services that select the pod (published on the host at
// the nodePort, forwarded to the targetPort, else the port).
func kubePublish(spec *v1.PodSpec, labels map[string]string, services []*v1.Service) ([]string, error) {
	var out []string
	for _, c := range spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			s := fmt.Sprintf("%d:%d/%s", p.HostPort, p.ContainerPort, kubeProto(p.Protocol))
			if p.HostIP != "" {
				s = p.HostIP + ":" + s
			}
			out = append(out, s)
		}
	}
	for _, svc := range services {
		if len(svc.Spec.Selector) == 0 || !selects(svc.Spec.Selector, labels) {
			continue
		}
		for _, sp := range svc.Spec.Ports {
			if sp.NodePort == 0 {
				continue
			}
			target := sp.Port
			switch {
			case sp.TargetPort.IntValue() > 0:
				target = int32(sp.TargetPort.IntValue())
			case sp.TargetPort.StrVal != "":
				n, ok := namedPort(spec, sp.TargetPort.StrVal)
				if !ok {
					return nil, invalidf("Service %s: targetPort %q names no container port", svc.Name, sp.TargetPort.StrVal)
				}
				target = n
			}
			out = append(out, fmt.Sprintf("%d:%d/%s", sp.NodePort, target, kubeProto(sp.Protocol)))
		}
	}
	return out, nil
}

func kubeProto(p v1.Protocol) string {
	if p == "" {
		return "tcp"
	}
	return strings.ToLower(string(p))
}

func selects(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func namedPort(spec *v1.PodSpec, name string) (int32, bool) {
	for _, c := range spec.Containers {
		for _, p := range c.Ports {
			if p.Name == name {
				return p.ContainerPort, true
			}
		}
	}
	return 0, false
}

// kubePlayFlags applies kube play's flags for every container to co: the
// log driver, a Localhost seccomp profile under --seccomp-profile-root,
// and, with registry flags, the image pulled with them now (the create
// then finds it).
func (r *Runtime) kubePlayFlags(ctx context.Context, co *CreateOptions, w kubeWorkload, c *v1.Container, o KubePlayOptions) error {
	if o.LogDriver != "" {
		co.LogDriver = o.LogDriver
	}
	co.LogOpts = append(co.LogOpts, o.LogOpts...)
	var prof *v1.SeccompProfile
	if sc := w.spec.SecurityContext; sc != nil && sc.SeccompProfile != nil {
		prof = sc.SeccompProfile
	}
	if sc := c.SecurityContext; sc != nil && sc.SeccompProfile != nil {
		prof = sc.SeccompProfile
	}
	if prof != nil && prof.Type == v1.SeccompProfileTypeLocalhost && prof.LocalhostProfile != nil {
		root := o.SeccompProfileRoot
		if root == "" {
			root = DefaultSeccompProfileRoot
		}
		p, err := securejoin.SecureJoin(root, *prof.LocalhostProfile)
		if err != nil {
			return fmt.Errorf("seccomp profile %s: %w", *prof.LocalhostProfile, err)
		}
		co.SecurityOpt = append(co.SecurityOpt, "seccomp="+p)
	}
	if !o.registrySet() {
		return nil
	}
	reg := o.Registry
	reg.Progress = o.BuildOut
	if _, err := r.Images().Resolve(ctx, co.Image, co.Pull, reg); err != nil {
		return err
	}
	if co.Pull == "always" {
		co.Pull = "missing" // pulled just now, with the flags
	}
	return nil
}

// DefaultSeccompProfileRoot is where kube play looks up Localhost seccomp
// profiles, the kubelet's directory.
const DefaultSeccompProfileRoot = "/var/lib/kubelet/seccomp"
