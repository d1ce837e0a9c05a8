package network

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/network"
)

// listRow is what --format templates see for one network.
type listRow struct {
	ID               string
	Name             string
	Driver           string
	NetworkInterface string
	Created          string
	Subnets          string
	Labels           string
	Internal         string
	IPv6Enabled      string
	DNSEnabled       string
}

func newRow(n *network.Network, noTrunc bool) listRow {
	id := n.ID
	if !noTrunc && len(id) > 12 {
		id = id[:12]
	}
	var subs, labels []string
	for _, s := range n.Subnets {
		subs = append(subs, s.Subnet)
	}
	for k, v := range n.Labels {
		labels = append(labels, k+"="+v)
	}
	return listRow{
		ID: id, Name: n.Name, Driver: n.Driver, NetworkInterface: n.NetworkInterface,
		Created: n.Created.Local().Format(time.RFC3339), Subnets: strings.Join(subs, ","),
		Labels: strings.Join(labels, ","), Internal: fmt.Sprint(n.Internal),
		IPv6Enabled: fmt.Sprint(n.IPv6Enabled), DNSEnabled: fmt.Sprint(n.DNSEnabled),
	}
}

func newListCommand(g *cli.Globals) *cobra.Command {
	var (
		quiet, noTrunc bool
		format         string
		filters        []string
	)
	c := &cobra.Command{
		Use:     "ls [options]",
		Aliases: []string{"list"},
		Short:   "List networks",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fs, err := engine.ParseNetworkFilters(filters)
			if err != nil {
				return err
			}
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			nets, err := rt.NetworkList(cmd.Context(), fs)
			if err != nil {
				return err
			}
			rows := make([]listRow, len(nets))
			for i, n := range nets {
				rows[i] = newRow(n, noTrunc)
			}
			switch {
			case quiet:
				for _, r := range rows {
					fmt.Fprintln(g.Stdout, r.Name)
				}
				return nil
			case format == "json":
				return cli.WriteJSON(g.Stdout, nets)
			case format == "":
				format = "table {{.ID}}\t{{.Name}}\t{{.Driver}}"
			}
			tmpl, table, err := cli.ParseTemplate(format)
			if err != nil {
				return err
			}
			var headers *listRow
			if table {
				headers = &listRow{ID: "NETWORK ID", Name: "NAME", Driver: "DRIVER", NetworkInterface: "NETWORK INTERFACE",
					Created: "CREATED", Subnets: "SUBNETS", Labels: "LABELS", Internal: "INTERNAL",
					IPv6Enabled: "IPV6", DNSEnabled: "DNS"}
			}
			return cli.WriteTemplate(g.Stdout, tmpl, headers, rows)
		},
	}
	f := c.Flags()
	f.BoolVarP(&quiet, "quiet", "q", false, "print only network names")
	f.BoolVar(&noTrunc, "no-trunc", false, "do not truncate network IDs")
	f.StringVar(&format, "format", "", "Go template for each network, or json")
	f.StringArrayVarP(&filters, "filter", "f", nil, "filter networks: name=REGEX, id=PREFIX, driver=DRIVER, label=KEY[=VALUE]")
	return c
}
