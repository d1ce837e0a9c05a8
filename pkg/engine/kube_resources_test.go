package engine

import (
	"os"
	"path/filepath"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/pod-engine/pod/pkg/specgen"
)

// Resources played and generated again come back the same.
func TestKubeResourcesRoundTrip(t *testing.T) {
	for _, cpu := range []string{"1m", "100m", "250m", "1", "3500m"} {
		in := v1.ResourceRequirements{
			Limits:   v1.ResourceList{v1.ResourceMemory: resource.MustParse("64Mi"), v1.ResourceCPU: resource.MustParse("500m")},
			Requests: v1.ResourceList{v1.ResourceMemory: resource.MustParse("32Mi"), v1.ResourceCPU: resource.MustParse(cpu)},
		}
		var l LimitOptions
		kubeResources(&l, in)
		res, err := specgen.BuildResources(nil, l)
		if err != nil {
			t.Fatal(err)
		}
		out := kubeResourcesOf(res)
		want := cpu
		if cpu == "1m" {
			want = "2m" // 2 shares, the kernel's least
		}
		if out.Limits.Memory().String() != "64Mi" || out.Limits.Cpu().String() != "500m" ||
			out.Requests.Memory().String() != "32Mi" || out.Requests.Cpu().String() != want {
			t.Errorf("%s: came back as %+v", cpu, out)
		}
	}
}

func TestKubeBuildDir(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"app", "web"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "app", "Containerfile"), []byte("FROM scratch\n"), 0o644)
	for image, want := range map[string]string{
		"localhost/app:1":             filepath.Join(dir, "app"),
		"app":                         filepath.Join(dir, "app"),
		"registry.example:5000/x/app": filepath.Join(dir, "app"),
		"web":                         "", // no Containerfile
		"localhost/other:latest":      "",
		"app@sha256:0000000000000000000000000000000000000000000000000000000000000000": filepath.Join(dir, "app"),
	} {
		got, ok := kubeBuildDir(dir, image)
		if got != want || ok != (want != "") {
			t.Errorf("%s: %q %v, want %q", image, got, ok, want)
		}
	}
}
