package image

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pod-engine/pod/pkg/build"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/images"
)

// buildImageFlags are podman's build flags beyond Docker's basics: what
// goes into the image, the RUN steps' containers, caches and retries.
type buildImageFlags struct {
	annotations, contexts, unsetenv []string
	from                            string
	timestamp                       int64
	omitHistory, squashAll          bool
	skipUnused, identityLabel       bool
	httpProxy, stdin, logsplit      bool
	osName, arch, variant           string
	osVersion                       string
	osFeatures                      []string
	cacheFrom, cacheTo              []string
	cacheTTL                        time.Duration
	retry                           int
	retryDelay                      time.Duration
	isolation                       string
	cppFlags                        []string

	// Accepted and documented as having nothing to do in pod.
	rm, forceRm, compress, disableCompression, disableContentTrust bool

	// Several platforms and the manifest list they go to.
	allPlatforms bool
	manifest     string
	// RUN steps' OCI hooks, runtime flags and SSH agents.
	hooksDirs, runtimeFlags, ssh []string

	decryptionKeys []string

	// Refused (hidden from --help): each names why in refuse.
	signBy string
}

// register adds the flags; those of RUN steps' containers go straight
// into run.
func (bf *buildImageFlags) register(c *cobra.Command, run *images.BuildRunOptions) {
	f := c.Flags()
	f.StringArrayVar(&bf.annotations, "annotation", nil, "add an annotation to the image's manifest: KEY=VALUE (repeatable; OCI format only)")
	f.StringArrayVar(&bf.contexts, "build-context", nil, "a named context for FROM, COPY --from and RUN --mount from=: NAME=DIR or NAME=docker-image://IMAGE (repeatable)")
	f.StringVar(&bf.from, "from", "", "use this image in place of the first FROM's")
	f.Int64Var(&bf.timestamp, "timestamp", 0, "creation time of the image and of its layers' files, in seconds since the epoch (reproducible builds)")
	f.BoolVar(&bf.omitHistory, "omit-history", false, "leave the image without history entries")
	f.BoolVar(&bf.squashAll, "squash-all", false, "squash the whole image, base layers included, into one layer")
	f.BoolVar(&bf.skipUnused, "skip-unused-stages", true, "skip the stages the target does not use (false: build every stage before it)")
	f.BoolVar(&bf.identityLabel, "identity-label", true, "label the image with the pod version that built it ("+build.IdentityLabel+")")
	f.StringArrayVar(&bf.unsetenv, "unsetenv", nil, "remove a variable from the image's environment (repeatable)")
	f.StringVar(&bf.osName, "os", "", "OS of the image's configuration (default: the host's)")
	f.StringVar(&bf.arch, "arch", "", "architecture of the image's configuration (default: the host's; RUN steps of another need binfmt_misc emulation)")
	f.StringVar(&bf.variant, "variant", "", "architecture variant of the image's configuration")
	f.StringVar(&bf.osVersion, "os-version", "", "OS version of the image's configuration")
	f.StringArrayVar(&bf.osFeatures, "os-feature", nil, "an OS feature of the image's configuration (repeatable)")
	f.StringArrayVar(&bf.cacheFrom, "cache-from", nil, "a registry repository to look cached steps up in (repeatable)")
	f.StringArrayVar(&bf.cacheTo, "cache-to", nil, "a registry repository to push each step's image to (repeatable)")
	f.DurationVar(&bf.cacheTTL, "cache-ttl", 0, "use only cached steps younger than this (0s: no cache)")
	f.IntVar(&bf.retry, "retry", 3, "times to retry a failed pull or push of base and cache images")
	f.DurationVar(&bf.retryDelay, "retry-delay", 2*time.Second, "delay between retries")
	f.BoolVar(&bf.httpProxy, "http-proxy", true, "pass pod's http_proxy, https_proxy, ftp_proxy and no_proxy variables to RUN steps")
	f.BoolVar(&bf.stdin, "stdin", false, "give RUN steps pod's standard input")
	f.BoolVar(&bf.logsplit, "logsplit", false, "with --logfile, write to LOGFILE_OS_ARCH (one file per platform)")
	f.StringArrayVar(&bf.cppFlags, "cpp-flag", nil, "a flag for cpp(1), which preprocesses a Dockerfile named *.in (repeatable)")
	f.StringVar(&bf.isolation, "isolation", "oci", "how RUN steps are isolated: oci (pod's containers; rootless is the same)")

	f.StringArrayVar(&run.CapAdd, "cap-add", nil, "add a capability to RUN steps (repeatable)")
	f.StringArrayVar(&run.CapDrop, "cap-drop", nil, "drop a capability from RUN steps (repeatable)")
	f.StringArrayVar(&run.SecurityOpt, "security-opt", nil, "security option of RUN steps, as run's (repeatable)")
	f.StringArrayVar(&run.Devices, "device", nil, "add a host device to RUN steps: HOST[:CONTAINER][:PERMS] (repeatable)")
	f.StringArrayVar(&run.DNS, "dns", nil, "DNS server of RUN steps (repeatable)")
	f.StringArrayVar(&run.DNSSearch, "dns-search", nil, "DNS search domain of RUN steps (repeatable)")
	f.StringArrayVar(&run.DNSOptions, "dns-option", nil, "resolv.conf option of RUN steps (repeatable)")
	f.BoolVar(&run.NoHosts, "no-hosts", false, "RUN steps see the image's own /etc/hosts, not a generated one")
	f.StringVar(&run.IPC, "ipc", "", "IPC namespace of RUN steps: private, host or container:NAME")
	f.StringVar(&run.PID, "pid", "", "PID namespace of RUN steps: private, host or container:NAME")
	f.StringVar(&run.UTS, "uts", "", "UTS namespace of RUN steps: private, host or container:NAME")
	f.StringVar(&run.CgroupNS, "cgroupns", "", "cgroup namespace of RUN steps: private or host")
	f.StringVar(&run.CgroupParent, "cgroup-parent", "", "parent cgroup of RUN steps")
	f.StringVar(&run.ShmSize, "shm-size", "", "size of RUN steps' /dev/shm (e.g. 64m)")
	f.StringVarP(&run.Memory, "memory", "m", "", "memory limit of RUN steps (e.g. 512m)")
	f.StringVar(&run.MemorySwap, "memory-swap", "", "memory plus swap limit of RUN steps (-1: unlimited)")
	f.Uint64Var(&run.CPUPeriod, "cpu-period", 0, "CFS period of RUN steps, in microseconds")
	f.Int64Var(&run.CPUQuota, "cpu-quota", 0, "CFS quota of RUN steps, in microseconds")
	f.Uint64VarP(&run.CPUShares, "cpu-shares", "c", 0, "CPU shares (relative weight) of RUN steps")
	f.StringVar(&run.CpusetCpus, "cpuset-cpus", "", "CPUs RUN steps may use (e.g. 0-1)")
	f.StringVar(&run.CpusetMems, "cpuset-mems", "", "memory nodes RUN steps may use")
	f.StringVar(&run.UserNS, "userns", "", "user namespace of RUN steps: host, auto, keep-id, nomap")
	f.StringArrayVar(&run.UIDMap, "userns-uid-map", nil, "UID map of RUN steps: CONTAINER:HOST:SIZE (repeatable)")
	f.StringArrayVar(&run.GIDMap, "userns-gid-map", nil, "GID map of RUN steps: CONTAINER:HOST:SIZE (repeatable)")
	f.StringVar(&run.UIDMapUser, "userns-uid-map-user", "", "map RUN steps' UIDs to this user's /etc/subuid ranges (root only)")
	f.StringVar(&run.GIDMapGroup, "userns-gid-map-group", "", "map RUN steps' GIDs to this group's /etc/subgid ranges (root only)")

	f.BoolVar(&bf.rm, "rm", true, "remove intermediate containers (pod keeps none: always)")
	f.BoolVar(&bf.forceRm, "force-rm", true, "remove intermediate containers also on failure (pod keeps none: always)")
	f.BoolVar(&bf.compress, "compress", false, "compress the context sent to a daemon (pod has none: nothing to do)")
	f.BoolVar(&bf.disableCompression, "disable-compression", true, "store layers uncompressed (pod always does; push compresses)")
	f.BoolVar(&bf.disableContentTrust, "disable-content-trust", true, "skip image verification (Docker's; pod follows policy.json)")

	f.BoolVar(&bf.allPlatforms, "all-platforms", false, "build for every platform all the base images offer (each must be a manifest list); RUN steps of other architectures need binfmt_misc emulation")
	f.StringVar(&bf.manifest, "manifest", "", "add the built images to this manifest list (created if absent)")
	f.StringArrayVar(&bf.hooksDirs, "hooks-dir", nil, "directory of OCI hook configuration files for RUN steps (repeatable; as the global --hooks-dir)")
	f.StringArrayVar(&bf.runtimeFlags, "runtime-flag", nil, "pass a global flag to the OCI runtime of RUN steps, without its leading -- (repeatable)")
	f.StringArrayVar(&bf.ssh, "ssh", nil, "an SSH agent for RUN --mount=type=ssh: default (pod's $SSH_AUTH_SOCK), or ID=SOCKET or ID=KEYFILE[,KEYFILE] (repeatable)")
	f.StringArrayVar(&bf.decryptionKeys, "decryption-key", nil, "a private key, KEY[:PASSPHRASE], that decrypts encrypted base images (repeatable)")
	f.StringVar(&bf.signBy, "sign-by", "", "")
	for _, n := range refusedBuildFlags {
		_ = f.MarkHidden(n.flag)
	}
}

// refusedBuildFlags are podman's build flags pod accepts only to refuse
// them with one line saying why, so that podman's command lines fail
// clearly.
var refusedBuildFlags = []struct{ flag, why string }{
	{"sign-by", "sign when pushing instead (push --sign-by FINGERPRINT): a signature names the manifest a registry receives"},
}

// refuse fails on the first refused flag the user gave.
func refuse(f *pflag.FlagSet) error {
	for _, n := range refusedBuildFlags {
		if f.Changed(n.flag) {
			return errdefs.NotImplementedf("--%s is not supported: %s", n.flag, n.why)
		}
	}
	return nil
}

// apply checks the flags and fills in o.
func (bf *buildImageFlags) apply(c *cobra.Command, o *images.BuildOptions, platform string) error {
	f := c.Flags()
	if err := refuse(f); err != nil {
		return err
	}
	switch bf.isolation {
	case "", "oci", "default", "rootless":
	default:
		return errdefs.InvalidArgumentf("invalid --isolation %q: pod runs RUN steps only as OCI containers (oci)", bf.isolation)
	}
	im := &o.Image
	im.From, im.OmitHistory, im.SquashAll = bf.from, bf.omitHistory, bf.squashAll
	im.AllStages, im.IdentityLabel, im.UnsetEnv = !bf.skipUnused, bf.identityLabel, bf.unsetenv
	if f.Changed("timestamp") {
		ts := time.Unix(bf.timestamp, 0).UTC()
		im.Timestamp = &ts
	}
	var err error
	if im.Annotations, err = keyValues(bf.annotations, "--annotation", false); err != nil {
		return err
	}
	if im.Contexts, err = parseBuildContexts(bf.contexts); err != nil {
		return err
	}
	if bf.allPlatforms && (platform != "" || bf.arch != "" || bf.osName != "" || bf.variant != "") {
		return errdefs.InvalidArgumentf("--all-platforms cannot be used with --platform, --os, --arch or --variant")
	}
	o.AllPlatforms, o.Manifest, o.DecryptionKeys = bf.allPlatforms, bf.manifest, bf.decryptionKeys
	if strings.Contains(platform, ",") {
		for _, p := range strings.Split(platform, ",") {
			pl, err := bf.platform(strings.TrimSpace(p))
			if err != nil {
				return err
			}
			o.Platforms = append(o.Platforms, pl)
		}
	} else if im.Platform, err = bf.platform(platform); err != nil {
		return err
	}
	if o.SSH, err = parseSSH(bf.ssh); err != nil {
		return err
	}
	for _, fl := range bf.runtimeFlags {
		if strings.TrimPrefix(fl, "--") == "" {
			return errdefs.InvalidArgumentf("--runtime-flag: empty flag")
		}
	}
	for _, r := range append(append([]string{}, bf.cacheFrom...), bf.cacheTo...) {
		if r == "" || strings.Contains(r, "://") || strings.ContainsAny(r, "@ ") {
			return errdefs.InvalidArgumentf("invalid cache repository %q: name a registry repository, such as registry.example/cache", r)
		}
	}
	im.CacheFrom, im.CacheTo = bf.cacheFrom, bf.cacheTo
	if f.Changed("cache-ttl") {
		if bf.cacheTTL <= 0 {
			o.NoCache = true
		}
		im.CacheTTL = bf.cacheTTL
	}
	if bf.retry < 0 || bf.retryDelay < 0 {
		return errdefs.InvalidArgumentf("--retry and --retry-delay cannot be negative")
	}
	o.Retry, o.RetryDelay = bf.retry, bf.retryDelay
	o.CPPFlags = bf.cppFlags
	if bf.httpProxy {
		im.RunEnv = proxyEnv()
	}
	return nil
}

// platform merges --platform with --os, --arch and --variant (which win).
func (bf *buildImageFlags) platform(platform string) (build.Platform, error) {
	var p build.Platform
	if platform != "" {
		var err error
		if p, err = build.ParsePlatform(platform); err != nil {
			return p, err
		}
	}
	if bf.osName != "" {
		p.OS = bf.osName
	}
	if bf.arch != "" {
		p.Arch = bf.arch
	}
	if bf.variant != "" {
		p.Variant = bf.variant
	}
	if (p.OS == "" || p.OS == "linux") && (p.Arch == "" || p.Arch == runtime.GOARCH) && p.Variant == "" {
		// The host's own platform, named: the same build as without.
		p = build.Platform{}
	}
	p.OSVersion, p.OSFeatures = bf.osVersion, bf.osFeatures
	return p, nil
}

// parseBuildContexts reads --build-context NAME=VALUE: a directory, or an
// image as docker-image://, container-image:// or docker://. Remote
// contexts (URLs, git) are refused as the main context's are.
func parseBuildContexts(list []string) (map[string]build.NamedContext, error) {
	m := map[string]build.NamedContext{}
	for _, kv := range list {
		name, v, ok := strings.Cut(kv, "=")
		if !ok || name == "" || v == "" {
			return nil, errdefs.InvalidArgumentf("invalid --build-context %q: use NAME=DIR or NAME=docker-image://IMAGE", kv)
		}
		switch {
		case strings.HasPrefix(v, "docker-image://"), strings.HasPrefix(v, "container-image://"), strings.HasPrefix(v, "docker://"):
			_, ref, _ := strings.Cut(v, "://")
			m[name] = build.NamedContext{Image: ref}
		case strings.Contains(v, "://") || strings.HasPrefix(v, "git@"):
			return nil, errdefs.InvalidArgumentf("invalid --build-context %q: remote contexts are not supported (no network fetches during builds)", kv)
		default:
			abs, err := filepath.Abs(v)
			if err != nil {
				return nil, err
			}
			if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
				return nil, errdefs.InvalidArgumentf("invalid --build-context %q: %s is not a directory", kv, v)
			}
			m[name] = build.NamedContext{Dir: abs}
		}
	}
	return m, nil
}

// proxyEnv is pod's proxy variables, which podman's --http-proxy passes to
// RUN steps.
func proxyEnv() []string {
	var env []string
	for _, k := range []string{"http_proxy", "https_proxy", "ftp_proxy", "no_proxy"} {
		for _, name := range []string{k, strings.ToUpper(k)} {
			if v, ok := os.LookupEnv(name); ok {
				env = append(env, name+"="+v)
			}
		}
	}
	return env
}

// parseSSH reads --ssh: "default" (pod's own $SSH_AUTH_SOCK), ID=SOCKET
// or ID=KEYFILE[,KEYFILE...].
func parseSSH(list []string) (map[string][]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	m := map[string][]string{}
	for _, s := range list {
		id, paths, ok := strings.Cut(s, "=")
		if id == "" {
			return nil, errdefs.InvalidArgumentf("invalid --ssh %q: use default, ID=SOCKET or ID=KEYFILE", s)
		}
		if !ok || paths == "" {
			sock := os.Getenv("SSH_AUTH_SOCK")
			if sock == "" {
				return nil, errdefs.InvalidArgumentf("--ssh %s: SSH_AUTH_SOCK is not set: name an agent socket or a key file (%s=PATH)", id, id)
			}
			paths = sock
		}
		for _, p := range strings.Split(paths, ",") {
			abs, err := filepath.Abs(p)
			if err != nil {
				return nil, err
			}
			if _, err := os.Stat(abs); err != nil {
				return nil, errdefs.InvalidArgumentf("--ssh %s: %v", id, err)
			}
			m[id] = append(m[id], abs)
		}
	}
	return m, nil
}
