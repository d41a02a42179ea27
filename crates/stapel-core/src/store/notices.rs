//! Claim notices (migrations 0008, 0009): what the issuer of a claimed credential is told when the
//! learner removes it. The store keeps what it is given; the access token (and its DPoP key) is a secret, read
//! back only as [`Zeroizing`] and left out of `Debug`, and a notice whose token has expired is
//! forgotten rather than kept.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use zeroize::Zeroizing;

use super::{DbContext, StoreError, Wallet, timestamp};

/// A notice to keep beside a claimed credential.
pub struct ClaimNotice {
    pub credential_id: String,
    pub issuer: String,
    pub endpoint: String,
    pub notification_id: String,
    pub access_token: Zeroizing<String>,
    /// The DPoP key the token is bound to, if any.
    pub dpop_key: Option<Zeroizing<String>>,
    /// When the token stops being good.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for ClaimNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimNotice")
            .field("credential_id", &self.credential_id)
            .field("issuer", &self.issuer)
            .field("endpoint", &self.endpoint)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Wallet {
    /// Keeps (or replaces) the notice of a claimed credential.
    pub fn add_claim_notice(&mut self, n: &ClaimNotice) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO claim_notices (credential_id, issuer, endpoint, notification_id, access_token, expires_at, dpop_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    n.credential_id,
                    n.issuer,
                    n.endpoint,
                    n.notification_id,
                    n.access_token.as_str(),
                    timestamp(n.expires_at),
                    n.dpop_key.as_ref().map(|k| k.as_str())
                ],
            )
            .db("keeping a claim notice")?;
        Ok(())
    }

    /// The notice of a credential whose token is still good at `now`; notices whose tokens
    /// have expired are forgotten first.
    pub fn claim_notice(&mut self, credential_id: &str, now: DateTime<Utc>) -> Result<Option<ClaimNotice>, StoreError> {
        self.conn()
            .execute("DELETE FROM claim_notices WHERE expires_at <= ?1", [timestamp(now)])
            .db("forgetting expired claim notices")?;
        let row = self
            .conn()
            .query_row(
                "SELECT credential_id, issuer, endpoint, notification_id, access_token, expires_at, dpop_key
                 FROM claim_notices WHERE credential_id = ?1",
                [credential_id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        Zeroizing::new(r.get::<_, String>(4)?),
                        r.get::<_, String>(5)?,
                        r.get::<_, Option<String>>(6)?.map(Zeroizing::new),
                    ))
                },
            )
            .optional()
            .db("reading a claim notice")?;
        let Some((credential_id, issuer, endpoint, notification_id, access_token, expires_at, dpop_key)) = row else {
            return Ok(None);
        };
        let expires_at = DateTime::parse_from_rfc3339(&expires_at)
            .map_err(|e| StoreError::Corrupt(format!("a claim notice's expiry {expires_at:?}: {e}")))?
            .with_timezone(&Utc);
        Ok(Some(ClaimNotice { credential_id, issuer, endpoint, notification_id, access_token, dpop_key, expires_at }))
    }
}
