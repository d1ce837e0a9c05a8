package state

import (
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"strconv"
	"strings"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// idLen is the length of a container ID in hex characters (256 bits).
const idLen = 64

// NameRule is the pattern every container name must match (Docker's rule).
const NameRule = "[a-zA-Z0-9][a-zA-Z0-9_.-]*"

// ValidateName checks name against NameRule. A bad name is
// errdefs.ErrInvalidArg, naming the name and the rule.
func ValidateName(name string) error {
	ok := name != ""
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		ok = alnum || i > 0 && (c == '_' || c == '.' || c == '-')
	}
	if !ok {
		return errdefs.InvalidArgumentf("invalid container name %q: names must match %s", name, NameRule)
	}
	return nil
}

// NewID returns a new random container ID: 64 lowercase hex characters from
// crypto/rand. Like Docker, it never returns an ID whose 12-character short
// form is all decimal digits, so a short ID is never mistaken for a number
// (by `--format {{.ID}}` consumers, YAML, or shells doing arithmetic).
func NewID() string {
	b := make([]byte, idLen/2)
	for {
		if _, err := rand.Read(b); err != nil {
			// crypto/rand.Read never fails on Linux (getrandom); when it
			// does, the system is unusable for generating IDs anyway.
			panic("crypto/rand: " + err.Error())
		}
		id := hex.EncodeToString(b)
		if _, err := strconv.ParseUint(id[:12], 10, 64); err != nil {
			return id
		}
	}
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func isID(s string) bool { return len(s) == idLen && isHex(s) }

// Word lists for RandomName, written for pod: cheerful adjectives and
// people who shaped computing, mathematics and the sciences.
const (
	nameAdjectives = `agile amber bold brave bright calm clever cosmic crisp curious
		daring deft eager earnest fervent fond gallant gentle glad happy
		hardy humble jolly keen kind lively lucid merry mighty modest
		nimble noble patient plucky proud quick quiet radiant rapid serene
		sharp shiny silent steady sturdy sunny swift tender vivid witty`
	nameSurnames = `babbage backus bell boole cerf curie darwin dijkstra euler faraday
		fermi feynman franklin gauss goldberg hamilton hopper huffman johnson kahan
		knuth lamport lovelace maxwell meitner mendel mirzakhani newton noether pascal
		perlman planck ramanujan ritchie shannon sinclair somerville tesla thompson torvalds
		turing vaughan volta wirth wozniak yalow yonath zuse hypatia liskov`
)

// RandomName returns a Docker-style name "adjective_surname" for a
// container created without --name. It is not unique: the engine retries
// Add with another name when it gets errdefs.ErrAlreadyExists.
func RandomName() string {
	adjs := strings.Fields(nameAdjectives)
	names := strings.Fields(nameSurnames)
	return pick(adjs) + "_" + pick(names)
}

func pick(words []string) string {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(words))))
	if err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return words[n.Int64()]
}
