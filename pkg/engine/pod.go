package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/detach"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/lock"
	"github.com/pod-engine/pod/pkg/state"
)

// EventTypePod is the type of a pod's events (create, start, stop, remove).
const EventTypePod = "pod"

// PodConfig is everything `pod pod create` decided about a pod. It is
// stored as JSON in the state DB (state.Pod.Config). Field names are part
// of the DB format: add fields, never rename them.
type PodConfig struct {
	// Share are the namespaces the infra container holds for every member:
	// net, ipc, uts, pid. Empty for a pod without an infra container.
	Share        []string `json:"share,omitempty"`
	Hostname     string   `json:"hostname,omitempty"`
	InfraImage   string   `json:"infraImage,omitempty"`
	InfraCommand []string `json:"infraCommand,omitempty"`
	// ExitPolicy is "continue" (the infra container runs on when the last
	// member exits) or "stop" (the pod stops with its last member).
	ExitPolicy   string   `json:"exitPolicy"`
	CgroupParent string   `json:"cgroupParent,omitempty"`
	Volumes      []string `json:"volumes,omitempty"`
	SecurityOpt  []string `json:"securityOpt,omitempty"`
	UserNS       string   `json:"userns,omitempty"`
	// Networks are the networks asked for at create, for inspect.
	Networks []string `json:"networks,omitempty"`

	// CgroupPath is the pod's own cgroup, which holds its limits and its
	// containers (see pod_cgroup.go): PARENT/pod_ID with cgroupfs, a slice
	// under the systemd manager (CgroupManager). Empty for a pod without
	// limits, whose containers are placed as others are.
	CgroupPath    string                `json:"cgroupPath,omitempty"`
	CgroupManager string                `json:"cgroupManager,omitempty"`
	Resources     *specs.LinuxResources `json:"resources,omitempty"`
	// NoShareParent is --share-parent=false: the members are not placed
	// in the pod's cgroup, only the infra container is.
	NoShareParent bool `json:"noShareParent,omitempty"`
	// Devices, ShmSize are given to every container of the pod.
	Devices []string `json:"devices,omitempty"`
	ShmSize string   `json:"shmSize,omitempty"`
	// VolumesFrom are the infra container's --volumes-from, which every
	// member gets through it.
	VolumesFrom []string `json:"volumesFrom,omitempty"`
	// InfraConmonPidFile is where the infra container's monitor PID is
	// written when it starts.
	InfraConmonPidFile string `json:"infraConmonPidFile,omitempty"`
	// Annotations go on every container of the pod.
	Annotations map[string]string `json:"annotations,omitempty"`
	// CreateCommand is the command line that created the pod (argv[0]
	// pod), which generate systemd --new runs again.
	CreateCommand []string `json:"createCommand,omitempty"`
}

// Pod is a pod as the engine sees it: its row and its parsed config.
type Pod struct {
	*state.Pod
	Config *PodConfig
}

// Shares reports whether the pod's infra container holds namespace ns.
func (p *Pod) Shares(ns string) bool { return slices.Contains(p.Config.Share, ns) }

// noSuchPod is podman's wording for a pod that is not there.
func noSuchPod(idOrName string) error {
	return errdefs.NotFoundf("no pod with name or ID %s found: no such pod", idOrName)
}

func wrapPod(row *state.Pod) (*Pod, error) {
	cfg := &PodConfig{}
	if len(row.Config) > 0 {
		if err := json.Unmarshal(row.Config, cfg); err != nil {
			return nil, fmt.Errorf("pod %s: parse stored config: %w", shortID(row.ID), err)
		}
	}
	return &Pod{Pod: row, Config: cfg}, nil
}

// Pod finds one pod by full ID, unique ID prefix or name. A pod whose
// maker died mid-create is removed, not returned.
func (r *Runtime) Pod(ctx context.Context, idOrName string) (*Pod, error) {
	row, err := r.db.GetPod(ctx, idOrName)
	if err != nil {
		if errors.Is(err, errdefs.ErrNotFound) {
			return nil, noSuchPod(idOrName)
		}
		return nil, err
	}
	if r.sweepHalfPod(ctx, row) {
		return nil, noSuchPod(idOrName)
	}
	return wrapPod(row)
}

// Pods lists every pod, newest first, sweeping half-made ones.
func (r *Runtime) Pods(ctx context.Context) ([]*Pod, error) {
	rows, err := r.db.ListPods(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Pod
	for _, row := range rows {
		if r.sweepHalfPod(ctx, row) {
			continue
		}
		p, err := wrapPod(row)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// PodExists reports whether a pod of that name or ID exists.
func (r *Runtime) PodExists(ctx context.Context, idOrName string) (bool, error) {
	_, err := r.Pod(ctx, idOrName)
	if errors.Is(err, errdefs.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// podContainers returns the pod's containers, reconciled, newest first;
// the infra container is among them.
func (r *Runtime) podContainers(ctx context.Context, p *Pod) ([]*Container, error) {
	rows, err := r.db.PodContainers(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	var out []*Container
	for _, row := range rows {
		c, err := wrap(row)
		if err != nil {
			return nil, err
		}
		if isActive(c.Status) && r.reconcile(ctx, c) {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// lockPod takes the pod's lifecycle lock: pod start, stop, rm and a
// container joining it exclude each other. Container locks are taken
// inside it, never the other way round.
func (r *Runtime) lockPod(ctx context.Context, id string) (*lock.Lock, error) {
	l, err := lock.Acquire(ctx, r.podRunDir("locks", "pod-"+id+".lock"))
	if err != nil {
		return nil, fmt.Errorf("lock pod %s: %w", shortID(id), err)
	}
	return l, nil
}

// sweepHalfPod removes a pod whose maker died before it was made (its
// Creator tag names a process that is gone): its infra container's storage
// and rows. It reports whether the pod is gone.
func (r *Runtime) sweepHalfPod(ctx context.Context, row *state.Pod) bool {
	if row.Creator == "" || !detach.TagGone(row.Creator) {
		return false
	}
	l, err := r.lockPod(ctx, row.ID)
	if err != nil {
		return false
	}
	defer l.Release()
	// Another command may have swept it meanwhile.
	if fresh, err := r.db.GetPod(ctx, row.ID); err != nil || fresh.Creator != row.Creator {
		return err != nil
	}
	if err := r.removeHalfPod(context.WithoutCancel(ctx), row); err != nil {
		logrus.Warnf("remove pod %s left half-made: %v", shortID(row.ID), err)
		return false
	}
	logrus.Debugf("removed pod %s, left half-made by a pod that died", shortID(row.ID))
	return true
}

// removeHalfPod undoes a pod create: the infra container (storage, row),
// then the pod row.
func (r *Runtime) removeHalfPod(ctx context.Context, row *state.Pod) error {
	if row.InfraID != "" {
		if st, err := r.storage(); err == nil {
			if err := st.DeleteContainer(row.InfraID); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
				logrus.Debugf("delete storage of infra container %s: %v", shortID(row.InfraID), err)
			}
		}
		if err := r.db.Remove(ctx, row.InfraID); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return err
		}
	}
	if err := r.db.RemovePod(ctx, row.ID); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return err
	}
	return nil
}

// PodStatus is podman's summary of a pod's containers: Created, Running,
// Degraded (some running), Paused, Exited, Stopped.
func PodStatus(ctrs []*Container) string {
	if len(ctrs) == 0 {
		return "Created"
	}
	var created, running, paused, exited int
	for _, c := range ctrs {
		switch c.Status {
		case state.StatusCreated, state.StatusInitialized:
			created++
		case state.StatusRunning, state.StatusStopping:
			running++
		case state.StatusPaused:
			paused++
		default:
			exited++
		}
	}
	n := len(ctrs)
	switch {
	case running == n:
		return "Running"
	case running > 0:
		return "Degraded"
	case paused == n:
		return "Paused"
	case created == n:
		return "Created"
	case exited == n:
		return "Exited"
	case paused > 0:
		return "Degraded"
	}
	return "Stopped"
}

// podEvent records action on pod p.
func (r *Runtime) podEvent(ctx context.Context, p *state.Pod, action string) {
	r.recordEvent(ctx, &state.Event{Type: EventTypePod, Action: action, ActorID: p.ID, Name: p.Name,
		Attributes: map[string]string{"name": p.Name}, Time: time.Now()})
}

// fillPodNames sets PodName of the listed containers that belong to a pod,
// with one query of the pods when any does.
func (r *Runtime) fillPodNames(ctx context.Context, list []*ListedContainer) {
	if !slices.ContainsFunc(list, func(lc *ListedContainer) bool { return lc.PodID != "" }) {
		return
	}
	pods, err := r.db.ListPods(ctx)
	if err != nil {
		logrus.Debugf("list pods for ps: %v", err)
		return
	}
	names := map[string]string{}
	for _, p := range pods {
		names[p.ID] = p.Name
	}
	for _, lc := range list {
		lc.PodName = names[lc.PodID]
	}
}

// PodMembers returns the pod and its containers other than the infra
// container, oldest first.
func (r *Runtime) PodMembers(ctx context.Context, idOrName string) (*Pod, []*Container, error) {
	p, err := r.Pod(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	ctrs, err := r.podContainers(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	var out []*Container
	for i := len(ctrs) - 1; i >= 0; i-- {
		if ctrs[i].ID != p.InfraID {
			out = append(out, ctrs[i])
		}
	}
	return p, out, nil
}

// PodTop lists the processes of the pod's running containers, as Top does
// for one: the header row, then one row per process. A pod sharing its
// PID namespace is listed once, from its infra container.
func (r *Runtime) PodTop(ctx context.Context, idOrName string, args []string) ([][]string, error) {
	p, members, err := r.PodMembers(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	ids := []string{}
	if p.InfraID != "" {
		ids = append(ids, p.InfraID)
	}
	if !p.Shares("pid") || p.InfraID == "" {
		for _, c := range members {
			ids = append(ids, c.ID)
		}
	}
	var out [][]string
	for _, id := range ids {
		c, err := r.Container(ctx, id)
		if err != nil || !runningLike(c.Status) {
			continue
		}
		rows, err := r.Top(ctx, id, args)
		if err != nil {
			return nil, fmt.Errorf("top %s: %w", c.Name, err)
		}
		if len(rows) == 0 {
			continue
		}
		if out == nil {
			out = append(out, rows[0])
		}
		out = append(out, rows[1:]...)
	}
	if out == nil {
		return nil, errdefs.Conflictf("pod %s has no running containers", p.Name)
	}
	return out, nil
}
