-- SCIM bearer tokens (only their digests) and the lookups of the Identity
-- Store API and SCIM that had no index.

CREATE TABLE scim_tokens (
	id         TEXT    NOT NULL PRIMARY KEY,
	digest     BLOB    NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	revoked_at INTEGER NOT NULL, -- 0 while not revoked
	created_by TEXT    NOT NULL
) STRICT;

-- SCIM's filter displayName eq "..." on users.
CREATE INDEX users_display_name ON users (display_name);
