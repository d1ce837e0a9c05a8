package container

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pod-engine/pod/pkg/engine"
)

// limitFlags are the cgroup limit flags create, run and update share.
type limitFlags struct {
	o           engine.LimitOptions
	pidsLimit   int64
	oomScoreAdj int
	swappiness  int64
}

func addLimitFlags(fs *pflag.FlagSet, f *limitFlags) {
	o := &f.o
	fs.StringVarP(&o.Memory, "memory", "m", "", "memory limit (e.g. 512m, 1g)")
	fs.StringVar(&o.MemorySwap, "memory-swap", "", "memory plus swap limit, or -1 for unlimited swap (default: twice --memory)")
	fs.StringVar(&o.MemoryReservation, "memory-reservation", "", "memory soft limit")
	fs.Float64Var(&o.CPUs, "cpus", 0, "number of CPUs (CFS quota over a 100 ms period)")
	fs.Uint64VarP(&o.CPUShares, "cpu-shares", "c", 0, "CPU shares (relative weight)")
	fs.Int64Var(&o.CPUQuota, "cpu-quota", 0, "CFS quota in microseconds per period")
	fs.Uint64Var(&o.CPUPeriod, "cpu-period", 0, "CFS period in microseconds")
	fs.StringVar(&o.CpusetCpus, "cpuset-cpus", "", "CPUs the container may use (0-3, 0,1)")
	fs.StringVar(&o.CpusetMems, "cpuset-mems", "", "memory nodes the container may use (0-3, 0,1)")
	fs.Int64Var(&f.pidsLimit, "pids-limit", 0, "maximum number of processes (-1: unlimited)")
	fs.Uint16Var(&o.BlkioWeight, "blkio-weight", 0, "block I/O weight, 10 to 1000")
	fs.IntVar(&f.oomScoreAdj, "oom-score-adj", 0, "the container's oom_score_adj, -1000 to 1000 (lowering it is best effort)")
	fs.BoolVar(&o.OOMKillDisable, "oom-kill-disable", false, "do not let the OOM killer kill the container's processes")
	fs.StringArrayVar(&o.BlkioWeightDevice, "blkio-weight-device", nil, "block I/O weight of one device: DEVICE:WEIGHT (10 to 1000)")
	fs.Int64Var(&f.swappiness, "memory-swappiness", -1, "how readily the container's memory is swapped, 0 to 100 (cgroup v1; -1: the kernel's)")
	fs.Uint64Var(&o.CPURtPeriod, "cpu-rt-period", 0, "real-time scheduler period in microseconds (cgroup v1 with real-time group scheduling)")
	fs.Int64Var(&o.CPURtRuntime, "cpu-rt-runtime", 0, "real-time scheduler runtime per period in microseconds (cgroup v1 with real-time group scheduling)")
	fs.StringArrayVar(&o.DeviceReadBps, "device-read-bps", nil, "limit reads from a block device: DEVICE:RATE (e.g. /dev/sda:1mb)")
	fs.StringArrayVar(&o.DeviceWriteBps, "device-write-bps", nil, "limit writes to a block device: DEVICE:RATE (e.g. /dev/sda:1mb)")
	fs.StringArrayVar(&o.DeviceReadIOPS, "device-read-iops", nil, "limit read operations on a block device: DEVICE:COUNT per second")
	fs.StringArrayVar(&o.DeviceWriteIOPS, "device-write-iops", nil, "limit write operations on a block device: DEVICE:COUNT per second")
}

// options completes base's limits with the flags that were given.
func (f *limitFlags) options(c *cobra.Command, base engine.LimitOptions) engine.LimitOptions {
	o := f.o
	o.CgroupParent, o.Cgroups, o.CgroupNS, o.CgroupConf = base.CgroupParent, base.Cgroups, base.CgroupNS, base.CgroupConf
	if c.Flags().Changed("pids-limit") {
		n := f.pidsLimit
		o.PidsLimit = &n
	}
	if c.Flags().Changed("memory-swappiness") {
		n := f.swappiness
		o.MemorySwappiness = &n
	}
	if c.Flags().Changed("oom-score-adj") {
		n := f.oomScoreAdj
		o.OOMScoreAdj = &n
	}
	return o
}

// addCloneLimitFlags binds the limit flags podman's container clone has:
// the create flags of memory, CPU and block I/O.
func addCloneLimitFlags(fs *pflag.FlagSet, f *limitFlags) {
	all := pflag.NewFlagSet("limits", pflag.ContinueOnError)
	addLimitFlags(all, f)
	for _, name := range []string{"blkio-weight", "blkio-weight-device", "cpu-period", "cpu-quota", "cpu-rt-period",
		"cpu-rt-runtime", "cpu-shares", "cpus", "cpuset-cpus", "cpuset-mems", "device-read-bps", "device-write-bps",
		"memory", "memory-reservation", "memory-swap", "memory-swappiness"} {
		fs.AddFlag(all.Lookup(name))
	}
}
