package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteColumns prints rows as aligned columns, the first row being the
// header, as `top` and `pod top` print ps(1)'s table.
func WriteColumns(w io.Writer, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 12, 2, 2, ' ', 0)
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}
