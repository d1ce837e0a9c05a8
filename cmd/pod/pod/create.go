package pod

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newCreateCommand(g *cli.Globals) *cobra.Command {
	var (
		o            engine.PodCreateOptions
		infra        bool
		noInfra      bool
		infraCommand string
		share        string
		podIDFile    string
	)
	c := &cobra.Command{
		Use:   "create [options] [NAME]",
		Short: "Create a new empty pod",
		Long: "Create a pod: an infra container (catatonit, from a local image pod makes itself) holds the\n" +
			"namespaces its containers share (net, ipc and uts by default) and the pod's published ports\n" +
			"and networks. Containers join it with `pod run --pod NAME`. Prints the pod's ID.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if o.Name != "" && o.Name != args[0] {
					return fmt.Errorf("cannot give the pod name both as --name %q and as argument %q", o.Name, args[0])
				}
				o.Name = args[0]
			}
			fs := cmd.Flags()
			o.NoInfra = noInfra || (fs.Changed("infra") && !infra)
			if fs.Changed("infra-command") {
				o.InfraCommand = &infraCommand
			}
			if fs.Changed("share") {
				o.Share = &share
			}
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			o.PullProgress = g.Stderr
			p, err := rt.CreatePod(ctx, o)
			if err != nil {
				return err
			}
			if podIDFile != "" {
				if err := os.WriteFile(podIDFile, []byte(p.ID), 0o644); err != nil {
					return fmt.Errorf("write --pod-id-file: %w", err)
				}
			}
			fmt.Fprintln(g.Stdout, p.ID)
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Name, "name", "n", "", "name of the pod (default: a random name)")
	f.BoolVar(&infra, "infra", true, "create an infra container that holds the pod's namespaces")
	f.BoolVar(&noInfra, "no-infra", false, "create no infra container (same as --infra=false)")
	f.StringVar(&o.InfraImage, "infra-image", "", "image of the infra container (default: a local catatonit image)")
	f.StringVar(&infraCommand, "infra-command", "", "command of the infra container (a command, or a JSON array)")
	f.StringVar(&o.InfraName, "infra-name", "", "name of the infra container (default: SHORTID-infra)")
	f.StringVar(&share, "share", "net,ipc,uts", "namespaces the pod's containers share: net, ipc, uts, pid or none (+NS adds to the default)")
	f.StringVar(&o.Hostname, "hostname", "", "hostname of the pod (default: the pod's name)")
	f.StringArrayVarP(&o.Labels, "label", "l", nil, "set a label (KEY=VALUE)")
	f.StringVar(&o.CgroupParent, "cgroup-parent", "", "parent cgroup of the pod's containers")
	f.StringVar(&o.ExitPolicy, "exit-policy", "continue", "when the last container exits: continue (keep the infra container) or stop")
	f.StringArrayVarP(&o.Volumes, "volume", "v", nil, "mount for every container of the pod: [SRC:]DST[:OPTIONS]")
	f.StringArrayVar(&o.SecurityOpt, "security-opt", nil, "security option for every container of the pod: no-new-privileges, seccomp=unconfined, seccomp=PROFILE.json")
	f.StringVar(&o.UserNS, "userns", "", "user namespace of the pod (not supported: refused)")
	f.StringVarP(&o.Memory, "memory", "m", "", "memory limit of the pod (not supported: refused)")
	f.Float64Var(&o.CPUs, "cpus", 0, "CPU limit of the pod (not supported: refused)")
	// Accepted so that podman's command lines get one clear refusal, but
	// not offered in --help until they work.
	for _, name := range []string{"userns", "memory", "cpus"} {
		_ = f.MarkHidden(name)
	}
	f.StringVar(&podIDFile, "pod-id-file", "", "write the pod ID to this file")
	f.BoolVar(&o.Replace, "replace", false, "replace a pod of the same name")
	f.StringArrayVar(&o.Networks, "network", nil, "connect the pod to a network: bridge, NAME, host, none, private, slirp4netns (repeatable)")
	f.StringVar(&o.IP, "ip", "", "static IP address of the pod on its (single) network")
	f.StringVar(&o.MAC, "mac-address", "", "static MAC address of the pod on its first network")
	f.StringArrayVar(&o.DNS, "dns", nil, "DNS server of the pod's resolv.conf")
	f.StringArrayVar(&o.DNSSearch, "dns-search", nil, "DNS search domain of the pod")
	f.StringArrayVar(&o.DNSOptions, "dns-option", nil, "resolv.conf option of the pod")
	f.StringArrayVar(&o.AddHosts, "add-host", nil, "add a line to the pod's /etc/hosts: NAME:IP")
	f.StringArrayVarP(&o.Publish, "publish", "p", nil, "publish a port of the pod on the host: [[IP:][HOSTPORT]:]PORT[/PROTO]")
	return c
}
