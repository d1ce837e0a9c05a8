package specgen

import (
	"strings"
	"unicode"
)

// The values below end up as lines of the container's /etc/hostname,
// /etc/hosts and /etc/resolv.conf, so each is refused unless it is one
// word of what its file expects: a value with a newline would add lines of
// the user's choosing (another nameserver, another host's address).

// hostnameMax is the kernel's HOST_NAME_MAX: sethostname refuses longer.
const hostnameMax = 64

// validHostname reports whether h is an RFC 1123 host name: dot-separated
// labels of letters, digits and inner hyphens, 1 to 63 characters each.
// underscore also allows '_', which /etc/hosts aliases often have.
func validHostname(h string, underscore bool) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !isAlnum(c) && c != '-' && !(underscore && c == '_') {
				return false
			}
		}
	}
	return true
}

// validSearchDomain reports whether d is what Docker accepts for
// --dns-search: a domain name (labels as in a host name, a trailing dot
// allowed) or "." (no search list).
func validSearchDomain(d string) bool {
	if d == "." {
		return true
	}
	d = strings.TrimSuffix(d, ".")
	return len(d) <= 255 && validHostname(d, false)
}

// validResolvOption reports whether o is one word of a resolv.conf
// options line (ndots:2, rotate, edns0).
func validResolvOption(o string) bool {
	if o == "" {
		return false
	}
	for _, c := range o {
		if unicode.IsSpace(c) || !unicode.IsPrint(c) || c == '#' || c == ';' {
			return false
		}
	}
	return true
}

func isAlnum(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// ValidateEtcOptions refuses a hostname, search domain, resolver option or
// extra host name that is not one well-formed word (see above).
func ValidateEtcOptions(hostname string, o NetOptions) error {
	if hostname != "" && (len(hostname) > hostnameMax || !validHostname(hostname, false)) {
		return invalidf("invalid --hostname %q: not a valid RFC 1123 host name (letters, digits, '-' and '.', at most %d characters)", hostname, hostnameMax)
	}
	for _, d := range o.DNSSearch {
		if !validSearchDomain(d) {
			return invalidf("invalid --dns-search %q: not a domain name", d)
		}
	}
	for _, opt := range o.DNSOptions {
		if !validResolvOption(opt) {
			return invalidf("invalid --dns-option %q: one resolv.conf option without spaces, such as ndots:2", opt)
		}
	}
	for _, h := range o.AddHosts {
		name, _, _ := strings.Cut(h, ":")
		if name != "" && !validHostname(name, true) {
			return invalidf("invalid --add-host %q: %q is not a valid host name", h, name)
		}
	}
	return nil
}
