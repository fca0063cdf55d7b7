-- Second factors (issue 15): authenticator apps (TOTP) and WebAuthn
-- credentials, and recovery codes. A TOTP secret is stored sealed
-- (AES-256-GCM, internal/mfa); a WebAuthn credential holds only its public
-- key; recovery codes only as keyed digests. Deleting a user deletes its
-- rows here (DeleteUser).

CREATE TABLE mfa_factors (
	id            TEXT    NOT NULL PRIMARY KEY,
	user_id       TEXT    NOT NULL,
	kind          TEXT    NOT NULL,           -- totp | webauthn
	name          TEXT    NOT NULL,
	secret        BLOB,                       -- TOTP: the sealed secret
	credential_id BLOB,                       -- WebAuthn: unique over all users
	public_key    BLOB,
	sign_count    INTEGER NOT NULL DEFAULT 0,
	transports    TEXT    NOT NULL DEFAULT '[]',
	discoverable  INTEGER NOT NULL DEFAULT 0,
	data          BLOB,
	created_at    INTEGER NOT NULL,
	last_used_at  INTEGER NOT NULL DEFAULT 0,
	UNIQUE (user_id, name)
) STRICT;
CREATE UNIQUE INDEX mfa_factors_credential ON mfa_factors (credential_id) WHERE credential_id IS NOT NULL;

CREATE TABLE mfa_recovery_codes (
	user_id    TEXT    NOT NULL,
	digest     BLOB    NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, digest)
) STRICT, WITHOUT ROWID;
