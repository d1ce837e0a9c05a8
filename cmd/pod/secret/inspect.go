package secret

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/views"
)

func newInspectCommand(g *cli.Globals) *cobra.Command {
	var (
		format            string
		pretty, show, all bool
	)
	c := &cobra.Command{
		Use:   "inspect [options] SECRET [SECRET...]",
		Short: "Show details of secrets",
		Long: "Print a JSON array describing each secret (by name, ID or ID prefix), a Go template's\n" +
			"output with --format, or a readable summary with --pretty. The data only with --showsecret.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !all {
				return errors.New("provide one or more secret names or IDs, or use --all")
			}
			if len(args) > 0 && all {
				return errors.New("--all and secret names cannot be used together")
			}
			if pretty && format != "" {
				return errors.New("--format and --pretty cannot be used together")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			var found []*engine.SecretInfo
			var errs []error
			if all {
				if found, err = rt.ListSecrets(ctx, nil); err != nil {
					return err
				}
			}
			for _, n := range args {
				s, err := rt.Secret(ctx, n)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				found = append(found, s)
			}
			out := []views.SecretInspect{}
			for _, s := range found {
				v := views.SecretInspectOf(s)
				if show {
					b, err := rt.SecretData(ctx, s)
					if err != nil {
						errs = append(errs, err)
						continue
					}
					v.SecretData = string(b)
				}
				out = append(out, v)
			}
			if pretty {
				printPretty(g, out)
			} else if err := cli.Render(g.Stdout, format, out, cli.View{Default: "json"}); err != nil {
				return err
			}
			return cli.ReportErrors(g.Stderr, errs)
		},
	}
	f := c.Flags()
	f.StringVarP(&format, "format", "f", "", "format output with a Go template or 'json'")
	f.BoolVar(&pretty, "pretty", false, "print a readable summary instead of JSON")
	f.BoolVar(&show, "showsecret", false, "include the secret's data (SecretData)")
	f.BoolVarP(&all, "all", "a", false, "inspect all secrets")
	return c
}

func printPretty(g *cli.Globals, list []views.SecretInspect) {
	for i, s := range list {
		if i > 0 {
			fmt.Fprintln(g.Stdout)
		}
		var labels []string
		for k, v := range s.Spec.Labels {
			labels = append(labels, k+"="+v)
		}
		fmt.Fprintf(g.Stdout, "ID:              %s\n", s.ID)
		fmt.Fprintf(g.Stdout, "Name:            %s\n", s.Spec.Name)
		fmt.Fprintf(g.Stdout, "Driver:          %s\n", s.Spec.Driver.Name)
		if len(labels) > 0 {
			fmt.Fprintf(g.Stdout, "Labels:          %s\n", strings.Join(labels, ", "))
		}
		fmt.Fprintf(g.Stdout, "Created at:      %s\n", s.CreatedAt.Format(time.DateTime+" -0700 MST"))
		fmt.Fprintf(g.Stdout, "Updated at:      %s\n", s.UpdatedAt.Format(time.DateTime+" -0700 MST"))
		if s.SecretData != "" {
			fmt.Fprintf(g.Stdout, "Secret data:     %s\n", s.SecretData)
		}
	}
}
