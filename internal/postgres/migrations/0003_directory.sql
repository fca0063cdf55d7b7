-- The directory as the Identity Store API and SCIM describe it: users with
-- their profile, groups, and memberships as records of their own; the
-- assignments of the portal name their principal by ID. Also the audit
-- trail and the flows between requests (sign-in steps, upstream state,
-- challenges, replay cache). See the SQLite store's 0003 for the same
-- schema with comments. A user's profile is json, not jsonb: it comes
-- back as it was written (jsonb reorders keys and respaces the extension
-- documents people store).
--
-- User IDs become UUIDs (the Identity Store's form): the 32 hex digits of
-- an existing ID get the dashes of a UUID, everywhere they are stored.

CREATE FUNCTION pg_temp.uuid_form(id text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN length(id) = 32 THEN
		substr(id, 1, 8) || '-' || substr(id, 9, 4) || '-' || substr(id, 13, 4) || '-' ||
		substr(id, 17, 4) || '-' || substr(id, 21, 12) ELSE id END
$$;

UPDATE users SET id = pg_temp.uuid_form(id);
UPDATE sessions SET user_id = pg_temp.uuid_form(user_id);
UPDATE families SET user_id = pg_temp.uuid_form(user_id);
UPDATE access_tokens SET user_id = pg_temp.uuid_form(user_id);
UPDATE device_auths SET user_id = pg_temp.uuid_form(user_id);
UPDATE auth_codes SET user_id = pg_temp.uuid_form(user_id);
CREATE INDEX families_user_id ON families (user_id);

ALTER TABLE users
	ADD COLUMN disabled boolean NOT NULL DEFAULT false,
	ADD COLUMN external_ids jsonb NOT NULL DEFAULT '[]',
	ADD COLUMN profile json NOT NULL DEFAULT '{}',
	ADD COLUMN updated_at timestamptz,
	ADD COLUMN created_by text NOT NULL DEFAULT '',
	ADD COLUMN updated_by text NOT NULL DEFAULT '';
UPDATE users SET updated_at = created_at,
	profile = CASE WHEN email = '' THEN '{}'::json
		ELSE json_build_object('Emails', json_build_array(json_build_object('Value', email, 'Primary', true))) END;
ALTER TABLE users ALTER COLUMN updated_at SET NOT NULL;
CREATE INDEX users_email ON users (email) WHERE email <> '';

CREATE TABLE groups (
	id           text        NOT NULL PRIMARY KEY,
	display_name text        COLLATE "C" NOT NULL UNIQUE,
	description  text        NOT NULL,
	external_ids jsonb       NOT NULL,
	created_at   timestamptz NOT NULL,
	updated_at   timestamptz NOT NULL,
	created_by   text        NOT NULL,
	updated_by   text        NOT NULL
);

INSERT INTO groups (id, display_name, description, external_ids, created_at, updated_at, created_by, updated_by)
	SELECT gen_random_uuid()::text, g.name, '', '[]', now(), now(), '', ''
	FROM (SELECT DISTINCT unnest(groups) AS name FROM users
		UNION SELECT principal FROM assignments WHERE principal_type = 'group') AS g;

CREATE TABLE memberships (
	id         text        NOT NULL PRIMARY KEY,
	group_id   text        NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
	user_id    text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	source     text        NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL,
	created_by text        NOT NULL,
	updated_by text        NOT NULL,
	UNIQUE (group_id, user_id)
);
CREATE INDEX memberships_group ON memberships (group_id, id);
CREATE INDEX memberships_user ON memberships (user_id, id);

INSERT INTO memberships (id, group_id, user_id, source, created_at, updated_at, created_by, updated_by)
	SELECT gen_random_uuid()::text, g.id, u.id, '', u.created_at, u.created_at, '', ''
	FROM users AS u CROSS JOIN LATERAL unnest(u.groups) AS n(name)
	JOIN groups AS g ON g.display_name = n.name;

ALTER TABLE users DROP COLUMN groups;

ALTER TABLE assignments ADD COLUMN principal_id text;
UPDATE assignments AS a SET principal_type = 'USER', principal_id = u.id FROM users AS u
	WHERE a.principal_type = 'user' AND u.name = a.principal;
UPDATE assignments AS a SET principal_type = 'GROUP', principal_id = g.id FROM groups AS g
	WHERE a.principal_type = 'group' AND g.display_name = a.principal;
-- An assignment to a user name that no user has granted nothing; it is
-- not carried over.
DELETE FROM assignments WHERE principal_id IS NULL;
ALTER TABLE assignments DROP CONSTRAINT assignments_pkey;
DROP INDEX assignments_principal;
ALTER TABLE assignments DROP COLUMN principal;
ALTER TABLE assignments ALTER COLUMN principal_id SET NOT NULL;
ALTER TABLE assignments ADD PRIMARY KEY (account_id, permission_set, principal_type, principal_id);
CREATE INDEX assignments_principal ON assignments (principal_type, principal_id);

CREATE TABLE external_ids (
	kind        text NOT NULL,
	issuer      text COLLATE "C" NOT NULL,
	ext_id      text COLLATE "C" NOT NULL,
	resource_id text NOT NULL,
	PRIMARY KEY (kind, issuer, ext_id)
);
CREATE INDEX external_ids_resource ON external_ids (resource_id);

CREATE TABLE audit_events (
	seq         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	time        timestamptz NOT NULL,
	type        text        NOT NULL,
	actor_type  text        NOT NULL,
	actor_id    text        NOT NULL,
	actor_name  text        COLLATE "C" NOT NULL,
	target_type text        NOT NULL,
	target_id   text        NOT NULL,
	target_name text        NOT NULL,
	target_user text        COLLATE "C" NOT NULL,
	address     text        NOT NULL,
	details     jsonb       NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (time);
CREATE INDEX audit_events_actor_name ON audit_events (actor_name, seq) WHERE actor_name <> '';
CREATE INDEX audit_events_target_user ON audit_events (target_user, seq) WHERE target_user <> '';

CREATE TABLE flows (
	digest     bytea       NOT NULL PRIMARY KEY,
	kind       text        NOT NULL,
	user_id    text        NOT NULL,
	data       bytea       NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);
CREATE INDEX flows_expires_at ON flows (expires_at);
CREATE INDEX flows_user ON flows (user_id, kind) WHERE user_id <> '';
