package views

import (
	"fmt"
	"strings"
	"time"

	"github.com/pod-engine/pod/pkg/images"
)

// ImageRow is one line of `pod images` as --format templates see it: one
// per name of each image, or one <none> row for an image without names.
type ImageRow struct {
	ID           string // 12 characters, or sha256:... not truncated
	Repository   string
	Tag          string
	Digest       string
	Created      string // as CreatedSince, as podman
	CreatedSince string // "2 hours ago"
	CreatedAt    time.Time
	Size         string // "5.86 MB"
	Containers   int
	Dangling     bool
	Labels       map[string]string
	History      string // the names the image has had, ", "-separated
}

// ImageHeaders are images' column titles that are not the field's name.
var ImageHeaders = map[string]string{"ID": "IMAGE ID", "Created": "CREATED", "CreatedSince": "CREATED"}

// ImageRows makes the rows of list at time now.
func ImageRows(list []images.ImageSummary, noTrunc bool, now time.Time) []ImageRow {
	var rows []ImageRow
	for _, s := range list {
		base := ImageRow{
			ID:           displayID(s.ID, noTrunc),
			Digest:       s.Digest,
			CreatedSince: createdSince(s.Created, now),
			CreatedAt:    s.Created,
			Size:         humanSize(s.Size),
			Containers:   s.Containers,
			Dangling:     s.Dangling,
			Labels:       s.Labels,
			History:      strings.Join(s.History, ", "),
		}
		base.Created = base.CreatedSince
		if len(s.RepoTags) == 0 {
			r := base
			r.Repository, r.Tag = "<none>", "<none>"
			rows = append(rows, r)
			continue
		}
		// A name by digest (a pull by digest) is a <none> row only for a
		// repository the image has no tag in, once, as podman lists it.
		tagged := map[string]bool{}
		var digested []string
		for _, name := range s.RepoTags {
			r := base
			r.Repository, r.Tag = images.SplitName(name)
			if images.IsDigestedName(name) {
				digested = append(digested, r.Repository)
				continue
			}
			tagged[r.Repository] = true
			rows = append(rows, r)
		}
		for _, repo := range digested {
			if !tagged[repo] {
				tagged[repo] = true
				r := base
				r.Repository, r.Tag = repo, "<none>"
				rows = append(rows, r)
			}
		}
	}
	return rows
}

// DisplayImageID prints an image ID as the image commands do: 12
// characters, or with noTrunc the full "sha256:..." form.
func DisplayImageID(id string, noTrunc bool) string { return displayID(id, noTrunc) }

// ImageJSON is one element of `pod images --format json`, podman's shape.
type ImageJSON struct {
	ID          string            `json:"Id"`
	ParentID    string            `json:"ParentId"`
	RepoTags    []string          `json:"RepoTags"`
	RepoDigests []string          `json:"RepoDigests"`
	Size        int64             `json:"Size"`
	SharedSize  int64             `json:"SharedSize"`
	VirtualSize int64             `json:"VirtualSize"`
	Labels      map[string]string `json:"Labels"`
	Containers  int               `json:"Containers"`
	Names       []string          `json:"Names"`
	Digest      string            `json:"Digest"`
	Dangling    bool              `json:"Dangling"`
	Created     int64             `json:"Created"`
	CreatedAt   string            `json:"CreatedAt"`
}

// ImageList is `pod images --format json`.
func ImageList(list []images.ImageSummary) []ImageJSON {
	out := make([]ImageJSON, 0, len(list))
	for _, s := range list {
		out = append(out, ImageJSON{
			ID: s.ID, RepoTags: emptyIfNil(taggedOnly(s.RepoTags)), RepoDigests: emptyIfNil(s.RepoDigests),
			Size: s.Size, VirtualSize: s.Size, Labels: s.Labels, Containers: s.Containers,
			Names: emptyIfNil(s.RepoTags), Digest: s.Digest, Dangling: s.Dangling,
			Created: s.Created.Unix(), CreatedAt: s.Created.Format(time.RFC3339Nano),
		})
	}
	return out
}

// taggedOnly drops the names by digest, which Docker's RepoTags never hold.
func taggedOnly(names []string) []string {
	var out []string
	for _, n := range names {
		if !images.IsDigestedName(n) {
			out = append(out, n)
		}
	}
	return out
}

func emptyIfNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// HistoryRow is one line of `pod history` as --format templates see it.
type HistoryRow struct {
	ID           string
	Created      string // CreatedSince, or CreatedAt without --human
	CreatedSince string
	CreatedAt    string // RFC 3339
	CreatedBy    string
	Size         string
	Comment      string
	Tags         string
}

// HistoryHeaders are history's column titles that are not the field's
// name.
var HistoryHeaders = map[string]string{"ID": "IMAGE", "Created": "CREATED", "CreatedSince": "CREATED"}

// HistoryRows makes the rows of an image's history at time now: human
// prints times as "2 hours ago", noTrunc keeps IDs and commands whole.
func HistoryRows(hist []images.HistoryEntry, noTrunc, human bool, now time.Time) []HistoryRow {
	rows := make([]HistoryRow, 0, len(hist))
	for _, h := range hist {
		r := HistoryRow{ID: h.ID, CreatedBy: h.CreatedBy, Comment: h.Comment,
			CreatedAt: h.Created.Format(time.RFC3339), Size: humanSize(h.Size), Tags: fmt.Sprint(h.Tags)}
		if r.ID != "<missing>" {
			r.ID = displayID(r.ID, noTrunc)
		}
		r.CreatedSince = createdSince(h.Created, now)
		r.Created = r.CreatedSince
		if !human {
			r.Created = r.CreatedAt
		}
		if !noTrunc {
			r.CreatedBy = truncateText(r.CreatedBy, 45)
		}
		rows = append(rows, r)
	}
	return rows
}

// SearchRow is one line of `search`: podman's fields (.Index, .Name,
// .Description, .Stars, .Official, .Automated, .Tag). Official and
// Automated print "[OK]" or nothing, as podman's and Docker's.
type SearchRow struct {
	Index       string
	Name        string
	Description string
	Stars       int
	Official    string
	Automated   string
	Tag         string
}

// SearchRows are the rows of found; descriptions are cut to 44
// characters unless noTrunc, as podman cuts them.
func SearchRows(found []images.SearchResult, noTrunc bool) []SearchRow {
	ok := func(b bool) string {
		if b {
			return "[OK]"
		}
		return ""
	}
	out := make([]SearchRow, 0, len(found))
	for _, f := range found {
		d := f.Description
		if !noTrunc {
			d = truncateText(d, 44)
		}
		out = append(out, SearchRow{Index: f.Index, Name: f.Name, Description: d, Stars: f.Stars,
			Official: ok(f.Official), Automated: ok(f.Automated), Tag: f.Tag})
	}
	return out
}

// HistoryLayer is one entry of `history --format json`, with podman's
// keys: podman prints the time twice, as "created" (nanoseconds) and
// "Created" (RFC 3339, seconds).
type HistoryLayer struct {
	ID             string    `json:"id"`
	Created        time.Time `json:"created"`
	CreatedBy      string    `json:"CreatedBy,omitempty"`
	Tags           []string  `json:"tags,omitempty"`
	Size           int64     `json:"size"`
	Comment        string    `json:"comment,omitempty"`
	CreatedRFC3339 string    `json:"Created"`
}

// HistoryJSON is an image's history as podman's --format json prints it.
func HistoryJSON(hist []images.HistoryEntry) []HistoryLayer {
	out := make([]HistoryLayer, 0, len(hist))
	for _, h := range hist {
		out = append(out, HistoryLayer{ID: strings.TrimPrefix(h.ID, "sha256:"), Created: h.Created, CreatedBy: h.CreatedBy,
			Tags: h.Tags, Size: h.Size, Comment: h.Comment, CreatedRFC3339: h.Created.Format(time.RFC3339)})
	}
	return out
}
