-- Placeholder on branch abuse for the lead's 0003_directory.sql, so that
-- 0004 has no gap here; at the merge, the lead's file replaces this one.
SELECT 1;
