package engine

import (
	"errors"
	"slices"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/state"
)

func TestParseShare(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		in   *string
		want []string
		err  error
	}{
		{nil, []string{"net", "ipc", "uts"}, nil},
		{s("net"), []string{"net"}, nil},
		{s("+pid"), []string{"net", "ipc", "uts", "pid"}, nil},
		{s("ipc,net,ipc"), []string{"ipc", "net"}, nil},
		{s("none"), []string{}, nil},
		{s("none,net"), nil, errdefs.ErrInvalidArg},
		{s("cgroup"), nil, errdefs.ErrNotImplemented},
		{s("bogus"), nil, errdefs.ErrInvalidArg},
	} {
		got, err := parseShare(tc.in)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("parseShare(%v): %v, want %v", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("parseShare(%v) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestPodStatus(t *testing.T) {
	ctrs := func(st ...state.Status) []*Container {
		var out []*Container
		for _, s := range st {
			out = append(out, &Container{Container: &state.Container{Status: s}})
		}
		return out
	}
	for _, tc := range []struct {
		in   []*Container
		want string
	}{
		{nil, "Created"},
		{ctrs(state.StatusRunning, state.StatusRunning), "Running"},
		{ctrs(state.StatusRunning, state.StatusExited), "Degraded"},
		{ctrs(state.StatusPaused, state.StatusPaused), "Paused"},
		{ctrs(state.StatusCreated, state.StatusCreated), "Created"},
		{ctrs(state.StatusExited, state.StatusExited), "Exited"},
		{ctrs(state.StatusCreated, state.StatusExited), "Stopped"},
	} {
		if got := PodStatus(tc.in); got != tc.want {
			t.Errorf("PodStatus(%d containers) = %s, want %s", len(tc.in), got, tc.want)
		}
	}
}

func TestKubePublish(t *testing.T) {
	spec := &v1.PodSpec{Containers: []v1.Container{{Name: "web", Ports: []v1.ContainerPort{
		{Name: "http", ContainerPort: 8080},
		{ContainerPort: 53, HostPort: 5353, Protocol: v1.ProtocolUDP, HostIP: "127.0.0.1"},
	}}}}
	svc := func(name string, sel map[string]string, p v1.ServicePort) *v1.Service {
		return &v1.Service{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: v1.ServiceSpec{Selector: sel, Ports: []v1.ServicePort{p}}}
	}
	got, err := kubePublish(spec, map[string]string{"app": "web"}, []*v1.Service{
		svc("named", map[string]string{"app": "web"}, v1.ServicePort{Port: 80, TargetPort: intstr.FromString("http"), NodePort: 30080}),
		svc("plain", map[string]string{"app": "web"}, v1.ServicePort{Port: 9000, NodePort: 30090}),
		svc("other", map[string]string{"app": "db"}, v1.ServicePort{Port: 5432, NodePort: 30432}),
		svc("clusterip", map[string]string{"app": "web"}, v1.ServicePort{Port: 81}),
	})
	want := []string{"127.0.0.1:5353:53/udp", "30080:8080/tcp", "30090:9000/tcp"}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("kubePublish = %v, %v; want %v", got, err, want)
	}
	_, err = kubePublish(spec, map[string]string{"app": "web"}, []*v1.Service{
		svc("bad", map[string]string{"app": "web"}, v1.ServicePort{Port: 80, TargetPort: intstr.FromString("nope"), NodePort: 30081}),
	})
	if !errors.Is(err, errdefs.ErrInvalidArg) {
		t.Fatalf("a targetPort naming no port: %v", err)
	}
}

func TestKubeVolumeName(t *testing.T) {
	for in, want := range map[string]string{
		"/var/lib/Data": "var-lib-data",
		"pp-data":       "pp-data",
		"/":             "root",
	} {
		if got := kubeVolumeName(in); got != want {
			t.Errorf("kubeVolumeName(%q) = %q, want %q", in, got, want)
		}
	}
}
