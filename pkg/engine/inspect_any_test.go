package engine

import (
	"errors"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestInspectAnyOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		o       InspectAnyOptions
		wantErr bool
	}{
		{InspectAnyOptions{}, false},
		{InspectAnyOptions{Kind: InspectAll, Size: true}, false},
		{InspectAnyOptions{Kind: InspectContainer, Size: true}, false},
		{InspectAnyOptions{Kind: InspectVolume}, false},
		{InspectAnyOptions{Kind: InspectImage, Size: true}, true},
		{InspectAnyOptions{Kind: InspectNetwork, Size: true}, true},
		{InspectAnyOptions{Kind: "pod"}, true},
		{InspectAnyOptions{Kind: "Container"}, true},
	} {
		err := tc.o.Validate()
		if (err != nil) != tc.wantErr {
			t.Errorf("%+v: err %v, want error %v", tc.o, err, tc.wantErr)
		}
		if err != nil && !errors.Is(err, errdefs.ErrInvalidArg) {
			t.Errorf("%+v: %v is not an invalid argument", tc.o, err)
		}
	}
}
