-- The work list of a notice queue run: the names of FAILED registrars it is to look at, each
-- with the address its notices go to (the empty string when there is none). Keyed by address
-- so that a run walks the names of one address together, page by page, and can send each
-- address one notice per kind however many pages its names span. A run fills it at its start
-- and empties it at its end; rows left by a run that was killed are cleared by the next.
CREATE TABLE notice_plan (
    address TEXT NOT NULL,
    domain TEXT NOT NULL,
    PRIMARY KEY (address, domain)
);
