package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"
	"text/template"
	"text/template/parse"
	"unicode"
)

// View says how a list or inspect command prints its typed rows (the
// engine's views) for --format.
type View struct {
	// Default is the format without --format, usually "table ...".
	Default string
	// Headers are column titles by field name, where podman's title is
	// not the field's name split into upper-case words (ID: "CONTAINER
	// ID"; CreatedAt: "CREATED AT" needs no entry).
	Headers map[string]string
	// NoHeading drops a table's header row (--noheading).
	NoHeading bool
	// JSON is what --format json prints when it is not the rows as they
	// are (ps and images print podman's list JSON, not their template
	// rows); nil prints the rows.
	JSON any
}

// idField matches .Id in a template: Docker's JSON name of the ID field,
// which podman's views (and pod's) call ID.
var idField = regexp.MustCompile(`\.Id\b`)

// Render prints rows as format says: "json" a JSON array; "table TEMPLATE"
// the template once per row, aligned under a header row; any other Go
// template once per row; "" view.Default. Templates see the typed rows, so
// numbers print as numbers (a size as 3197040, not 3.19704e+06), with
// Docker's and podman's template functions.
func Render[T any](w io.Writer, format string, rows []T, view View) error {
	if format == "" {
		format = view.Default
	}
	if format == "json" {
		if view.JSON != nil {
			return WriteJSON(w, view.JSON)
		}
		if rows == nil {
			rows = []T{}
		}
		return WriteJSON(w, rows)
	}
	tmpl, table, err := ParseTemplate(idField.ReplaceAllString(format, ".ID"))
	if err != nil {
		return err
	}
	// One write for the whole output, not several per row: ps of a
	// thousand containers would otherwise spend its time in write(2).
	bw := bufio.NewWriter(w)
	out := io.Writer(bw)
	var tw *tabwriter.Writer
	if table {
		// Podman's table layout: columns at least 12 wide, two spaces apart.
		tw = tabwriter.NewWriter(bw, 12, 2, 2, ' ', 0)
		out = tw
		if !view.NoHeading {
			io.WriteString(tw, headerRow(tmpl, view.Headers))
		}
	}
	var row bytes.Buffer
	for i := range rows {
		row.Reset()
		if err := execute(tmpl, &row, rows[i]); err != nil {
			return fmt.Errorf("execute --format template: %w", err)
		}
		out.Write(row.Bytes())
	}
	if tw != nil {
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// execute runs tmpl on a typed row. A field the row's Go type does not
// have by that name may still be one of its JSON names (Docker's
// {{.HostConfig.NanoCpus}} is moby's Go field NanoCPUs): as docker does,
// the template then runs on the row's JSON, numbers kept as written so
// that they print as integers, never as 3.19704e+06.
func execute(tmpl *template.Template, w *bytes.Buffer, row any) error {
	err := tmpl.Execute(w, row)
	if err == nil {
		return nil
	}
	data, jerr := json.Marshal(row)
	if jerr != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if dec.Decode(&raw) != nil {
		return err
	}
	if m, ok := raw.(map[string]any); ok {
		if _, has := m["ID"]; !has && m["Id"] != nil {
			m["ID"] = m["Id"] // .Id is rewritten to .ID
		}
	}
	// On the JSON a name no field has is still an error, not "<no value>".
	strict, cerr := tmpl.Clone()
	if cerr != nil {
		return err
	}
	w.Reset()
	if rerr := strict.Option("missingkey=error").Execute(w, raw); rerr != nil {
		w.Reset()
		return err // the typed row's error names the field as the user wrote it
	}
	return nil
}

// headerRow is a table template's header: its text as written, each
// action replaced by the title of the field it prints ({{.Label "app"}}
// and {{json .Labels}} name Label and Labels). Building it from the
// template rather than by running the template on a stand-in row makes it
// work for fields of any type and methods with arguments alike.
func headerRow(tmpl *template.Template, titles map[string]string) string {
	var b strings.Builder
	for _, n := range tmpl.Tree.Root.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			b.Write(n.Text)
		case *parse.ActionNode:
			if f := firstField(n.Pipe); f != "" {
				if t, ok := titles[fieldPath(n.Pipe)]; ok {
					b.WriteString(t)
				} else if t, ok := titles[f]; ok {
					b.WriteString(t)
				} else {
					b.WriteString(Title(f))
				}
			}
		}
	}
	return b.String()
}

// fieldPath is the whole first field chain a pipeline reads:
// "Namespaces.NET" in {{.Namespaces.NET}}.
func fieldPath(p *parse.PipeNode) string {
	if p == nil || len(p.Cmds) == 0 || len(p.Cmds[0].Args) == 0 {
		return ""
	}
	if f, ok := p.Cmds[0].Args[0].(*parse.FieldNode); ok {
		return strings.Join(f.Ident, ".")
	}
	return ""
}

// firstField is the first field a pipeline reads: Names in {{.Names}},
// Config in {{json .Config.Env}}.
func firstField(p *parse.PipeNode) string {
	if p == nil {
		return ""
	}
	for _, c := range p.Cmds {
		for _, a := range c.Args {
			switch a := a.(type) {
			case *parse.FieldNode:
				return a.Ident[0]
			case *parse.ChainNode:
				if len(a.Field) > 0 {
					return a.Field[0]
				}
			case *parse.PipeNode:
				if f := firstField(a); f != "" {
					return f
				}
			}
		}
	}
	return ""
}

// Title is podman's column title for a field: its words upper-cased,
// "CreatedAt" → "CREATED AT", "ID" → "ID".
func Title(field string) string {
	var b strings.Builder
	rs := []rune(field)
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))) {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}
