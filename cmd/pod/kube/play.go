package kube

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/containers/image/v5/types"
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newPlayCommand(g *cli.Globals, use string) *cobra.Command {
	var (
		o          engine.KubePlayOptions
		start      bool
		down       bool
		configMaps []string
		quiet      bool
		wait       bool
		build      bool
		tlsVerify  bool
	)
	c := &cobra.Command{
		Use:   use + " [options] FILE|URL|-",
		Short: "Run pods from Kubernetes YAML",
		Long: "Run the Pods and Deployments (one replica) of a Kubernetes YAML file, with its ConfigMaps and Secrets\n" +
			"(as env and as files), PersistentVolumeClaims (named volumes), hostPath and emptyDir volumes and\n" +
			"NodePort Services (published ports). DaemonSets run one pod; Jobs run theirs to completion. Probes\n" +
			"become healthchecks, resources become limits. Documents of other kinds are reported and skipped.\n" +
			"Prints the volumes, pods and containers made. --down removes what the file made instead; --wait\n" +
			"runs until the containers exit (or a signal) and then removes everything the file made.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !down {
				g.WarnActivationNotPassed("kube play")
			}
			if wait && !start {
				return fmt.Errorf("--wait cannot be used with --start=false")
			}
			if cmd.Flags().Changed("build") {
				o.Build = &build
			}
			if cmd.Flags().Changed("tls-verify") {
				o.Registry.TLSVerify = types.NewOptionalBool(tlsVerify)
			}
			in, err := openInput(ctx, g, args[0])
			if err != nil {
				return err
			}
			defer in.Close()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			if down {
				return runDown(cmd, g, rt, in)
			}
			for _, f := range configMaps {
				cm, err := openInput(ctx, g, f)
				if err != nil {
					return fmt.Errorf("--configmap: %w", err)
				}
				b, err := io.ReadAll(cm)
				cm.Close()
				if err != nil {
					return fmt.Errorf("--configmap %s: %w", f, err)
				}
				o.ConfigMaps = append(o.ConfigMaps, bytes.NewReader(b))
			}
			o.Input, o.NoStart, o.Warn, o.BuildOut = in, !start, g.Stderr, g.Stderr
			rep, err := rt.PlayKube(ctx, o)
			if err != nil {
				return err
			}
			if !quiet {
				printPlay(g, rep)
			}
			if !wait {
				return nil
			}
			// Until the containers are done or a signal ends ctx; then
			// everything goes, whatever ended the wait.
			werr := rt.WaitKube(ctx, rep)
			if err := rt.TeardownKube(context.WithoutCancel(ctx), rep); err != nil {
				return err
			}
			if werr != nil && ctx.Err() == nil {
				return werr
			}
			return nil
		},
	}
	f := c.Flags()
	f.BoolVar(&o.Replace, "replace", false, "remove pods of the same names first")
	f.BoolVar(&start, "start", true, "start the pods (--start=false only creates them)")
	f.BoolVar(&down, "down", false, "remove what the YAML made, as kube down")
	f.BoolVarP(&wait, "wait", "w", false, "run until the containers exit or a signal comes, then remove the pods and the volumes the YAML made")
	f.BoolVar(&build, "build", false, "build every image that has a directory of its name with a Containerfile (default: only missing images; --build=false never builds)")
	f.StringVar(&o.ContextDir, "context-dir", "", "directory that holds the images' build directories (default: the current directory)")
	f.StringArrayVar(&o.Networks, "network", nil, "connect the pods to this network")
	f.StringArrayVar(&configMaps, "configmap", nil, "YAML file with ConfigMaps the pods use (repeatable)")
	f.BoolVarP(&quiet, "quiet", "q", false, "print nothing")
	f.StringArrayVar(&o.Annotations, "annotation", nil, "add an annotation to every container: KEY=VALUE")
	f.StringVar(&o.Registry.AuthFile, "authfile", "", "path of the authentication file for pulling the images")
	f.StringVar(&o.Registry.CertDir, "cert-dir", "", "directory with the registry's certificates (*.crt, *.cert, *.key)")
	f.StringVar(&o.Registry.Credentials, "creds", "", "credentials for the registry, USERNAME[:PASSWORD]")
	f.BoolVar(&tlsVerify, "tls-verify", true, "require HTTPS and verify certificates when pulling (default: as registries.conf says)")
	f.StringArrayVar(&o.IPs, "ip", nil, "static IP address of a pod (repeatable: the Nth pod gets the Nth)")
	f.BoolVar(&o.NoHosts, "no-hosts", false, "write no /etc/hosts in the pods' containers: each keeps its image's (not with hostAliases)")
	f.StringArrayVar(&o.MACs, "mac-address", nil, "static MAC address of a pod (repeatable: the Nth pod gets the Nth)")
	f.StringVar(&o.LogDriver, "log-driver", "", "log driver of the containers: k8s-file, json-file, journald, none")
	f.StringArrayVar(&o.LogOpts, "log-opt", nil, "log driver option of the containers (path=, max-size=)")
	f.StringVar(&o.SeccompProfileRoot, "seccomp-profile-root", engine.DefaultSeccompProfileRoot, "directory of the Localhost seccomp profiles the YAML names")
	f.StringVar(&o.UserNS, "userns", "", "user namespace of the pods: host (default), auto[:size=N], keep-id[:uid=N,gid=N] or nomap")
	return c
}

func printPlay(g *cli.Globals, rep *engine.KubePlayReport) {
	if len(rep.Volumes) > 0 {
		fmt.Fprintln(g.Stdout, "Volumes:")
		for _, v := range rep.Volumes {
			fmt.Fprintln(g.Stdout, v)
		}
	}
	for _, p := range rep.Pods {
		fmt.Fprintf(g.Stdout, "Pod:\n%s\n", p.ID)
		if len(p.Containers) > 0 {
			fmt.Fprintln(g.Stdout, "Containers:")
			for _, id := range p.Containers {
				fmt.Fprintln(g.Stdout, id)
			}
		}
	}
}
