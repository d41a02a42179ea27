-- Pending claims: credentials an issuer deferred (OpenID4VCI 1.0 §9). Each keeps what polling
-- needs: the issuer's metadata as it was served (so polling asks the issuer for nothing else),
-- the transaction id, and the access token, a secret kept only inside this encrypted file.
-- A row goes when its credential arrives, when the issuer no longer knows the transaction, or
-- when the learner cancels it.
CREATE TABLE pending_claims (
    id               TEXT PRIMARY KEY NOT NULL,
    issuer           TEXT NOT NULL,
    configuration_id TEXT NOT NULL,
    transaction_id   TEXT NOT NULL,
    access_token     TEXT NOT NULL,
    interval_seconds INTEGER NOT NULL CHECK (interval_seconds >= 1),
    next_poll        TEXT NOT NULL,
    metadata_json    TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    last_error       TEXT
);
