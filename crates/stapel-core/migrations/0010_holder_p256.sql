-- The holder's further keys, beside the Ed25519 key in `holder`: today one, on P-256, with
-- which the wallet proves possession to issuers that take key proofs only in ES256
-- (OpenID4VCI §8.2, `proof_signing_alg_values_supported`). Presentations stay signed with the
-- Ed25519 key. As with `holder`, the secret lives only here, inside the encrypted wallet and its
-- encrypted backups, and the row is made by the application from the operating system's random
-- source right after this migration.
CREATE TABLE holder_keys (
    algorithm  TEXT PRIMARY KEY NOT NULL CHECK (algorithm IN ('P-256')),
    secret_key BLOB NOT NULL CHECK (length(secret_key) = 32)
);
