package sso

import (
	"context"
	"time"
)

// Event is one entry of the audit trail: who did what to whom, from where.
// A service attaches the event of a change to the context of the store
// call that makes the change (WithEvent); the backend writes it in that
// call's transaction, so there is no change without its event and no
// event without its change. Events never hold a secret.
type Event struct {
	Seq     int64     // assigned by the store, increasing
	Time    time.Time // when it happened
	Type    string    // what happened, such as "user.created" or "signin.failed" (see the audit package)
	Actor   Actor     // who did it
	Target  Target    // what it was done to, if anything
	Address string    // the client address (IPv4, or IPv6 /64) of a request from the network
	// Details are a few words more, such as the sign-in method or the
	// client name; bounded and never secret.
	Details map[string]string
}

// Actor is who made a change.
type Actor struct {
	// Type is one of the Actor* constants.
	Type string
	// ID is the user ID, the IAM principal ARN, the SCIM token ID, the
	// identity provider ID, or the OS user of an admin command.
	ID string
	// Name is a user name where the actor is a person.
	Name string
}

// Actor types.
const (
	ActorUser   = "user"   // a person signed in on the pages (or signing in)
	ActorIAM    = "iam"    // an IAM principal calling an AWS API with SigV4
	ActorSCIM   = "scim"   // a SCIM client with a bearer token
	ActorAdmin  = "admin"  // the admin command line
	ActorConfig = "config" // the config file, applied at start
	ActorSystem = "system" // the service itself (token reuse detection, collection)
	ActorClient = "client" // an OAuth client of SSO OIDC, authenticated by its secret (ID: the client ID, Name: its name)
)

// Target is what a change was made to.
type Target struct {
	Type string // "user", "group", "membership", "assignment", "permission_set", "application", "family", "device_authorization", ...
	ID   string
	// Name is a human name for it: the user name, group name, permission
	// set name, "account/permission set/principal" of an assignment.
	Name string
	// User is the name of the person the change is about when that is
	// not Name (a membership, a family, a session): what "audit --user"
	// selects on besides the actor.
	User string
}

// Subject is the user name of the person the event is about: the
// target's user, else the actor when a person acted; "" when it is about
// no person. EventQuery.User selects on it.
func (e Event) Subject() string {
	if e.Target.User != "" {
		return e.Target.User
	}
	if e.Actor.Type == ActorUser {
		return e.Actor.Name
	}
	return ""
}

type eventsKey struct{}
type actorKey struct{}

// carried is what a context holds of events: fixed ones, and a pointer to
// events its store call's own update function fills in (WithLateEvents).
type carried struct {
	evs  []Event
	late *[]Event
}

func carriedBy(ctx context.Context) carried {
	c, _ := ctx.Value(eventsKey{}).(carried)
	return c
}

// WithEvent returns ctx carrying evs besides the events it carries
// already. Pass the returned context to exactly one store write: the
// backend writes the events in that write's transaction (and not at all if
// the write fails).
func WithEvent(ctx context.Context, evs ...Event) context.Context {
	c := carriedBy(ctx)
	c.evs = append(append(make([]Event, 0, len(c.evs)+len(evs)), c.evs...), evs...)
	return context.WithValue(ctx, eventsKey{}, c)
}

// WithLateEvents returns ctx carrying the events *evs holds when the store
// writes them: for a compare-and-swap update (UpdateUser, UpdateGroup,
// UpdateDeviceAuth) whose update function decides what happened. The
// backend reads *evs after the update function has run, in the same
// transaction.
func WithLateEvents(ctx context.Context, evs *[]Event) context.Context {
	c := carriedBy(ctx)
	c.late = evs
	return context.WithValue(ctx, eventsKey{}, c)
}

// EventsFrom returns the events ctx carries; backends call it after the
// change's own statements (and update function) have run.
func EventsFrom(ctx context.Context) []Event {
	c := carriedBy(ctx)
	if c.late == nil || len(*c.late) == 0 {
		return c.evs
	}
	return append(append(make([]Event, 0, len(c.evs)+len(*c.late)), c.evs...), *c.late...)
}

// HasEvents reports whether ctx carries events or may (WithLateEvents):
// a backend that would run a cheaper path without events asks this before
// the change.
func HasEvents(ctx context.Context) bool {
	c := carriedBy(ctx)
	return len(c.evs) > 0 || c.late != nil
}

// WithoutEvents returns ctx without events, for a write made on the way
// that must not carry them.
func WithoutEvents(ctx context.Context) context.Context {
	if !HasEvents(ctx) {
		return ctx
	}
	return context.WithValue(ctx, eventsKey{}, carried{})
}

// WithActor returns ctx naming the actor of the changes made with it. The
// adapters set it (the pages, the AWS APIs, SCIM, the admin commands); the
// audit package reads it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor ctx names, or the zero Actor.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// EventQuery selects audit events, newest first.
type EventQuery struct {
	// User selects the events about the person with this user name
	// (Event.Subject: the target's user, else a person who acted); "" for
	// all.
	User string
	// Since selects events at or after it (zero for all).
	Since time.Time
	// Before selects events with Seq below it (0 for all): the cursor of
	// the next page.
	Before int64
	// Limit caps how many are returned (0: all).
	Limit int
}

// AuditStore keeps the audit trail.
type AuditStore interface {
	// AppendEvents stores evs on their own, for events that record no
	// change of the store (a refused sign-in that counted nothing).
	AppendEvents(ctx context.Context, evs ...Event) error
	// ListEvents returns the events q selects, newest (highest Seq) first.
	ListEvents(ctx context.Context, q EventQuery) ([]Event, error)
	// DeleteEventsBefore deletes the events older than t and returns how
	// many it deleted.
	DeleteEventsBefore(ctx context.Context, t time.Time) (int64, error)
}

type addrKey struct{}

// WithAddress returns ctx naming the client address (IPv4, or the /64 of
// an IPv6 address) of the request it serves; the audit package reads it.
func WithAddress(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, addrKey{}, addr)
}

// AddressFrom returns the client address ctx names, or "".
func AddressFrom(ctx context.Context) string {
	a, _ := ctx.Value(addrKey{}).(string)
	return a
}
