-- The first schema of the embedded store.
--
-- Conventions: every digest is a BLOB key (primary key or unique index);
-- every time is INTEGER unix milliseconds, 0 for the zero time; every
-- string list is a JSON array in TEXT. Every column DeleteExpired filters
-- on has an index. Tables are STRICT so a wrongly typed write fails loudly.

CREATE TABLE clients (
	id            TEXT    NOT NULL PRIMARY KEY,
	secret_digest BLOB,
	name          TEXT    NOT NULL,
	type          TEXT    NOT NULL,
	scopes        TEXT    NOT NULL,
	grant_types   TEXT    NOT NULL,
	redirect_uris TEXT    NOT NULL,
	issuer_url    TEXT    NOT NULL,
	created_at    INTEGER NOT NULL,
	expires_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX clients_expires_at ON clients (expires_at);

CREATE TABLE device_auths (
	code_digest      BLOB    NOT NULL PRIMARY KEY,
	-- The service draws a new user code when this index refuses one.
	user_code_digest BLOB    NOT NULL UNIQUE,
	client_id        TEXT    NOT NULL,
	start_url        TEXT    NOT NULL,
	scopes           TEXT    NOT NULL,
	created_at       INTEGER NOT NULL,
	expires_at       INTEGER NOT NULL,
	poll_interval    INTEGER NOT NULL,
	status           TEXT    NOT NULL,
	user_id          TEXT    NOT NULL,
	decided_at       INTEGER NOT NULL,
	last_poll_at     INTEGER NOT NULL,
	polls            INTEGER NOT NULL
) STRICT;
CREATE INDEX device_auths_expires_at ON device_auths (expires_at);

CREATE TABLE auth_codes (
	digest       BLOB    NOT NULL PRIMARY KEY,
	client_id    TEXT    NOT NULL,
	user_id      TEXT    NOT NULL,
	redirect_uri TEXT    NOT NULL,
	challenge    TEXT    NOT NULL,
	scopes       TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	redeemed_at  INTEGER NOT NULL,
	family_id    TEXT    NOT NULL
) STRICT;
CREATE INDEX auth_codes_expires_at ON auth_codes (expires_at);

CREATE TABLE families (
	id          TEXT    NOT NULL PRIMARY KEY,
	client_id   TEXT    NOT NULL,
	user_id     TEXT    NOT NULL,
	scopes      TEXT    NOT NULL,
	refreshable INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	revoked_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX families_expires_at ON families (expires_at);

-- Tokens belong to their family: the cascade is a backstop, DeleteExpired
-- deletes them explicitly so that it can count them.
CREATE TABLE access_tokens (
	digest     BLOB    NOT NULL PRIMARY KEY,
	family_id  TEXT    NOT NULL REFERENCES families (id) ON DELETE CASCADE,
	client_id  TEXT    NOT NULL,
	user_id    TEXT    NOT NULL,
	scopes     TEXT    NOT NULL,
	issued_at  INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX access_tokens_family_id ON access_tokens (family_id);
CREATE INDEX access_tokens_expires_at ON access_tokens (expires_at);

CREATE TABLE refresh_tokens (
	digest     BLOB    NOT NULL PRIMARY KEY,
	family_id  TEXT    NOT NULL REFERENCES families (id) ON DELETE CASCADE,
	generation INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	used_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);

CREATE TABLE users (
	id            TEXT    NOT NULL PRIMARY KEY,
	-- BINARY collation: case-sensitive, and ORDER BY name is byte order.
	name          TEXT    NOT NULL UNIQUE,
	display_name  TEXT    NOT NULL,
	email         TEXT    NOT NULL,
	groups_json   TEXT    NOT NULL,
	password_hash TEXT    NOT NULL,
	created_at    INTEGER NOT NULL
) STRICT;

-- No foreign key to users: DeleteUser removes a user's sessions itself, and
-- a session row never outlives its expiry by more than a collection.
CREATE TABLE sessions (
	digest     BLOB    NOT NULL PRIMARY KEY,
	user_id    TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE rate_limits (
	key          TEXT    NOT NULL PRIMARY KEY,
	window_start INTEGER NOT NULL,
	count        INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX rate_limits_expires_at ON rate_limits (expires_at);

CREATE TABLE secrets (
	name  TEXT NOT NULL PRIMARY KEY,
	value BLOB
) STRICT;
