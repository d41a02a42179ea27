//! What the wallet keeps around its credentials (migration 0004): the latest verification of
//! each credential, the learner's identities, the pathways they follow (as the JSON they were
//! added from), and the documents fetched while verifying, each with its fetch time.
//!
//! Every write here is one statement or one transaction, like the rest of the store. A
//! verification is kept per credential and replaced by the next one; removing a credential
//! removes its verification with it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{DbContext, StoreError, Wallet, timestamp};
use crate::verify::{Report, Verdict};

/// The latest verification of one credential.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredVerification {
    pub credential_id: String,
    pub report: Report,
    /// The time the credential was checked at (RFC 3339, UTC).
    pub checked_at: String,
    /// The check ran without the network.
    pub offline: bool,
}

/// What kind of identifier a learner's identity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdentityKind {
    Email,
    Did,
    Url,
}

impl IdentityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::Email => "email",
            IdentityKind::Did => "did",
            IdentityKind::Url => "url",
        }
    }

    /// `email`, `did` or `url`.
    pub fn parse(s: &str) -> Option<IdentityKind> {
        match s {
            "email" => Some(IdentityKind::Email),
            "did" => Some(IdentityKind::Did),
            "url" => Some(IdentityKind::Url),
            _ => None,
        }
    }
}

/// One of the learner's identities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub kind: IdentityKind,
    pub value: String,
    pub added_at: String,
}

/// A pathway as stored: the JSON it was added from, verbatim, with its id. The store keeps it
/// as given; reading it as a pathway is the wallet layer's (`wallet::StoredPathway`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathwayRecord {
    pub id: String,
    pub json: String,
    /// The file name it was added from.
    pub source: String,
    pub added_at: String,
}

/// A document fetched while verifying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedDocument {
    pub url: String,
    pub media_type: Option<String>,
    pub fetched_at: String,
    pub bytes: Vec<u8>,
}

/// Checks and normalizes an identity: email addresses are trimmed and lower-cased (the part
/// before `@` is case-sensitive by the letter of RFC 5321, but no school issues to two
/// addresses differing only in case); DIDs and URLs are trimmed and must have their scheme.
pub fn normalize_identity(kind: IdentityKind, value: &str) -> Result<String, StoreError> {
    let v = value.trim();
    let bad = |why: &str| StoreError::InvalidIdentity(format!("{} {v:?} {why}", kind.as_str()));
    match kind {
        IdentityKind::Email => {
            let (local, domain) = v.split_once('@').ok_or_else(|| bad("has no @"))?;
            if local.is_empty() || domain.is_empty() || domain.contains('@') || v.contains(char::is_whitespace) {
                return Err(bad("is not an email address"));
            }
            Ok(v.to_lowercase())
        }
        IdentityKind::Did => {
            let mut parts = v.splitn(3, ':');
            let ok = parts.next() == Some("did")
                && parts
                    .next()
                    .is_some_and(|m| !m.is_empty() && m.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
                && parts.next().is_some_and(|rest| !rest.is_empty())
                && !v.contains(char::is_whitespace);
            if ok { Ok(v.to_string()) } else { Err(bad("is not a DID (did:method:identifier)")) }
        }
        IdentityKind::Url => match url::Url::parse(v) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(v.to_string()),
            _ => Err(bad("is not an http(s) URL")),
        },
    }
}

fn verdict_str(v: Verdict) -> &'static str {
    match v {
        Verdict::Verified => "verified",
        Verdict::Invalid => "invalid",
        Verdict::Unverifiable => "unverifiable",
    }
}

fn verification_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String, bool)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? != 0))
}

fn to_verification(
    (credential_id, report_json, checked_at, offline): (String, String, String, bool),
) -> Result<StoredVerification, StoreError> {
    let report: Report = serde_json::from_str(&report_json)
        .map_err(|e| StoreError::Corrupt(format!("the stored verification of {credential_id} does not parse: {e}")))?;
    Ok(StoredVerification { credential_id, report, checked_at, offline })
}

impl Wallet {
    /// Keeps `report` as the latest verification of a credential, replacing the previous one.
    pub fn record_verification(
        &mut self,
        id_or_prefix: &str,
        report: &Report,
        checked_at: DateTime<Utc>,
        offline: bool,
    ) -> Result<(), StoreError> {
        let id = self.resolve(id_or_prefix)?;
        let json = serde_json::to_string(report)
            .map_err(|e| StoreError::InvalidCredential(format!("the report does not serialize: {e}")))?;
        self.conn()
            .execute(
                "INSERT INTO verifications (credential_id, result, report_json, checked_at, offline)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (credential_id) DO UPDATE SET result = excluded.result,
                   report_json = excluded.report_json, checked_at = excluded.checked_at,
                   offline = excluded.offline",
                params![id, verdict_str(report.result), json, timestamp(checked_at), offline as i64],
            )
            .db("recording a verification")?;
        Ok(())
    }

    /// The latest verification of a credential, if it was ever verified.
    pub fn verification(&self, id_or_prefix: &str) -> Result<Option<StoredVerification>, StoreError> {
        let id = self.resolve(id_or_prefix)?;
        self.conn()
            .query_row(
                "SELECT credential_id, report_json, checked_at, offline FROM verifications WHERE credential_id = ?1",
                [&id],
                verification_row,
            )
            .optional()
            .db("reading a verification")?
            .map(to_verification)
            .transpose()
    }

    /// The latest verification of every credential that has one, by credential id.
    pub fn verifications(&self) -> Result<HashMap<String, StoredVerification>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT credential_id, report_json, checked_at, offline FROM verifications")
            .db("reading verifications")?;
        let rows = stmt.query_map([], verification_row).db("reading verifications")?;
        let mut out = HashMap::new();
        for row in rows {
            let v = to_verification(row.db("reading verifications")?)?;
            out.insert(v.credential_id.clone(), v);
        }
        Ok(out)
    }

    /// Adds one of the learner's identities; `false` when it was already there.
    pub fn add_identity(&mut self, kind: IdentityKind, value: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let value = normalize_identity(kind, value)?;
        let n = self
            .conn()
            .execute(
                "INSERT OR IGNORE INTO identities (kind, value, added_at) VALUES (?1, ?2, ?3)",
                params![kind.as_str(), value, timestamp(now)],
            )
            .db("adding an identity")?;
        Ok(n == 1)
    }

    /// Removes one of the learner's identities; `false` when it was not there.
    pub fn remove_identity(&mut self, kind: IdentityKind, value: &str) -> Result<bool, StoreError> {
        let value = normalize_identity(kind, value)?;
        let n = self
            .conn()
            .execute("DELETE FROM identities WHERE kind = ?1 AND value = ?2", params![kind.as_str(), value])
            .db("removing an identity")?;
        Ok(n == 1)
    }

    /// The learner's identities, by kind and value.
    pub fn identities(&self) -> Result<Vec<Identity>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT kind, value, added_at FROM identities ORDER BY kind, value")
            .db("reading identities")?;
        let rows =
            stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?))).db("reading identities")?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, value, added_at) = row.db("reading identities")?;
            let kind = IdentityKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown identity kind {kind:?}")))?;
            out.push(Identity { kind, value, added_at });
        }
        Ok(out)
    }

    /// Stores a pathway's JSON under its id (the name is kept beside it for the schema's
    /// `name` column); a pathway with the same id is replaced. Returns `true` when one was
    /// replaced. The caller has parsed and validated `json`.
    pub fn add_pathway_json(
        &mut self,
        id: &str,
        name: &str,
        json: &str,
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let tx = self.conn_mut().transaction().db("adding a pathway")?;
        let replaced = tx.execute("DELETE FROM pathways WHERE id = ?1", [id]).db("adding a pathway")? == 1;
        tx.execute(
            "INSERT INTO pathways (id, name, json, source, added_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, name, json, source, timestamp(now)],
        )
        .db("adding a pathway")?;
        tx.commit().db("adding a pathway")?;
        Ok(replaced)
    }

    /// Every stored pathway's JSON, by id.
    pub fn pathway_records(&self) -> Result<Vec<PathwayRecord>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, json, source, added_at FROM pathways ORDER BY id")
            .db("reading pathways")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(PathwayRecord { id: r.get(0)?, json: r.get(1)?, source: r.get(2)?, added_at: r.get(3)? })
            })
            .db("reading pathways")?;
        rows.map(|r| r.db("reading pathways")).collect()
    }

    /// Removes a stored pathway.
    pub fn remove_pathway(&mut self, id: &str) -> Result<(), StoreError> {
        let n = self.conn().execute("DELETE FROM pathways WHERE id = ?1", [id]).db("removing a pathway")?;
        if n == 0 {
            return Err(StoreError::UnknownPathway(id.to_string()));
        }
        Ok(())
    }

    /// Keeps a document fetched while verifying, replacing an older copy of the same URL.
    pub fn cache_document(
        &mut self,
        url: &str,
        media_type: Option<&str>,
        bytes: &[u8],
        fetched_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO fetched_documents (url, media_type, fetched_at, bytes) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (url) DO UPDATE SET media_type = excluded.media_type,
                   fetched_at = excluded.fetched_at, bytes = excluded.bytes",
                params![url, media_type, timestamp(fetched_at), bytes],
            )
            .db("keeping a fetched document")?;
        Ok(())
    }

    /// A document kept from an earlier fetch, if any.
    pub fn cached_document(&self, url: &str) -> Result<Option<CachedDocument>, StoreError> {
        self.conn()
            .query_row("SELECT url, media_type, fetched_at, bytes FROM fetched_documents WHERE url = ?1", [url], |r| {
                Ok(CachedDocument { url: r.get(0)?, media_type: r.get(1)?, fetched_at: r.get(2)?, bytes: r.get(3)? })
            })
            .optional()
            .db("reading a fetched document")
    }
}
