package network

import (
	"errors"
	"net"
	"reflect"
	"strconv"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestParsePorts(t *testing.T) {
	tests := []struct {
		in   []string
		want []PortMapping
		err  error
	}{
		{in: []string{"80"}, want: []PortMapping{{ContainerPort: 80, Protocol: "tcp"}}},
		{in: []string{"8080:80"}, want: []PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}},
		{in: []string{"127.0.0.1:8080:80/udp"}, want: []PortMapping{{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Protocol: "udp"}}},
		{in: []string{"0.0.0.0:8080:80"}, want: []PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}},
		{in: []string{"127.0.0.1::80"}, want: []PortMapping{{HostIP: "127.0.0.1", ContainerPort: 80, Protocol: "tcp"}}},
		{in: []string{"[::1]:8080:80"}, want: []PortMapping{{HostIP: "::1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}},
		{in: []string{"8000-8002:9000-9002"}, want: []PortMapping{{HostPort: 8000, ContainerPort: 9000, Protocol: "tcp", Range: 3}}},
		{in: []string{"8080:80", "8080:80/udp"}, want: []PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}, {HostPort: 8080, ContainerPort: 80, Protocol: "udp"}}},
		{in: []string{"127.0.0.1:8080:80", "127.0.0.2:8080:81"}, want: []PortMapping{{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}, {HostIP: "127.0.0.2", HostPort: 8080, ContainerPort: 81, Protocol: "tcp"}}},
		{in: []string{"0:80"}, err: errdefs.ErrInvalidArg},
		{in: []string{"70000:80"}, err: errdefs.ErrInvalidArg},
		{in: []string{"abc"}, err: errdefs.ErrInvalidArg},
		{in: []string{"80/icmp"}, err: errdefs.ErrInvalidArg},
		{in: []string{"8000-8001:80"}, err: errdefs.ErrInvalidArg},
		{in: []string{"9-8:8-9"}, err: errdefs.ErrInvalidArg},
		{in: []string{"300.1.1.1:80:80"}, err: errdefs.ErrInvalidArg},
		{in: []string{"1:2:3:4"}, err: errdefs.ErrInvalidArg},
		{in: []string{"8080:80", "8080:81"}, err: errdefs.ErrInvalidArg},
		{in: []string{"8000-8005:80-85", "8003:90"}, err: errdefs.ErrInvalidArg},
		{in: []string{"127.0.0.1:8080:80", "8080:81"}, err: errdefs.ErrInvalidArg},
	}
	for _, tt := range tests {
		t.Run(tt.in[len(tt.in)-1], func(t *testing.T) {
			got, err := ParsePorts(tt.in)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("ParsePorts(%q) error = %v, want %v", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParsePorts(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestPortString(t *testing.T) {
	pm := PortMapping{HostPort: 8000, ContainerPort: 80, Protocol: "tcp", Range: 2}
	if got, want := pm.String(), "80/tcp -> 0.0.0.0:8000\n81/tcp -> 0.0.0.0:8001"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
}

func TestCheckHostPorts(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := uint16(l.Addr().(*net.TCPAddr).Port)
	err = CheckHostPorts([]PortMapping{{HostIP: "127.0.0.1", HostPort: port, ContainerPort: 80, Protocol: "tcp"}})
	if !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("bound port: got %v, want ErrConflict", err)
	}
	want := "host port " + strconv.Itoa(int(port)) + "/tcp is already bound on the host"
	if err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
	free, err := AssignHostPorts([]PortMapping{{ContainerPort: 80, Protocol: "tcp"}})
	if err != nil {
		t.Fatal(err)
	}
	if free[0].HostPort == 0 {
		t.Fatal("AssignHostPorts left port 0")
	}
	if err := CheckHostPorts(free); err != nil {
		t.Fatalf("free port: %v", err)
	}
}

func TestExpandExposed(t *testing.T) {
	got, err := ExpandExposed([]string{"80/tcp", "53/udp", "8000-8001"})
	if err != nil {
		t.Fatal(err)
	}
	want := []PortMapping{{ContainerPort: 80, Protocol: "tcp"}, {ContainerPort: 53, Protocol: "udp"}, {ContainerPort: 8000, Protocol: "tcp"}, {ContainerPort: 8001, Protocol: "tcp"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
