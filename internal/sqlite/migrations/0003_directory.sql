-- The directory as the Identity Store API and SCIM describe it: users with
-- their profile, groups, and memberships as records of their own; the
-- assignments of the portal name their principal by ID. Also the audit
-- trail and the flows between requests (sign-in steps, upstream state,
-- challenges, replay cache).
--
-- User IDs become UUIDs (the Identity Store's form): the 32 hex digits of
-- an existing ID get the dashes of a UUID, everywhere they are stored.

CREATE TABLE users_v3 (
	id            TEXT    NOT NULL PRIMARY KEY,
	name          TEXT    NOT NULL UNIQUE,
	display_name  TEXT    NOT NULL,
	-- The primary email's value, for lookups; the profile has them all.
	email         TEXT    NOT NULL,
	password_hash TEXT    NOT NULL,
	disabled      INTEGER NOT NULL,
	-- JSON [{"Issuer":..,"Id":..}]; external_ids indexes them.
	external_ids  TEXT    NOT NULL,
	-- JSON of the Identity Store's optional attributes (sso.UserProfile).
	profile       TEXT    NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	created_by    TEXT    NOT NULL,
	updated_by    TEXT    NOT NULL
) STRICT;

INSERT INTO users_v3 (id, name, display_name, email, password_hash, disabled, external_ids, profile,
		created_at, updated_at, created_by, updated_by)
	SELECT CASE WHEN length(id) = 32 THEN
			substr(id, 1, 8) || '-' || substr(id, 9, 4) || '-' || substr(id, 13, 4) || '-' ||
			substr(id, 17, 4) || '-' || substr(id, 21, 12) ELSE id END,
		name, display_name, email, password_hash, 0, '[]',
		CASE WHEN email = '' THEN '{}'
			ELSE json_object('Emails', json_array(json_object('Value', email, 'Primary', json('true')))) END,
		created_at, created_at, '', ''
	FROM users;

-- A UUID made of random bytes (version 4, variant 10).
CREATE TEMP VIEW new_uuid AS SELECT
	lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
	substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) ||
	substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))) AS id;

CREATE TABLE groups (
	id           TEXT    NOT NULL PRIMARY KEY,
	display_name TEXT    NOT NULL UNIQUE,
	description  TEXT    NOT NULL,
	external_ids TEXT    NOT NULL,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	created_by   TEXT    NOT NULL,
	updated_by   TEXT    NOT NULL
) STRICT;

-- Every group a user named or an assignment named becomes a group record.
INSERT INTO groups (id, display_name, description, external_ids, created_at, updated_at, created_by, updated_by)
	SELECT (SELECT id FROM new_uuid WHERE g.name IS NOT NULL), g.name, '', '[]',
		CAST(strftime('%s', 'now') AS INTEGER) * 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000, '', ''
	FROM (SELECT DISTINCT j.value AS name FROM users, json_each(users.groups_json) AS j
		UNION SELECT principal FROM assignments WHERE principal_type = 'group') AS g;

CREATE TABLE memberships (
	id         TEXT    NOT NULL PRIMARY KEY,
	group_id   TEXT    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
	user_id    TEXT    NOT NULL REFERENCES users_v3 (id) ON DELETE CASCADE,
	source     TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	created_by TEXT    NOT NULL,
	updated_by TEXT    NOT NULL,
	UNIQUE (group_id, user_id)
) STRICT;
CREATE INDEX memberships_group ON memberships (group_id, id);
CREATE INDEX memberships_user ON memberships (user_id, id);

INSERT INTO memberships (id, group_id, user_id, source, created_at, updated_at, created_by, updated_by)
	SELECT (SELECT id FROM new_uuid WHERE g.id IS NOT NULL), g.id, n.id, '', n.created_at, n.created_at, '', ''
	FROM users AS u, json_each(u.groups_json) AS j
	JOIN groups AS g ON g.display_name = j.value
	JOIN users_v3 AS n ON n.name = u.name;

CREATE TABLE assignments_v3 (
	account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	permission_set TEXT NOT NULL REFERENCES permission_sets (name) ON DELETE CASCADE,
	principal_type TEXT NOT NULL, -- USER or GROUP
	principal_id   TEXT NOT NULL,
	PRIMARY KEY (account_id, permission_set, principal_type, principal_id)
) STRICT;

-- An assignment to a user name that no user has granted nothing; it is
-- not carried over.
INSERT INTO assignments_v3 (account_id, permission_set, principal_type, principal_id)
	SELECT a.account_id, a.permission_set, 'USER', n.id
	FROM assignments AS a JOIN users_v3 AS n ON n.name = a.principal WHERE a.principal_type = 'user'
	UNION
	SELECT a.account_id, a.permission_set, 'GROUP', g.id
	FROM assignments AS a JOIN groups AS g ON g.display_name = a.principal WHERE a.principal_type = 'group';

DROP VIEW new_uuid;
DROP TABLE assignments;
ALTER TABLE assignments_v3 RENAME TO assignments;
CREATE INDEX assignments_principal ON assignments (principal_type, principal_id);
DROP TABLE users;
ALTER TABLE users_v3 RENAME TO users;
CREATE INDEX users_email ON users (email) WHERE email <> '';

-- (kind, issuer, id) of every external ID, so one belongs to one resource
-- and a lookup by it is one index read.
CREATE TABLE external_ids (
	kind        TEXT NOT NULL, -- user or group
	issuer      TEXT NOT NULL,
	ext_id      TEXT NOT NULL,
	resource_id TEXT NOT NULL,
	PRIMARY KEY (kind, issuer, ext_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX external_ids_resource ON external_ids (resource_id);

-- User IDs stored elsewhere take the UUID form too.
UPDATE sessions SET user_id = substr(user_id, 1, 8) || '-' || substr(user_id, 9, 4) || '-' ||
	substr(user_id, 13, 4) || '-' || substr(user_id, 17, 4) || '-' || substr(user_id, 21, 12) WHERE length(user_id) = 32;
UPDATE families SET user_id = substr(user_id, 1, 8) || '-' || substr(user_id, 9, 4) || '-' ||
	substr(user_id, 13, 4) || '-' || substr(user_id, 17, 4) || '-' || substr(user_id, 21, 12) WHERE length(user_id) = 32;
UPDATE access_tokens SET user_id = substr(user_id, 1, 8) || '-' || substr(user_id, 9, 4) || '-' ||
	substr(user_id, 13, 4) || '-' || substr(user_id, 17, 4) || '-' || substr(user_id, 21, 12) WHERE length(user_id) = 32;
UPDATE device_auths SET user_id = substr(user_id, 1, 8) || '-' || substr(user_id, 9, 4) || '-' ||
	substr(user_id, 13, 4) || '-' || substr(user_id, 17, 4) || '-' || substr(user_id, 21, 12) WHERE length(user_id) = 32;
UPDATE auth_codes SET user_id = substr(user_id, 1, 8) || '-' || substr(user_id, 9, 4) || '-' ||
	substr(user_id, 13, 4) || '-' || substr(user_id, 17, 4) || '-' || substr(user_id, 21, 12) WHERE length(user_id) = 32;
CREATE INDEX families_user_id ON families (user_id);

-- The audit trail: one row an event, written in the transaction of the
-- change it records. seq never repeats (AUTOINCREMENT), so it is a stable
-- cursor even after old events are deleted.
CREATE TABLE audit_events (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	time        INTEGER NOT NULL,
	type        TEXT    NOT NULL,
	actor_type  TEXT    NOT NULL,
	actor_id    TEXT    NOT NULL,
	actor_name  TEXT    NOT NULL,
	target_type TEXT    NOT NULL,
	target_id   TEXT    NOT NULL,
	target_name TEXT    NOT NULL,
	target_user TEXT    NOT NULL,
	address     TEXT    NOT NULL,
	details     TEXT    NOT NULL -- JSON object of strings
) STRICT;
CREATE INDEX audit_events_time ON audit_events (time);
CREATE INDEX audit_events_actor_name ON audit_events (actor_name, seq) WHERE actor_name <> '';
CREATE INDEX audit_events_target_user ON audit_events (target_user, seq) WHERE target_user <> '';

-- State between two requests of a journey, found by the digest of a
-- secret the journey holds; also the replay cache.
CREATE TABLE flows (
	digest     BLOB    NOT NULL PRIMARY KEY,
	kind       TEXT    NOT NULL,
	user_id    TEXT    NOT NULL,
	data       BLOB    NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX flows_expires_at ON flows (expires_at);
CREATE INDEX flows_user ON flows (user_id, kind) WHERE user_id <> '';
