-- The SSO Admin API. Permission sets get what Identity Center gives them:
-- an ID (ps- and 16 hex digits, the end of their ARN), the session
-- duration as the API spelled it (ISO 8601), relay state, creation time,
-- the suffix of the role names Identity Center uses, their IAM policies
-- (stored and returned exactly, never enforced), tags, and a version that
-- grows with every change that needs provisioning again. Also: where each
-- permission set is provisioned and at which version; the records of the
-- asynchronous requests (assignment creation and deletion, provisioning);
-- the OAuth applications of CreateTokenWithIAM with their assignments; and
-- trusted token issuers.

ALTER TABLE permission_sets ADD COLUMN id TEXT NOT NULL DEFAULT '';
ALTER TABLE permission_sets ADD COLUMN session_duration_iso TEXT NOT NULL DEFAULT '';
ALTER TABLE permission_sets ADD COLUMN relay_state TEXT NOT NULL DEFAULT '';
ALTER TABLE permission_sets ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE permission_sets ADD COLUMN role_suffix TEXT NOT NULL DEFAULT '';
-- JSON of sso.PermissionSetPolicies.
ALTER TABLE permission_sets ADD COLUMN policies TEXT NOT NULL DEFAULT '{}';
-- JSON [{"Key":..,"Value":..}].
ALTER TABLE permission_sets ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE permission_sets ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
UPDATE permission_sets SET id = 'ps-' || lower(hex(randomblob(8))), role_suffix = lower(hex(randomblob(8))),
	created_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000;
CREATE UNIQUE INDEX permission_sets_id ON permission_sets (id);

-- A principal's assignments are one index range in account, permission
-- set order (ListAccountAssignmentsForPrincipal pages through it).
DROP INDEX assignments_principal;
CREATE INDEX assignments_principal ON assignments (principal_type, principal_id, account_id, permission_set);

-- A permission set is provisioned to an account by its first assignment
-- there or by ProvisionPermissionSet, at the version it had then; the last
-- assignment's deletion unprovisions it (Identity Center deletes the role).
CREATE TABLE provisioned (
	permission_set TEXT    NOT NULL REFERENCES permission_sets (name) ON DELETE CASCADE,
	account_id     TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	version        INTEGER NOT NULL,
	PRIMARY KEY (permission_set, account_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX provisioned_account ON provisioned (account_id, permission_set);
INSERT INTO provisioned (permission_set, account_id, version)
	SELECT DISTINCT permission_set, account_id, 1 FROM assignments;

-- Asynchronous requests complete at once; their records answer the status
-- operations until they expire.
CREATE TABLE admin_requests (
	id                 TEXT    NOT NULL PRIMARY KEY,
	kind               TEXT    NOT NULL,
	status             TEXT    NOT NULL,
	failure_reason     TEXT    NOT NULL,
	account_id         TEXT    NOT NULL,
	permission_set_arn TEXT    NOT NULL,
	principal_type     TEXT    NOT NULL,
	principal_id       TEXT    NOT NULL,
	created_at         INTEGER NOT NULL,
	expires_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX admin_requests_kind ON admin_requests (kind, id);
CREATE INDEX admin_requests_expires_at ON admin_requests (expires_at);

-- Applications and trusted token issuers are read whole by
-- CreateTokenWithIAM: one row each, the record as a JSON document
-- (sso.Application, sso.TrustedTokenIssuer), with what is looked up by in
-- columns. An application's version tells caches it changed.
CREATE TABLE applications (
	arn          TEXT    NOT NULL PRIMARY KEY,
	client_token TEXT    NOT NULL,
	source       TEXT    NOT NULL,
	version      INTEGER NOT NULL,
	doc          TEXT    NOT NULL
) STRICT;
CREATE UNIQUE INDEX applications_client_token ON applications (client_token) WHERE client_token <> '';

CREATE TABLE application_assignments (
	application_arn TEXT NOT NULL REFERENCES applications (arn) ON DELETE CASCADE,
	principal_type  TEXT NOT NULL, -- USER or GROUP
	principal_id    TEXT NOT NULL,
	PRIMARY KEY (application_arn, principal_type, principal_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX application_assignments_principal ON application_assignments (principal_type, principal_id, application_arn);

CREATE TABLE trusted_token_issuers (
	arn          TEXT NOT NULL PRIMARY KEY,
	client_token TEXT NOT NULL,
	source       TEXT NOT NULL,
	doc          TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX trusted_token_issuers_client_token ON trusted_token_issuers (client_token) WHERE client_token <> '';
