-- The DPoP key (RFC 9449) an access token is bound to, kept beside the token it goes with: a
-- token bound to a key is useless without it. A secret, as the token is, kept only inside this
-- encrypted file and only as long as the token's row; NULL for a Bearer token.
ALTER TABLE pending_claims ADD COLUMN dpop_key TEXT;
ALTER TABLE claim_notices ADD COLUMN dpop_key TEXT;
