-- Registrar data escrow, version 2: each registrar's escrow key, the deposits imported from it,
-- and the registrar's own records as the latest deposits show them. A full deposit replaces a
-- registrar's rows; an incremental one adds or updates them (deposit_id says which one wrote a
-- row). Keyed by registrar: the same name may sit in the escrow of a registrar that lost it.

CREATE TABLE escrow_keys (
    registrar TEXT NOT NULL PRIMARY KEY REFERENCES registrars (id),
    public_key TEXT NOT NULL,
    set_at BIGINT NOT NULL
);

CREATE TABLE escrow_deposits (
    registrar TEXT NOT NULL REFERENCES registrars (id),
    deposit_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    watermark BIGINT NOT NULL,
    domains BIGINT NOT NULL,
    contacts BIGINT NOT NULL,
    customers BIGINT NOT NULL,
    resellers BIGINT NOT NULL,
    zones BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    imported_at BIGINT NOT NULL,
    PRIMARY KEY (registrar, deposit_id)
);
CREATE INDEX escrow_deposits_watermark ON escrow_deposits (registrar, watermark);

CREATE TABLE escrow_domains (
    registrar TEXT NOT NULL REFERENCES registrars (id),
    name TEXT NOT NULL,
    registrant TEXT,
    customer TEXT,
    admin TEXT,
    tech TEXT,
    reseller TEXT,
    privacy BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    nameservers TEXT NOT NULL,
    deposit_id TEXT NOT NULL,
    PRIMARY KEY (registrar, name)
);
CREATE INDEX escrow_domains_name ON escrow_domains (name);

CREATE TABLE escrow_contacts (
    registrar TEXT NOT NULL REFERENCES registrars (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    org TEXT,
    street TEXT NOT NULL,
    city TEXT NOT NULL,
    sp TEXT,
    pc TEXT,
    cc TEXT NOT NULL,
    voice TEXT,
    email TEXT NOT NULL,
    customer TEXT,
    deposit_id TEXT NOT NULL,
    PRIMARY KEY (registrar, id)
);

CREATE TABLE escrow_customers (
    registrar TEXT NOT NULL REFERENCES registrars (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    balance BIGINT NOT NULL,
    currency TEXT NOT NULL,
    reseller TEXT,
    deposit_id TEXT NOT NULL,
    PRIMARY KEY (registrar, id)
);

CREATE TABLE escrow_resellers (
    registrar TEXT NOT NULL REFERENCES registrars (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    balance BIGINT NOT NULL,
    currency TEXT NOT NULL,
    deposit_id TEXT NOT NULL,
    PRIMARY KEY (registrar, id)
);

CREATE TABLE escrow_zones (
    registrar TEXT NOT NULL REFERENCES registrars (id),
    domain TEXT NOT NULL,
    zone_text TEXT NOT NULL,
    records BIGINT NOT NULL,
    deposit_id TEXT NOT NULL,
    PRIMARY KEY (registrar, domain)
);
CREATE INDEX escrow_zones_domain ON escrow_zones (domain);
