//! Pending claims (migrations 0006, 0009): credentials an issuer deferred, kept with what polling for
//! them needs. The store keeps them as it is given them: the issuer's metadata as JSON, the
//! transaction id, and the access token with its DPoP key, which are secrets: it is read back only as
//! [`Zeroizing`], and a [`PendingClaim`]'s `Debug` leaves it out.

use chrono::{DateTime, Utc};
use rusqlite::params;
use zeroize::Zeroizing;

use super::{DbContext, StoreError, Wallet, key, timestamp};

/// A deferred credential to keep until it arrives.
pub struct NewPending {
    pub issuer: String,
    pub configuration_id: String,
    pub transaction_id: String,
    pub access_token: Zeroizing<String>,
    /// The DPoP key the token is bound to, as the claim module writes it (migration 0009).
    pub dpop_key: Option<Zeroizing<String>>,
    pub interval_seconds: u64,
    /// The issuer's metadata JSON as served.
    pub metadata_json: String,
}

/// A pending claim as kept.
#[derive(Clone)]
pub struct PendingClaim {
    /// 16 hex digits; show it whole.
    pub id: String,
    pub issuer: String,
    pub configuration_id: String,
    pub transaction_id: String,
    pub access_token: Zeroizing<String>,
    pub dpop_key: Option<Zeroizing<String>>,
    pub interval_seconds: u64,
    /// When to ask again, RFC 3339.
    pub next_poll: String,
    pub metadata_json: String,
    pub created_at: String,
    /// What the last poll met, if it went wrong without ending the claim.
    pub last_error: Option<String>,
}

impl std::fmt::Debug for PendingClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingClaim")
            .field("id", &self.id)
            .field("issuer", &self.issuer)
            .field("configuration_id", &self.configuration_id)
            .field("next_poll", &self.next_poll)
            .finish_non_exhaustive()
    }
}

impl Wallet {
    /// Keeps a deferred claim; its first poll is due `interval_seconds` after `now`.
    pub fn add_pending(&mut self, p: &NewPending, now: DateTime<Utc>) -> Result<String, StoreError> {
        let mut raw = [0u8; 8];
        key::fill_random(&mut raw)?;
        let id = hex::encode(raw);
        let interval = p.interval_seconds.clamp(1, 24 * 3600);
        let next = now + chrono::Duration::seconds(interval as i64);
        self.conn()
            .execute(
                "INSERT INTO pending_claims (id, issuer, configuration_id, transaction_id, access_token,
                   interval_seconds, next_poll, metadata_json, created_at, dpop_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    id,
                    p.issuer,
                    p.configuration_id,
                    p.transaction_id,
                    p.access_token.as_str(),
                    interval as i64,
                    timestamp(next),
                    p.metadata_json,
                    timestamp(now),
                    p.dpop_key.as_ref().map(|k| k.as_str())
                ],
            )
            .db("keeping a pending claim")?;
        Ok(id)
    }

    /// Every pending claim, oldest first.
    pub fn pending_claims(&self) -> Result<Vec<PendingClaim>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT id, issuer, configuration_id, transaction_id, access_token, interval_seconds, next_poll,
                   metadata_json, created_at, last_error, dpop_key FROM pending_claims ORDER BY created_at, id",
            )
            .db("reading the pending claims")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(PendingClaim {
                    id: r.get(0)?,
                    issuer: r.get(1)?,
                    configuration_id: r.get(2)?,
                    transaction_id: r.get(3)?,
                    access_token: Zeroizing::new(r.get(4)?),
                    dpop_key: r.get::<_, Option<String>>(10)?.map(Zeroizing::new),
                    interval_seconds: r.get::<_, i64>(5)?.max(1) as u64,
                    next_poll: r.get(6)?,
                    metadata_json: r.get(7)?,
                    created_at: r.get(8)?,
                    last_error: r.get(9)?,
                })
            })
            .db("reading the pending claims")?;
        rows.collect::<Result<Vec<_>, _>>().db("reading the pending claims")
    }

    /// Sets when a pending claim is asked for next, and what the last poll met.
    pub fn reschedule_pending(
        &mut self,
        id: &str,
        interval_seconds: u64,
        next_poll: DateTime<Utc>,
        last_error: Option<&str>,
    ) -> Result<(), StoreError> {
        let n = self
            .conn()
            .execute(
                "UPDATE pending_claims SET interval_seconds = ?2, next_poll = ?3, last_error = ?4 WHERE id = ?1",
                params![id, interval_seconds.clamp(1, 24 * 3600) as i64, timestamp(next_poll), last_error],
            )
            .db("rescheduling a pending claim")?;
        if n == 0 {
            return Err(StoreError::UnknownPendingClaim(id.to_string()));
        }
        Ok(())
    }

    /// Forgets a pending claim (it arrived, ended, or was cancelled), by its id or a unique
    /// prefix of it. Returns the claim forgotten.
    pub fn remove_pending(&mut self, id_or_prefix: &str) -> Result<PendingClaim, StoreError> {
        let all = self.pending_claims()?;
        let mut matching = all.into_iter().filter(|p| !id_or_prefix.is_empty() && p.id.starts_with(id_or_prefix));
        let (Some(found), None) = (matching.next(), matching.next()) else {
            return Err(StoreError::UnknownPendingClaim(id_or_prefix.to_string()));
        };
        self.conn().execute("DELETE FROM pending_claims WHERE id = ?1", [&found.id]).db("removing a pending claim")?;
        Ok(found)
    }
}
