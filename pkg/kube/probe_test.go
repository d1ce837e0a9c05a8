package kube

import (
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestHealthcheck(t *testing.T) {
	web := []v1.ContainerPort{{Name: "http", ContainerPort: 8080}}
	for _, tc := range []struct {
		name      string
		c         v1.Container
		policy    v1.RestartPolicy
		cmd       string
		interval  string
		start     string
		retries   int
		onFailure string
		notes     int
	}{
		{name: "liveness exec, defaults", c: v1.Container{LivenessProbe: &v1.Probe{ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"cat", "/ok"}}}}},
			cmd: `["CMD","cat","/ok"]`, interval: "10s", retries: 3, onFailure: "restart"},
		{name: "liveness under Never kills", policy: v1.RestartPolicyNever,
			c:   v1.Container{LivenessProbe: &v1.Probe{ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"true"}}}, PeriodSeconds: 2, FailureThreshold: 5, InitialDelaySeconds: 4}},
			cmd: `["CMD","true"]`, interval: "2s", start: "4s", retries: 5, onFailure: "kill"},
		{name: "readiness httpGet on a named port", c: v1.Container{Ports: web, ReadinessProbe: &v1.Probe{ProbeHandler: v1.ProbeHandler{HTTPGet: &v1.HTTPGetAction{Path: "healthz", Port: intstr.FromString("http")}}}},
			cmd: `wget -q -O /dev/null 'http://127.0.0.1:8080/healthz' || curl -fsS -o /dev/null 'http://127.0.0.1:8080/healthz'`, interval: "10s", retries: 3},
		{name: "liveness wins over readiness, startup delays it",
			c: v1.Container{
				LivenessProbe:  &v1.Probe{ProbeHandler: v1.ProbeHandler{TCPSocket: &v1.TCPSocketAction{Port: intstr.FromInt32(6379)}}},
				ReadinessProbe: &v1.Probe{ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"true"}}}},
				StartupProbe:   &v1.Probe{ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"true"}}}, PeriodSeconds: 5, FailureThreshold: 6},
			},
			cmd: "nc -z -w 1 '127.0.0.1' 6379", interval: "10s", start: "30s", retries: 3, onFailure: "restart", notes: 1},
		{name: "startup alone", c: v1.Container{StartupProbe: &v1.Probe{ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"true"}}}}}, notes: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, notes, ok, err := Healthcheck(&tc.c, tc.policy)
			if err != nil {
				t.Fatal(err)
			}
			if len(notes) != tc.notes {
				t.Errorf("notes %q", notes)
			}
			if tc.cmd == "" {
				if ok {
					t.Fatalf("healthcheck %+v, want none", h)
				}
				return
			}
			if !ok || !strings.Contains(h.Cmd, tc.cmd) || h.Interval != tc.interval || h.StartPeriod != tc.start ||
				h.Retries == nil || *h.Retries != tc.retries || h.OnFailure != tc.onFailure || h.Timeout != "1s" {
				t.Errorf("healthcheck %+v (retries %v)", h, *h.Retries)
			}
		})
	}
}
