-- Placeholder for migration 7 of issue 15 (multi-factor authentication),
-- built on another branch at the same time: migration numbers have no
-- gaps, so this branch carries an empty one. The merge replaces it.
SELECT 1;
