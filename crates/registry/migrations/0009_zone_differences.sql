-- The differences a publisher served, per zone and serial, as zone-file text: what it deleted
-- and added going from `from_serial` to `to_serial`. After a restart the publisher builds the
-- zone whole and takes its IXFR history from here, so secondaries that were a few serials
-- behind get IXFR rather than the whole zone again. Several publishers may serve one registry;
-- the first to record a serial's difference keeps the row, and any row is a true difference
-- between the two versions it names.
CREATE TABLE zone_differences (
    zone TEXT NOT NULL,
    to_serial BIGINT NOT NULL,
    from_serial BIGINT NOT NULL,
    difference TEXT NOT NULL,
    PRIMARY KEY (zone, to_serial)
);
