package engine

import (
	"reflect"
	"testing"
)

func TestSplitColumns(t *testing.T) {
	tests := []struct {
		line string
		n    int
		want []string
	}{
		{"    1 root     sh -c sleep 100", 3, []string{"1", "root", "sh -c sleep 100"}},
		{"1\troot", 3, []string{"1", "root"}},
		{"a b c d", 2, []string{"a", "b c d"}},
	}
	for _, tt := range tests {
		if got := splitColumns(tt.line, tt.n); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitColumns(%q, %d) = %q, want %q", tt.line, tt.n, got, tt.want)
		}
	}
}
