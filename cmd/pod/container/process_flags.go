package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/containers/image/v5/types"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pod-engine/pod/pkg/engine"
)

// processFlags are podman's create flags beyond Docker's that need more
// than a field: image selection, the pod from a file, --quiet.
type processFlags struct {
	httpProxy           bool
	passwd              bool
	tlsVerify           bool
	platform            string
	arch, os, variant   string
	quiet               bool
	podIDFile           string
	disableContentTrust bool
}

// addProcessFlags binds podman's process, file and image selection flags
// of create and run.
func addProcessFlags(fs *pflag.FlagSet, f *createFlags) {
	o := &f.opts.ProcessOptions
	p := &f.process
	fs.BoolVar(&o.EnvHost, "env-host", false, "give the container pod's whole environment (under the image's and -e's)")
	fs.StringArrayVar(&o.EnvMerge, "env-merge", nil, "set a variable from the image's: KEY=VALUE, where ${VAR} is the image's VAR (e.g. PATH=${PATH}:/opt/bin)")
	fs.StringArrayVar(&o.UnsetEnv, "unsetenv", nil, "drop a default variable (the image's, containers.conf's or pod's own: PATH, HOME, TERM, HOSTNAME, container)")
	fs.BoolVar(&o.UnsetEnvAll, "unsetenv-all", false, "drop every default variable: the container gets only -e's and --env-file's")
	fs.BoolVar(&p.httpProxy, "http-proxy", true, "pass pod's http_proxy, https_proxy, ftp_proxy and no_proxy (either case) to the container")
	fs.StringArrayVar(&o.LabelFiles, "label-file", nil, "read labels from a file of KEY=VALUE lines")
	fs.StringArrayVar(&o.Annotations, "annotation", nil, "add an annotation to the container's OCI configuration: KEY=VALUE")
	fs.StringVar(&o.Umask, "umask", "", "umask of the container's process (octal; default 0022)")
	fs.StringVar(&o.PidFile, "pidfile", "", "write the container's PID to FILE at each start")
	fs.StringVar(&o.ConmonPidFile, "conmon-pidfile", "", "write the monitor's (pod-conmon's) PID to FILE at each start")
	fs.StringVar(&o.InitPath, "init-path", "", "with --init: the init binary to run as PID 1 (default: catatonit)")
	fs.StringVar(&o.Systemd, "systemd", "true", "init mode for systemd: true (when the command is systemd or init), false or always")
	fs.StringArrayVar(&o.Requires, "requires", nil, "containers to start before this one (NAME[,NAME...]; rm refuses to remove them while this one exists)")
	fs.StringVar(&o.ImageVolume, "image-volume", "bind", "what the image's VOLUMEs become: bind (anonymous volumes), tmpfs or ignore")
	fs.StringArrayVar(&o.DeviceCgroupRules, "device-cgroup-rule", nil, "allow devices in the device cgroup: 'TYPE MAJOR:MINOR ACCESS', such as 'c 1:3 mr' (root only)")
	fs.BoolVar(&p.passwd, "passwd", true, "add an /etc/passwd (and /etc/group) entry for a --user the image lacks")
	fs.StringVar(&o.PasswdEntry, "passwd-entry", "", "the /etc/passwd line --passwd adds, with $USERNAME, $UID, $GID, $NAME and $HOME replaced (default $USERNAME:*:$UID:$GID:$NAME:$HOME:/bin/sh)")
	fs.StringArrayVar(&o.HostUsers, "hostuser", nil, "add a host user (name or UID) from the host's /etc/passwd to the container's")
	fs.StringArrayVar(&o.ChrootDirs, "chrootdirs", nil, "a directory in the container that also gets pod's /etc/hosts, /etc/hostname and /etc/resolv.conf (for programs that chroot there)")
	fs.StringVar(&o.SeccompPolicy, "seccomp-policy", "default", "default, or image: the seccomp profile of the image's io.containers.seccomp.profile label, when it has one")
	fs.StringVar(&o.SubUIDName, "subuidname", "", "map the container's UIDs to NAME's ranges of /etc/subuid (root only; conflicts with --userns and --uidmap)")
	fs.StringVar(&o.SubGIDName, "subgidname", "", "map the container's GIDs to NAME's ranges of /etc/subgid (root only; conflicts with --userns and --gidmap)")
	fs.StringVar(&o.Personality, "personality", "", "execution domain of the container's processes: LINUX or LINUX32 (uname -m says i686 on x86_64); needs a runtime implementing runtime-spec 1.1")
	fs.StringVar(&p.platform, "platform", "", "pull the image for this platform (os/arch[/variant]) instead of this machine's")
	fs.StringVar(&p.arch, "arch", "", "pull the image for this architecture instead of this machine's")
	fs.StringVar(&p.os, "os", "", "pull the image for this operating system instead of linux")
	fs.StringVar(&p.variant, "variant", "", "pull the image for this architecture variant (e.g. v7 of arm)")
	fs.BoolVar(&p.tlsVerify, "tls-verify", true, "when pulling: require HTTPS and verify certificates (default: as registries.conf says)")
	fs.StringVar(&f.opts.PullOptions.AuthFile, "authfile", "", "when pulling: the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)")
	fs.BoolVarP(&p.quiet, "quiet", "q", false, "print no pull progress")
	fs.StringVar(&p.podIDFile, "pod-id-file", "", "join the pod whose ID the file holds (as written by pod create --pod-id-file)")
	fs.BoolVar(&p.disableContentTrust, "disable-content-trust", false, "accepted for Docker compatibility; does nothing (as podman)")
}

// processOptions completes o with the process flags that need work.
func (f *createFlags) processOptions(c *cobra.Command, o *engine.CreateOptions) error {
	p := f.process
	if c.Flags().Changed("http-proxy") {
		v := p.httpProxy
		o.HTTPProxy = &v
	}
	if c.Flags().Changed("passwd") {
		v := p.passwd
		o.Passwd = &v
	}
	if c.Flags().Changed("tls-verify") {
		o.PullOptions.TLSVerify = types.NewOptionalBool(p.tlsVerify)
	}
	platform, err := pullPlatform(p.platform, p.os, p.arch, p.variant)
	if err != nil {
		return err
	}
	o.PullOptions.Platform = platform
	if p.quiet {
		o.PullProgress = nil
	}
	for _, path := range []*string{&o.PidFile, &o.ConmonPidFile} {
		if *path != "" && !filepath.IsAbs(*path) {
			abs, err := filepath.Abs(*path)
			if err != nil {
				return err
			}
			*path = abs
		}
	}
	if p.podIDFile != "" {
		if o.Pod != "" {
			return errors.New("--pod and --pod-id-file cannot be used together")
		}
		b, err := os.ReadFile(p.podIDFile)
		if err != nil {
			return fmt.Errorf("--pod-id-file: %w", err)
		}
		if o.Pod = strings.TrimSpace(string(b)); o.Pod == "" {
			return fmt.Errorf("--pod-id-file %s is empty", p.podIDFile)
		}
	}
	return nil
}

// pullPlatform is the platform of --platform, or of --os, --arch and
// --variant (each defaulting to this machine's).
func pullPlatform(platform, osName, arch, variant string) (string, error) {
	if platform != "" {
		if osName != "" || arch != "" || variant != "" {
			return "", errors.New("--platform cannot be used with --os, --arch or --variant")
		}
		return platform, nil
	}
	if osName == "" && arch == "" && variant == "" {
		return "", nil
	}
	if osName == "" {
		osName = "linux"
	}
	if arch == "" {
		arch = runtime.GOARCH
	}
	p := osName + "/" + arch
	if variant != "" {
		p += "/" + variant
	}
	return p, nil
}
