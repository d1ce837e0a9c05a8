package engine

import (
	"context"
	"maps"
	"strconv"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/state"
)

// Event types.
const (
	EventTypeContainer = "container"
	EventTypeImage     = "image"
	EventTypeVolume    = "volume"
	EventTypeNetwork   = "network"
)

// Event is one recorded step of a container's, image's, volume's or
// network's life, as `pod events` shows it. The JSON names are podman's.
type Event struct {
	ID                string            `json:"ID,omitempty"`
	Image             string            `json:"Image,omitempty"`
	Name              string            `json:"Name,omitempty"`
	Network           string            `json:"Network,omitempty"`
	Status            string            `json:"Status"`
	Time              time.Time         `json:"Time"`
	TimeNano          int64             `json:"timeNano"`
	Type              string            `json:"Type"`
	ContainerExitCode *int              `json:"ContainerExitCode,omitempty"`
	Attributes        map[string]string `json:"Attributes,omitempty"`
}

// Action is Docker's name for Status, for templates written for Docker.
func (e *Event) Action() string { return e.Status }

func eventFromState(s *state.Event) *Event {
	return &Event{
		ID: s.ActorID, Image: s.Image, Name: s.Name, Network: s.Network,
		Status: s.Action, Time: s.Time, TimeNano: s.Time.UnixNano(), Type: s.Type,
		ContainerExitCode: s.ExitCode, Attributes: s.Attributes,
	}
}

// recordEvent writes e to the state DB's event log, or to the journal
// with events_logger = "journald". Recording is a side
// record of work already done: a failure is logged, never returned, and a
// cancelled command still records what it did.
func (r *Runtime) recordEvent(ctx context.Context, e *state.Event) {
	if !r.Config().RecordsEvents() { // events_logger = "none"
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if r.Config().EventsLogger() == eventsBackendJD {
		if err := journalEvent(e); err != nil {
			logrus.Warnf("record event %s %s: %v", e.Type, e.Action, err)
		}
		return
	}
	if err := r.db.AddEvent(context.WithoutCancel(ctx), e); err != nil {
		logrus.Warnf("%v", err)
	}
}

// containerEvent records action on container c. Its attributes are the
// container's labels, its image and name, then attrs (key, value pairs)
// over them; a "name" among attrs also renames the event's actor (rename).
func (r *Runtime) containerEvent(ctx context.Context, c *state.Container, action string, attrs ...string) {
	a := map[string]string{}
	maps.Copy(a, c.Labels)
	a["image"], a["name"] = c.ImageName, c.Name
	for i := 0; i+1 < len(attrs); i += 2 {
		a[attrs[i]] = attrs[i+1]
	}
	e := &state.Event{Type: EventTypeContainer, Action: action, ActorID: c.ID, Name: a["name"], Image: c.ImageName, Attributes: a}
	if action == "died" {
		code := c.ExitCode
		e.ExitCode = &code
		a["containerExitCode"] = strconv.Itoa(code)
	}
	r.recordEvent(ctx, e)
}

// imageEvent records action on the image id, named name (the reference the
// user gave, or the name it was stored under).
func (r *Runtime) imageEvent(ctx context.Context, action, id, name string) {
	r.recordEvent(ctx, &state.Event{Type: EventTypeImage, Action: action, ActorID: id, Name: name})
}

// volumeEvent records action on the volume name.
func (r *Runtime) volumeEvent(ctx context.Context, action, name string) {
	r.recordEvent(ctx, &state.Event{Type: EventTypeVolume, Action: action, ActorID: name, Name: name})
}

// networkEvent records a network's create or remove.
func (r *Runtime) networkEvent(ctx context.Context, action, id, name string) {
	r.recordEvent(ctx, &state.Event{Type: EventTypeNetwork, Action: action, ActorID: id, Name: name, Network: name})
}

// networkConnectEvent records container c's connect to or disconnect from
// the network named network; the actor is the container, as in podman.
func (r *Runtime) networkConnectEvent(ctx context.Context, action string, c *state.Container, network string) {
	r.recordEvent(ctx, &state.Event{Type: EventTypeNetwork, Action: action, ActorID: c.ID, Name: c.Name, Network: network,
		Attributes: map[string]string{"container": c.ID, "name": network}})
}

// EventsOptions select what Events reports.
type EventsOptions struct {
	Since, Until time.Time // zero: no bound
	Filters      []string  // KEY=VALUE, see ParseEventFilters
	// Stream follows new events after the recorded ones until ctx ends or
	// Until passes. Without Since it reports only events from now on, as
	// `docker events` and `podman events` do.
	Stream bool
}

// followRecheck bounds how long a follower trusts inotify alone: a DB
// change whose notification was lost shows up at most this late.
const followRecheck = 2 * time.Second

// Events calls fn for every recorded event the options select, oldest
// first; with Stream it then waits for new ones. A Stream ends when ctx
// ends (which is not an error) or the Until time passes.
func (r *Runtime) Events(ctx context.Context, o EventsOptions, fn func(*Event) error) error {
	match, err := compileEventFilters(o.Filters)
	if err != nil {
		return err
	}
	if r.Config().EventsLogger() == eventsBackendJD {
		return r.journalEvents(ctx, o, match, fn)
	}
	var last int64
	var changes <-chan struct{}
	if o.Stream {
		// Watch before the first read, so nothing recorded in between is
		// missed.
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		if changes, err = r.db.Watch(wctx); err != nil {
			logrus.Debugf("%v: checking every %s instead", err, followRecheck)
		}
		if o.Since.IsZero() {
			if last, err = r.db.LastEventSeq(ctx); err != nil {
				return err
			}
		}
	}
	for {
		evs, err := r.db.Events(ctx, state.EventQuery{AfterSeq: last, Since: o.Since, Until: o.Until})
		if err != nil {
			return err
		}
		for _, s := range evs {
			last = s.Seq
			e := eventFromState(s)
			if !match(e) {
				continue
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		if !o.Stream || (!o.Until.IsZero() && time.Now().After(o.Until)) {
			return nil
		}
		wait := followRecheck
		if !o.Until.IsZero() {
			wait = min(wait, time.Until(o.Until)+time.Millisecond)
		}
		tm := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			tm.Stop()
			return nil
		case <-changes:
		case <-tm.C:
		}
		tm.Stop()
	}
}
