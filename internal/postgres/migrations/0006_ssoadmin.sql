-- The SSO Admin API: see the SQLite store's 0006 for the same schema with
-- comments. Documents are json text, not jsonb: an actor policy comes back
-- with its keys in the order they were written. The key columns compare
-- in "C" order, the order the pages of the list operations follow.

ALTER TABLE permission_sets
	ADD COLUMN id text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN session_duration_iso text NOT NULL DEFAULT '',
	ADD COLUMN relay_state text NOT NULL DEFAULT '',
	ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
	ADD COLUMN role_suffix text NOT NULL DEFAULT '',
	ADD COLUMN policies json NOT NULL DEFAULT '{}',
	ADD COLUMN tags json NOT NULL DEFAULT '[]',
	ADD COLUMN version bigint NOT NULL DEFAULT 1;
UPDATE permission_sets SET id = 'ps-' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 16),
	role_suffix = substr(replace(gen_random_uuid()::text, '-', ''), 1, 16);
CREATE UNIQUE INDEX permission_sets_id ON permission_sets (id);

ALTER TABLE assignments
	ALTER COLUMN account_id TYPE text COLLATE "C",
	ALTER COLUMN permission_set TYPE text COLLATE "C",
	ALTER COLUMN principal_type TYPE text COLLATE "C",
	ALTER COLUMN principal_id TYPE text COLLATE "C";
DROP INDEX assignments_principal;
CREATE INDEX assignments_principal ON assignments (principal_type, principal_id, account_id, permission_set);

CREATE TABLE provisioned (
	permission_set text   NOT NULL REFERENCES permission_sets (name) ON DELETE CASCADE,
	account_id     text   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	version        bigint NOT NULL,
	PRIMARY KEY (permission_set, account_id)
);
CREATE INDEX provisioned_account ON provisioned (account_id, permission_set);
INSERT INTO provisioned (permission_set, account_id, version)
	SELECT DISTINCT permission_set, account_id, 1 FROM assignments;

CREATE TABLE admin_requests (
	id                 text        COLLATE "C" NOT NULL PRIMARY KEY,
	kind               text        NOT NULL,
	status             text        NOT NULL,
	failure_reason     text        NOT NULL,
	account_id         text        NOT NULL,
	permission_set_arn text        NOT NULL,
	principal_type     text        NOT NULL,
	principal_id       text        NOT NULL,
	created_at         timestamptz NOT NULL,
	expires_at         timestamptz NOT NULL
);
CREATE INDEX admin_requests_kind ON admin_requests (kind, id);
CREATE INDEX admin_requests_expires_at ON admin_requests (expires_at);

CREATE TABLE applications (
	arn          text   COLLATE "C" NOT NULL PRIMARY KEY,
	client_token text   NOT NULL,
	source       text   NOT NULL,
	version      bigint NOT NULL,
	doc          json   NOT NULL
);
CREATE UNIQUE INDEX applications_client_token ON applications (client_token) WHERE client_token <> '';

CREATE TABLE application_assignments (
	application_arn text COLLATE "C" NOT NULL REFERENCES applications (arn) ON DELETE CASCADE,
	principal_type  text COLLATE "C" NOT NULL,
	principal_id    text COLLATE "C" NOT NULL,
	PRIMARY KEY (application_arn, principal_type, principal_id)
);
CREATE INDEX application_assignments_principal ON application_assignments (principal_type, principal_id, application_arn);

CREATE TABLE trusted_token_issuers (
	arn          text COLLATE "C" NOT NULL PRIMARY KEY,
	client_token text NOT NULL,
	source       text NOT NULL,
	doc          json NOT NULL
);
CREATE UNIQUE INDEX trusted_token_issuers_client_token ON trusted_token_issuers (client_token) WHERE client_token <> '';
