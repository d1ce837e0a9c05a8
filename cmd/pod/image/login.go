package image

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/images"
)

func newLoginCommand(g *cli.Globals) *cobra.Command {
	var (
		opts                             images.LoginOptions
		reg                              registryFlags
		passwordStdin, getLogin, verbose bool
	)
	c := &cobra.Command{
		Use:   "login [options] [REGISTRY]",
		Short: "Log in to a registry",
		Long: "Check a user name and password against a registry and store them in the auth file\n" +
			"(${XDG_RUNTIME_DIR}/containers/auth.json unless --authfile). Without REGISTRY, the first\n" +
			"unqualified-search registry of registries.conf.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var unused string
			reg.apply(cmd, &opts.TLSVerify, &opts.AuthFile, &unused, &opts.CertDir)
			if passwordStdin && opts.Password != "" {
				return errors.New("--password and --password-stdin are mutually exclusive")
			}
			registry := ""
			if len(args) == 1 {
				registry = args[0]
			}
			if getLogin {
				rt, err := g.Open(cmd.Context())
				if err != nil {
					return err
				}
				defer rt.Close()
				user, err := rt.Images().LoggedInUser(registry, opts.AuthFile)
				if err != nil {
					return err
				}
				fmt.Fprintln(g.Stdout, user)
				return nil
			}
			in := bufio.NewReader(g.Stdin)
			if passwordStdin {
				if opts.Username == "" {
					return errors.New("--password-stdin needs --username")
				}
				b, err := io.ReadAll(in)
				if err != nil {
					return fmt.Errorf("read password from stdin: %w", err)
				}
				opts.Password = strings.TrimRight(string(b), "\r\n")
			}
			if opts.Username == "" {
				fmt.Fprint(g.Stdout, "Username: ")
				line, err := in.ReadString('\n')
				if err != nil && line == "" {
					return errors.New("no user name given (use --username)")
				}
				opts.Username = strings.TrimSpace(line)
			}
			if opts.Password == "" {
				pw, err := readPassword(g, in)
				if err != nil {
					return err
				}
				opts.Password = pw
			}
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			authFile, err := rt.Images().Login(cmd.Context(), registry, opts)
			if err != nil {
				return err
			}
			if verbose {
				fmt.Fprintln(g.Stdout, "Used:", authFile)
			}
			fmt.Fprintln(g.Stdout, "Login Succeeded!")
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&opts.Username, "username", "u", "", "user name")
	f.StringVarP(&opts.Password, "password", "p", "", "password (visible to other users of this machine; prefer --password-stdin)")
	f.BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input")
	f.BoolVar(&getLogin, "get-login", false, "print the user name stored for the registry (an error when not logged in); no login")
	f.BoolVarP(&verbose, "verbose", "v", false, "print the auth file the credentials were stored in")
	reg.register(c, false)
	return c
}

// readPassword asks for the password on the terminal without echo, or
// reads a line from stdin when stdin is not a terminal.
func readPassword(g *cli.Globals, in *bufio.Reader) (string, error) {
	fmt.Fprint(g.Stdout, "Password: ")
	if f, ok := g.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(g.Stdout)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		return string(b), nil
	}
	line, err := in.ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no password given (use --password-stdin)")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func newLogoutCommand(g *cli.Globals) *cobra.Command {
	var (
		all      bool
		authFile string
	)
	c := &cobra.Command{
		Use:   "logout [options] [REGISTRY]",
		Short: "Log out of a registry",
		Long:  "Remove the stored credentials for a registry (without REGISTRY, the first unqualified-search registry), or for all with --all.",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if all && len(args) > 0 {
				return errors.New("--all takes no registry")
			}
			registry := ""
			if len(args) == 1 {
				registry = args[0]
			}
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			key, err := rt.Images().Logout(cmd.Context(), registry, all, authFile)
			if err != nil {
				return err
			}
			if all {
				fmt.Fprintln(g.Stdout, "Removed login credentials for all registries")
			} else {
				fmt.Fprintln(g.Stdout, "Removed login credentials for", key)
			}
			return nil
		},
	}
	f := c.Flags()
	f.BoolVarP(&all, "all", "a", false, "remove the credentials of every registry")
	f.StringVar(&authFile, "authfile", "", "path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)")
	return c
}
