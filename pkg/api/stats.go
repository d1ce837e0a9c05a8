package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"

	"github.com/pod-engine/pod/pkg/engine"
)

// errEnough ends a stats watch that has what it needs.
var errEnough = errors.New("enough samples")

// containerStats answers Docker's stats: with stream (the default) one
// report a second until the client hangs up; with stream=false one report
// whose precpu_stats is a second earlier (the client computes CPU use
// from the two), and with one-shot=true the first sample at once.
func (s *Server) containerStats(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	c, err := s.rt.Container(ctx, req.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	stream := req.URL.Query().Get("stream") == "" || boolValue(req, "stream")
	oneShot := boolValue(req, "one-shot")
	w.Header().Set("Content-Type", "application/json")
	headerSent := false
	enc := json.NewEncoder(w)
	var prev *container.StatsResponse
	n := 0
	err = s.rt.Stats(ctx, engine.StatsOptions{Names: []string{c.ID}, All: true, Stream: true, Interval: time.Second},
		func(list []engine.ContainerStats) error {
			if len(list) == 0 {
				return nil
			}
			cur := dockerStats(list[0], c.Config.Tty)
			if prev != nil {
				cur.PreCPUStats, cur.PreRead = prev.CPUStats, prev.Read
			}
			prev = &cur
			n++
			if !stream && !oneShot && n < 2 {
				return nil
			}
			if !headerSent {
				w.WriteHeader(http.StatusOK)
				headerSent = true
			}
			if err := enc.Encode(cur); err != nil {
				return err
			}
			flush(w)
			if !stream {
				return errEnough
			}
			return nil
		})
	if err != nil && !errors.Is(err, errEnough) && !headerSent {
		writeError(w, err)
	}
}

func dockerStats(st engine.ContainerStats, _ bool) container.StatsResponse {
	out := container.StatsResponse{
		ID: st.ID, Name: "/" + st.Name, OSType: runtime.GOOS, Read: time.Now(),
		CPUStats: container.CPUStats{
			CPUUsage:    container.CPUUsage{TotalUsage: st.CPUNanos},
			SystemUsage: systemCPUNanos(),
			OnlineCPUs:  uint32(runtime.NumCPU()),
		},
		MemoryStats: container.MemoryStats{Usage: st.MemUsage, Limit: st.MemLimit, Stats: map[string]uint64{}},
		PidsStats:   container.PidsStats{Current: st.PIDs},
		Networks: map[string]container.NetworkStats{
			"eth0": {RxBytes: st.NetInput, TxBytes: st.NetOutput},
		},
		BlkioStats: container.BlkioStats{IoServiceBytesRecursive: []container.BlkioStatEntry{
			{Op: "read", Value: st.BlockInput}, {Op: "write", Value: st.BlockOutput},
		}},
	}
	return out
}

// systemCPUNanos is the host's total CPU time (all CPUs, all states) from
// /proc/stat in nanoseconds, the denominator Docker's clients use.
func systemCPUNanos() uint64 {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != "cpu" {
		return 0
	}
	var ticks uint64
	for _, v := range f[1:] {
		n, _ := strconv.ParseUint(v, 10, 64)
		ticks += n
	}
	const clockTicks = 100 // USER_HZ on Linux
	return ticks * (uint64(time.Second) / clockTicks)
}
