-- The holder: the learner's own Ed25519 key, with which the wallet signs the presentations the
-- learner shows (its public half is the holder DID, a did:key). One row. The secret key lives
-- only here, inside the encrypted wallet (and inside encrypted backups); it is never shown or
-- written out in clear. The row is made by the application right after this migration (a new
-- wallet, or an older wallet on its first open), from the operating system's random source:
-- SQL has no source of randomness fit for a key.
CREATE TABLE holder (
    id         INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    algorithm  TEXT NOT NULL CHECK (algorithm = 'Ed25519'),
    secret_key BLOB NOT NULL CHECK (length(secret_key) = 32)
);
