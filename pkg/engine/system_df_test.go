package engine

import (
	"reflect"
	"testing"

	"github.com/pod-engine/pod/pkg/images"
)

func TestDiskUsageTotals(t *testing.T) {
	du := &DiskUsage{
		Images:            []images.ImageUsage{{ID: "a", Containers: 2}, {ID: "b"}},
		ImagesSize:        300,
		ImagesReclaimable: 100,
		Containers: []ContainerUsage{
			{ID: "run", Running: true, Size: 10},
			{ID: "stopped", Size: 30},
		},
		Volumes: []VolumeUsage{{Name: "used", Links: 1, Size: 5}, {Name: "free", Size: 7}, {Name: "empty"}},
	}
	want := []UsageTotal{
		{Kind: "Images", Total: 2, Active: 1, Size: 300, Reclaimable: 100},
		{Kind: "Containers", Total: 2, Active: 1, Size: 40, Reclaimable: 30},
		{Kind: "Local Volumes", Total: 3, Active: 1, Size: 12, Reclaimable: 7},
	}
	if got := du.totals(); !reflect.DeepEqual(got, want) {
		t.Errorf("totals:\n got %+v\nwant %+v", got, want)
	}
	if got := (&DiskUsage{}).totals(); len(got) != 3 || got[0] != (UsageTotal{Kind: "Images"}) {
		t.Errorf("empty totals: %+v", got)
	}
}
