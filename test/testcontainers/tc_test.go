// Package testcontainers drives pod's API service with testcontainers-go,
// as a Go test suite would: a module of its own, so that pod's go.mod
// does not carry testcontainers' dependencies. test/e2e builds this test
// and runs it against a service (TestAPITestcontainers); alone it needs
// DOCKER_HOST and POD_TC_IMAGE.
package testcontainers

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

func TestContainer(t *testing.T) {
	img := os.Getenv("POD_TC_IMAGE")
	if img == "" || os.Getenv("DOCKER_HOST") == "" {
		t.Skip("run by test/e2e's TestAPITestcontainers (needs DOCKER_HOST and POD_TC_IMAGE)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:        img,
			Cmd:          []string{"sh", "-c", "mkdir -p /www && echo hello-testcontainers > /www/index.html && echo server ready && exec httpd -f -p 8080 -h /www"},
			ExposedPorts: []string{"8080/tcp"},
			WaitingFor: wait.ForAll(
				wait.ForLog("server ready"),
				wait.ForListeningPort("8080/tcp"),
			).WithDeadline(time.Minute),
		},
		Started: true,
	})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	endpoint, err := c.PortEndpoint(ctx, "8080/tcp", "http")
	if err != nil {
		t.Fatalf("endpoint: %v", err)
	}
	var body string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := http.Get(endpoint + "/")
		if err != nil {
			continue
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(data)
		break
	}
	if body != "hello-testcontainers\n" {
		t.Errorf("GET %s: %q", endpoint, body)
	}
	code, out, err := c.Exec(ctx, []string{"cat", "/www/index.html"})
	if err != nil || code != 0 {
		t.Errorf("exec: %d %v", code, err)
	} else if data, _ := io.ReadAll(out); !strings.Contains(string(data), "hello-testcontainers") {
		t.Errorf("exec output %q", data)
	}
	if err := c.Terminate(ctx); err != nil {
		t.Errorf("terminate: %v", err)
	}
}
