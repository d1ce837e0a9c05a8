package build

import (
	"runtime"
	"testing"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

func TestPlatform(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		native   bool
	}{
		{"linux/arm64/v8", "linux/arm64/v8", runtime.GOARCH == "arm64"},
		{"linux/" + runtime.GOARCH, "linux/" + runtime.GOARCH, true},
		{"/s390x", "linux/s390x", runtime.GOARCH == "s390x"},
	} {
		p, err := ParsePlatform(tc.in)
		if err != nil || p.String() != tc.want || p.native() != tc.native {
			t.Errorf("%s: %v %s native %v", tc.in, err, p, p.native())
		}
	}
	if _, err := ParsePlatform("linux"); err == nil {
		t.Error("a platform without architecture was accepted")
	}
	b := &Builder{o: Options{Platform: Platform{Arch: "arm64", Variant: "v8", OSFeatures: []string{"f"}}}}
	cfg := emptyConfig()
	if !b.setPlatform(&cfg) || cfg.Architecture != "arm64" || cfg.Variant != "v8" || len(cfg.OSFeatures) != 1 || cfg.OS != "linux" {
		t.Errorf("setPlatform: %+v", cfg.Platform)
	}
	if b.setPlatform(&cfg) {
		t.Error("setPlatform changed an image already of its platform")
	}
	var other dockerspec.DockerOCIImage
	other.OS, other.Architecture = "linux", "arm64"
	if !b.matches(&other) {
		t.Error("an arm64 image without variant does not match linux/arm64/v8")
	}
	if got := unsetEnv([]string{"A=1", "B=2", "A=3"}, "A"); len(got) != 1 || got[0] != "B=2" {
		t.Errorf("unsetEnv: %q", got)
	}
}
