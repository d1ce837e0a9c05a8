package engine

import "testing"

func TestUnescapeOctal(t *testing.T) {
	for in, want := range map[string]string{
		`/a/b`:            "/a/b",
		`/a\040b`:         "/a b",
		`/tab\011x\134y`:  "/tab\tx\\y",
		`/short\04`:       `/short\04`,
		`/not\0xyoctal\9`: `/not\0xyoctal\9`,
	} {
		if got := unescapeOctal(in); got != want {
			t.Errorf("unescapeOctal(%q) = %q, want %q", in, got, want)
		}
	}
}
