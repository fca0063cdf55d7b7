package sqlite

import (
	"context"
	"fmt"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Applications and trusted token issuers are one row each: the record as a
// JSON document plus the columns it is looked up by.

func scanApplication(row scanner) (sso.Application, error) {
	var a sso.Application
	err := row.Scan(&a.ARN, &a.ClientToken, &a.Source, &a.Version, jsonDoc{&a})
	a.CreatedAt = a.CreatedAt.UTC()
	return a, err
}

const appColumns = `arn, client_token, source, version, doc`

// CreateApplication stores a with Version 1.
func (s *Store) CreateApplication(ctx context.Context, a sso.Application) error {
	const op = "create application"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO applications (`+appColumns+`) VALUES (?, ?, ?, 1, ?)`,
			a.ARN, a.ClientToken, a.Source, jsonDoc{a})
		return mapErr(ctx, op, err)
	})
}

// GetApplication returns the application with arn.
func (s *Store) GetApplication(ctx context.Context, arn string) (sso.Application, error) {
	a, err := scanApplication(s.queryRow(ctx, `SELECT `+appColumns+` FROM applications WHERE arn = ?`, arn))
	if err != nil {
		return sso.Application{}, mapErr(ctx, "get application", err)
	}
	return a, nil
}

// ListApplications returns every application, ordered by ARN.
func (s *Store) ListApplications(ctx context.Context) ([]sso.Application, error) {
	return listRows(ctx, s, "list applications", scanApplication, `SELECT `+appColumns+` FROM applications ORDER BY arn`)
}

// UpdateApplication runs update on the application arn inside the write
// and stores what it returns with the next version.
func (s *Store) UpdateApplication(ctx context.Context, arn string, update func(sso.Application) (sso.Application, error)) (sso.Application, error) {
	const op = "update application"
	var stored sso.Application
	err := s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		old, err := scanApplication(tx.QueryRowContext(ctx, `SELECT `+appColumns+` FROM applications WHERE arn = ?`, arn))
		if err != nil {
			return mapErr(ctx, op, err)
		}
		next, err := update(sso.CloneApplication(old))
		if err != nil {
			return err
		}
		next.ARN, next.ClientToken, next.CreatedAt, next.Version = old.ARN, old.ClientToken, old.CreatedAt, old.Version+1
		if _, err := tx.ExecContext(ctx, `UPDATE applications SET source = ?, version = ?, doc = ? WHERE arn = ?`,
			next.Source, next.Version, jsonDoc{next}, arn); err != nil {
			return mapErr(ctx, op, err)
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
	return s.deleteOne(ctx, "delete application", `DELETE FROM applications WHERE arn = ?`, arn)
}

// CreateAppAssignment stores a when its application and principal exist.
func (s *Store) CreateAppAssignment(ctx context.Context, a sso.AppAssignment) error {
	const op = "create application assignment"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO application_assignments (application_arn, principal_type, principal_id)
			SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM applications WHERE arn = ?1)
			AND (?2 = 'USER' AND EXISTS (SELECT 1 FROM users WHERE id = ?3)
				OR ?2 = 'GROUP' AND EXISTS (SELECT 1 FROM groups WHERE id = ?3))`,
			a.ApplicationARN, a.PrincipalType, a.PrincipalID)
		if err != nil {
			return mapErr(ctx, op, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("sqlite: %s: %w", op, sso.ErrNotFound)
		}
		return nil
	})
}

// DeleteAppAssignment deletes a.
func (s *Store) DeleteAppAssignment(ctx context.Context, a sso.AppAssignment) error {
	return s.deleteOne(ctx, "delete application assignment", `DELETE FROM application_assignments
		WHERE application_arn = ? AND principal_type = ? AND principal_id = ?`, a.ApplicationARN, a.PrincipalType, a.PrincipalID)
}

// QueryAppAssignments returns the application assignments of one
// application or of one principal, at most q.Limit after q.After.
func (s *Store) QueryAppAssignments(ctx context.Context, q sso.AppAssignmentQuery) ([]sso.AppAssignment, error) {
	var after sso.AppAssignment
	if q.After != "" {
		var ok bool
		if after, ok = sso.SplitAppAssignmentKey(q.After); !ok {
			return nil, nil
		}
	}
	query := `SELECT application_arn, principal_type, principal_id FROM application_assignments WHERE `
	var args []any
	if q.PrincipalID != "" {
		query += `principal_type = ? AND principal_id = ? AND application_arn > ?`
		args = []any{q.PrincipalType, q.PrincipalID, after.ApplicationARN}
		if q.ApplicationARN != "" {
			query += ` AND application_arn = ?`
			args = append(args, q.ApplicationARN)
		}
	} else {
		query += `application_arn = ? AND (principal_type, principal_id) > (?, ?)`
		args = []any{q.ApplicationARN, after.PrincipalType, after.PrincipalID}
	}
	query += ` ORDER BY application_arn, principal_type, principal_id`
	if q.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	return listRows(ctx, s, "list application assignments", func(row scanner) (sso.AppAssignment, error) {
		var a sso.AppAssignment
		err := row.Scan(&a.ApplicationARN, &a.PrincipalType, &a.PrincipalID)
		return a, err
	}, query, args...)
}

// AppAssigned reports whether the user is assigned the application,
// directly or through a group.
func (s *Store) AppAssigned(ctx context.Context, arn, userID string) (bool, error) {
	var ok bool
	err := s.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM application_assignments
			WHERE application_arn = ?1 AND principal_type = 'USER' AND principal_id = ?2)
		OR EXISTS (SELECT 1 FROM memberships AS m JOIN application_assignments AS a
			ON a.application_arn = ?1 AND a.principal_type = 'GROUP' AND a.principal_id = m.group_id
			WHERE m.user_id = ?2)`, arn, userID).Scan(&ok)
	return ok, mapErr(ctx, "application assigned", err)
}

const issuerColumns = `arn, client_token, source, doc`

func scanIssuer(row scanner) (sso.TrustedTokenIssuer, error) {
	var t sso.TrustedTokenIssuer
	err := row.Scan(&t.ARN, &t.ClientToken, &t.Source, jsonDoc{&t})
	t.CreatedAt = t.CreatedAt.UTC()
	return t, err
}

// CreateTrustedTokenIssuer stores t.
func (s *Store) CreateTrustedTokenIssuer(ctx context.Context, t sso.TrustedTokenIssuer) error {
	const op = "create trusted token issuer"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO trusted_token_issuers (`+issuerColumns+`) VALUES (?, ?, ?, ?)`,
			t.ARN, t.ClientToken, t.Source, jsonDoc{t})
		return mapErr(ctx, op, err)
	})
}

// GetTrustedTokenIssuer returns the issuer with arn.
func (s *Store) GetTrustedTokenIssuer(ctx context.Context, arn string) (sso.TrustedTokenIssuer, error) {
	t, err := scanIssuer(s.queryRow(ctx, `SELECT `+issuerColumns+` FROM trusted_token_issuers WHERE arn = ?`, arn))
	if err != nil {
		return sso.TrustedTokenIssuer{}, mapErr(ctx, "get trusted token issuer", err)
	}
	return t, nil
}

// ListTrustedTokenIssuers returns every issuer, ordered by ARN.
func (s *Store) ListTrustedTokenIssuers(ctx context.Context) ([]sso.TrustedTokenIssuer, error) {
	return listRows(ctx, s, "list trusted token issuers", scanIssuer, `SELECT `+issuerColumns+` FROM trusted_token_issuers ORDER BY arn`)
}

// UpdateTrustedTokenIssuer runs update on the issuer arn inside the write
// and stores what it returns.
func (s *Store) UpdateTrustedTokenIssuer(ctx context.Context, arn string, update func(sso.TrustedTokenIssuer) (sso.TrustedTokenIssuer, error)) (sso.TrustedTokenIssuer, error) {
	const op = "update trusted token issuer"
	var stored sso.TrustedTokenIssuer
	err := s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		old, err := scanIssuer(tx.QueryRowContext(ctx, `SELECT `+issuerColumns+` FROM trusted_token_issuers WHERE arn = ?`, arn))
		if err != nil {
			return mapErr(ctx, op, err)
		}
		next, err := update(sso.CloneTrustedTokenIssuer(old))
		if err != nil {
			return err
		}
		next.ARN, next.IssuerURL, next.ClientToken, next.CreatedAt = old.ARN, old.IssuerURL, old.ClientToken, old.CreatedAt
		if _, err := tx.ExecContext(ctx, `UPDATE trusted_token_issuers SET source = ?, doc = ? WHERE arn = ?`,
			next.Source, jsonDoc{next}, arn); err != nil {
			return mapErr(ctx, op, err)
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
	return s.deleteOne(ctx, "delete trusted token issuer", `DELETE FROM trusted_token_issuers WHERE arn = ?`, arn)
}
