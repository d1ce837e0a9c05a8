package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/atomicfile"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/filters"
	"github.com/pod-engine/pod/pkg/state"
)

// Secrets (`pod secret`): a record in the state DB and the data kept by
// the file driver, one file per secret named by its ID, mode 0600, in a
// 0700 directory of the graph root. A container copies the data it uses
// when it is created (container_secrets.go), so removing or replacing a
// secret never changes a container made before, as podman documents.

// SecretDriverFile is the one secret driver pod has.
const SecretDriverFile = "file"

// MaxSecretSize is the largest secret, as podman's (512 kB).
const MaxSecretSize = 512000

// secretNameRE is what a secret name may be: it names a file under
// /run/secrets and an environment variable's default name.
var secretNameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// SecretCreateOptions are `secret create`'s.
type SecretCreateOptions struct {
	Name       string
	Data       []byte
	Driver     string   // "" is file
	DriverOpts []string // KEY=VALUE; the file driver takes none
	Labels     []string // KEY=VALUE or KEY
	// Replace updates an existing secret of that name (same ID, new data);
	// Ignore returns the existing secret's ID instead. Not both.
	Replace, Ignore bool
}

// SecretInfo is one secret as inspect and ls show it. Data is filled only
// when asked for (SecretData).
type SecretInfo struct {
	ID            string
	Name          string
	Driver        string
	DriverOptions map[string]string
	Labels        map[string]string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// secretsDir is where the file driver keeps secrets' data.
func (r *Runtime) secretsDir() string {
	return filepath.Join(r.storeOpts.GraphRoot, "secrets", "filedriver")
}

func newSecretID() (string, error) {
	b := make([]byte, 13)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b)[:state.SecretIDLen], nil
}

// CreateSecret stores a secret and returns its ID.
func (r *Runtime) CreateSecret(ctx context.Context, o SecretCreateOptions) (string, error) {
	if !secretNameRE.MatchString(o.Name) || len(o.Name) > 253 {
		return "", invalidf("invalid secret name %q: want 1 to 253 characters of [a-zA-Z0-9_.-], starting with a letter or digit", o.Name)
	}
	if o.Replace && o.Ignore {
		return "", invalidf("--ignore and --replace cannot be used together")
	}
	if o.Driver == "" {
		o.Driver = SecretDriverFile
	}
	if o.Driver != SecretDriverFile {
		return "", errdefs.NotImplementedf("secret driver %q is not supported: pod has the file driver only", o.Driver)
	}
	if len(o.DriverOpts) > 0 {
		return "", invalidf("the file secret driver takes no driver options (got %q)", o.DriverOpts[0])
	}
	if len(o.Data) == 0 || len(o.Data) > MaxSecretSize {
		return "", invalidf("secret data must be larger than 0 and less than %d bytes", MaxSecretSize)
	}
	labels, err := keyValues(o.Labels, "label", true)
	if err != nil {
		return "", err
	}
	if o.Ignore {
		if s, err := r.db.GetSecret(ctx, o.Name); err == nil && s.Name == o.Name {
			return s.ID, nil
		}
	}
	if !o.Replace {
		// Refuse a taken name before writing any data.
		if s, err := r.db.GetSecret(ctx, o.Name); err == nil && s.Name == o.Name {
			return "", errdefs.AlreadyExistsf("secret name %q is already in use by %s", o.Name, s.ID)
		}
	}
	dir := r.secretsDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create secret %s: %w", o.Name, err)
	}
	id, err := newSecretID()
	if err != nil {
		return "", err
	}
	// New data goes to a file of the new ID first. A replace keeps the old
	// ID: its data is renamed over the old file only once the record says so.
	staged := filepath.Join(dir, id)
	if err := atomicfile.WriteFile(staged, o.Data, 0o600); err != nil {
		return "", fmt.Errorf("create secret %s: %w", o.Name, err)
	}
	now := time.Now()
	s := &state.Secret{
		ID: id, Name: o.Name, Driver: o.Driver, Labels: labels,
		DriverOptions: map[string]string{"path": dir},
		CreatedAt:     now, UpdatedAt: now,
	}
	replaced, err := r.db.AddSecret(ctx, s, o.Replace)
	if err != nil {
		os.Remove(staged)
		return "", err
	}
	if replaced {
		if err := os.Rename(staged, filepath.Join(dir, s.ID)); err != nil {
			return "", fmt.Errorf("replace secret %s: %w", o.Name, err)
		}
	}
	return s.ID, nil
}

func secretInfo(s *state.Secret) *SecretInfo {
	return &SecretInfo{
		ID: s.ID, Name: s.Name, Driver: s.Driver, DriverOptions: s.DriverOptions,
		Labels: s.Labels, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
	}
}

// Secret finds a secret by name, ID or unique ID prefix.
func (r *Runtime) Secret(ctx context.Context, nameOrID string) (*SecretInfo, error) {
	s, err := r.db.GetSecret(ctx, nameOrID)
	if err != nil {
		return nil, err
	}
	return secretInfo(s), nil
}

// SecretData reads a secret's data.
func (r *Runtime) SecretData(ctx context.Context, s *SecretInfo) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(r.secretsDir(), s.ID))
	if errors.Is(err, os.ErrNotExist) {
		return nil, errdefs.NotFoundf("secret %s: its data is missing from %s", s.Name, r.secretsDir())
	}
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", s.Name, err)
	}
	return b, nil
}

// SecretExists tells whether a secret of that name or ID exists.
func (r *Runtime) SecretExists(ctx context.Context, nameOrID string) (bool, error) {
	_, err := r.db.GetSecret(ctx, nameOrID)
	if errors.Is(err, errdefs.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// ListSecrets returns the secrets that pass every filter (name= as a
// regular expression, id= an ID prefix, label=), oldest first.
func (r *Runtime) ListSecrets(ctx context.Context, in []string) ([]*SecretInfo, error) {
	args, err := filters.Parse(in, "name", "id", "label", "label!")
	if err != nil {
		return nil, err
	}
	if err := filters.CheckLabels(args); err != nil {
		return nil, err
	}
	names, err := filters.Regexps(args, "name")
	if err != nil {
		return nil, err
	}
	list, err := r.db.ListSecrets(ctx)
	if err != nil {
		return nil, err
	}
	out := []*SecretInfo{}
	for _, s := range list {
		if filters.MatchRegexps(names, s.Name) && filters.MatchIDPrefix(args, "id", s.ID) && filters.MatchLabels(args, s.Labels) {
			out = append(out, secretInfo(s))
		}
	}
	return out, nil
}

// RemoveSecrets removes the named secrets (all with all), record first,
// then data. A missing one is an error unless ignore. It returns the IDs
// removed.
func (r *Runtime) RemoveSecrets(ctx context.Context, names []string, all, ignore bool) (removed []string, errs []error) {
	var targets []*state.Secret
	if all {
		list, err := r.db.ListSecrets(ctx)
		if err != nil {
			return nil, []error{err}
		}
		targets = list
	}
	for _, n := range names {
		s, err := r.db.GetSecret(ctx, n)
		if err != nil {
			if !(ignore && errors.Is(err, errdefs.ErrNotFound)) {
				errs = append(errs, err)
			}
			continue
		}
		targets = append(targets, s)
	}
	for _, s := range targets {
		if err := r.db.RemoveSecret(ctx, s.ID); err != nil {
			if !(ignore && errors.Is(err, errdefs.ErrNotFound)) {
				errs = append(errs, err)
			}
			continue
		}
		if err := os.Remove(filepath.Join(r.secretsDir(), s.ID)); err != nil && !errors.Is(err, os.ErrNotExist) {
			logrus.Warnf("remove secret %s: its data: %v", s.Name, err)
		}
		removed = append(removed, s.ID)
	}
	return removed, errs
}
