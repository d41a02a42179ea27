-- What the learner adds around their credentials: the last verification of each credential,
-- the learner's own identities (for recipient checks), the pathways they follow, and the
-- documents fetched while verifying (status lists, keys), each with its fetch time.

-- The latest verification of a credential: its overall result, the whole report as JSON and
-- the time it was checked at (the `now` handed to the verifier, RFC 3339 UTC).
CREATE TABLE verifications (
    credential_id TEXT PRIMARY KEY NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    result        TEXT NOT NULL CHECK (result IN ('verified', 'invalid', 'unverifiable')),
    report_json   TEXT NOT NULL CHECK (json_valid(report_json)),
    checked_at    TEXT NOT NULL,
    -- 1 when the verification ran without the network.
    offline       INTEGER NOT NULL DEFAULT 0 CHECK (offline IN (0, 1))
);
CREATE INDEX verifications_result ON verifications (result);

-- The learner's identities: email addresses, DIDs and URLs that credentials may name as
-- their recipient.
CREATE TABLE identities (
    kind     TEXT NOT NULL CHECK (kind IN ('email', 'did', 'url')),
    value    TEXT NOT NULL CHECK (value <> ''),
    added_at TEXT NOT NULL,
    PRIMARY KEY (kind, value)
);

-- Pathways the learner follows, as the JSON file they were added from (verbatim).
CREATE TABLE pathways (
    id       TEXT PRIMARY KEY NOT NULL CHECK (id <> ''),
    name     TEXT NOT NULL,
    json     TEXT NOT NULL CHECK (json_valid(json)),
    source   TEXT NOT NULL,
    added_at TEXT NOT NULL
);

-- Documents fetched while verifying (status lists, DID documents, key documents), verbatim,
-- keyed by URL, with the time they were fetched. Never used to interpret a credential's
-- JSON-LD: contexts come only from the pinned set the app carries.
CREATE TABLE fetched_documents (
    url        TEXT PRIMARY KEY NOT NULL CHECK (url <> ''),
    media_type TEXT,
    fetched_at TEXT NOT NULL,
    bytes      BLOB NOT NULL
);
