package pod

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pod-engine/pod/pkg/engine"
)

// podFlags are the flags `pod pod create` and `pod pod clone` share: the
// settings of a pod, bound to o, with what needs turning into options
// after parsing.
type podFlags struct {
	o            engine.PodCreateOptions
	infra        bool
	noInfra      bool
	infraCommand string
	share        string
	shareParent  bool
	labelFiles   []string
}

// bind adds the flags to f. clone leaves out what a clone cannot change
// (the infra container's presence, its image, the shared namespaces, the
// network) as podman's pod clone does.
func (p *podFlags) bind(f *pflag.FlagSet, clone bool) {
	o := &p.o
	if !clone {
		f.BoolVar(&p.infra, "infra", true, "create an infra container that holds the pod's namespaces")
		f.BoolVar(&p.noInfra, "no-infra", false, "create no infra container (same as --infra=false)")
		f.StringVar(&o.InfraImage, "infra-image", "", "image of the infra container (default: a local catatonit image)")
		f.StringVar(&p.share, "share", "net,ipc,uts", "namespaces the pod's containers share: net, ipc, uts, pid or none (+NS adds to the default)")
		f.StringArrayVar(&o.Networks, "network", nil, "connect the pod to a network: bridge, NAME, host, none, private, slirp4netns (repeatable)")
		f.StringArrayVar(&o.Aliases, "network-alias", nil, "another name of the pod on its network's DNS")
		f.StringVar(&o.IP, "ip", "", "static IP address of the pod on its (single) network")
		f.StringVar(&o.IP6, "ip6", "", "static IPv6 address of the pod on its (single) network, which needs an IPv6 subnet")
		f.StringVar(&o.MAC, "mac-address", "", "static MAC address of the pod on its first network")
		f.StringArrayVar(&o.DNS, "dns", nil, "DNS server of the pod's resolv.conf")
		f.StringArrayVar(&o.DNSSearch, "dns-search", nil, "DNS search domain of the pod")
		f.StringArrayVar(&o.DNSOptions, "dns-option", nil, "resolv.conf option of the pod")
		f.StringArrayVar(&o.AddHosts, "add-host", nil, "add a line to the pod's /etc/hosts: NAME:IP")
		f.BoolVar(&o.NoHosts, "no-hosts", false, "write no /etc/hosts for the pod's containers: each keeps its image's (conflicts with --add-host)")
		f.StringArrayVarP(&o.Publish, "publish", "p", nil, "publish a port of the pod on the host: [[IP:][HOSTPORT]:]PORT[/PROTO]")
		f.BoolVar(&o.Replace, "replace", false, "replace a pod of the same name")
		f.StringVar(&o.ExitPolicy, "exit-policy", "continue", "when the last container exits: continue (keep the infra container) or stop")
	}
	f.StringVar(&p.infraCommand, "infra-command", "", "command of the infra container (a command, or a JSON array)")
	f.StringVar(&o.InfraName, "infra-name", "", "name of the infra container (default: SHORTID-infra)")
	f.StringVar(&o.InfraConmonPidFile, "infra-conmon-pidfile", "", "write the PID of the infra container's monitor to this file")
	f.StringVar(&o.Hostname, "hostname", "", "hostname of the pod (default: the pod's name)")
	f.StringArrayVarP(&o.Labels, "label", "l", nil, "set a label (KEY=VALUE)")
	f.StringArrayVar(&p.labelFiles, "label-file", nil, "read labels from a file of KEY=VALUE lines")
	f.StringVar(&o.CgroupParent, "cgroup-parent", "", "parent cgroup of the pod's cgroup and containers")
	f.BoolVar(&p.shareParent, "share-parent", true, "place the pod's containers in the pod's cgroup (false: the infra container only)")
	f.StringArrayVarP(&o.Volumes, "volume", "v", nil, "mount for every container of the pod: [SRC:]DST[:OPTIONS]")
	f.StringArrayVar(&o.VolumesFrom, "volumes-from", nil, "mount the volumes of a container in every container of the pod: CTR[:ro|rw]")
	f.StringArrayVar(&o.SecurityOpt, "security-opt", nil, "security option for every container of the pod: no-new-privileges, seccomp=unconfined, seccomp=PROFILE.json")
	f.StringArrayVar(&o.Devices, "device", nil, "add a host device to every container of the pod: HOST[:CONTAINER][:PERMS]")
	f.StringVar(&o.ShmSize, "shm-size", "", "size of /dev/shm of the pod's containers (default 64m)")
	f.StringArrayVar(&o.Sysctls, "sysctl", nil, "namespaced kernel parameter of the pod (KEY=VALUE)")
	f.StringVar(&o.PID, "pid", "", "PID namespace of the pod: host, or private (default)")
	f.StringVar(&o.UTS, "uts", "", "UTS namespace of the pod: host, or private (default)")
	f.StringVar(&o.UserNS, "userns", "", "user namespace of the pod: host (default), auto[:size=N], keep-id[:uid=N,gid=N] or nomap")
	f.StringArrayVar(&o.UIDMap, "uidmap", nil, "UID mapping of the pod's user namespace: CONTAINER:HOST:SIZE")
	f.StringArrayVar(&o.GIDMap, "gidmap", nil, "GID mapping of the pod's user namespace: CONTAINER:HOST:SIZE")
	f.StringVar(&o.SubUIDName, "subuidname", "", "map the pod's UIDs with the range of NAME in /etc/subuid")
	f.StringVar(&o.SubGIDName, "subgidname", "", "map the pod's GIDs with the range of NAME in /etc/subgid")
	l := &o.Limits
	f.StringVarP(&l.Memory, "memory", "m", "", "memory limit of the pod (512m, 2g)")
	f.StringVar(&l.MemorySwap, "memory-swap", "", "memory plus swap limit of the pod, or -1 for unlimited swap")
	f.Float64Var(&l.CPUs, "cpus", 0, "number of CPUs of the pod (CFS quota over a 100 ms period)")
	f.Uint64Var(&l.CPUShares, "cpu-shares", 0, "CPU shares (relative weight) of the pod")
	f.StringVar(&l.CpusetCpus, "cpuset-cpus", "", "CPUs the pod may use (0-3, 0,1)")
	f.StringVar(&l.CpusetMems, "cpuset-mems", "", "memory nodes the pod may use (0-3, 0,1)")
	f.Uint16Var(&l.BlkioWeight, "blkio-weight", 0, "block I/O weight of the pod, 10 to 1000")
	f.StringArrayVar(&o.BlkioWeightDevice, "blkio-weight-device", nil, "block I/O weight of a device: DEVICE:WEIGHT")
	f.StringArrayVar(&l.DeviceReadBps, "device-read-bps", nil, "limit reads from a device: DEVICE:RATE (1mb)")
	f.StringArrayVar(&l.DeviceWriteBps, "device-write-bps", nil, "limit writes to a device: DEVICE:RATE (1mb)")
}

// finish turns what the flags say after parsing into o: what was given,
// whether it was given, and the label files' labels.
func (p *podFlags) finish(cmd *cobra.Command) error {
	fs := cmd.Flags()
	o := &p.o
	o.NoInfra = p.noInfra || (fs.Changed("infra") && !p.infra)
	if fs.Changed("infra-command") {
		o.InfraCommand = &p.infraCommand
	}
	if fs.Changed("share") {
		o.Share = &p.share
	}
	o.NoShareParent = !p.shareParent
	var fromFiles []string
	for _, f := range p.labelFiles {
		l, err := engine.ReadLabelFile(f)
		if err != nil {
			return err
		}
		fromFiles = append(fromFiles, l...)
	}
	// Labels given on the command line win over the files'.
	o.Labels = append(fromFiles, o.Labels...)
	return nil
}

// override sets in dst the settings whose flags were given, for clone:
// the rest stay the original pod's.
func (p *podFlags) override(cmd *cobra.Command, dst *engine.PodCreateOptions) {
	fs := cmd.Flags()
	src := &p.o
	set := map[string]func(){
		"infra-command":        func() { dst.InfraCommand = src.InfraCommand },
		"infra-name":           func() { dst.InfraName = src.InfraName },
		"infra-conmon-pidfile": func() { dst.InfraConmonPidFile = src.InfraConmonPidFile },
		"hostname":             func() { dst.Hostname = src.Hostname },
		"label":                func() { dst.Labels = append(dst.Labels, src.Labels...) },
		"label-file":           func() { dst.Labels = append(dst.Labels, src.Labels...) },
		"cgroup-parent":        func() { dst.CgroupParent = src.CgroupParent },
		"share-parent":         func() { dst.NoShareParent = src.NoShareParent },
		"volume":               func() { dst.Volumes = src.Volumes },
		"volumes-from":         func() { dst.VolumesFrom = src.VolumesFrom },
		"security-opt":         func() { dst.SecurityOpt = src.SecurityOpt },
		"device":               func() { dst.Devices = src.Devices },
		"shm-size":             func() { dst.ShmSize = src.ShmSize },
		"sysctl":               func() { dst.Sysctls = src.Sysctls },
		"pid":                  func() { dst.PID = src.PID },
		"uts":                  func() { dst.UTS = src.UTS },
		"userns":               func() { dst.UserNS = src.UserNS },
		"uidmap":               func() { dst.UIDMap = src.UIDMap },
		"gidmap":               func() { dst.GIDMap = src.GIDMap },
		"subuidname":           func() { dst.SubUIDName = src.SubUIDName },
		"subgidname":           func() { dst.SubGIDName = src.SubGIDName },
		"memory":               func() { dst.Limits.Memory = src.Limits.Memory },
		"memory-swap":          func() { dst.Limits.MemorySwap = src.Limits.MemorySwap },
		"cpus":                 func() { dst.Limits.CPUs = src.Limits.CPUs },
		"cpu-shares":           func() { dst.Limits.CPUShares = src.Limits.CPUShares },
		"cpuset-cpus":          func() { dst.Limits.CpusetCpus = src.Limits.CpusetCpus },
		"cpuset-mems":          func() { dst.Limits.CpusetMems = src.Limits.CpusetMems },
		"blkio-weight":         func() { dst.Limits.BlkioWeight = src.Limits.BlkioWeight },
		"blkio-weight-device":  func() { dst.BlkioWeightDevice = src.BlkioWeightDevice },
		"device-read-bps":      func() { dst.Limits.DeviceReadBps = src.Limits.DeviceReadBps },
		"device-write-bps":     func() { dst.Limits.DeviceWriteBps = src.Limits.DeviceWriteBps },
	}
	done := map[string]bool{}
	fs.Visit(func(f *pflag.Flag) {
		fn, ok := set[f.Name]
		if !ok {
			return
		}
		// --label and --label-file both append src.Labels: once.
		key := f.Name
		if key == "label-file" {
			key = "label"
		}
		if !done[key] {
			done[key] = true
			fn()
		}
	})
}
