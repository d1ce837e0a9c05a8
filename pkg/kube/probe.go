package kube

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/pod-engine/pod/pkg/specgen"
)

// Kubernetes' defaults for what a probe leaves unset.
const (
	probePeriod  = 10 * time.Second
	probeTimeout = 1 * time.Second
	probeRetries = 3
)

// Healthcheck turns a container's probes into the one healthcheck a pod
// container has. The livenessProbe is the check, and its failure restarts
// the container (kills it under restartPolicy Never), as the kubelet does;
// with no livenessProbe the readinessProbe is the check, reporting health
// only. A startupProbe holds the check's failures off for as long as the
// kubelet would wait for it (its start period). notes are the probes or
// settings that could not be carried, one line each. ok is false when the
// container has no probe pod runs.
func Healthcheck(c *v1.Container, policy v1.RestartPolicy) (h specgen.HealthOptions, notes []string, ok bool, err error) {
	p, onFailure := c.LivenessProbe, "restart"
	if policy == v1.RestartPolicyNever {
		onFailure = "kill"
	}
	if p == nil {
		p, onFailure = c.ReadinessProbe, ""
	} else if c.ReadinessProbe != nil {
		notes = append(notes, "readinessProbe ignored: the livenessProbe is the container's healthcheck")
	}
	if p == nil {
		if c.StartupProbe != nil {
			notes = append(notes, "startupProbe ignored: it only delays a livenessProbe or readinessProbe, and there is none")
		}
		return h, notes, false, nil
	}
	test, err := probeTest(c, p)
	if err != nil {
		return h, notes, false, err
	}
	b, err := json.Marshal(test)
	if err != nil {
		return h, notes, false, err
	}
	period := seconds(p.PeriodSeconds, probePeriod)
	start := time.Duration(p.InitialDelaySeconds) * time.Second
	if s := c.StartupProbe; s != nil {
		// The kubelet gives a starting container initialDelay plus
		// failureThreshold periods of the startup probe before the other
		// probes count.
		d := time.Duration(s.InitialDelaySeconds)*time.Second + time.Duration(retries(s.FailureThreshold))*seconds(s.PeriodSeconds, probePeriod)
		start = max(start, d)
	}
	n := retries(p.FailureThreshold)
	h = specgen.HealthOptions{
		Cmd:       string(b),
		Interval:  period.String(),
		Timeout:   seconds(p.TimeoutSeconds, probeTimeout).String(),
		Retries:   &n,
		OnFailure: onFailure,
	}
	if start > 0 {
		h.StartPeriod = start.String()
	}
	return h, notes, true, nil
}

func seconds(n int32, def time.Duration) time.Duration {
	if n <= 0 {
		return def
	}
	return time.Duration(n) * time.Second
}

func retries(n int32) int {
	if n <= 0 {
		return probeRetries
	}
	return int(n)
}

// probeTest is the healthcheck test of a probe: exec runs its command;
// httpGet and tcpSocket run a shell line with the tools the image has
// (wget or curl, nc), as the check runs inside the container.
func probeTest(c *v1.Container, p *v1.Probe) ([]string, error) {
	switch {
	case p.Exec != nil:
		if len(p.Exec.Command) == 0 {
			return nil, fmt.Errorf("exec.command: required")
		}
		return append([]string{"CMD"}, p.Exec.Command...), nil
	case p.HTTPGet != nil:
		g := p.HTTPGet
		port, err := probePort(c, g.Port.String(), g.Port.IntValue())
		if err != nil {
			return nil, fmt.Errorf("httpGet.port: %w", err)
		}
		host := g.Host
		if host == "" {
			host = "127.0.0.1"
		}
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		scheme := "http"
		wgetTLS, curlTLS := "", ""
		if g.Scheme == v1.URISchemeHTTPS {
			// The kubelet does not verify the certificate either.
			scheme, wgetTLS, curlTLS = "https", " --no-check-certificate", " -k"
		}
		path := g.Path
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		url := shellQuote(fmt.Sprintf("%s://%s:%d%s", scheme, host, port, path))
		var wh, ch string
		for _, hd := range g.HTTPHeaders {
			v := shellQuote(hd.Name + ": " + hd.Value)
			wh += " --header " + v
			ch += " -H " + v
		}
		return []string{"CMD-SHELL", fmt.Sprintf("wget -q -O /dev/null%s%s %s || curl -fsS -o /dev/null%s%s %s",
			wgetTLS, wh, url, curlTLS, ch, url)}, nil
	case p.TCPSocket != nil:
		port, err := probePort(c, p.TCPSocket.Port.String(), p.TCPSocket.Port.IntValue())
		if err != nil {
			return nil, fmt.Errorf("tcpSocket.port: %w", err)
		}
		host := p.TCPSocket.Host
		if host == "" {
			host = "127.0.0.1"
		}
		// nc -z where nc has it; busybox's nc has not, and connects and
		// closes on its empty stdin instead.
		t := strconv.Itoa(int(seconds(p.TimeoutSeconds, probeTimeout).Seconds()))
		return []string{"CMD-SHELL", fmt.Sprintf("nc -z -w %s %s %d 2>/dev/null || nc -w %s %s %d </dev/null >/dev/null",
			t, shellQuote(host), port, t, shellQuote(host), port)}, nil
	case p.GRPC != nil:
		return nil, fmt.Errorf("grpc: not supported: use exec, httpGet or tcpSocket")
	}
	return nil, fmt.Errorf("exec: a probe needs exec, httpGet or tcpSocket")
}

// probePort resolves a probe's port: a number, or the name of one of the
// container's ports.
func probePort(c *v1.Container, s string, n int) (int, error) {
	if n > 0 && n <= 65535 {
		return n, nil
	}
	if _, err := strconv.Atoi(s); err == nil {
		return 0, fmt.Errorf("%s is not a port", s)
	}
	for _, p := range c.Ports {
		if p.Name == s {
			return int(p.ContainerPort), nil
		}
	}
	return 0, fmt.Errorf("%q names no port of the container", s)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
