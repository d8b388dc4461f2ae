-- Continuity DNS: names of a failed registrar that the registry switched to its own name
-- servers, which serve the zone the registrar hosted for them (from escrow). The domain's own
-- NS and DS stay on the domain, untouched; while a row is here the TLD zone delegates the name
-- to the TLD's apex name servers, without DS. zone_text is the escrowed zone as it was checked
-- at the switch (with the deposit it came from), so what is served cannot change under a later
-- import; switching again takes the escrow's current zone.
CREATE TABLE continuity_dns (
    domain TEXT NOT NULL PRIMARY KEY,
    zone TEXT NOT NULL,
    zone_text TEXT NOT NULL,
    escrow_registrar TEXT NOT NULL,
    deposit_id TEXT NOT NULL,
    case_id TEXT,
    switched_by TEXT NOT NULL,
    switched_at BIGINT NOT NULL
);
CREATE INDEX continuity_dns_zone ON continuity_dns (zone, domain);
