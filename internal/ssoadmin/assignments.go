package ssoadmin

import (
	"context"

	"github.com/ssooidc/ssooidc/internal/access"
	"github.com/ssooidc/ssooidc/internal/awsjson"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// Account assignments, their requests, and provisioning.

type assignmentIn struct {
	InstanceArn      *string `json:"InstanceArn"`
	TargetId         *string `json:"TargetId"`
	TargetType       *string `json:"TargetType"`
	PermissionSetArn *string `json:"PermissionSetArn"`
	PrincipalType    *string `json:"PrincipalType"`
	PrincipalId      *string `json:"PrincipalId"`
}

type operationStatus struct {
	Status           string       `json:"Status"`
	RequestId        string       `json:"RequestId"`
	FailureReason    *string      `json:"FailureReason,omitempty"`
	TargetId         string       `json:"TargetId"`
	TargetType       string       `json:"TargetType"`
	PermissionSetArn string       `json:"PermissionSetArn"`
	PrincipalType    string       `json:"PrincipalType"`
	PrincipalId      string       `json:"PrincipalId"`
	CreatedDate      awsjson.Time `json:"CreatedDate"`
}

func statusOut(r sso.AdminRequest) operationStatus {
	return operationStatus{Status: r.Status, RequestId: r.ID, FailureReason: optional(r.FailureReason), TargetId: r.AccountID,
		TargetType: "AWS_ACCOUNT", PermissionSetArn: r.PermissionSetARN, PrincipalType: r.PrincipalType, PrincipalId: r.PrincipalID,
		CreatedDate: awsjson.Time(r.CreatedAt)}
}

var principalTypes = []string{sso.PrincipalUser, sso.PrincipalGroup}

// readAssignment validates an assignment's members and returns it.
func (a *API) readAssignment(ctx context.Context, in *assignmentIn) (access.AssignmentChange, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return access.AssignmentChange{}, err
	}
	if err := check(field{name: "TargetId", v: in.TargetId, required: true, min: 12, max: 12, re: reAccountID},
		field{name: "TargetType", v: in.TargetType, required: true, enum: []string{"AWS_ACCOUNT"}},
		field{name: "PrincipalType", v: in.PrincipalType, required: true, enum: principalTypes},
		field{name: "PrincipalId", v: in.PrincipalId, required: true, min: 1, max: 47, re: rePrincipalID}); err != nil {
		return access.AssignmentChange{}, err
	}
	return access.AssignmentChange{PermissionSetARN: *in.PermissionSetArn, Assignment: sso.Assignment{AccountID: *in.TargetId,
		PermissionSet: p.Name, PrincipalType: *in.PrincipalType, PrincipalID: *in.PrincipalId}}, nil
}

func (a *API) createAccountAssignment(ctx context.Context, in *assignmentIn) (any, error) {
	return a.changeAssignment(ctx, in, a.cfg.Directory.CreateAssignment, "AccountAssignmentCreationStatus")
}

func (a *API) deleteAccountAssignment(ctx context.Context, in *assignmentIn) (any, error) {
	return a.changeAssignment(ctx, in, a.cfg.Directory.DeleteAssignment, "AccountAssignmentDeletionStatus")
}

// changeAssignment applies an assignment request and answers its record
// under member.
func (a *API) changeAssignment(ctx context.Context, in *assignmentIn,
	apply func(context.Context, access.AssignmentChange) (sso.AdminRequest, error), member string) (any, error) {
	c, err := a.readAssignment(ctx, in)
	if err != nil {
		return nil, err
	}
	r, err := apply(ctx, c)
	if err != nil {
		return nil, err
	}
	return map[string]any{member: statusOut(r)}, nil
}

type creationStatusIn struct {
	InstanceArn                        *string `json:"InstanceArn"`
	AccountAssignmentCreationRequestId *string `json:"AccountAssignmentCreationRequestId"`
}

type deletionStatusIn struct {
	InstanceArn                        *string `json:"InstanceArn"`
	AccountAssignmentDeletionRequestId *string `json:"AccountAssignmentDeletionRequestId"`
}

// request validates a request ID and answers the record of kind under
// member, as out makes it.
func (a *API) request(ctx context.Context, instance *string, idMember string, id *string, kind, member string,
	out func(sso.AdminRequest) any) (any, error) {
	if err := a.checkInstance(instance); err != nil {
		return nil, err
	}
	if err := check(field{name: idMember, v: id, required: true, min: 36, max: 36, re: reRequestID}); err != nil {
		return nil, err
	}
	r, err := a.cfg.Directory.Request(ctx, kind, *id)
	if err != nil {
		return nil, err
	}
	return map[string]any{member: out(r)}, nil
}

func (a *API) describeCreationStatus(ctx context.Context, in *creationStatusIn) (any, error) {
	return a.request(ctx, in.InstanceArn, "AccountAssignmentCreationRequestId", in.AccountAssignmentCreationRequestId,
		sso.RequestCreateAssignment, "AccountAssignmentCreationStatus", func(r sso.AdminRequest) any { return statusOut(r) })
}

func (a *API) describeDeletionStatus(ctx context.Context, in *deletionStatusIn) (any, error) {
	return a.request(ctx, in.InstanceArn, "AccountAssignmentDeletionRequestId", in.AccountAssignmentDeletionRequestId,
		sso.RequestDeleteAssignment, "AccountAssignmentDeletionStatus", func(r sso.AdminRequest) any { return statusOut(r) })
}

type statusFilter struct {
	Status *string `json:"Status"`
}

type listStatusIn struct {
	InstanceArn *string       `json:"InstanceArn"`
	MaxResults  *int          `json:"MaxResults"`
	NextToken   *string       `json:"NextToken"`
	Filter      *statusFilter `json:"Filter"`
}

type statusMetadata struct {
	Status      string       `json:"Status"`
	RequestId   string       `json:"RequestId"`
	CreatedDate awsjson.Time `json:"CreatedDate"`
}

// requests answers a list of the request records of kind, a page at a
// time, under member.
func (a *API) requests(ctx context.Context, in *listStatusIn, kind, member string) (any, error) {
	if err := a.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	p, err := readPage(in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	q := sso.RequestQuery{Kind: kind, Page: sso.Page{After: p.after, Limit: p.limit}}
	if in.Filter != nil {
		if err := check(field{name: "Filter.Status", v: in.Filter.Status, enum: []string{sso.StatusInProgress, sso.StatusFailed, sso.StatusSucceeded}}); err != nil {
			return nil, err
		}
		q.Status = deref(in.Filter.Status)
	}
	rs, err := a.cfg.Directory.Requests(ctx, q)
	if err != nil {
		return nil, err
	}
	out := []statusMetadata{}
	for _, r := range rs {
		out = append(out, statusMetadata{Status: r.Status, RequestId: r.ID, CreatedDate: awsjson.Time(r.CreatedAt)})
	}
	var last string
	if len(rs) > 0 {
		last = rs[len(rs)-1].ID
	}
	return listOut(member, out, nextToken(len(rs) == p.limit, last)), nil
}

func (a *API) listCreationStatus(ctx context.Context, in *listStatusIn) (any, error) {
	return a.requests(ctx, in, sso.RequestCreateAssignment, "AccountAssignmentsCreationStatus")
}

func (a *API) listDeletionStatus(ctx context.Context, in *listStatusIn) (any, error) {
	return a.requests(ctx, in, sso.RequestDeleteAssignment, "AccountAssignmentsDeletionStatus")
}

func (a *API) listProvisioningStatus(ctx context.Context, in *listStatusIn) (any, error) {
	return a.requests(ctx, in, sso.RequestProvision, "PermissionSetsProvisioningStatus")
}

type accountAssignment struct {
	AccountId        string `json:"AccountId"`
	PermissionSetArn string `json:"PermissionSetArn"`
	PrincipalType    string `json:"PrincipalType"`
	PrincipalId      string `json:"PrincipalId"`
}

type listAccountAssignmentsIn struct {
	InstanceArn      *string `json:"InstanceArn"`
	AccountId        *string `json:"AccountId"`
	PermissionSetArn *string `json:"PermissionSetArn"`
	MaxResults       *int    `json:"MaxResults"`
	NextToken        *string `json:"NextToken"`
}

func (a *API) listAccountAssignments(ctx context.Context, in *listAccountAssignmentsIn) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := check(field{name: "AccountId", v: in.AccountId, required: true, min: 12, max: 12, re: reAccountID}); err != nil {
		return nil, err
	}
	pg, err := readPage(in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	as, err := a.cfg.Directory.Assignments(ctx, sso.AssignmentQuery{AccountID: *in.AccountId, PermissionSet: p.Name,
		Page: sso.Page{After: pg.after, Limit: pg.limit}})
	if err != nil {
		return nil, err
	}
	out := []accountAssignment{}
	for _, x := range as {
		out = append(out, accountAssignment{AccountId: x.AccountID, PermissionSetArn: *in.PermissionSetArn,
			PrincipalType: x.PrincipalType, PrincipalId: x.PrincipalID})
	}
	return struct {
		AccountAssignments []accountAssignment `json:"AccountAssignments"`
		NextToken          *string             `json:"NextToken,omitempty"`
	}{out, pageEnd(as, pg)}, nil
}

// pageEnd is the NextToken after a page of assignments read from the
// store.
func pageEnd(as []sso.Assignment, p page) *string {
	if len(as) < p.limit || len(as) == 0 {
		return nil
	}
	return nextToken(true, sso.AssignmentKey(as[len(as)-1]))
}

type listForPrincipalIn struct {
	InstanceArn   *string `json:"InstanceArn"`
	PrincipalId   *string `json:"PrincipalId"`
	PrincipalType *string `json:"PrincipalType"`
	Filter        *struct {
		AccountId *string `json:"AccountId"`
	} `json:"Filter"`
	NextToken  *string `json:"NextToken"`
	MaxResults *int    `json:"MaxResults"`
}

// listAccountAssignmentsForPrincipal reads one page of the principal's
// assignments in one index range (ListAccountAssignmentsForPrincipal
// stays flat however many assignments others have), and the permission
// sets' IDs for their ARNs.
func (a *API) listAccountAssignmentsForPrincipal(ctx context.Context, in *listForPrincipalIn) (any, error) {
	if err := a.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	if err := check(field{name: "PrincipalType", v: in.PrincipalType, required: true, enum: principalTypes},
		field{name: "PrincipalId", v: in.PrincipalId, required: true, min: 1, max: 47, re: rePrincipalID}); err != nil {
		return nil, err
	}
	q := sso.AssignmentQuery{PrincipalType: *in.PrincipalType, PrincipalID: *in.PrincipalId}
	if in.Filter != nil && in.Filter.AccountId != nil {
		if err := check(field{name: "Filter.AccountId", v: in.Filter.AccountId, min: 12, max: 12, re: reAccountID}); err != nil {
			return nil, err
		}
		q.AccountID = *in.Filter.AccountId
	}
	pg, err := readPage(in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	q.Page = sso.Page{After: pg.after, Limit: pg.limit}
	as, err := a.cfg.Directory.Assignments(ctx, q)
	if err != nil {
		return nil, err
	}
	ids, err := a.permissionSetIDs(ctx, as)
	if err != nil {
		return nil, err
	}
	out := []accountAssignment{}
	for _, x := range as {
		id, ok := ids[x.PermissionSet]
		if !ok {
			continue // deleted between the two reads
		}
		out = append(out, accountAssignment{AccountId: x.AccountID, PermissionSetArn: "arn:aws:sso:::permissionSet/" + a.cfg.Instance.ID + "/" + id,
			PrincipalType: x.PrincipalType, PrincipalId: x.PrincipalID})
	}
	return struct {
		AccountAssignments []accountAssignment `json:"AccountAssignments"`
		NextToken          *string             `json:"NextToken,omitempty"`
	}{out, pageEnd(as, pg)}, nil
}

// permissionSetIDs returns the IDs of the permission sets as name, by
// name: one read of each distinct permission set of the page.
func (a *API) permissionSetIDs(ctx context.Context, as []sso.Assignment) (map[string]string, error) {
	ids := map[string]string{}
	for _, x := range as {
		if _, ok := ids[x.PermissionSet]; ok {
			continue
		}
		p, err := a.cfg.Directory.PermissionSet(ctx, x.PermissionSet)
		switch {
		case err == nil:
			ids[x.PermissionSet] = p.ID
		case sso.CodeOf(err) != sso.CodeResourceNotFound:
			return nil, err
		}
	}
	return ids, nil
}

// --- provisioning

type provisionIn struct {
	InstanceArn      *string `json:"InstanceArn"`
	PermissionSetArn *string `json:"PermissionSetArn"`
	TargetId         *string `json:"TargetId"`
	TargetType       *string `json:"TargetType"`
}

type provisioningStatus struct {
	Status           string       `json:"Status"`
	RequestId        string       `json:"RequestId"`
	AccountId        *string      `json:"AccountId,omitempty"`
	PermissionSetArn string       `json:"PermissionSetArn"`
	FailureReason    *string      `json:"FailureReason,omitempty"`
	CreatedDate      awsjson.Time `json:"CreatedDate"`
}

func provisioningOut(r sso.AdminRequest) provisioningStatus {
	return provisioningStatus{Status: r.Status, RequestId: r.ID, AccountId: optional(r.AccountID), PermissionSetArn: r.PermissionSetARN,
		FailureReason: optional(r.FailureReason), CreatedDate: awsjson.Time(r.CreatedAt)}
}

func (a *API) provisionPermissionSet(ctx context.Context, in *provisionIn) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := check(field{name: "TargetType", v: in.TargetType, required: true, enum: []string{"AWS_ACCOUNT", "ALL_PROVISIONED_ACCOUNTS"}},
		field{name: "TargetId", v: in.TargetId, min: 12, max: 12, re: reAccountID}); err != nil {
		return nil, err
	}
	account := ""
	switch {
	case *in.TargetType == "AWS_ACCOUNT" && in.TargetId == nil:
		return nil, awsjson.Errorf(awsjson.Validation, "TargetId is required when TargetType is AWS_ACCOUNT.")
	case *in.TargetType == "AWS_ACCOUNT":
		account = *in.TargetId
	case in.TargetId != nil:
		return nil, awsjson.Errorf(awsjson.Validation, "TargetId must not be given when TargetType is ALL_PROVISIONED_ACCOUNTS.")
	}
	r, err := a.cfg.Directory.Provision(ctx, p, *in.PermissionSetArn, account)
	if err != nil {
		return nil, err
	}
	return struct {
		PermissionSetProvisioningStatus provisioningStatus `json:"PermissionSetProvisioningStatus"`
	}{provisioningOut(r)}, nil
}

type provisioningStatusIn struct {
	InstanceArn                     *string `json:"InstanceArn"`
	ProvisionPermissionSetRequestId *string `json:"ProvisionPermissionSetRequestId"`
}

func (a *API) describeProvisioningStatus(ctx context.Context, in *provisioningStatusIn) (any, error) {
	return a.request(ctx, in.InstanceArn, "ProvisionPermissionSetRequestId", in.ProvisionPermissionSetRequestId,
		sso.RequestProvision, "PermissionSetProvisioningStatus", func(r sso.AdminRequest) any { return provisioningOut(r) })
}

var provisioningStatuses = []string{"LATEST_PERMISSION_SET_PROVISIONED", "LATEST_PERMISSION_SET_NOT_PROVISIONED"}

// keepProvisioned reports whether p passes a ProvisioningStatus filter.
func keepProvisioned(filter *string, p sso.Provisioned) bool {
	switch deref(filter) {
	case "LATEST_PERMISSION_SET_PROVISIONED":
		return p.Current
	case "LATEST_PERMISSION_SET_NOT_PROVISIONED":
		return !p.Current
	}
	return true
}

type provisionedToAccountIn struct {
	InstanceArn        *string `json:"InstanceArn"`
	AccountId          *string `json:"AccountId"`
	ProvisioningStatus *string `json:"ProvisioningStatus"`
	MaxResults         *int    `json:"MaxResults"`
	NextToken          *string `json:"NextToken"`
}

func (a *API) listPermissionSetsProvisionedToAccount(ctx context.Context, in *provisionedToAccountIn) (any, error) {
	if err := a.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	if err := check(field{name: "AccountId", v: in.AccountId, required: true, min: 12, max: 12, re: reAccountID},
		field{name: "ProvisioningStatus", v: in.ProvisioningStatus, enum: provisioningStatuses}); err != nil {
		return nil, err
	}
	pg, err := readPage(in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	if _, err := a.cfg.Directory.Account(ctx, *in.AccountId); err != nil {
		return nil, err
	}
	all, err := a.cfg.Directory.Provisioned(ctx, "", *in.AccountId)
	if err != nil {
		return nil, err
	}
	var kept []sso.Provisioned
	for _, p := range all {
		if keepProvisioned(in.ProvisioningStatus, p) {
			kept = append(kept, p)
		}
	}
	items, next := window(kept, func(p sso.Provisioned) string { return p.PermissionSet }, pg)
	names := make([]sso.Assignment, 0, len(items))
	for _, p := range items {
		names = append(names, sso.Assignment{PermissionSet: p.PermissionSet})
	}
	ids, err := a.permissionSetIDs(ctx, names)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, p := range items {
		if id, ok := ids[p.PermissionSet]; ok {
			out = append(out, "arn:aws:sso:::permissionSet/"+a.cfg.Instance.ID+"/"+id)
		}
	}
	return struct {
		PermissionSets []string `json:"PermissionSets"`
		NextToken      *string  `json:"NextToken,omitempty"`
	}{out, next}, nil
}

type accountsForPermissionSetIn struct {
	InstanceArn        *string `json:"InstanceArn"`
	PermissionSetArn   *string `json:"PermissionSetArn"`
	ProvisioningStatus *string `json:"ProvisioningStatus"`
	MaxResults         *int    `json:"MaxResults"`
	NextToken          *string `json:"NextToken"`
}

func (a *API) listAccountsForProvisionedPermissionSet(ctx context.Context, in *accountsForPermissionSetIn) (any, error) {
	ps, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := check(field{name: "ProvisioningStatus", v: in.ProvisioningStatus, enum: provisioningStatuses}); err != nil {
		return nil, err
	}
	pg, err := readPage(in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	all, err := a.cfg.Directory.Provisioned(ctx, ps.Name, "")
	if err != nil {
		return nil, err
	}
	var kept []sso.Provisioned
	for _, p := range all {
		if keepProvisioned(in.ProvisioningStatus, p) {
			kept = append(kept, p)
		}
	}
	items, next := window(kept, func(p sso.Provisioned) string { return p.AccountID }, pg)
	out := []string{}
	for _, p := range items {
		out = append(out, p.AccountID)
	}
	return struct {
		AccountIds []string `json:"AccountIds"`
		NextToken  *string  `json:"NextToken,omitempty"`
	}{out, next}, nil
}
