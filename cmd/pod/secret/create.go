package secret

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newCreateCommand(g *cli.Globals) *cobra.Command {
	var (
		opts    engine.SecretCreateOptions
		fromEnv bool
	)
	c := &cobra.Command{
		Use:   "create [options] NAME FILE|-",
		Short: "Create a secret",
		Long: "Create a secret from the contents of FILE, of standard input (-), or with --env of the\n" +
			"environment variable named by the second argument. Print its ID.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			data, err := secretData(g, args[1], fromEnv)
			if err != nil {
				return err
			}
			opts.Data = data
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			id, err := rt.CreateSecret(cmd.Context(), opts)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, id)
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&opts.Driver, "driver", "d", engine.SecretDriverFile, "secret driver (file only)")
	f.StringSliceVar(&opts.DriverOpts, "driver-opts", nil, "driver options (the file driver takes none)")
	f.BoolVar(&fromEnv, "env", false, "read the secret from the environment variable named by the second argument")
	f.StringArrayVarP(&opts.Labels, "label", "l", nil, "set a label: KEY=VALUE")
	f.BoolVar(&opts.Replace, "replace", false, "update the secret of that name if it exists")
	f.BoolVar(&opts.Ignore, "ignore", false, "print the existing secret's ID if one of that name exists")
	return c
}

// secretData reads the secret's data as the second argument says, bounded
// so that a huge input fails instead of filling memory.
func secretData(g *cli.Globals, src string, fromEnv bool) ([]byte, error) {
	if fromEnv {
		v, ok := os.LookupEnv(src)
		if !ok {
			return nil, fmt.Errorf("environment variable %s is not set", src)
		}
		return []byte(v), nil
	}
	var r io.Reader
	if src == "-" {
		r = g.Stdin
	} else {
		f, err := os.Open(src)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, errors.New(src + " is a directory, not a file")
		}
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, engine.MaxSecretSize+1))
	if err != nil {
		return nil, fmt.Errorf("read secret from %s: %w", src, err)
	}
	return b, nil
}
