package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"text/template"
)

// Template functions Docker and Podman offer in --format.
var templateFuncs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"join":  strings.Join,
	"lower": strings.ToLower,
	"upper": strings.ToUpper,
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"split": strings.Split,
	"truncate": func(s string, n int) string {
		if len(s) > n {
			return s[:n]
		}
		return s
	},
	"pad": func(s string, before, after int) string {
		return strings.Repeat(" ", before) + s + strings.Repeat(" ", after)
	},
}

// ParseTemplate parses a --format Go template with Docker's functions. A
// leading "table " is removed; the caller prints headers for it.
func ParseTemplate(format string) (tmpl *template.Template, table bool, err error) {
	if strings.HasPrefix(format, "table") {
		table = true
		format = strings.TrimSpace(strings.TrimPrefix(format, "table"))
	}
	format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format)
	if !strings.HasSuffix(format, "\n") {
		format += "\n"
	}
	tmpl, err = template.New("format").Funcs(templateFuncs).Option("missingkey=error").Parse(format)
	if err != nil {
		return nil, false, fmt.Errorf("invalid --format template: %w", err)
	}
	return tmpl, table, nil
}

// WriteJSON prints v as indented JSON, as `--format json` and inspect do.
func WriteJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "     ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// WriteTemplate executes tmpl once per item. With headers (a table), the
// header row is the template executed on headers, and columns are aligned.
func WriteTemplate[T any](w io.Writer, tmpl *template.Template, headers *T, items []T) error {
	// One write for the whole output, not several per row: ps of a
	// thousand containers would otherwise spend its time in write(2).
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 0, 3, ' ', 0)
	out := io.Writer(bw)
	if headers != nil {
		out = tw
		if err := tmpl.Execute(tw, headers); err != nil {
			return fmt.Errorf("execute --format template: %w", err)
		}
	}
	for i := range items {
		if err := tmpl.Execute(out, items[i]); err != nil {
			return fmt.Errorf("execute --format template: %w", err)
		}
	}
	if headers != nil {
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return bw.Flush()
}
