package image

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/storage"
	"github.com/pod-engine/pod/pkg/trust"
)

func newTrustCommand(g *cli.Globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "trust",
		Short: "Manage the signature policy that says which images may be pulled",
		Long: "Show and set the signature policy (policy.json): per registry or repository, accept\n" +
			"images, reject them, or require signatures by given keys.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	c.AddCommand(newTrustSetCommand(g), newTrustShowCommand(g))
	return c
}

// policyPath is --policypath or the policy file pod reads.
func policyPath(flag string) string {
	if flag != "" {
		return flag
	}
	return storage.PolicyFile()
}

func newTrustSetCommand(g *cli.Globals) *cobra.Command {
	var (
		typ, path string
		keys      []string
	)
	c := &cobra.Command{
		Use:   "set [options] default|REGISTRY[/REPOSITORY]",
		Short: "Set the trust policy of a registry, a repository or the default",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return trust.Set(policyPath(path), args[0], typ, keys)
		},
	}
	f := c.Flags()
	f.StringVarP(&typ, "type", "t", trust.TypeSignedBy, "accept, reject, signedBy or sigstoreSigned")
	f.StringArrayVarP(&keys, "pubkeysfile", "f", nil, "public key file a signature must be made with (repeatable; signedBy, sigstoreSigned)")
	f.StringVar(&path, "policypath", "", "policy file to edit (default: the one pod reads)")
	return c
}

func newTrustShowCommand(g *cli.Globals) *cobra.Command {
	var (
		path                string
		asJSON, raw, noHead bool
	)
	c := &cobra.Command{
		Use:   "show [options] [REGISTRY[/REPOSITORY]]",
		Short: "Show the trust policy",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := policyPath(path)
			if raw {
				b, err := trust.Raw(file)
				if err != nil {
					return err
				}
				_, err = g.Stdout.Write(b)
				return err
			}
			scope := ""
			if len(args) == 1 {
				scope = args[0]
			}
			entries, err := trust.Show(file, scope)
			if err != nil {
				return err
			}
			if asJSON {
				b, err := json.MarshalIndent(entries, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintln(g.Stdout, string(b))
				return nil
			}
			rows := [][]string{}
			if !noHead {
				rows = append(rows, []string{"TRANSPORT", "NAME", "TYPE", "ID", "STORE"})
			}
			for _, e := range entries {
				rows = append(rows, []string{e.Transport, e.RepoName, e.Type, e.GPGID, ""})
			}
			return cli.WriteColumns(g.Stdout, rows)
		},
	}
	f := c.Flags()
	f.BoolVarP(&asJSON, "json", "j", false, "print the policy as JSON")
	f.BoolVar(&raw, "raw", false, "print the policy file as it is")
	f.BoolVarP(&noHead, "noheading", "n", false, "print no heading")
	f.StringVar(&path, "policypath", "", "policy file to show (default: the one pod reads)")
	return c
}
