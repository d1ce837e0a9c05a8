package engine

import (
	"encoding/binary"
	"os"

	"google.golang.org/protobuf/encoding/protowire"
)

// CRIU's statistics images (stats-dump, stats-restore) are an 8-byte magic,
// a little-endian uint32 length and one StatsEntry protobuf message: field
// 1 the dump's statistics, field 2 the restore's, each a message of varint
// fields. The names are those of CRIU's stats.proto, which podman's
// --print-stats shows.
var (
	criuDumpStats = map[protowire.Number]string{
		1: "freezing_time", 2: "frozen_time", 3: "memdump_time", 4: "memwrite_time",
		5: "pages_scanned", 6: "pages_skipped_parent", 7: "pages_written", 8: "irmap_resolve",
		9: "pages_lazy", 10: "page_pipes", 11: "page_pipe_bufs", 12: "shpages_scanned",
		13: "shpages_skipped_parent", 14: "shpages_written",
	}
	criuRestoreStats = map[protowire.Number]string{
		1: "pages_compared", 2: "pages_skipped_cow", 3: "forking_time", 4: "restore_time",
		5: "pages_restored",
	}
)

// readCRIUStats reads a stats image; nil when there is none or it does not
// parse (statistics are informational: their absence is no error).
func readCRIUStats(path string) map[string]uint64 {
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 12 {
		return nil
	}
	n := int(binary.LittleEndian.Uint32(b[8:12]))
	if n > len(b)-12 {
		return nil
	}
	return parseCRIUStats(b[12 : 12+n])
}

// parseCRIUStats decodes a StatsEntry message.
func parseCRIUStats(msg []byte) map[string]uint64 {
	out := map[string]uint64{}
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return nil
		}
		msg = msg[n:]
		if typ != protowire.BytesType {
			if n = protowire.ConsumeFieldValue(num, typ, msg); n < 0 {
				return nil
			}
			msg = msg[n:]
			continue
		}
		sub, n := protowire.ConsumeBytes(msg)
		if n < 0 {
			return nil
		}
		msg = msg[n:]
		names := criuDumpStats
		if num == 2 {
			names = criuRestoreStats
		}
		for len(sub) > 0 {
			fnum, ftyp, k := protowire.ConsumeTag(sub)
			if k < 0 {
				return nil
			}
			sub = sub[k:]
			if ftyp == protowire.VarintType {
				v, k := protowire.ConsumeVarint(sub)
				if k < 0 {
					return nil
				}
				if name, ok := names[fnum]; ok {
					out[name] = v
				}
				sub = sub[k:]
				continue
			}
			if k = protowire.ConsumeFieldValue(fnum, ftyp, sub); k < 0 {
				return nil
			}
			sub = sub[k:]
		}
	}
	return out
}
