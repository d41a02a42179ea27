-- Credentials and their original bytes. Append-only: never edit a migration that has shipped;
-- add the next numbered file instead.

-- One row per credential. `id` is the lowercase hex SHA-256 of the credential's key (its
-- identity as detected by `formats`), so dedup and restore agree on identity.
CREATE TABLE credentials (
    id          TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 64),
    key         TEXT NOT NULL UNIQUE,
    parent_id   TEXT REFERENCES credentials (id) ON DELETE CASCADE,
    format      TEXT NOT NULL CHECK (format <> ''),
    title       TEXT NOT NULL,
    issuer_name TEXT,
    issuer_id   TEXT,
    issued      TEXT,
    image       TEXT,
    description TEXT,
    -- The normalized `Credential` view as JSON.
    view_json   TEXT NOT NULL CHECK (json_valid(view_json)),
    -- RFC 3339, UTC: when this credential first entered the wallet.
    imported_at TEXT NOT NULL,
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX credentials_title ON credentials (title COLLATE NOCASE);
CREATE INDEX credentials_issuer_name ON credentials (issuer_name COLLATE NOCASE);
CREATE INDEX credentials_issuer_id ON credentials (issuer_id);
CREATE INDEX credentials_issued ON credentials (issued);
CREATE INDEX credentials_format ON credentials (format);
CREATE INDEX credentials_parent ON credentials (parent_id);

-- The bytes each credential arrived as, verbatim. One credential can have several: its JSON,
-- the PNG it was baked into, its badge class and issuer documents.
CREATE TABLE originals (
    credential_id TEXT NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL CHECK (seq >= 1),
    role          TEXT NOT NULL CHECK (role <> ''),
    media_type    TEXT NOT NULL CHECK (media_type <> ''),
    -- The file name or URL it came from.
    source        TEXT NOT NULL,
    imported_at   TEXT NOT NULL,
    sha256        TEXT NOT NULL CHECK (length(sha256) = 64),
    bytes         BLOB NOT NULL,
    PRIMARY KEY (credential_id, seq),
    UNIQUE (credential_id, sha256)
);
