-- RegisterClient is anonymous, so a registration that never starts an
-- authorization is collected a day after it was made instead of living
-- its 90 days. unused_until is that day's end, NULL once the client has
-- started an authorization (and for clients registered before this
-- migration: they are kept as they were).
ALTER TABLE clients ADD COLUMN unused_until timestamptz;
CREATE INDEX clients_unused_until ON clients (unused_until) WHERE unused_until IS NOT NULL;
