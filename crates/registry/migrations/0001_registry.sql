-- The registry schema, version 1. The same text runs on SQLite and PostgreSQL: only the
-- AUTO_ID marker differs between them (see src/store/migrate.rs). Timestamps are unix
-- microseconds (UTC) in BIGINT columns, money is BIGINT minor units, booleans are 0/1 BIGINT,
-- and the parts of an object nobody queries by are one JSON document in a TEXT column.

CREATE TABLE registrars (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    cert_fingerprints TEXT NOT NULL,
    email TEXT,
    successor TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE tlds (
    tld TEXT NOT NULL PRIMARY KEY,
    policy TEXT NOT NULL,
    serial BIGINT NOT NULL
);

CREATE TABLE settings (
    name TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE accounts (
    registrar TEXT NOT NULL REFERENCES registrars (id),
    account TEXT NOT NULL,
    balance BIGINT NOT NULL,
    PRIMARY KEY (registrar, account)
);

CREATE TABLE ledger (
    id AUTO_ID,
    registrar TEXT NOT NULL REFERENCES registrars (id),
    account TEXT NOT NULL,
    amount BIGINT NOT NULL,
    kind TEXT NOT NULL,
    domain TEXT,
    years BIGINT NOT NULL,
    at BIGINT NOT NULL,
    balance_after BIGINT NOT NULL
);
CREATE INDEX ledger_registrar ON ledger (registrar, id);
CREATE INDEX ledger_domain ON ledger (domain) WHERE domain IS NOT NULL;

CREATE TABLE contacts (
    id TEXT NOT NULL PRIMARY KEY,
    roid TEXT NOT NULL UNIQUE,
    sponsor TEXT NOT NULL REFERENCES registrars (id),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT,
    updated_at BIGINT,
    doc TEXT NOT NULL
);
CREATE INDEX contacts_sponsor ON contacts (sponsor, id);

-- zone: the name minus its first label, the zone the delegation goes into.
-- in_zone: Domain::in_zone() at the last write (delegated, not on hold, not deleted).
CREATE TABLE domains (
    name TEXT NOT NULL PRIMARY KEY,
    roid TEXT NOT NULL UNIQUE,
    zone TEXT NOT NULL,
    sponsor TEXT NOT NULL REFERENCES registrars (id),
    reseller TEXT,
    expires_at BIGINT NOT NULL,
    next_event_at BIGINT,
    in_zone BIGINT NOT NULL,
    ds TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT,
    updated_at BIGINT,
    doc TEXT NOT NULL
);
CREATE INDEX domains_sponsor ON domains (sponsor, name);
CREATE INDEX domains_reseller ON domains (reseller, name) WHERE reseller IS NOT NULL;
CREATE INDEX domains_expires ON domains (expires_at);
CREATE INDEX domains_due ON domains (next_event_at, name) WHERE next_event_at IS NOT NULL;
CREATE INDEX domains_zone ON domains (zone, name) WHERE in_zone = 1;

CREATE TABLE hosts (
    name TEXT NOT NULL PRIMARY KEY,
    roid TEXT NOT NULL UNIQUE,
    sponsor TEXT NOT NULL REFERENCES registrars (id),
    superordinate TEXT REFERENCES domains (name),
    addrs TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT,
    updated_at BIGINT,
    doc TEXT NOT NULL
);
CREATE INDEX hosts_sponsor ON hosts (sponsor, name);
CREATE INDEX hosts_superordinate ON hosts (superordinate, name) WHERE superordinate IS NOT NULL;

-- A domain's name servers and contacts (registrant included), rewritten with every domain
-- write, so that "is this host or contact linked" is an index probe and the database itself
-- refuses to delete what a domain still uses.
CREATE TABLE domain_hosts (
    domain TEXT NOT NULL REFERENCES domains (name) ON DELETE CASCADE,
    host TEXT NOT NULL REFERENCES hosts (name) ON UPDATE CASCADE,
    ord BIGINT NOT NULL,
    PRIMARY KEY (domain, host)
);
CREATE INDEX domain_hosts_host ON domain_hosts (host);

CREATE TABLE domain_contacts (
    domain TEXT NOT NULL REFERENCES domains (name) ON DELETE CASCADE,
    contact TEXT NOT NULL REFERENCES contacts (id),
    role TEXT NOT NULL,
    ord BIGINT NOT NULL,
    PRIMARY KEY (domain, role, contact)
);
CREATE INDEX domain_contacts_contact ON domain_contacts (contact, role);

CREATE TABLE history (
    id AUTO_ID,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    cl_trid TEXT,
    sv_trid TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT,
    before_doc TEXT,
    after_doc TEXT
);
CREATE INDEX history_object ON history (object_kind, object_id, id);

CREATE TABLE poll_messages (
    id AUTO_ID,
    registrar TEXT NOT NULL REFERENCES registrars (id),
    at BIGINT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX poll_messages_registrar ON poll_messages (registrar, id);

CREATE TABLE transactions (
    sv_trid TEXT NOT NULL PRIMARY KEY,
    registrar TEXT NOT NULL,
    cl_trid TEXT,
    command TEXT NOT NULL,
    result_code BIGINT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX transactions_cl_trid ON transactions (registrar, cl_trid) WHERE cl_trid IS NOT NULL;

-- Number sources. A row is inserted to draw the next id and deleted at once: on PostgreSQL
-- the identity's sequence hands out numbers without locking anyone out; on SQLite
-- AUTOINCREMENT never hands out a number twice once committed.
CREATE TABLE roid_tickets (
    id AUTO_ID,
    kind TEXT NOT NULL
);

CREATE TABLE store_boots (
    id AUTO_ID,
    note TEXT NOT NULL
);
