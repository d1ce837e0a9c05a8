package cgroups

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// writeTree writes files (path relative to root → content) under root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestParseProcCgroup(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Paths
	}{
		{"hybrid", "9:name=systemd:/\n4:memory:/shell/pod/pod-1\n2:cpuacct:/pod/pod-1\n0::/\n",
			Paths{"systemd": "/", "memory": "/shell/pod/pod-1", "cpuacct": "/pod/pod-1", "": "/"}},
		{"joined controllers", "3:cpu,cpuacct:/a\n", Paths{"cpu": "/a", "cpuacct": "/a"}},
		{"unified", "0::/user.slice/pod-1\n", Paths{"": "/user.slice/pod-1"}},
		{"garbage", "nonsense\n", Paths{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseProcCgroup([]byte(tt.in)); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReadV1(t *testing.T) {
	paths := Paths{"memory": "/shell/pod/c", "cpuacct": "/pod/c", "blkio": "/pod/c", "pids": "/pod/c", "": "/"}
	tests := []struct {
		name  string
		files map[string]string
		want  Stats
	}{
		{
			name: "limited",
			files: map[string]string{
				"memory/shell/pod/c/memory.usage_in_bytes": "10485760\n",
				"memory/shell/pod/c/memory.stat":           "cache 4096\ntotal_inactive_file 1048576\n",
				"memory/shell/pod/c/memory.limit_in_bytes": "67108864\n",
				"cpuacct/pod/c/cpuacct.usage":              "123456789\n",
				"blkio/pod/c/blkio.throttle.io_service_bytes_recursive": "8:0 Read 4096\n8:0 Write 512\n8:0 Total 4608\n" +
					"8:16 Read 4096\n8:16 Write 0\nTotal 8704\n",
				"pids/pod/c/pids.current": "3\n",
			},
			want: Stats{CPUNanos: 123456789, MemoryUsage: 9437184, MemoryLimit: 67108864, BlockRead: 8192, BlockWrite: 512, PIDs: 3},
		},
		{
			name: "unlimited, no blkio or pids files",
			files: map[string]string{
				"memory/shell/pod/c/memory.usage_in_bytes": "4096\n",
				"memory/shell/pod/c/memory.limit_in_bytes": "9223372036854771712\n",
				"cpuacct/pod/c/cpuacct.usage":              "0\n",
			},
			want: Stats{MemoryUsage: 4096},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.files)
			for _, mode := range []Mode{V1, Hybrid} {
				got, err := Reader{Root: root, Mode: mode}.Read(paths)
				if err != nil {
					t.Fatal(err)
				}
				if *got != tt.want {
					t.Fatalf("%s: got %+v, want %+v", mode, *got, tt.want)
				}
			}
		})
	}
}

func TestReadV1Missing(t *testing.T) {
	root := t.TempDir()
	if _, err := (Reader{Root: root, Mode: V1}).Read(Paths{"memory": "/gone", "cpuacct": "/gone"}); err == nil {
		t.Fatal("a cgroup that is gone read without error")
	}
	if _, err := (Reader{Root: root, Mode: V1}).Read(Paths{"": "/"}); err == nil {
		t.Fatal("a process in no memory cgroup read without error")
	}
}

func TestReadV2(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  Stats
	}{
		{
			name: "limited",
			files: map[string]string{
				"pod/c/memory.current": "2097152\n",
				"pod/c/memory.stat":    "anon 1048576\nfile 1048576\ninactive_file 524288\n",
				"pod/c/memory.max":     "33554432\n",
				"pod/c/cpu.stat":       "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n",
				"pod/c/io.stat":        "8:0 rbytes=4096 wbytes=1024 rios=1 wios=1 dbytes=0 dios=0\n8:16 rbytes=10 wbytes=0\n",
				"pod/c/pids.current":   "2\n",
			},
			want: Stats{CPUNanos: 2500000, MemoryUsage: 1572864, MemoryLimit: 33554432, BlockRead: 4106, BlockWrite: 1024, PIDs: 2},
		},
		{
			name: "unlimited",
			files: map[string]string{
				"pod/c/memory.current": "8192\n",
				"pod/c/memory.max":     "max\n",
				"pod/c/cpu.stat":       "usage_usec 1\n",
			},
			want: Stats{CPUNanos: 1000, MemoryUsage: 8192},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.files)
			got, err := Reader{Root: root, Mode: Unified}.Read(Paths{"": "/pod/c"})
			if err != nil {
				t.Fatal(err)
			}
			if *got != tt.want {
				t.Fatalf("got %+v, want %+v", *got, tt.want)
			}
		})
	}
}
