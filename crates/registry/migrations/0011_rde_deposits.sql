-- Registry data escrow (RFC 8909/9022), version 11: a record of every deposit the registry
-- made, per TLD: what it holds (kind, the deposit it follows, the instant it describes, how many
-- objects of each kind) and the files written. The latest row of a TLD is what a DIFF follows.
CREATE TABLE rde_deposits (
    tld TEXT NOT NULL,
    deposit_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    prev_id TEXT,
    resend BIGINT NOT NULL,
    watermark BIGINT NOT NULL,
    domains BIGINT NOT NULL,
    hosts BIGINT NOT NULL,
    contacts BIGINT NOT NULL,
    registrars BIGINT NOT NULL,
    deletes BIGINT NOT NULL,
    files TEXT NOT NULL,
    made_at BIGINT NOT NULL,
    PRIMARY KEY (tld, deposit_id, resend)
);
CREATE INDEX rde_deposits_watermark ON rde_deposits (tld, watermark);
-- A deposit reads every domain of a TLD by name, delegated or not (domains_zone holds only
-- those in the DNS).
CREATE INDEX domains_zone_all ON domains (zone, name);
