package image

import (
	"github.com/containers/image/v5/types"
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/pkg/storage"
)

// registryFlags are the flags of every command that talks to a registry.
type registryFlags struct {
	tlsVerify bool
	authFile  string
	creds     string
	certDir   string
}

// register adds --tls-verify, --authfile, --cert-dir and (withCreds) --creds.
func (r *registryFlags) register(c *cobra.Command, withCreds bool) {
	f := c.Flags()
	f.BoolVar(&r.tlsVerify, "tls-verify", true, "require HTTPS and verify certificates (default: as registries.conf says)")
	f.StringVar(&r.authFile, "authfile", "", "path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)")
	f.StringVar(&r.certDir, "cert-dir", "", "directory with the registry's certificates (*.crt, *.cert, *.key)")
	if withCreds {
		f.StringVar(&r.creds, "creds", "", "credentials for the registry, USERNAME[:PASSWORD]")
	}
}

// apply copies the flags into an options struct; --tls-verify only counts
// when given, so registries.conf decides otherwise.
func (r *registryFlags) apply(c *cobra.Command, tls *types.OptionalBool, authFile, creds, certDir *string) {
	if c.Flags().Changed("tls-verify") {
		*tls = types.NewOptionalBool(r.tlsVerify)
	}
	*authFile, *certDir = r.authFile, r.certDir
	if creds != nil {
		*creds = r.creds
	}
}

// RegistryFlags are the registry flags for the commands of other groups
// (manifest), with what they set as storage.RegistryOptions.
type RegistryFlags struct{ r registryFlags }

// Register adds --tls-verify, --authfile, --cert-dir and (withCreds)
// --creds to c.
func (f *RegistryFlags) Register(c *cobra.Command, withCreds bool) { f.r.register(c, withCreds) }

// Apply copies the flags into o; --tls-verify only counts when given.
func (f *RegistryFlags) Apply(c *cobra.Command, o *storage.RegistryOptions) {
	f.r.apply(c, &o.TLSVerify, &o.AuthFile, &o.Credentials, &o.CertDir)
}
