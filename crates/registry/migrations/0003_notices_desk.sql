-- Registrant notices and the registrant desk (continuity mode, when a registrar has failed).

-- One e-mail to one registrant address: what happened to their names, or an expiry reminder.
-- state: queued, sent, bounced (the server refused the recipient), failed (gave up after
-- repeated errors). domains: JSON list of the names the notice is about.
CREATE TABLE notices (
    id AUTO_ID,
    address TEXT NOT NULL,
    kind TEXT NOT NULL,
    domains TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX notices_due ON notices (state, next_attempt_at, id);
CREATE INDEX notices_address ON notices (address, id);

-- What has been noticed, once: a domain, the kind of notice, and the occasion (the failed
-- sponsor for a failure notice, the expiry date for a reminder). The key makes queueing
-- idempotent however often it runs.
CREATE TABLE notice_items (
    domain TEXT NOT NULL,
    kind TEXT NOT NULL,
    occasion TEXT NOT NULL,
    notice BIGINT NOT NULL REFERENCES notices (id),
    queued_at BIGINT NOT NULL,
    PRIMARY KEY (domain, kind, occasion)
);
CREATE INDEX notice_items_notice ON notice_items (notice);

-- A registrant's case at the desk. The id is random and unguessable; the e-mail code is kept
-- only as a salted hash; token is the DNS challenge the opener publishes.
CREATE TABLE desk_cases (
    id TEXT NOT NULL PRIMARY KEY,
    domain TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    token TEXT NOT NULL,
    detail TEXT,
    code_hash TEXT,
    code_expires_at BIGINT,
    codes_sent BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    locked BIGINT NOT NULL,
    verified_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX desk_cases_domain ON desk_cases (domain, created_at);

-- Every step of every case, in order.
CREATE TABLE desk_audit (
    id AUTO_ID,
    case_id TEXT NOT NULL REFERENCES desk_cases (id),
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    client TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX desk_audit_case ON desk_audit (case_id, id);

-- Wrong codes, for the per-client limit.
CREATE TABLE desk_failures (
    id AUTO_ID,
    client TEXT NOT NULL,
    case_id TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX desk_failures_client ON desk_failures (client, at);
