package views

import (
	"time"

	"github.com/pod-engine/pod/pkg/engine"
)

// SecretRow is one line of `secret ls`: podman's placeholders (.ID,
// .Name, .Driver, .CreatedAt, .UpdatedAt; times relative, as podman's).
type SecretRow struct {
	ID        string
	Name      string
	Driver    string
	CreatedAt string
	UpdatedAt string
	Labels    map[string]string
}

// SecretRows are the rows of list.
func SecretRows(list []*engine.SecretInfo, now time.Time) []SecretRow {
	out := make([]SecretRow, 0, len(list))
	for _, s := range list {
		out = append(out, SecretRow{
			ID: s.ID, Name: s.Name, Driver: s.Driver, Labels: s.Labels,
			CreatedAt: createdSince(s.CreatedAt, now), UpdatedAt: createdSince(s.UpdatedAt, now),
		})
	}
	return out
}

// SecretDriver is a secret's driver in inspect's Spec.
type SecretDriver struct {
	Name    string            `json:"Name"`
	Options map[string]string `json:"Options"`
}

// SecretSpec is inspect's Spec: podman's (and Docker swarm's) field names.
type SecretSpec struct {
	Name   string            `json:"Name"`
	Driver SecretDriver      `json:"Driver"`
	Labels map[string]string `json:"Labels"`
}

// SecretInspect is one secret as `secret inspect` prints it. SecretData
// is filled with --showsecret only.
type SecretInspect struct {
	ID         string     `json:"ID"`
	CreatedAt  time.Time  `json:"CreatedAt"`
	UpdatedAt  time.Time  `json:"UpdatedAt"`
	Spec       SecretSpec `json:"Spec"`
	SecretData string     `json:"SecretData,omitempty"`
}

// SecretInspectOf is s's inspect view.
func SecretInspectOf(s *engine.SecretInfo) SecretInspect {
	labels := s.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	opts := s.DriverOptions
	if opts == nil {
		opts = map[string]string{}
	}
	return SecretInspect{
		ID: s.ID, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
		Spec: SecretSpec{Name: s.Name, Driver: SecretDriver{Name: s.Driver, Options: opts}, Labels: labels},
	}
}
