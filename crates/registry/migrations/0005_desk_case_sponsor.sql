-- The registrar that sponsored a desk case's domain when the case was opened, so that a failed
-- registrar's status can count the cases and transfer codes of its portfolio after its names
-- have moved on. Empty for cases opened before this column existed.
ALTER TABLE desk_cases ADD COLUMN sponsor TEXT NOT NULL DEFAULT '';
CREATE INDEX desk_cases_sponsor ON desk_cases (sponsor);
