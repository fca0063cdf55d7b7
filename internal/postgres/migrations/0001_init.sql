-- The first schema of the store for many nodes.
--
-- Conventions: every digest is a bytea key (primary key or unique index);
-- every time is timestamptz (microsecond precision, an instant, not a wall
-- clock), NULL for the zero time; every string list is text[], '{}' when
-- empty. Every column DeleteExpired filters on has an index. Names that are
-- compared or ordered byte-wise are COLLATE "C".

CREATE TABLE clients (
	id            text        NOT NULL PRIMARY KEY,
	secret_digest bytea,
	name          text        NOT NULL,
	type          text        NOT NULL,
	scopes        text[]      NOT NULL,
	grant_types   text[]      NOT NULL,
	redirect_uris text[]      NOT NULL,
	issuer_url    text        NOT NULL,
	created_at    timestamptz NOT NULL,
	expires_at    timestamptz NOT NULL
);
CREATE INDEX clients_expires_at ON clients (expires_at);

CREATE TABLE device_auths (
	code_digest      bytea       NOT NULL PRIMARY KEY,
	-- The service draws a new user code when this index refuses one.
	user_code_digest bytea       NOT NULL UNIQUE,
	client_id        text        NOT NULL,
	start_url        text        NOT NULL,
	scopes           text[]      NOT NULL,
	created_at       timestamptz NOT NULL,
	expires_at       timestamptz NOT NULL,
	poll_interval    integer     NOT NULL,
	status           text        NOT NULL,
	user_id          text        NOT NULL,
	decided_at       timestamptz,
	last_poll_at     timestamptz,
	polls            integer     NOT NULL
);
CREATE INDEX device_auths_expires_at ON device_auths (expires_at);

CREATE TABLE auth_codes (
	digest       bytea       NOT NULL PRIMARY KEY,
	client_id    text        NOT NULL,
	user_id      text        NOT NULL,
	redirect_uri text        NOT NULL,
	challenge    text        NOT NULL,
	scopes       text[]      NOT NULL,
	created_at   timestamptz NOT NULL,
	expires_at   timestamptz NOT NULL,
	redeemed_at  timestamptz,
	family_id    text        NOT NULL
);
CREATE INDEX auth_codes_expires_at ON auth_codes (expires_at);

CREATE TABLE families (
	id          text        NOT NULL PRIMARY KEY,
	client_id   text        NOT NULL,
	user_id     text        NOT NULL,
	scopes      text[]      NOT NULL,
	refreshable boolean     NOT NULL,
	created_at  timestamptz NOT NULL,
	expires_at  timestamptz NOT NULL,
	revoked_at  timestamptz
);
CREATE INDEX families_expires_at ON families (expires_at);

-- Tokens belong to their family. DeleteExpired deletes them explicitly so
-- that it can count them; the cascade catches a token inserted into a
-- family while that family is being collected.
CREATE TABLE access_tokens (
	digest     bytea       NOT NULL PRIMARY KEY,
	family_id  text        NOT NULL REFERENCES families (id) ON DELETE CASCADE,
	client_id  text        NOT NULL,
	user_id    text        NOT NULL,
	scopes     text[]      NOT NULL,
	issued_at  timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);
CREATE INDEX access_tokens_family_id ON access_tokens (family_id);
CREATE INDEX access_tokens_expires_at ON access_tokens (expires_at);

CREATE TABLE refresh_tokens (
	digest     bytea       NOT NULL PRIMARY KEY,
	family_id  text        NOT NULL REFERENCES families (id) ON DELETE CASCADE,
	generation integer     NOT NULL,
	created_at timestamptz NOT NULL,
	used_at    timestamptz
);
CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);

CREATE TABLE users (
	id            text        NOT NULL PRIMARY KEY,
	-- "C": case-sensitive, and ORDER BY name is byte order whatever the
	-- database's locale.
	name          text        COLLATE "C" NOT NULL UNIQUE,
	display_name  text        NOT NULL,
	email         text        NOT NULL,
	groups        text[]      NOT NULL,
	password_hash text        NOT NULL,
	created_at    timestamptz NOT NULL
);

-- No foreign key to users, as in the SQLite store: DeleteUser removes a
-- user's sessions itself.
CREATE TABLE sessions (
	digest     bytea       NOT NULL PRIMARY KEY,
	user_id    text        NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- The key is bytea: it may quote what a client sent (an address, a user
-- name), and text cannot hold a NUL byte or invalid UTF-8.
CREATE TABLE rate_limits (
	key          bytea       NOT NULL PRIMARY KEY,
	window_start timestamptz NOT NULL,
	count        integer     NOT NULL,
	expires_at   timestamptz NOT NULL
);
CREATE INDEX rate_limits_expires_at ON rate_limits (expires_at);

CREATE TABLE secrets (
	name  text  NOT NULL PRIMARY KEY,
	value bytea NOT NULL
);
