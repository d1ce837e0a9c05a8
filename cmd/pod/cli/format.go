package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
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
// leading "table " is removed; the caller prints headers for it. As in
// Docker and podman, a key a map lacks prints "<no value>"; a field the
// row's type lacks is an error.
func ParseTemplate(format string) (tmpl *template.Template, table bool, err error) {
	if strings.HasPrefix(format, "table") {
		table = true
		format = strings.TrimSpace(strings.TrimPrefix(format, "table"))
	}
	format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format)
	if !strings.HasSuffix(format, "\n") {
		format += "\n"
	}
	tmpl, err = template.New("format").Funcs(templateFuncs).Option("missingkey=default").Parse(format)
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
