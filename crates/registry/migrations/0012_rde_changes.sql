-- Registry data escrow, version 12: what changed since a deposit, for DIFF deposits.
--
-- Every insert, update and delete of a registrar, contact, host or domain row appends the
-- object's key to rde_changes, by trigger, so no write path can be missed: a DIFF deposit
-- holds the objects whose keys were noted after the previous deposit's change_mark (those
-- still there go into its contents, the others into its deletes). A host renamed notes both
-- names; its new name reaches the domains that use it through domain_hosts (ON UPDATE
-- CASCADE), so those domains are noted too. Rows up to the oldest mark still needed are
-- pruned after each deposit.
CREATE TABLE rde_changes (
    id AUTO_ID,
    kind TEXT NOT NULL,
    key TEXT NOT NULL
);
CREATE INDEX rde_changes_key ON rde_changes (kind, key, id);

-- The last change a deposit's snapshot is known to hold: the next DIFF starts after it.
-- NULL for deposits made before this version, which no DIFF can follow.
ALTER TABLE rde_deposits ADD COLUMN change_mark BIGINT;

-- sqlite:begin
CREATE TRIGGER rde_registrars_insert AFTER INSERT ON registrars
BEGIN INSERT INTO rde_changes (kind, key) VALUES ('registrar', NEW.id); END;
CREATE TRIGGER rde_registrars_update AFTER UPDATE ON registrars
BEGIN INSERT INTO rde_changes (kind, key) VALUES ('registrar', NEW.id); END;
CREATE TRIGGER rde_registrars_delete AFTER DELETE ON registrars
BEGIN INSERT INTO rde_changes (kind, key) VALUES ('registrar', OLD.id); END;
CREATE TRIGGER rde_contacts_insert AFTER INSERT ON contacts
BEGIN INSERT INTO rde_changes (kind, key) VALUES ('contact', NEW.id); END;
CREATE TRIGGER rde_contacts_update AFTER UPDATE ON contacts
BEGIN INSERT INTO rde_changes (kind, key) VALUES ('contact', NEW.id); END;
CREATE TRIGGER rde_contacts_delete AFTER DELETE ON contacts
BEGIN INSERT INTO rde_changes (kind, key) VALUES ('contact', OLD.id); END;
CREATE TRIGGER rde_hosts_insert AFTER INSERT ON hosts
BEGIN INSERT INTO rde_changes (kind, key) VALUES ('host', NEW.name); END;
CREATE TRIGGER rde_hosts_update AFTER UPDATE ON hosts
BEGIN
    INSERT INTO rde_changes (kind, key) VALUES ('host', NEW.name);
    INSERT INTO rde_changes (kind, key) SELECT 'host', OLD.name WHERE OLD.name <> NEW.name;
END;
CREATE TRIGGER rde_hosts_delete AFTER DELETE ON hosts
BEGIN INSERT INTO rde_changes (kind, key) VALUES ('host', OLD.name); END;
CREATE TRIGGER rde_domains_insert AFTER INSERT ON domains
BEGIN INSERT INTO rde_changes (kind, key) VALUES ('domain', NEW.name); END;
CREATE TRIGGER rde_domains_update AFTER UPDATE ON domains
BEGIN INSERT INTO rde_changes (kind, key) VALUES ('domain', NEW.name); END;
CREATE TRIGGER rde_domains_delete AFTER DELETE ON domains
BEGIN INSERT INTO rde_changes (kind, key) VALUES ('domain', OLD.name); END;
CREATE TRIGGER rde_domain_hosts_update AFTER UPDATE ON domain_hosts
BEGIN INSERT INTO rde_changes (kind, key) VALUES ('domain', NEW.domain); END;
-- sqlite:end

-- postgres:begin
-- One function per key column: the row's old key (update, delete) and new key (insert,
-- update), each noted once.
CREATE FUNCTION rde_note_by_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO rde_changes (kind, key) VALUES (TG_ARGV[0], NEW.id);
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.id <> NEW.id) THEN
        INSERT INTO rde_changes (kind, key) VALUES (TG_ARGV[0], OLD.id);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION rde_note_by_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO rde_changes (kind, key) VALUES (TG_ARGV[0], NEW.name);
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.name <> NEW.name) THEN
        INSERT INTO rde_changes (kind, key) VALUES (TG_ARGV[0], OLD.name);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION rde_note_domain_hosts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rde_changes (kind, key) VALUES ('domain', NEW.domain);
    RETURN NULL;
END
$$;
CREATE TRIGGER rde_registrars AFTER INSERT OR UPDATE OR DELETE ON registrars
    FOR EACH ROW EXECUTE FUNCTION rde_note_by_id('registrar');
CREATE TRIGGER rde_contacts AFTER INSERT OR UPDATE OR DELETE ON contacts
    FOR EACH ROW EXECUTE FUNCTION rde_note_by_id('contact');
CREATE TRIGGER rde_hosts AFTER INSERT OR UPDATE OR DELETE ON hosts
    FOR EACH ROW EXECUTE FUNCTION rde_note_by_name('host');
CREATE TRIGGER rde_domains AFTER INSERT OR UPDATE OR DELETE ON domains
    FOR EACH ROW EXECUTE FUNCTION rde_note_by_name('domain');
CREATE TRIGGER rde_domain_hosts AFTER UPDATE ON domain_hosts
    FOR EACH ROW EXECUTE FUNCTION rde_note_domain_hosts();
-- postgres:end
