-- People's sessions (issue 18). A browser session gets an ID that people
-- and administrators see and end it by (the digest finds it from its
-- cookie and is never shown), and keeps the browser's User-Agent and
-- client address at sign-in, so that a person can tell their sessions
-- apart on the Security page.
ALTER TABLE sessions ADD COLUMN id text NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent text NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN address text NOT NULL DEFAULT '';
UPDATE sessions SET id = md5(random()::text || clock_timestamp()::text || digest::text);

-- A family's last use is its newest refresh token's creation: with the
-- time in the index, that is one seek at the end of the family's range.
DROP INDEX refresh_tokens_family_id;
CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id, created_at);
