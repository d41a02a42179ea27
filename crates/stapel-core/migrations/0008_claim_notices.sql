-- What a claimed credential's issuer is to be told when the learner removes it (OpenID4VCI 1.0
-- §11, `credential_deleted`): its notification endpoint and id, and the access token that must
-- come with the notification, a secret kept only inside this encrypted file, and only until it
-- expires. A row goes with its credential, or when its token has expired.
CREATE TABLE claim_notices (
    credential_id   TEXT PRIMARY KEY NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    issuer          TEXT NOT NULL,
    endpoint        TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    access_token    TEXT NOT NULL,
    -- RFC 3339, UTC: when the access token stops being good.
    expires_at      TEXT NOT NULL
);
