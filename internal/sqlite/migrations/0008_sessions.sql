-- People's sessions (issue 18). A browser session gets an ID that people
-- and administrators see and end it by (the digest finds it from its
-- cookie and is never shown), and keeps the browser's User-Agent and
-- client address at sign-in, so that a person can tell their sessions
-- apart on the Security page.
ALTER TABLE sessions ADD COLUMN id TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN address TEXT NOT NULL DEFAULT '';
UPDATE sessions SET id = lower(hex(randomblob(16)));

-- A family's last use is its newest refresh token's creation: with the
-- time in the index, that is one seek at the end of the family's range
-- rather than a read of every token it ever had.
DROP INDEX refresh_tokens_family_id;
CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id, created_at);
