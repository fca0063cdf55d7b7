-- The audit trail, lighter to write: an event's row and one index entry.
-- seq is the rowid (no AUTOINCREMENT, whose sqlite_sequence row was one
-- more page written with every batch of events): the oldest events are
-- the ones deleted, so the largest seq, and with it every later one, is
-- never reused while any event is kept. One index on subject, the person
-- the event is about (the target's user, else a person who acted),
-- replaces the indexes on the actor's name, the target's user and the
-- time: time follows seq, so a time is found by a binary search on seq.
CREATE TABLE audit_events_v9 (
	seq         INTEGER PRIMARY KEY,
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
	details     TEXT    NOT NULL,
	subject     TEXT    NOT NULL
) STRICT;
INSERT INTO audit_events_v9 (seq, time, type, actor_type, actor_id, actor_name, target_type, target_id, target_name,
		target_user, address, details, subject)
	SELECT seq, time, type, actor_type, actor_id, actor_name, target_type, target_id, target_name, target_user,
		address, details,
		CASE WHEN target_user <> '' THEN target_user WHEN actor_type = 'user' THEN actor_name ELSE '' END
	FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_v9 RENAME TO audit_events;
CREATE INDEX audit_events_subject ON audit_events (subject, seq) WHERE subject <> '';
