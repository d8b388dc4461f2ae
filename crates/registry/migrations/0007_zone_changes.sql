-- Zone changes: for every serial a change gives a TLD zone, the names at or below which the
-- change may have altered what the zone publishes (a domain whose delegation changed, a host
-- whose glue did; the TLD itself for its apex). Written in the transaction that advances the
-- serial, so a publisher that served serial N turns N+1..M into an exact zone difference by
-- reading these names alone, however large the zone. A serial with no row here (from before
-- this table, or forgotten) makes the publisher rebuild the zone whole.
CREATE TABLE zone_changes (
    zone TEXT NOT NULL,
    serial BIGINT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (zone, serial, name)
);
