package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Applications and trusted token issuers are one row each: the record as a
// json document plus the columns it is looked up by.

const appCols = `arn, client_token, source, version, doc`

func scanApplication(row pgx.Row) (sso.Application, error) {
	var a sso.Application
	var d []byte
	if err := row.Scan(&a.ARN, &a.ClientToken, &a.Source, &a.Version, &d); err != nil {
		return sso.Application{}, err
	}
	if err := decodeDoc(d, &a); err != nil {
		return sso.Application{}, err
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return a, nil
}

// textDoc is v as json text that PostgreSQL can hold, with the key
// columns checked too.
func textDoc(v any, keys ...string) (string, error) {
	d, err := doc(v)
	if err != nil {
		return "", err
	}
	for _, k := range append(keys, d) {
		if !storable(k) {
			return "", errNotText
		}
	}
	return d, nil
}

// CreateApplication stores a with Version 1.
func (s *Store) CreateApplication(ctx context.Context, a sso.Application) error {
	d, err := textDoc(a, a.ARN, a.ClientToken, a.Source)
	if err != nil {
		return err
	}
	return s.write(ctx, "create application", false, func(ctx context.Context) error {
		_, err := s.q(ctx).Exec(ctx, `INSERT INTO applications (`+appCols+`) VALUES ($1, $2, $3, 1, $4)`,
			a.ARN, a.ClientToken, a.Source, d)
		return err
	})
}

// GetApplication returns the application with arn.
func (s *Store) GetApplication(ctx context.Context, arn string) (sso.Application, error) {
	if !storable(arn) {
		return sso.Application{}, notFound("get application")
	}
	var a sso.Application
	err := s.do(ctx, "get application", true, func(ctx context.Context) error {
		var err error
		a, err = scanApplication(s.q(ctx).QueryRow(ctx, `SELECT `+appCols+` FROM applications WHERE arn = $1`, arn))
		return err
	})
	return a, err
}

// ListApplications returns every application, ordered by ARN.
func (s *Store) ListApplications(ctx context.Context) ([]sso.Application, error) {
	return list2(ctx, s, "list applications", scanApplication, `SELECT `+appCols+` FROM applications ORDER BY arn`)
}

// UpdateApplication runs update on the application arn, holding its row,
// and stores what it returns with the next version.
func (s *Store) UpdateApplication(ctx context.Context, arn string, update func(sso.Application) (sso.Application, error)) (sso.Application, error) {
	const op = "update application"
	if !storable(arn) {
		return sso.Application{}, notFound(op)
	}
	var stored sso.Application
	err := s.tx(ctx, op, func(ctx context.Context, q querier) error {
		old, err := scanApplication(q.QueryRow(ctx, `SELECT `+appCols+` FROM applications WHERE arn = $1 FOR UPDATE`, arn))
		if err != nil {
			return err
		}
		next, err := update(sso.CloneApplication(old))
		if err != nil {
			return callerError{err}
		}
		next.ARN, next.ClientToken, next.CreatedAt, next.Version = old.ARN, old.ClientToken, old.CreatedAt, old.Version+1
		d, err := textDoc(next, next.Source)
		if err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `UPDATE applications SET source = $2, version = $3, doc = $4 WHERE arn = $1`,
			arn, next.Source, next.Version, d); err != nil {
			return err
		}
		stored = next
		return nil
	})
	if err != nil {
		return sso.Application{}, err
	}
	return stored, nil
}

// DeleteApplication deletes the application arn and its assignments.
func (s *Store) DeleteApplication(ctx context.Context, arn string) error {
	if !storable(arn) {
		return notFound("delete application")
	}
	return s.deleteOne(ctx, "delete application", `DELETE FROM applications WHERE arn = $1`, arn)
}

func storableAppAssignment(a sso.AppAssignment) bool {
	return storable(a.ApplicationARN) && storable(a.PrincipalType) && storable(a.PrincipalID)
}

// CreateAppAssignment stores a when its application and principal exist:
// one statement that says which case it was.
func (s *Store) CreateAppAssignment(ctx context.Context, a sso.AppAssignment) error {
	const op = "create application assignment"
	if !storableAppAssignment(a) {
		return notFound(op)
	}
	return s.write(ctx, op, false, func(ctx context.Context) error {
		var parents bool
		err := s.q(ctx).QueryRow(ctx, `WITH
			p AS (SELECT EXISTS (SELECT 1 FROM applications WHERE arn = $1)
			         AND ($2 = 'USER' AND EXISTS (SELECT 1 FROM users WHERE id = $3)
			              OR $2 = 'GROUP' AND EXISTS (SELECT 1 FROM groups WHERE id = $3)) AS ok),
			i AS (INSERT INTO application_assignments (application_arn, principal_type, principal_id)
			      SELECT $1, $2, $3 FROM p WHERE p.ok)
			SELECT ok FROM p`, a.ApplicationARN, a.PrincipalType, a.PrincipalID).Scan(&parents)
		if err == nil && !parents {
			return sso.ErrNotFound
		}
		return err
	})
}

// DeleteAppAssignment deletes a.
func (s *Store) DeleteAppAssignment(ctx context.Context, a sso.AppAssignment) error {
	if !storableAppAssignment(a) {
		return notFound("delete application assignment")
	}
	return s.deleteOne(ctx, "delete application assignment", `DELETE FROM application_assignments
		WHERE application_arn = $1 AND principal_type = $2 AND principal_id = $3`, a.ApplicationARN, a.PrincipalType, a.PrincipalID)
}

// QueryAppAssignments returns the application assignments of one
// application or of one principal, at most q.Limit after q.After.
func (s *Store) QueryAppAssignments(ctx context.Context, q sso.AppAssignmentQuery) ([]sso.AppAssignment, error) {
	var after sso.AppAssignment
	if q.After != "" {
		var ok bool
		if after, ok = sso.SplitAppAssignmentKey(q.After); !ok || !storableAppAssignment(after) {
			return nil, nil
		}
	}
	if !storableAppAssignment(sso.AppAssignment{ApplicationARN: q.ApplicationARN, PrincipalType: q.PrincipalType, PrincipalID: q.PrincipalID}) {
		return nil, nil
	}
	query := `SELECT application_arn, principal_type, principal_id FROM application_assignments WHERE `
	var args []any
	if q.PrincipalID != "" {
		query += `principal_type = $1 AND principal_id = $2 AND application_arn > $3`
		args = []any{q.PrincipalType, q.PrincipalID, after.ApplicationARN}
		if q.ApplicationARN != "" {
			query += ` AND application_arn = $4`
			args = append(args, q.ApplicationARN)
		}
	} else {
		query += `application_arn = $1 AND (principal_type, principal_id) > ($2, $3)`
		args = []any{q.ApplicationARN, after.PrincipalType, after.PrincipalID}
	}
	query += ` ORDER BY application_arn, principal_type, principal_id`
	if q.Limit > 0 {
		query += ` LIMIT ` + itoa(q.Limit)
	}
	return list2(ctx, s, "list application assignments", func(row pgx.Row) (sso.AppAssignment, error) {
		var a sso.AppAssignment
		err := row.Scan(&a.ApplicationARN, &a.PrincipalType, &a.PrincipalID)
		return a, err
	}, query, args...)
}

// AppAssigned reports whether the user is assigned the application,
// directly or through a group.
func (s *Store) AppAssigned(ctx context.Context, arn, userID string) (bool, error) {
	if !storable(arn) || !storable(userID) {
		return false, nil
	}
	var ok bool
	err := s.do(ctx, "application assigned", true, func(ctx context.Context) error {
		var err error
		ok, err = exists(ctx, s.q(ctx), `SELECT EXISTS (SELECT 1 FROM application_assignments
				WHERE application_arn = $1 AND principal_type = 'USER' AND principal_id = $2)
			OR EXISTS (SELECT 1 FROM memberships AS m JOIN application_assignments AS a
				ON a.application_arn = $1 AND a.principal_type = 'GROUP' AND a.principal_id = m.group_id
				WHERE m.user_id = $2)`, arn, userID)
		return err
	})
	return ok, err
}

const issuerCols = `arn, client_token, source, doc`

func scanIssuer(row pgx.Row) (sso.TrustedTokenIssuer, error) {
	var t sso.TrustedTokenIssuer
	var d []byte
	if err := row.Scan(&t.ARN, &t.ClientToken, &t.Source, &d); err != nil {
		return sso.TrustedTokenIssuer{}, err
	}
	if err := decodeDoc(d, &t); err != nil {
		return sso.TrustedTokenIssuer{}, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return t, nil
}

// CreateTrustedTokenIssuer stores t.
func (s *Store) CreateTrustedTokenIssuer(ctx context.Context, t sso.TrustedTokenIssuer) error {
	d, err := textDoc(t, t.ARN, t.ClientToken, t.Source)
	if err != nil {
		return err
	}
	return s.write(ctx, "create trusted token issuer", false, func(ctx context.Context) error {
		_, err := s.q(ctx).Exec(ctx, `INSERT INTO trusted_token_issuers (`+issuerCols+`) VALUES ($1, $2, $3, $4)`,
			t.ARN, t.ClientToken, t.Source, d)
		return err
	})
}

// GetTrustedTokenIssuer returns the issuer with arn.
func (s *Store) GetTrustedTokenIssuer(ctx context.Context, arn string) (sso.TrustedTokenIssuer, error) {
	if !storable(arn) {
		return sso.TrustedTokenIssuer{}, notFound("get trusted token issuer")
	}
	var t sso.TrustedTokenIssuer
	err := s.do(ctx, "get trusted token issuer", true, func(ctx context.Context) error {
		var err error
		t, err = scanIssuer(s.q(ctx).QueryRow(ctx, `SELECT `+issuerCols+` FROM trusted_token_issuers WHERE arn = $1`, arn))
		return err
	})
	return t, err
}

// ListTrustedTokenIssuers returns every issuer, ordered by ARN.
func (s *Store) ListTrustedTokenIssuers(ctx context.Context) ([]sso.TrustedTokenIssuer, error) {
	return list2(ctx, s, "list trusted token issuers", scanIssuer, `SELECT `+issuerCols+` FROM trusted_token_issuers ORDER BY arn`)
}

// UpdateTrustedTokenIssuer runs update on the issuer arn, holding its row,
// and stores what it returns.
func (s *Store) UpdateTrustedTokenIssuer(ctx context.Context, arn string, update func(sso.TrustedTokenIssuer) (sso.TrustedTokenIssuer, error)) (sso.TrustedTokenIssuer, error) {
	const op = "update trusted token issuer"
	if !storable(arn) {
		return sso.TrustedTokenIssuer{}, notFound(op)
	}
	var stored sso.TrustedTokenIssuer
	err := s.tx(ctx, op, func(ctx context.Context, q querier) error {
		old, err := scanIssuer(q.QueryRow(ctx, `SELECT `+issuerCols+` FROM trusted_token_issuers WHERE arn = $1 FOR UPDATE`, arn))
		if err != nil {
			return err
		}
		next, err := update(sso.CloneTrustedTokenIssuer(old))
		if err != nil {
			return callerError{err}
		}
		next.ARN, next.IssuerURL, next.ClientToken, next.CreatedAt = old.ARN, old.IssuerURL, old.ClientToken, old.CreatedAt
		d, err := textDoc(next, next.Source)
		if err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `UPDATE trusted_token_issuers SET source = $2, doc = $3 WHERE arn = $1`, arn, next.Source, d); err != nil {
			return err
		}
		stored = next
		return nil
	})
	if err != nil {
		return sso.TrustedTokenIssuer{}, err
	}
	return stored, nil
}

// DeleteTrustedTokenIssuer deletes the issuer arn.
func (s *Store) DeleteTrustedTokenIssuer(ctx context.Context, arn string) error {
	if !storable(arn) {
		return notFound("delete trusted token issuer")
	}
	return s.deleteOne(ctx, "delete trusted token issuer", `DELETE FROM trusted_token_issuers WHERE arn = $1`, arn)
}
