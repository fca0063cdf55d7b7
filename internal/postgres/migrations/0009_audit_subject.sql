-- The audit trail, lighter to write: one index on subject, the person an
-- event is about (the target's user, else a person who acted), replaces
-- the two on the actor's name and the target's user (see the SQLite
-- store's 0009; PostgreSQL keeps its index on time).
ALTER TABLE audit_events ADD COLUMN subject text COLLATE "C" NOT NULL DEFAULT '';
UPDATE audit_events SET subject = CASE WHEN target_user <> '' THEN target_user
	WHEN actor_type = 'user' THEN actor_name ELSE '' END;
ALTER TABLE audit_events ALTER COLUMN subject DROP DEFAULT;
DROP INDEX audit_events_actor_name;
DROP INDEX audit_events_target_user;
CREATE INDEX audit_events_subject ON audit_events (subject, seq) WHERE subject <> '';
