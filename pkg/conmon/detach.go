package conmon

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrDetached is what a reader made by NewDetachReader returns once the
// user typed the detach keys; Conn.Copy then returns it, leaving the
// container running.
var ErrDetached = errors.New("detached from the container")

// DefaultDetachKeys is Docker's and Podman's default detach sequence.
const DefaultDetachKeys = "ctrl-p,ctrl-q"

// ParseDetachKeys parses Docker's detach-key syntax: a comma-separated list
// of keys, each a single character or ctrl-X with X one of a-z, @, [, \, ],
// ^ or _. The empty string is no sequence (detaching disabled).
func ParseDetachKeys(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	var keys []byte
	for _, k := range strings.Split(s, ",") {
		switch {
		case len(k) == 1:
			keys = append(keys, k[0])
		case len(k) == 6 && strings.HasPrefix(strings.ToLower(k), "ctrl-"):
			c := k[5]
			switch {
			case c >= 'a' && c <= 'z':
				keys = append(keys, c-'a'+1)
			case c >= 'A' && c <= 'Z':
				keys = append(keys, c-'A'+1)
			case c == '@':
				keys = append(keys, 0)
			case c >= '[' && c <= '_': // [ \ ] ^ _
				keys = append(keys, c-'['+27)
			default:
				return nil, fmt.Errorf("invalid detach keys %q: unknown key %q", s, k)
			}
		default:
			return nil, fmt.Errorf("invalid detach keys %q: unknown key %q (want a character or ctrl-<value>)", s, k)
		}
	}
	return keys, nil
}

// NewDetachReader passes r through until the bytes keys arrive in a row,
// then returns ErrDetached (what came before them in the same read is
// delivered first). Bytes that start the sequence are held back until it is
// clear they do not complete it. With no keys it returns r. It is meant for
// a terminal's input: in a byte stream the keys' bytes are data, so the
// engine uses it only for a process with a terminal.
func NewDetachReader(r io.Reader, keys []byte) io.Reader {
	if len(keys) == 0 {
		return r
	}
	return &detachReader{r: r, keys: keys, buf: make([]byte, 4096)}
}

type detachReader struct {
	r       io.Reader
	keys    []byte
	matched int // how many of keys the input ended with so far
	buf     []byte
	out     []byte // ready for the caller
	err     error  // returned once out is empty
}

func (d *detachReader) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		if d.err != nil {
			return 0, d.err
		}
		n, err := d.r.Read(d.buf)
		for i := 0; i < n; i++ {
			b := d.buf[i]
			if b == d.keys[d.matched] {
				d.matched++
				if d.matched == len(d.keys) {
					d.err = ErrDetached
					break
				}
				continue
			}
			// Not the sequence: what was held back is input after all.
			d.out = append(d.out, d.keys[:d.matched]...)
			d.matched = 0
			if b == d.keys[0] {
				d.matched = 1
				continue
			}
			d.out = append(d.out, b)
		}
		if err != nil && d.err == nil {
			d.out = append(d.out, d.keys[:d.matched]...)
			d.matched = 0
			d.err = err
		}
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}
