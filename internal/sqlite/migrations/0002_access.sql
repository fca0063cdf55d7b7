-- The directory of access of the SSO portal: accounts, permission sets and
-- assignments of users or groups to both.
CREATE TABLE accounts (
    id               TEXT    NOT NULL PRIMARY KEY,
    name             TEXT    NOT NULL,
    email            TEXT    NOT NULL,
    source           TEXT    NOT NULL,
    role_arn         TEXT    NOT NULL,
    credentials_file TEXT    NOT NULL
) STRICT;

CREATE TABLE permission_sets (
    name                TEXT    NOT NULL PRIMARY KEY,
    description         TEXT    NOT NULL,
    session_duration_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE assignments (
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    permission_set TEXT NOT NULL REFERENCES permission_sets (name) ON DELETE CASCADE,
    principal_type TEXT NOT NULL,
    principal      TEXT NOT NULL,
    PRIMARY KEY (account_id, permission_set, principal_type, principal)
) STRICT;

CREATE INDEX assignments_principal ON assignments (principal_type, principal);
