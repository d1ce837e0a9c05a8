package views

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/pod-engine/pod/pkg/network"
)

// formatPorts is ps's PORTS column, as Docker prints it:
// "0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp", ranges collapsed.
func formatPorts(ports []network.PortMapping) string {
	var out []string
	for _, p := range ports {
		ip := p.HostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		host, ctr := strconv.Itoa(int(p.HostPort)), strconv.Itoa(int(p.ContainerPort))
		if n := p.Count(); n > 1 {
			host += "-" + strconv.Itoa(int(p.HostPort)+n-1)
			ctr += "-" + strconv.Itoa(int(p.ContainerPort)+n-1)
		}
		out = append(out, fmt.Sprintf("%s->%s/%s", net.JoinHostPort(ip, host), ctr, p.Protocol))
	}
	return strings.Join(out, ", ")
}

// portsJSON is ps --format json's Ports, podman's shape.
func portsJSON(ports []network.PortMapping) []any {
	out := []any{}
	for _, p := range ports {
		out = append(out, map[string]any{
			"host_ip": p.HostIP, "container_port": p.ContainerPort, "host_port": p.HostPort,
			"range": p.Count(), "protocol": p.Protocol,
		})
	}
	return out
}
