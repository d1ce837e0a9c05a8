package secret

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newRemoveCommand(g *cli.Globals) *cobra.Command {
	var all, ignore bool
	c := &cobra.Command{
		Use:     "rm [options] SECRET [SECRET...]",
		Aliases: []string{"remove"},
		Short:   "Remove secrets",
		Long: "Remove secrets and print their IDs. Safe while containers use them: each container\n" +
			"keeps the copy made when it was created.",
		Args: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 0) == !all {
				return errors.New("choose either one or more secrets or --all")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			removed, errs := rt.RemoveSecrets(cmd.Context(), args, all, ignore)
			for _, id := range removed {
				fmt.Fprintln(g.Stdout, id)
			}
			return cli.RemoveError(g.Stderr, errs)
		},
	}
	c.Flags().BoolVarP(&all, "all", "a", false, "remove all secrets")
	c.Flags().BoolVarP(&ignore, "ignore", "i", false, "ignore secrets that do not exist")
	return c
}

func newExistsCommand(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "exists SECRET",
		Short: "Check whether a secret exists",
		Long:  "Exit 0 if the secret exists, 1 if it does not, 125 if that cannot be told.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			ok, err := rt.SecretExists(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if !ok {
				return cli.Exit(1)
			}
			return nil
		},
	}
}
