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

// PortJSON is one published port in ps --format json, podman's shape.
type PortJSON struct {
	HostIP        string `json:"host_ip"`
	ContainerPort uint16 `json:"container_port"`
	HostPort      uint16 `json:"host_port"`
	Range         int    `json:"range"`
	Protocol      string `json:"protocol"`
}

func portsJSON(ports []network.PortMapping) []PortJSON {
	out := []PortJSON{}
	for _, p := range ports {
		out = append(out, PortJSON{HostIP: p.HostIP, ContainerPort: p.ContainerPort, HostPort: p.HostPort, Range: p.Count(), Protocol: p.Protocol})
	}
	return out
}
