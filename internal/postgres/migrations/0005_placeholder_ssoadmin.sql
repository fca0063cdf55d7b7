-- Placeholder on branch ssoadmin: migrations 0005 are other branches' (0004_client_use on abuse, 0005 on another).
-- This branch's own migration is 0006; drop this file when merging (sqlmigrate refuses gaps and duplicates).
SELECT 1;
