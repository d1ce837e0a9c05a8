package engine

import (
	"testing"

	"github.com/pod-engine/pod/pkg/specgen"
)

func TestInspectLimits(t *testing.T) {
	pids := int64(100)
	res, err := specgen.BuildResources(nil, LimitOptions{Memory: "64m", CPUs: 0.5, PidsLimit: &pids, OOMKillDisable: true})
	if err != nil {
		t.Fatal(err)
	}
	if l := inspectLimits(&ContainerConfig{Resources: res}); l.NanoCpus != 5e8 || l.Memory != 64<<20 || l.PidsLimit != 100 || !l.OomKillDisable {
		t.Errorf("inspect limits %+v", l)
	}
}
