package engine

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func TestParseCRIUStats(t *testing.T) {
	var dump []byte
	dump = protowire.AppendTag(dump, 1, protowire.VarintType)
	dump = protowire.AppendVarint(dump, 3781)
	dump = protowire.AppendTag(dump, 7, protowire.VarintType)
	dump = protowire.AppendVarint(dump, 2141)
	dump = protowire.AppendTag(dump, 99, protowire.VarintType) // unknown: skipped
	dump = protowire.AppendVarint(dump, 1)
	var msg []byte
	msg = protowire.AppendTag(msg, 1, protowire.BytesType)
	msg = protowire.AppendBytes(msg, dump)
	got := parseCRIUStats(msg)
	want := map[string]uint64{"freezing_time": 3781, "pages_written": 2141}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	var restore []byte
	restore = protowire.AppendTag(restore, 5, protowire.VarintType)
	restore = protowire.AppendVarint(restore, 12)
	msg = protowire.AppendTag(nil, 2, protowire.BytesType)
	msg = protowire.AppendBytes(msg, restore)
	if got := parseCRIUStats(msg); got["pages_restored"] != 12 {
		t.Errorf("restore stats: got %v", got)
	}
	if parseCRIUStats([]byte{0xff}) != nil {
		t.Error("garbage parsed")
	}
}
