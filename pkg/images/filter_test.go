package images

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestMatchReference(t *testing.T) {
	names := []string{"127.0.0.1:5000/library/busybox:latest"}
	for _, tc := range []struct {
		pattern string
		want    bool
	}{
		{"busybox", true},
		{"busybox:latest", true},
		{"busybox:1.36", false},
		{"library/busybox", true},
		{"127.0.0.1:5000/library/busybox:latest", true},
		{"127.0.0.1:5000/library/busybox", true},
		{"*/busybox:latest", true},
		{"busy*", true},
		{"*:lat*", true},
		{"alpine", false},
		{"box", false},
	} {
		t.Run(tc.pattern, func(t *testing.T) {
			if got := matchReference(tc.pattern, names); got != tc.want {
				t.Errorf("matchReference(%q) = %v, want %v", tc.pattern, got, tc.want)
			}
		})
	}
}

func TestCompileImageFilters(t *testing.T) {
	r := &Service{} // filters that need no store
	ctx := context.Background()
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	imgs := []ImageSummary{
		{ID: "aaa111", RepoTags: []string{"localhost/a:latest"}, Created: old},
		{ID: "bbb222", Dangling: true, Created: time.Now()},
		{ID: "ccc333", RepoTags: []string{"example.org/c:1"}, Created: old, Labels: map[string]string{"role": "web"}},
	}
	for _, tc := range []struct {
		name    string
		filters []string
		want    []string
		bad     bool
	}{
		{"none", nil, []string{"aaa111", "bbb222", "ccc333"}, false},
		{"dangling", []string{"dangling=true"}, []string{"bbb222"}, false},
		{"not dangling", []string{"dangling=false"}, []string{"aaa111", "ccc333"}, false},
		{"references are alternatives", []string{"reference=a", "reference=c:1"}, []string{"aaa111", "ccc333"}, false},
		{"keys combine", []string{"reference=a", "dangling=true"}, nil, false},
		{"id prefix", []string{"id=ccc"}, []string{"ccc333"}, false},
		{"until", []string{"until=2021-01-01"}, []string{"aaa111", "ccc333"}, false},
		{"label value", []string{"label=role=web"}, []string{"ccc333"}, false},
		{"unknown key", []string{"colour=red"}, nil, true},
		{"no value", []string{"dangling"}, nil, true},
		{"bad bool", []string{"dangling=maybe"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := r.compileImageFilters(ctx, tc.filters, listFilterKeys)
			if tc.bad {
				if !errors.Is(err, errdefs.ErrInvalidArg) {
					t.Fatalf("err = %v, want invalid argument", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i := range imgs {
				s := imgs[i]
				if s.Labels == nil {
					s.Labels = map[string]string{}
				}
				ok, err := f(ctx, r, &s)
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					got = append(got, s.ID)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}
