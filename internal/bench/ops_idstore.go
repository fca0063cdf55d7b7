package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/identitystore"
	"github.com/ssooidc/ssooidc/internal/scim"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// The directory operations of issue 16: the Identity Store API (signed
// by the harness's IAM caller, which the servers the harness starts allow
// identitystore:*) and SCIM (with a bearer token the harness makes in the
// store). The people they read are seeded into the store beforehand
// through a second handle on it (sso.UserStore.CreateUser, many at once):
// seeding a million people through the API would take longer than the
// measurement.
func init() {
	Ops = append(Ops,
		idOp("idcreate", "Identity Store CreateUser", "create", 0, 0,
			"POST / (AWSIdentityStore.CreateUser, SigV4) of a new user with a name, display name and email"),
		idOp("iddescribe", "Identity Store DescribeUser", "describe", 100000, 0,
			"POST / (AWSIdentityStore.DescribeUser, SigV4) of a random user among 100,000"),
		idOp("iddescribe1k", "Identity Store DescribeUser, 1,000 users", "describe", 1000, 0,
			"DescribeUser of a random user among 1,000"),
		idOp("iddescribe1m", "Identity Store DescribeUser, 1,000,000 users", "describe", 1000000, 0,
			"DescribeUser of a random user among 1,000,000"),
		idOp("idlistname", "Identity Store ListUsers by UserName", "list", 100000, 0,
			"POST / (AWSIdentityStore.ListUsers, SigV4) with a UserName filter, among 100,000 users"),
		idOp("scimpatch", "SCIM PATCH, add a member", "patch", 100000, 10000,
			"PATCH /scim/v2/Groups/{id} adding one member to a group of 10,000 (bearer token), among 100,000 users"),
	)
	ratioTargets = append(ratioTargets,
		ratioTarget{"idcreate", 0.2, ">= 0.2x floor"},
		ratioTarget{"iddescribe", 0.5, ">= 0.5x floor"},
		ratioTarget{"idlistname", 0.4, ">= 0.4x floor"},
		ratioTarget{"scimpatch", 0.2, ">= 0.2x floor"},
	)
}

// idOp is a directory operation of kind over a store seeded with users
// people, members of them in a group.
func idOp(key, name, kind string, users, members int, what string) Op {
	return Op{Key: key, Name: name, What: what, PerOp: 1, setup: func(ctx context.Context, e *env) (driver, error) {
		return setupIDStore(ctx, e, kind, users, members)
	}}
}

// ratioTarget is an element of ratioTargets (issue 16's targets join
// issue 9's).
type ratioTarget = struct {
	key    string
	min    float64
	wanted string
}

// idStoreID is the identity store of the servers the harness starts: the
// default start URL's. Their IAM caller may call the Identity Store API
// (iamCaller's allow list).
const idStoreID = "d-1234567890"

// idDriver measures one directory operation.
type idDriver struct {
	e      *env
	kind   string // create, describe, list, patch
	cs     callers
	signer *v4.Signer
	creds  aws.Credentials
	users  []seeded // the seeded people
	// patch: the group, the token, the people not in the group and how
	// many of them the current point has added.
	group  string
	bearer string
	spare  []seeded
	added  atomic.Int64
	seq    atomic.Int64
	// patchReq is the size of a PATCH's body: a 204 has none, so the
	// floor answers with the smallest JSON body, "{}".
	patchReq atomic.Int64
}

type seeded struct{ id, name string }

func setupIDStore(ctx context.Context, e *env, kind string, users, members int) (driver, error) {
	if !e.t.IAM || e.t.backend == nil || e.t.Dir == "" {
		return nil, errSkip("the directory operations need a server the harness started (its IAM caller, its store)")
	}
	p := iamCaller()
	d := &idDriver{e: e, kind: kind, signer: v4.NewSigner(),
		creds: aws.Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey}}
	if users == 0 {
		return d, nil
	}
	store, err := e.t.backend.Open(ctx, e.t.Dir)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	if d.users, err = seedUsers(ctx, store, users); err != nil {
		return nil, err
	}
	if kind != "patch" {
		return d, nil
	}
	d.spare = d.users[members:]
	if d.group, err = seedGroup(ctx, store, d.users[:members]); err != nil {
		return nil, err
	}
	key, err := store.Secret(ctx, sso.DigestKeyName, sso.RandomKey)
	if err != nil {
		return nil, err
	}
	tokens := scim.NewTokens(store, sso.NewDigester(key), audit.New(store, slog.New(slog.DiscardHandler), time.Now), time.Now)
	_, d.bearer, err = tokens.Create(sso.WithActor(ctx, sso.Actor{Type: sso.ActorAdmin, ID: "bench"}), 0)
	return d, err
}

// seedUsers creates n people with the attributes an identity provider
// provisions, 64 at a time.
func seedUsers(ctx context.Context, store server.Store, n int) ([]seeded, error) {
	out := make([]seeded, n)
	now := time.Now()
	tag := sso.RandomID()[:6] // a store may be seeded twice

	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				name := fmt.Sprintf("seed-%s-%07d@example.com", tag, i)
				u := sso.User{ID: sso.RandomUUID(), Name: name, DisplayName: fmt.Sprintf("Seeded Person %d", i), Email: name,
					Profile: sso.UserProfile{Name: &sso.PersonName{GivenName: "Seeded", FamilyName: fmt.Sprint(i)},
						Emails: []sso.Email{{Value: name, Type: "work", Primary: true}}},
					CreatedAt: now, UpdatedAt: now, CreatedBy: "bench", UpdatedBy: "bench"}
				if err := store.CreateUser(ctx, u); err != nil {
					errs[w] = fmt.Errorf("seeding user %d: %w", i, err)
					return
				}
				out[i] = seeded{u.ID, name}
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// seedGroup creates a group with members, 1,000 per transaction.
func seedGroup(ctx context.Context, store server.Store, members []seeded) (string, error) {
	now := time.Now()
	g := sso.Group{ID: sso.RandomUUID(), DisplayName: fmt.Sprintf("bench-%d", len(members)), CreatedAt: now, UpdatedAt: now}
	if err := store.CreateGroup(ctx, g); err != nil {
		return "", err
	}
	for from := 0; from < len(members); from += 1000 {
		var add []sso.Membership
		for _, u := range members[from:min(from+1000, len(members))] {
			add = append(add, sso.Membership{ID: sso.RandomUUID(), GroupID: g.ID, UserID: u.id, CreatedAt: now, UpdatedAt: now})
		}
		if err := store.ChangeMembers(ctx, g.ID, add, nil); err != nil {
			return "", err
		}
	}
	return g.ID, nil
}

func (d *idDriver) sizes() (int, int) {
	if d.kind == "patch" {
		return int(d.patchReq.Load()), 2
	}
	return d.cs.sizes()
}

func (d *idDriver) note() string {
	switch d.kind {
	case "create":
		return "every call creates a new user (one write with its audit event); the harness signs each request " +
			"(aws-sdk-go-v2 SigV4) inside the measured call, the floor's requests are unsigned"
	case "describe", "list":
		return fmt.Sprintf("a random user among %d seeded ones; SigV4-signed by the harness inside the measured call", len(d.users))
	}
	return fmt.Sprintf("each call adds a fresh user (of %d not in the group) to a group of %d members; before each point "+
		"the users the previous point added are removed, so every point starts at %d members",
		len(d.spare), len(d.users)-len(d.spare), len(d.users)-len(d.spare))
}

// refill removes the members the previous point added (patch only) and
// says how many adds the pool allows.
func (d *idDriver) refill(ctx context.Context) (int, error) {
	if d.kind != "patch" {
		return 1 << 30, nil
	}
	n := int(min(d.added.Swap(0), int64(len(d.spare))))
	for from := 0; from < n; from += 100 {
		var ops []map[string]any
		for _, u := range d.spare[from:min(from+100, n)] {
			ops = append(ops, map[string]any{"value": u.id})
		}
		body, _ := json.Marshal(map[string]any{"Operations": []map[string]any{{"op": "remove", "path": "members", "value": ops}}})
		c := &caller{base: d.e.t.URL}
		status, et, err := c.send(ctx, d.e.hc, http.MethodPatch, "/scim/v2/Groups/"+d.group, "application/scim+json", body,
			http.Header{"Authorization": {"Bearer " + d.bearer}})
		if err != nil {
			return 0, err
		}
		if status != http.StatusNoContent {
			return 0, c.bad("SCIM PATCH remove", status, et)
		}
	}
	return len(d.spare), nil
}

// signed posts body as the Identity Store operation op, signed now.
func (d *idDriver) signed(ctx context.Context, c *caller, hc *http.Client, op string, body []byte) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", identitystore.TargetPrefix+"."+op)
	sum := sha256.Sum256(body)
	if err := d.signer.SignHTTP(ctx, d.creds, req, hex.EncodeToString(sum[:]), identitystore.SigningName, iamRegion, time.Now()); err != nil {
		return 0, "", err
	}
	return c.do(hc, req, len(body))
}

func (d *idDriver) worker(i int) (Worker, error) {
	c := d.cs.add(d.e.t.URL)
	rng := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
	return workerFunc(func(ctx context.Context, hc *http.Client) (Outcome, error) {
		op, status, et, err := d.call(ctx, c, hc, rng)
		if err != nil {
			return "", fmt.Errorf("%s: %w", op, err)
		}
		want := http.StatusOK
		if d.kind == "patch" {
			want = http.StatusNoContent
		}
		if status != want {
			return "", c.bad(op, status, et)
		}
		c.ok()
		return OK, nil
	}), nil
}

// call makes one operation of the driver's kind.
func (d *idDriver) call(ctx context.Context, c *caller, hc *http.Client, rng *rand.Rand) (string, int, string, error) {
	switch d.kind {
	case "create":
		name := fmt.Sprintf("bench-%d-%s@example.com", d.seq.Add(1), sso.RandomID()[:8])
		body, _ := json.Marshal(map[string]any{"IdentityStoreId": idStoreID, "UserName": name, "DisplayName": "Bench Person",
			"Name":   map[string]string{"GivenName": "Bench", "FamilyName": "Person"},
			"Emails": []map[string]any{{"Value": name, "Type": "work", "Primary": true}}})
		status, et, err := d.signed(ctx, c, hc, "CreateUser", body)
		return "CreateUser", status, et, err
	case "describe":
		u := d.users[rng.IntN(len(d.users))]
		body, _ := json.Marshal(map[string]any{"IdentityStoreId": idStoreID, "UserId": u.id})
		status, et, err := d.signed(ctx, c, hc, "DescribeUser", body)
		return "DescribeUser", status, et, err
	case "list":
		u := d.users[rng.IntN(len(d.users))]
		body, _ := json.Marshal(map[string]any{"IdentityStoreId": idStoreID,
			"Filters": []map[string]string{{"AttributePath": "UserName", "AttributeValue": u.name}}})
		status, et, err := d.signed(ctx, c, hc, "ListUsers", body)
		return "ListUsers", status, et, err
	}
	i := d.added.Add(1) - 1
	if int(i) >= len(d.spare) {
		return "SCIM PATCH", 0, "", errors.New("the pool of people to add is used up")
	}
	body, _ := json.Marshal(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []map[string]any{{"op": "add", "path": "members", "value": []map[string]string{{"value": d.spare[i].id}}}}})
	status, et, err := c.send(ctx, hc, http.MethodPatch, "/scim/v2/Groups/"+d.group, "application/scim+json", body,
		http.Header{"Authorization": {"Bearer " + d.bearer}})
	if status == http.StatusNoContent {
		d.patchReq.Store(int64(len(body)))
	}
	return "SCIM PATCH", status, et, err
}
