-- SCIM bearer tokens (only their digests) and the lookups of the Identity
-- Store API and SCIM that had no index. See the SQLite store's 0005.

CREATE TABLE scim_tokens (
	id         text        NOT NULL PRIMARY KEY,
	digest     bytea       NOT NULL UNIQUE,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	revoked_at timestamptz,
	created_by text        NOT NULL
);

CREATE INDEX users_display_name ON users (display_name);
