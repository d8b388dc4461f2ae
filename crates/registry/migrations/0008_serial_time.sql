-- When each TLD's zone serial last advanced (unix microseconds, the wall clock of the process
-- that committed the change), so a publisher can measure how long a change took to be served.
ALTER TABLE tlds ADD COLUMN serial_at BIGINT;
