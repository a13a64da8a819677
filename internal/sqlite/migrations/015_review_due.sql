-- When a review must be decided by (a partner_error_rate review: within
-- governance.review_due of its breach); NULL when no deadline applies.
ALTER TABLE reviews ADD COLUMN due_at TEXT;
