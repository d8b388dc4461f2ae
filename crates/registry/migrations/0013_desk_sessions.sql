-- The desk binds what proves control to the browser session that proved it, not to the case
-- id: code_session is the session (a hash of its cookie secret) that asked for the current
-- e-mail code and alone may enter it; verified_session is the session that proved control and
-- alone may collect the transfer code or switch the delegation. code_failures counts wrong
-- entries of the current code; next_guess_at is when the next entry is allowed.
ALTER TABLE desk_cases ADD COLUMN code_session TEXT;
ALTER TABLE desk_cases ADD COLUMN verified_session TEXT;
ALTER TABLE desk_cases ADD COLUMN next_guess_at BIGINT;

-- What the desk's back-off limits count: one row per counted event (a case opened, a code
-- mailed, a DNS check), under a scope (`client-cases`, `recipient-codes`, …) and a subject
-- that is a hash of the client key, recipient address or domain, so no address is stored
-- here. Rows older than the longest window are pruned as new ones come.
CREATE TABLE desk_events (
    id AUTO_ID,
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX desk_events_subject ON desk_events (scope, subject, at);
CREATE INDEX desk_events_at ON desk_events (at);

-- Every refusal the desk makes outside a case (a case not opened, a case unknown), with the
-- step, the refusal kind and the hashed client: the audit trail of what was turned away.
-- Refusals on a case go to desk_audit with the case.
CREATE TABLE desk_refusals (
    id AUTO_ID,
    at BIGINT NOT NULL,
    step TEXT NOT NULL,
    refusal TEXT NOT NULL,
    client TEXT NOT NULL,
    case_id TEXT
);
CREATE INDEX desk_refusals_at ON desk_refusals (at);
