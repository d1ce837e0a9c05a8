package storage

import (
	"errors"
	"github.com/containers/image/v5/types"
	"testing"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestNormalizeName(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: "myimage", want: "localhost/myimage:latest"},
		{in: "myimage:v1", want: "localhost/myimage:v1"},
		{in: "team/app", want: "localhost/team/app:latest"},
		{in: "localhost/app", want: "localhost/app:latest"},
		{in: "quay.io/a/b", want: "quay.io/a/b:latest"},
		{in: "127.0.0.1:5000/b:2", want: "127.0.0.1:5000/b:2"},
		{in: "docker://example.org/x", want: "example.org/x:latest"},
		{in: "Bad Name", bad: true},
		{in: "", bad: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := NormalizeName(tc.in)
			if tc.bad {
				if !errors.Is(err, errdefs.ErrInvalidArg) {
					t.Fatalf("err = %v, want invalid argument", err)
				}
				return
			}
			if err != nil || got.String() != tc.want {
				t.Errorf("NormalizeName(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestApplyPlatform(t *testing.T) {
	for _, tc := range []struct {
		in                string
		os, arch, variant string
		bad               bool
	}{
		{in: "linux/arm64", os: "linux", arch: "arm64"},
		{in: "linux/arm/v7", os: "linux", arch: "arm", variant: "v7"},
		{in: "linux", bad: true},
		{in: "linux/", bad: true},
		{in: "a/b/c/d", bad: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			sys := &types.SystemContext{}
			err := applyPlatform(sys, tc.in)
			if tc.bad {
				if !errors.Is(err, errdefs.ErrInvalidArg) {
					t.Fatalf("err = %v, want invalid argument", err)
				}
				return
			}
			if err != nil || sys.OSChoice != tc.os || sys.ArchitectureChoice != tc.arch || sys.VariantChoice != tc.variant {
				t.Errorf("applyPlatform(%q) = %+v, %v", tc.in, sys, err)
			}
		})
	}
}
