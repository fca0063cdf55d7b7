package access

import (
	"context"
	"errors"
	"strings"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// The asynchronous requests of the SSO Admin API: account assignment
// creation and deletion, and provisioning. Identity Center runs them in
// the background and reports IN_PROGRESS; ssooidc has no role to create in
// an account, so each completes in its store write, and its record answers
// the status operations with SUCCEEDED (or FAILED with the reason, when
// the change could not be made after all).

// AssignmentChange is an account assignment to create or delete through
// the SSO Admin API.
type AssignmentChange struct {
	Assignment sso.Assignment
	// PermissionSetARN is how the request named the permission set; its
	// record keeps it.
	PermissionSetARN string
}

// CreateAssignment creates an account assignment and returns its request
// record. The account must be one the server knows (CodeInvalidRequest),
// the permission set and the principal must exist
// (CodeResourceNotFound). An assignment that exists already succeeds.
func (d *Directory) CreateAssignment(ctx context.Context, c AssignmentChange) (sso.AdminRequest, error) {
	return d.changeAssignment(ctx, sso.RequestCreateAssignment, c)
}

// DeleteAssignment deletes an account assignment and returns its request
// record; CodeResourceNotFound if there is no such assignment.
func (d *Directory) DeleteAssignment(ctx context.Context, c AssignmentChange) (sso.AdminRequest, error) {
	return d.changeAssignment(ctx, sso.RequestDeleteAssignment, c)
}

func (d *Directory) changeAssignment(ctx context.Context, kind string, c AssignmentChange) (sso.AdminRequest, error) {
	a := c.Assignment
	if err := checkAssignment(a); err != nil {
		return sso.AdminRequest{}, err
	}
	if err := d.checkParents(ctx, a); err != nil {
		return sso.AdminRequest{}, err
	}
	typ := audit.AssignmentPut
	if kind == sso.RequestDeleteAssignment {
		typ = audit.AssignmentGone
		if err := d.checkAssigned(ctx, a); err != nil {
			return sso.AdminRequest{}, err
		}
	}
	now := d.now()
	r := sso.AdminRequest{ID: sso.RandomUUID(), Kind: kind, Status: sso.StatusSucceeded, AccountID: a.AccountID,
		PermissionSetARN: c.PermissionSetARN, PrincipalType: a.PrincipalType, PrincipalID: a.PrincipalID,
		CreatedAt: now, ExpiresAt: now.Add(RequestRetention)}
	ev := d.rec.Event(ctx, typ, assignmentTarget(a), "request_id", r.ID)
	err := d.rec.Do(ctx, func(ctx context.Context) error {
		return d.store.ApplyAssignmentRequest(ctx, sso.AssignmentRequest{Request: r, Assignment: a})
	}, ev)
	if !errors.Is(err, sso.ErrNotFound) {
		if err != nil {
			return sso.AdminRequest{}, err
		}
		return r, nil
	}
	// Something named was deleted between the checks and the write: the
	// request failed, as an asynchronous one does, and its record says why.
	r.Status = sso.StatusFailed
	r.FailureReason = "The account, the permission set or the principal was deleted while the assignment was being created."
	if kind == sso.RequestDeleteAssignment {
		r.FailureReason = "The assignment was deleted by another request."
	}
	if err := d.store.PutAdminRequest(sso.WithoutEvents(ctx), r); err != nil {
		return sso.AdminRequest{}, err
	}
	return r, nil
}

// checkParents answers what Identity Center checks before it accepts an
// assignment request: a known account, an existing permission set and
// principal.
func (d *Directory) checkParents(ctx context.Context, a sso.Assignment) error {
	if _, err := d.store.GetAccount(ctx, a.AccountID); errors.Is(err, sso.ErrNotFound) {
		return sso.Errorf(sso.CodeInvalidRequest, "The account %s is not an account this server knows (declare it under portal.accounts or with ssooidc admin account add).", a.AccountID)
	} else if err != nil {
		return err
	}
	if _, err := d.store.GetPermissionSet(ctx, a.PermissionSet); errors.Is(err, sso.ErrNotFound) {
		return sso.Errorf(sso.CodeResourceNotFound, "The permission set %s does not exist.", a.PermissionSet)
	} else if err != nil {
		return err
	}
	var err error
	if a.PrincipalType == sso.PrincipalUser {
		_, err = d.store.GetUser(ctx, a.PrincipalID)
	} else {
		_, err = d.store.GetGroup(ctx, a.PrincipalID)
	}
	if errors.Is(err, sso.ErrNotFound) {
		return sso.Errorf(sso.CodeResourceNotFound, "There is no %s with the ID %s in the identity store.", strings.ToLower(a.PrincipalType), a.PrincipalID)
	}
	return err
}

func (d *Directory) checkAssigned(ctx context.Context, a sso.Assignment) error {
	got, err := d.store.QueryAssignments(ctx, sso.AssignmentQuery{AccountID: a.AccountID, PermissionSet: a.PermissionSet,
		PrincipalType: a.PrincipalType, PrincipalID: a.PrincipalID, Page: sso.Page{Limit: 1}})
	if err != nil {
		return err
	}
	if len(got) == 0 {
		return sso.Errorf(sso.CodeResourceNotFound, "The %s %s has no assignment of %s in account %s.",
			strings.ToLower(a.PrincipalType), a.PrincipalID, a.PermissionSet, a.AccountID)
	}
	return nil
}

// Provision provisions the permission set p at its current version to
// accountID, or to every account it is provisioned to when accountID is
// "", and returns the request record. psARN is how the request named the
// permission set. The account must be one the server knows
// (CodeInvalidRequest).
func (d *Directory) Provision(ctx context.Context, p sso.PermissionSet, psARN, accountID string) (sso.AdminRequest, error) {
	if accountID != "" {
		if _, err := d.store.GetAccount(ctx, accountID); errors.Is(err, sso.ErrNotFound) {
			return sso.AdminRequest{}, sso.Errorf(sso.CodeInvalidRequest, "The account %s is not an account this server knows.", accountID)
		} else if err != nil {
			return sso.AdminRequest{}, err
		}
	}
	now := d.now()
	r := sso.AdminRequest{ID: sso.RandomUUID(), Kind: sso.RequestProvision, Status: sso.StatusSucceeded, AccountID: accountID,
		PermissionSetARN: psARN, CreatedAt: now, ExpiresAt: now.Add(RequestRetention)}
	target := accountID
	if target == "" {
		target = "all provisioned accounts"
	}
	ev := d.rec.Event(ctx, audit.PermSetProvisioned, permissionSetTarget(p), "request_id", r.ID, "accounts", target)
	err := d.rec.Do(ctx, func(ctx context.Context) error { return d.store.ProvisionPermissionSet(ctx, p.Name, accountID, r) }, ev)
	if errors.Is(err, sso.ErrNotFound) {
		r.Status, r.FailureReason = sso.StatusFailed, "The permission set or the account was deleted while it was being provisioned."
		if err := d.store.PutAdminRequest(sso.WithoutEvents(ctx), r); err != nil {
			return sso.AdminRequest{}, err
		}
		return r, nil
	}
	if err != nil {
		return sso.AdminRequest{}, err
	}
	return r, nil
}

// Request returns the request record of kind with id;
// CodeResourceNotFound if there is none (or it expired).
func (d *Directory) Request(ctx context.Context, kind, id string) (sso.AdminRequest, error) {
	r, err := d.store.GetAdminRequest(ctx, kind, id)
	if errors.Is(err, sso.ErrNotFound) {
		return sso.AdminRequest{}, sso.Errorf(sso.CodeResourceNotFound, "There is no request with the ID %s.", id)
	}
	return r, err
}

// PermissionSetByID returns the permission set with id (ps-...);
// CodeResourceNotFound if none.
func (d *Directory) PermissionSetByID(ctx context.Context, id string) (sso.PermissionSet, error) {
	p, err := d.store.GetPermissionSetByID(ctx, id)
	if errors.Is(err, sso.ErrNotFound) {
		return sso.PermissionSet{}, sso.Errorf(sso.CodeResourceNotFound, "There is no permission set with the ID %s.", id)
	}
	return p, err
}

// PermissionSets returns every permission set, ordered by name.
func (d *Directory) PermissionSets(ctx context.Context) ([]sso.PermissionSet, error) {
	return d.store.ListPermissionSets(ctx)
}

// Assignments returns the assignments q selects, a page at a time.
func (d *Directory) Assignments(ctx context.Context, q sso.AssignmentQuery) ([]sso.Assignment, error) {
	return d.store.QueryAssignments(ctx, q)
}

// Requests returns the request records q selects, a page at a time.
func (d *Directory) Requests(ctx context.Context, q sso.RequestQuery) ([]sso.AdminRequest, error) {
	return d.store.ListAdminRequests(ctx, q)
}

// Provisioned returns where the permission set name is provisioned, or
// what is provisioned to the account accountID.
func (d *Directory) Provisioned(ctx context.Context, name, accountID string) ([]sso.Provisioned, error) {
	return d.store.ListProvisioned(ctx, name, accountID)
}

// Account returns the account id; CodeInvalidRequest if the server does
// not know it (the SSO Admin API's answer for a target it cannot use).
func (d *Directory) Account(ctx context.Context, id string) (sso.Account, error) {
	a, err := d.store.GetAccount(ctx, id)
	if errors.Is(err, sso.ErrNotFound) {
		return sso.Account{}, sso.Errorf(sso.CodeInvalidRequest, "The account %s is not an account this server knows.", id)
	}
	return a, err
}

// PermissionSet returns the permission set name; CodeResourceNotFound if
// none.
func (d *Directory) PermissionSet(ctx context.Context, name string) (sso.PermissionSet, error) {
	p, err := d.store.GetPermissionSet(ctx, name)
	if errors.Is(err, sso.ErrNotFound) {
		return sso.PermissionSet{}, sso.Errorf(sso.CodeResourceNotFound, "There is no permission set named %s.", name)
	}
	return p, err
}
