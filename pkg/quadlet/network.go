package quadlet

import (
	"fmt"
	"io"
)

var networkKeys = map[string]argKey{
	"DisableDNS": {flag: "--disable-dns", boolean: true},
	"Driver":     {flag: "--driver"},
	"Gateway":    {flag: "--gateway"},
	"Internal":   {flag: "--internal", boolean: true},
	"IPRange":    {flag: "--ip-range"},
	"IPv6":       {flag: "--ipv6", boolean: true},
	"Label":      {flag: "--label", split: true},
	"Options":    {flag: "--opt"},
	"Subnet":     {flag: "--subnet"},
}

var networkRefused = []string{"ContainersConfModule", "DNS", "IPAMDriver", "InterfaceName", "ServiceName"}

// ConvertNetwork converts a .network file into NAME-network.service, a
// oneshot service that creates the network unless it exists (and, with
// NetworkDeleteOnStop=true, removes it when stopped).
func ConvertNetwork(path string, r io.Reader, o Options) (*Unit, error) {
	u, err := parseUnit(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sec := u.section("Network")
	if sec == nil {
		return nil, &KeyError{File: path, Msg: "missing [Network] group"}
	}
	c := &conv{path: path, group: "Network", o: o}
	deleteOnStop := false
	err = c.args(sec, networkKeys, networkRefused, func(kv keyValue) (bool, error) {
		switch kv.key {
		case "NetworkName":
		case "NetworkDeleteOnStop":
			b, ok := parseBool(kv.value)
			if !ok {
				return true, c.bad(kv.key, fmt.Sprintf("invalid boolean %q", kv.value))
			}
			deleteOnStop = b
		default:
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	name := nameKey(path, u, "Network", "NetworkName")
	create := append(append(c.pod("network", "create", "--ignore"), c.flags...), c.podmanArgs...)
	create = append(create, name)
	var rm []string
	if deleteOnStop {
		rm = c.pod("network", "rm", "-f", name)
	}
	unit := &Unit{Name: base(path) + "-network.service"}
	c.oneshot(u, unit, false, create, rm, "")
	return unit, nil
}
