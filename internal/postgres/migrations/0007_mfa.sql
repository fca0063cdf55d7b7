-- Second factors and recovery codes. See the SQLite store's 0007.

CREATE TABLE mfa_factors (
	id            text        NOT NULL PRIMARY KEY,
	user_id       text        NOT NULL,
	kind          text        NOT NULL,
	name          text        NOT NULL,
	secret        bytea,
	credential_id bytea,
	public_key    bytea,
	sign_count    bigint      NOT NULL DEFAULT 0,
	transports    text[]      NOT NULL DEFAULT '{}',
	discoverable  boolean     NOT NULL DEFAULT false,
	data          bytea,
	created_at    timestamptz NOT NULL,
	last_used_at  timestamptz,
	UNIQUE (user_id, name)
);
CREATE UNIQUE INDEX mfa_factors_credential ON mfa_factors (credential_id) WHERE credential_id IS NOT NULL;

CREATE TABLE mfa_recovery_codes (
	user_id    text        NOT NULL,
	digest     bytea       NOT NULL,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (user_id, digest)
);
