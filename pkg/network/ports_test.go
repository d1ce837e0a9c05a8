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
		err  string // the whole message, when an error is wanted
	}{
		{in: []string{"80"}, want: []PortMapping{{ContainerPort: 80, Protocol: "tcp"}}},
		{in: []string{"8080:80"}, want: []PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}},
		{in: []string{"8080:80/udp"}, want: []PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "udp"}}},
		{in: []string{"8080:80/sctp"}, want: []PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "sctp"}}},
		{in: []string{"127.0.0.1:8080:80/udp"}, want: []PortMapping{{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Protocol: "udp"}}},
		{in: []string{"0.0.0.0:8080:80"}, want: []PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}},
		{in: []string{"[::]:8080:80"}, want: []PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}},
		{in: []string{"127.0.0.1::80"}, want: []PortMapping{{HostIP: "127.0.0.1", ContainerPort: 80, Protocol: "tcp"}}},
		{in: []string{"[::1]:8080:80"}, want: []PortMapping{{HostIP: "::1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}},
		{in: []string{"[::1]::80"}, want: []PortMapping{{HostIP: "::1", ContainerPort: 80, Protocol: "tcp"}}},
		{in: []string{"8000-8002:9000-9002"}, want: []PortMapping{{HostPort: 8000, ContainerPort: 9000, Protocol: "tcp", Range: 3}}},
		{in: []string{"8000-8001:80-81/udp"}, want: []PortMapping{{HostPort: 8000, ContainerPort: 80, Protocol: "udp", Range: 2}}},
		{in: []string{"80-81"}, want: []PortMapping{{ContainerPort: 80, Protocol: "tcp", Range: 2}}},
		{in: []string{"8080:80", "8080:80/udp"}, want: []PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}, {HostPort: 8080, ContainerPort: 80, Protocol: "udp"}}},
		{in: []string{"127.0.0.1:8080:80", "127.0.0.2:8080:81"}, want: []PortMapping{{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}, {HostIP: "127.0.0.2", HostPort: 8080, ContainerPort: 81, Protocol: "tcp"}}},
		// nat's additions over pod's old parser, as Docker takes them.
		{in: []string{"8080:80/UDP"}, want: []PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "udp"}}},
		{in: []string{"::1:8080:80"}, want: []PortMapping{{HostIP: "::1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}},
		{in: []string{"0:80"}, err: `invalid --publish "0:80": host port 0 (leave it out for a free port)`},
		{in: []string{"8080:0"}, err: `invalid --publish "8080:0": container port 0`},
		{in: []string{"70000:80"}, err: `invalid --publish "70000:80": invalid hostPort: 70000`},
		{in: []string{"8080:70000"}, err: `invalid --publish "8080:70000": invalid containerPort: 70000`},
		{in: []string{"abc"}, err: `invalid --publish "abc": invalid containerPort: abc`},
		{in: []string{""}, err: `invalid --publish "": no port specified: <empty>`},
		{in: []string{"80/icmp"}, err: `invalid --publish "80/icmp": invalid proto: icmp`},
		{in: []string{"8000-8001:80"}, err: `invalid --publish "8000-8001:80": host range 8000-8001 for one container port: give a container range of the same length`},
		{in: []string{"8000-8002:80-81"}, err: `invalid --publish "8000-8002:80-81": invalid ranges specified for container and host Ports: 80-81 and 8000-8002`},
		{in: []string{"9-8:8-9"}, err: `invalid --publish "9-8:8-9": invalid hostPort: 9-8`},
		{in: []string{"300.1.1.1:80:80"}, err: `invalid --publish "300.1.1.1:80:80": invalid IP address: 300.1.1.1`},
		{in: []string{"1:2:3:4"}, err: `invalid --publish "1:2:3:4": invalid IP address: 1:2`},
		{in: []string{"8080:80", "8080:81"}, err: "host port 8080/tcp is published twice"},
		{in: []string{"8000-8005:80-85", "8003:90"}, err: "host port 8003/tcp is published twice"},
		{in: []string{"127.0.0.1:8080:80", "8080:81"}, err: "host port 8080/tcp is published twice"},
	}
	for _, tt := range tests {
		t.Run(tt.in[len(tt.in)-1], func(t *testing.T) {
			got, err := ParsePorts(tt.in)
			if tt.err != "" {
				if !errors.Is(err, errdefs.ErrInvalidArg) || err.Error() != tt.err {
					t.Fatalf("ParsePorts(%q) = %+v, %v; want the invalid-argument error %q", tt.in, got, err, tt.err)
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
	for _, bad := range []string{"http", "80/icmp", "0", "8080:80", "127.0.0.1::80", "90-80"} {
		if got, err := ExpandExposed([]string{bad}); !errors.Is(err, errdefs.ErrInvalidArg) {
			t.Errorf("ExpandExposed(%q) = %+v, %v; want an invalid-argument error", bad, got, err)
		}
	}
}

// A host port whose last connections are in TIME_WAIT (the server side
// closed first, as a stopped container's port forwarder does) is free: the
// next run may publish it at once. A listener on the loopback address still
// conflicts with the wildcard address.
func TestCheckHostPortsTimeWait(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := uint16(l.Addr().(*net.TCPAddr).Port)
	wildcard := []PortMapping{{HostPort: port, ContainerPort: 80, Protocol: "tcp"}}
	if err := CheckHostPorts(wildcard); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("wildcard over a loopback listener: got %v, want ErrConflict", err)
	}
	accepted := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			err = c.Close()
		}
		accepted <- err
	}()
	c, err := net.Dial("tcp4", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if err := <-accepted; err != nil {
		t.Fatal(err)
	}
	// Read the server's FIN before closing: the server side is the one
	// left in TIME_WAIT.
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("read after the server closed returned data")
	}
	c.Close()
	l.Close()
	if err := CheckHostPorts(wildcard); err != nil {
		t.Fatalf("port in TIME_WAIT: %v", err)
	}
}
