-- The look-back on declare-failed: each name a failing registrar deleted in the window before
-- its failure, with what became of it (outcome 'reinstated': back in its portfolio under
-- continuity; 'taken': registered by another registrar meanwhile, `holder`; 'kept': already
-- held again by the registrar). Rows are written once, in the declaration's transaction.
CREATE TABLE continuity_look_back (
    registrar TEXT NOT NULL REFERENCES registrars (id),
    domain TEXT NOT NULL,
    deleted_at BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    holder TEXT,
    decided_at BIGINT NOT NULL,
    PRIMARY KEY (registrar, domain)
);
-- The deletes a registrar made, found by actor and time without reading all history.
CREATE INDEX history_actor_action ON history (actor, action, at);
