package engine

import (
	"bytes"
	"testing"
)

func TestPodCgroupName(t *testing.T) {
	for _, c := range []struct{ manager, parent, want string }{
		{"cgroupfs", "", "pod/pod_ID"},
		{"cgroupfs", "/my/parent", "/my/parent/pod_ID"},
		{"systemd", "", "machine-pod_ID.slice"},
		{"systemd", "app.slice", "app-pod_ID.slice"},
	} {
		if got := podCgroupName(c.manager, c.parent, "ID"); got != c.want {
			t.Errorf("podCgroupName(%q, %q) = %q, want %q", c.manager, c.parent, got, c.want)
		}
	}
}

func TestSlicePath(t *testing.T) {
	for in, want := range map[string]string{
		"machine.slice":       "machine.slice",
		"machine-pod_x.slice": "machine.slice/machine-pod_x.slice",
		"a-b-pod_x.slice":     "a.slice/a-b.slice/a-b-pod_x.slice",
	} {
		if got := slicePath(in); got != want {
			t.Errorf("slicePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCPUMask(t *testing.T) {
	for in, want := range map[string][]byte{
		"0":     {0x01},
		"0-2,5": {0x27},
		"1,8":   {0x02, 0x01},
		"9-10":  {0x00, 0x06},
	} {
		if got := cpuMask(in); !bytes.Equal(got, want) {
			t.Errorf("cpuMask(%q) = %x, want %x", in, got, want)
		}
	}
}
