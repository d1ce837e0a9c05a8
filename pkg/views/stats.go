package views

import (
	"fmt"
	"time"

	"github.com/docker/go-units"

	"github.com/pod-engine/pod/pkg/engine"
)

// StatsRow is one container's line of `pod stats`, with Docker's and
// podman's field names.
type StatsRow struct {
	ID            string // 12 characters unless not truncated
	Container     string // as ID
	Name          string
	CPUPerc       string // "12.34%"
	AVGCPU        string
	CPU           string // CPU time, "1.5s"
	MemPerc       string
	MemUsage      string // "1.2 MB / 64 MB"
	MemUsageBytes string // "1.2MiB / 64MiB"
	NetIO         string
	BlockIO       string
	PIDs          uint64
	UpTime        string
}

// StatsHeaders are stats' column titles that are not the field's name.
var StatsHeaders = map[string]string{
	"CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "NetIO": "NET IO",
	"BlockIO": "BLOCK IO", "PIDs": "PIDS", "CPU": "CPU TIME", "AVGCPU": "AVG CPU %",
	"UpTime": "UP TIME", "MemUsageBytes": "MEM USAGE / LIMIT",
}

// StatsRows makes the rows of one report; noTrunc keeps IDs whole.
func StatsRows(s []engine.ContainerStats, noTrunc bool) []StatsRow {
	rows := make([]StatsRow, len(s))
	for i := range s {
		c := &s[i]
		id := c.ID
		if !noTrunc {
			id = truncID(id)
		}
		rows[i] = StatsRow{
			ID: id, Container: id, Name: c.Name,
			CPUPerc:       fmt.Sprintf("%.2f%%", c.CPUPercent),
			AVGCPU:        fmt.Sprintf("%.2f%%", c.AvgCPUPercent),
			CPU:           time.Duration(c.CPUNanos).String(),
			MemPerc:       fmt.Sprintf("%.2f%%", c.MemPercent),
			MemUsage:      pair(c.MemUsage, c.MemLimit, human),
			MemUsageBytes: pair(c.MemUsage, c.MemLimit, units.BytesSize),
			NetIO:         pair(c.NetInput, c.NetOutput, human),
			BlockIO:       pair(c.BlockInput, c.BlockOutput, human),
			PIDs:          c.PIDs,
			UpTime:        c.UpTime.Round(time.Second).String(),
		}
	}
	return rows
}

// pair prints "a / b" with f.
func pair(a, b uint64, f func(float64) string) string {
	return f(float64(a)) + " / " + f(float64(b))
}

// human is podman's size format for stats: decimal units, 3 significant
// digits.
func human(v float64) string { return units.HumanSizeWithPrecision(v, 3) }

// StatsJSON is podman's `stats --format json` object.
type StatsJSON struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	CPUTime    string `json:"cpu_time"`
	CPUPercent string `json:"cpu_percent"`
	AvgCPU     string `json:"avg_cpu"`
	MemUsage   string `json:"mem_usage"`
	MemPercent string `json:"mem_percent"`
	NetIO      string `json:"net_io"`
	BlockIO    string `json:"block_io"`
	PIDs       string `json:"pids"`
}

// StatsList is `stats --format json` of one report.
func StatsList(s []engine.ContainerStats, noTrunc bool) []StatsJSON {
	out := make([]StatsJSON, 0, len(s))
	for _, r := range StatsRows(s, noTrunc) {
		out = append(out, StatsJSON{ID: r.ID, Name: r.Name, CPUTime: r.CPU, CPUPercent: r.CPUPerc,
			AvgCPU: r.AVGCPU, MemUsage: r.MemUsage, MemPercent: r.MemPerc, NetIO: r.NetIO,
			BlockIO: r.BlockIO, PIDs: fmt.Sprint(r.PIDs)})
	}
	return out
}
