package quadlet

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// section is one [Group] of a unit file, its settings in file order.
type section struct {
	name string
	keys []keyValue
}

type keyValue struct {
	key, value string
	line       int
}

// unitFile is a parsed systemd unit file (systemd.syntax(7)): sections,
// "Key=Value" lines, '#' and ';' comments, a trailing backslash joining
// the next line.
type unitFile struct {
	sections []*section
}

func parseUnit(r io.Reader) (*unitFile, error) {
	u := &unitFile{}
	var cur *section
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	n := 0
	var cont strings.Builder
	contLine := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if cont.Len() == 0 {
			t := strings.TrimSpace(line)
			if t == "" || t[0] == '#' || t[0] == ';' {
				continue
			}
			contLine = n
		} else if t := strings.TrimSpace(line); t != "" && (t[0] == '#' || t[0] == ';') {
			continue // comments inside a continued line are skipped
		}
		if strings.HasSuffix(line, `\`) {
			cont.WriteString(strings.TrimSuffix(line, `\`))
			cont.WriteByte(' ')
			continue
		}
		cont.WriteString(line)
		full := strings.TrimSpace(cont.String())
		cont.Reset()
		if strings.HasPrefix(full, "[") {
			if !strings.HasSuffix(full, "]") || len(full) < 3 {
				return nil, fmt.Errorf("line %d: invalid section header %q", contLine, full)
			}
			cur = &section{name: full[1 : len(full)-1]}
			u.sections = append(u.sections, cur)
			continue
		}
		k, v, ok := strings.Cut(full, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: %q is neither a section nor a Key=Value setting", contLine, full)
		}
		if cur == nil {
			return nil, fmt.Errorf("line %d: setting %q outside of any section", contLine, strings.TrimSpace(k))
		}
		cur.keys = append(cur.keys, keyValue{key: strings.TrimSpace(k), value: strings.TrimSpace(v), line: contLine})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return u, nil
}

func (u *unitFile) section(name string) *section {
	for _, s := range u.sections {
		if s.name == name {
			return s
		}
	}
	return nil
}

// splitWords splits a value into words as systemd does for command lines
// and lists: blanks separate words, double or single quotes group them,
// and a backslash escapes the next character (C escapes \n, \t).
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in := false
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				cur.WriteByte('\n')
			case 't':
				cur.WriteByte('\t')
			default:
				cur.WriteByte(s[i])
			}
			in = true
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote, in = c, true
		case quote == 0 && (c == ' ' || c == '\t'):
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unbalanced quotes in %q", s)
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

// quoteArg writes one argument of an Exec*= line. Values of a Quadlet
// file are unit-file values: their specifiers (%N, %h, ...) are meant for
// systemd and stay; '$' is doubled so that systemd leaves it to the
// container. Arguments with blanks, quotes or backslashes are quoted.
func quoteArg(a string) string {
	a = strings.ReplaceAll(a, "$", "$$")
	if a != "" && a != ";" && !strings.ContainsAny(a, " \t\n\"'\\") {
		return a
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)
	return `"` + r.Replace(a) + `"`
}
