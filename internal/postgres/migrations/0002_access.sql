-- The directory of access of the SSO portal.
CREATE TABLE accounts (
    id               text NOT NULL PRIMARY KEY,
    name             text NOT NULL,
    email            text NOT NULL,
    source           text NOT NULL,
    role_arn         text NOT NULL,
    credentials_file text NOT NULL
);

CREATE TABLE permission_sets (
    name                text   NOT NULL PRIMARY KEY,
    description         text   NOT NULL,
    session_duration_ms bigint NOT NULL
);

CREATE TABLE assignments (
    account_id     text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    permission_set text NOT NULL REFERENCES permission_sets (name) ON DELETE CASCADE,
    principal_type text NOT NULL,
    principal      text NOT NULL,
    PRIMARY KEY (account_id, permission_set, principal_type, principal)
);

CREATE INDEX assignments_principal ON assignments (principal_type, principal);
