//! The credentials themselves: storing one with its originals and the credentials it contains
//! (one transaction), reading it back (its summary, view, originals and children), resolving an
//! id prefix, and removing it with everything it contains. A credential's id is the hex SHA-256
//! of its key ([`credential_id`]).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::error::DbContext;
use super::{StoreError, Wallet, timestamp};
use crate::formats::{Credential, Format};

/// A credential to store, as produced by import.
#[derive(Debug, Clone)]
pub struct NewCredential {
    /// Its identity as detected (e.g. the assertion id or a hash of the signed form).
    pub key: String,
    pub format: Format,
    pub credential: Credential,
    pub originals: Vec<NewOriginal>,
    /// Credentials contained in it (the achievements of a CLR).
    pub children: Vec<NewCredential>,
}

/// The bytes a credential arrived as.
#[derive(Debug, Clone)]
pub struct NewOriginal {
    /// `credential`, `badgeclass`, `issuer`, `baked-png`, ...
    pub role: String,
    pub media_type: String,
    /// File name or URL.
    pub source: String,
    pub bytes: Vec<u8>,
}

/// What an insert did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inserted {
    pub id: String,
    /// The credential was already in the wallet: it was not inserted again.
    pub already_present: bool,
    /// How many originals were stored (all of a new credential's; those not yet stored of an
    /// existing one).
    pub originals_added: usize,
    pub children: Vec<Inserted>,
}

/// One line or card of the wallet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Full id (64 hex digits); show a prefix.
    pub id: String,
    pub format: Format,
    pub title: String,
    pub issuer: Option<String>,
    pub issuer_id: Option<String>,
    pub issued: Option<String>,
    pub valid_until: Option<String>,
    pub image: Option<String>,
    /// OB3 `achievementType` / edubadges kind, for the card's label.
    pub achievement_type: Option<String>,
    /// The id of the credential this one is part of.
    pub parent: Option<String>,
    /// How many credentials this one contains.
    pub children: u32,
    pub imported_at: String,
}

/// One stored original without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OriginalInfo {
    /// 1-based, in the order they were stored.
    pub n: usize,
    pub role: String,
    pub media_type: String,
    pub source: String,
    pub imported_at: String,
    pub size: u64,
    pub sha256: String,
}

/// One stored original with its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Original {
    pub info: OriginalInfo,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// A credential as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stored {
    pub summary: Summary,
    pub credential: Credential,
    pub imported_at: String,
    pub originals: Vec<OriginalInfo>,
    pub children: Vec<Summary>,
}

/// The id of a credential key: lowercase hex SHA-256.
pub fn credential_id(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// A stored normalized view read back; one that does not parse is a damaged wallet.
fn parse_view(id: &str, view: &str) -> Result<Credential, StoreError> {
    serde_json::from_str(view).map_err(|e| StoreError::Corrupt(format!("the stored view of {id} does not parse: {e}")))
}

pub(super) const SUMMARY_COLS: &str = "c.id, c.format, c.title, c.issuer_name, c.issuer_id, c.issued, \
    json_extract(c.view_json, '$.valid_until'), c.image, \
    coalesce(json_extract(c.view_json, '$.achievement.achievement_type'), json_extract(c.view_json, '$.edubadges.badge_kind')), \
    c.parent_id, (SELECT count(*) FROM credentials AS k WHERE k.parent_id = c.id), c.imported_at";

/// A summary as read from its row, its format not yet checked (see [`SummaryRow::check`]).
pub(super) struct SummaryRow {
    id: String,
    format: String,
    title: String,
    issuer: Option<String>,
    issuer_id: Option<String>,
    issued: Option<String>,
    valid_until: Option<String>,
    image: Option<String>,
    achievement_type: Option<String>,
    parent: Option<String>,
    children: u32,
    imported_at: String,
}

/// Reads a row of [`SUMMARY_COLS`].
pub(super) fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SummaryRow> {
    Ok(SummaryRow {
        id: r.get(0)?,
        format: r.get(1)?,
        title: r.get(2)?,
        issuer: r.get(3)?,
        issuer_id: r.get(4)?,
        issued: r.get(5)?,
        valid_until: r.get(6)?,
        image: r.get(7)?,
        achievement_type: r.get(8)?,
        parent: r.get(9)?,
        children: r.get::<_, i64>(10)?.clamp(0, i64::from(u32::MAX)) as u32,
        imported_at: r.get(11)?,
    })
}

impl SummaryRow {
    /// The summary; a format this Stapel does not know is a damaged wallet.
    pub(super) fn check(self) -> Result<Summary, StoreError> {
        let SummaryRow {
            id,
            format,
            title,
            issuer,
            issuer_id,
            issued,
            valid_until,
            image,
            achievement_type,
            parent,
            children,
            imported_at,
        } = self;
        let Some(format) = Format::parse(&format) else {
            return Err(StoreError::Corrupt(format!("credential {id} has an unknown format {format:?}")));
        };
        Ok(Summary {
            id,
            format,
            title,
            issuer,
            issuer_id,
            issued,
            valid_until,
            image,
            achievement_type,
            parent,
            children,
            imported_at,
        })
    }
}

pub(super) fn resolve_id(conn: &Connection, id_or_prefix: &str) -> Result<String, StoreError> {
    let p = id_or_prefix.trim().to_ascii_lowercase();
    if p.is_empty() || !p.chars().all(|c| c.is_ascii_hexdigit()) || p.len() > 64 {
        return Err(StoreError::UnknownId(id_or_prefix.to_string()));
    }
    // Hex digits only, so the pattern has no LIKE wildcards; `id` is lowercase hex.
    let mut stmt = conn
        .prepare("SELECT id FROM credentials WHERE id >= ?1 AND id < ?1 || 'g' ORDER BY id LIMIT 2")
        .db("looking up an id")?;
    let ids: Vec<String> =
        stmt.query_map([&p], |r| r.get(0)).db("looking up an id")?.collect::<Result<_, _>>().db("looking up an id")?;
    match ids.len() {
        0 => Err(StoreError::UnknownId(id_or_prefix.to_string())),
        1 => Ok(ids.into_iter().next().unwrap_or_default()),
        _ => {
            let count: i64 = conn
                .query_row("SELECT count(*) FROM credentials WHERE id >= ?1 AND id < ?1 || 'g'", [&p], |r| r.get(0))
                .db("looking up an id")?;
            Err(StoreError::AmbiguousId { prefix: id_or_prefix.to_string(), count: count.max(0) as u64 })
        }
    }
}

/// Rebuilds the search entry of one credential from its stored rows.
pub(crate) fn refresh_fts(tx: &Connection, id: &str) -> Result<(), StoreError> {
    tx.execute("DELETE FROM fts_credentials WHERE credential_id = ?1", [id]).db("indexing a credential for search")?;
    tx.execute(
        "INSERT INTO fts_credentials (credential_id, title, issuer, description, skills)
         SELECT c.id, c.title,
                coalesce(c.issuer_name, '') || ' ' || coalesce(c.issuer_id, ''),
                coalesce(c.description, ''),
                coalesce((SELECT group_concat(coalesce(s.framework, '') || ' ' || coalesce(s.code, '') || ' ' || s.label, ' ')
                          FROM skills AS s WHERE s.credential_id = c.id), '')
                || ' ' ||
                coalesce((SELECT group_concat(t.tag, ' ') FROM tags AS t WHERE t.credential_id = c.id), '')
         FROM credentials AS c WHERE c.id = ?1",
        [id],
    )
    .db("indexing a credential for search")?;
    Ok(())
}

fn add_original(tx: &Transaction<'_>, id: &str, o: &NewOriginal, now: &str) -> Result<bool, StoreError> {
    let sha = hex::encode(Sha256::digest(&o.bytes));
    let exists: Option<i64> = tx
        .query_row("SELECT 1 FROM originals WHERE credential_id = ?1 AND sha256 = ?2", params![id, sha], |r| r.get(0))
        .optional()
        .db("storing an original")?;
    if exists.is_some() {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO originals (credential_id, seq, role, media_type, source, imported_at, sha256, bytes)
         VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM originals WHERE credential_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, o.role, o.media_type, o.source, now, sha, o.bytes],
    )
    .map_err(|err| match err {
        rusqlite::Error::SqliteFailure(f, msg) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            StoreError::InvalidCredential(format!(
                "an original from {:?} is not acceptable ({})",
                o.source,
                msg.unwrap_or_else(|| "a constraint failed".into())
            ))
        }
        other => StoreError::db("storing an original", other),
    })?;
    Ok(true)
}

/// The skill and tag rows of a credential's view (tags once each).
fn write_skills_and_tags(tx: &Connection, id: &str, v: &Credential) -> Result<(), StoreError> {
    for (i, s) in v.skills.iter().enumerate() {
        tx.execute(
            "INSERT INTO skills (credential_id, seq, framework, code, url, label) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, i as i64 + 1, s.framework, s.code, s.url, s.label],
        )
        .db("storing a credential's skills")?;
    }
    let mut seen = HashSet::new();
    for t in &v.tags {
        if seen.insert(t.as_str()) {
            tx.execute("INSERT INTO tags (credential_id, tag) VALUES (?1, ?2)", params![id, t])
                .db("storing a credential's tags")?;
        }
    }
    Ok(())
}

fn insert_tree(
    tx: &Transaction<'_>,
    c: &NewCredential,
    parent: Option<&str>,
    now: &str,
    ancestors: &mut Vec<String>,
) -> Result<Inserted, StoreError> {
    let id = credential_id(&c.key);
    if ancestors.contains(&id) {
        return Err(StoreError::InvalidCredential(format!("credential {} contains itself", &id[..12])));
    }
    let existing: Option<Option<String>> = tx
        .query_row("SELECT parent_id FROM credentials WHERE id = ?1", [&id], |r| r.get(0))
        .optional()
        .db("storing a credential")?;
    let mut already_present = existing.is_some();
    match existing {
        Some(existing_parent) => {
            if let (None, Some(p)) = (&existing_parent, parent) {
                // Imported on its own before: it now shows under this parent too, and stays
                // listed on its own.
                tx.execute("UPDATE credentials SET parent_id = ?1 WHERE id = ?2", params![p, id])
                    .db("storing a credential")?;
            }
            if parent.is_none() {
                // Brought in on its own: listed on its own from now on, even when a CLR in the
                // wallet carries it. Only a part that was not listed yet counts as new.
                let changed = tx
                    .execute("UPDATE credentials SET listed = 1 WHERE id = ?1 AND listed = 0", [&id])
                    .db("storing a credential")?;
                already_present = changed == 0;
            }
        }
        None => {
            let v = &c.credential;
            let view = serde_json::to_string(v)
                .map_err(|err| StoreError::InvalidCredential(format!("its view cannot be written: {err}")))?;
            tx.execute(
                "INSERT INTO credentials (id, key, parent_id, format, title, issuer_name, issuer_id, issued, image, description, view_json, imported_at, listed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    id,
                    c.key,
                    parent,
                    c.format.as_str(),
                    v.title,
                    v.issuer.name,
                    v.issuer.id,
                    v.issued,
                    v.image.as_ref().map(|i| i.url.as_str()),
                    v.description,
                    view,
                    now,
                    parent.is_none()
                ],
            )
            .db("storing a credential")?;
            write_skills_and_tags(tx, &id, v)?;
        }
    }
    let mut originals_added = 0;
    for o in &c.originals {
        if add_original(tx, &id, o, now)? {
            originals_added += 1;
        }
    }
    if !already_present {
        refresh_fts(tx, &id)?;
    }
    ancestors.push(id.clone());
    let mut children = Vec::new();
    for child in &c.children {
        children.push(insert_tree(tx, child, Some(&id), now, ancestors)?);
    }
    ancestors.pop();
    Ok(Inserted { id, already_present, originals_added, children })
}

impl Wallet {
    /// Stores a credential with its originals and children in one transaction.
    ///
    /// A credential whose key is already stored is not inserted again: those of its originals
    /// whose bytes differ from every stored original are added to it, and the outcome says
    /// `already_present`. Its stored view is kept as it was. A child already in the wallet
    /// on its own is linked to this parent.
    pub fn insert(&mut self, c: &NewCredential, now: DateTime<Utc>) -> Result<Inserted, StoreError> {
        let now = timestamp(now);
        let tx = self.conn.transaction().db("starting an insert")?;
        let mut ancestors = Vec::new();
        let out = insert_tree(&tx, c, None, &now, &mut ancestors)?;
        tx.commit().db("committing an insert")?;
        Ok(out)
    }

    /// Replaces the stored view of a credential (its title, issuer, dates, picture, skills and
    /// tags, and its search entry) with one read anew from its originals, in one transaction:
    /// when what could not be had at import (an Open Badges 2.0 badge class whose server did
    /// not answer) has come since. The originals, the key and where it is listed stay.
    pub fn replace_view(&mut self, id: &str, v: &Credential) -> Result<(), StoreError> {
        let view = serde_json::to_string(v)
            .map_err(|err| StoreError::InvalidCredential(format!("its view cannot be written: {err}")))?;
        let tx = self.conn.transaction().db("starting to replace a view")?;
        let n = tx
            .execute(
                "UPDATE credentials SET title = ?2, issuer_name = ?3, issuer_id = ?4, issued = ?5, image = ?6,
                   description = ?7, view_json = ?8 WHERE id = ?1",
                params![
                    id,
                    v.title,
                    v.issuer.name,
                    v.issuer.id,
                    v.issued,
                    v.image.as_ref().map(|i| i.url.as_str()),
                    v.description,
                    view
                ],
            )
            .db("replacing a credential's view")?;
        if n == 0 {
            return Err(StoreError::UnknownId(id.to_string()));
        }
        tx.execute("DELETE FROM skills WHERE credential_id = ?1", [id]).db("replacing a credential's view")?;
        tx.execute("DELETE FROM tags WHERE credential_id = ?1", [id]).db("replacing a credential's view")?;
        write_skills_and_tags(&tx, id, v)?;
        refresh_fts(&tx, id)?;
        tx.commit().db("committing a replaced view")?;
        Ok(())
    }

    /// Resolves a full id or a unique prefix of one.
    pub fn resolve(&self, id_or_prefix: &str) -> Result<String, StoreError> {
        resolve_id(&self.conn, id_or_prefix)
    }

    /// The normalized view of every credential (those nested in a CLR too), by id, in one
    /// query: for work over the whole wallet, where one [`Wallet::get`] per credential would
    /// also read originals and children it does not need. A view that does not parse is the
    /// error `get` gives.
    pub fn views(&self) -> Result<HashMap<String, Credential>, StoreError> {
        let mut stmt =
            self.conn.prepare("SELECT id, view_json FROM credentials").db("reading the credentials' views")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .db("reading the credentials' views")?;
        let mut out = HashMap::new();
        for row in rows {
            let (id, view) = row.db("reading the credentials' views")?;
            let credential = parse_view(&id, &view)?;
            out.insert(id, credential);
        }
        Ok(out)
    }

    /// A credential with its view, originals (without bytes) and children.
    pub fn get(&self, id_or_prefix: &str) -> Result<Stored, StoreError> {
        let id = self.resolve(id_or_prefix)?;
        let summary = self.summary(&id)?;
        let (view, imported_at): (String, String) = self
            .conn
            .query_row("SELECT view_json, imported_at FROM credentials WHERE id = ?1", [&id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .db("reading a credential")?;
        let credential = parse_view(&id, &view)?;
        let originals = self.original_infos(&id)?;
        let children = {
            let sql = format!(
                "SELECT {SUMMARY_COLS} FROM credentials AS c WHERE c.parent_id = ?1 ORDER BY c.title COLLATE NOCASE, c.id"
            );
            let mut stmt = self.conn.prepare(&sql).db("reading children")?;
            let rows = stmt.query_map([&id], summary_row).db("reading children")?;
            rows.map(|r| r.db("reading children")?.check()).collect::<Result<Vec<_>, _>>()?
        };
        Ok(Stored { summary, credential, imported_at, originals, children })
    }

    /// The `n`th original (1-based) of a credential, with its bytes exactly as received.
    pub fn original(&self, id_or_prefix: &str, n: usize) -> Result<Original, StoreError> {
        let id = self.resolve(id_or_prefix)?;
        let infos = self.original_infos(&id)?;
        let count = infos.len();
        let info = n.checked_sub(1).and_then(|i| infos.into_iter().nth(i)).ok_or(StoreError::NoOriginal {
            id: id.clone(),
            n,
            count,
        })?;
        let bytes: Vec<u8> = self
            .conn
            .query_row(
                "SELECT bytes FROM originals WHERE credential_id = ?1 AND sha256 = ?2",
                params![id, info.sha256],
                |r| r.get(0),
            )
            .db("reading an original")?;
        Ok(Original { info, bytes })
    }

    /// Keeps one more original of a stored credential (the issuer's hosted copy, found to
    /// differ at a verification), unless the same bytes are kept already; says whether it was
    /// added. One transaction.
    pub fn add_original(&mut self, id: &str, original: &NewOriginal, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let now = timestamp(now);
        let tx = self.conn.transaction().db("starting to keep an original")?;
        let added = add_original(&tx, id, original, &now)?;
        tx.commit().db("keeping an original")?;
        Ok(added)
    }

    /// Removes a credential with everything it contains; returns what was removed. A part the
    /// learner also imported on its own stays, listed on its own; removing such a part while
    /// a CLR still carries it takes it off the list only (the CLR is left whole).
    pub fn remove(&mut self, id_or_prefix: &str) -> Result<Summary, StoreError> {
        let id = self.resolve(id_or_prefix)?;
        let summary = self.summary(&id)?;
        let tx = self.conn.transaction().db("starting a removal")?;
        if summary.parent.is_some() {
            let unlisted = tx
                .execute("UPDATE credentials SET listed = 0 WHERE id = ?1 AND listed = 1", [&id])
                .db("removing a credential")?;
            if unlisted == 1 {
                tx.commit().db("committing a removal")?;
                return Ok(summary);
            }
        }
        tx.execute(
            "UPDATE credentials SET parent_id = NULL WHERE listed = 1 AND id IN (
                WITH RECURSIVE t(id) AS (SELECT ?1 UNION SELECT c.id FROM credentials c JOIN t ON c.parent_id = t.id)
                SELECT id FROM t WHERE id <> ?1)",
            [&id],
        )
        .db("removing a credential")?;
        tx.execute(
            "DELETE FROM fts_credentials WHERE credential_id IN (
                WITH RECURSIVE t(id) AS (SELECT ?1 UNION SELECT c.id FROM credentials c JOIN t ON c.parent_id = t.id)
                SELECT id FROM t)",
            [&id],
        )
        .db("removing a credential")?;
        tx.execute("DELETE FROM credentials WHERE id = ?1", [&id]).db("removing a credential")?;
        tx.commit().db("committing a removal")?;
        Ok(summary)
    }

    pub(super) fn summary(&self, id: &str) -> Result<Summary, StoreError> {
        let sql = format!("SELECT {SUMMARY_COLS} FROM credentials AS c WHERE c.id = ?1");
        self.conn.query_row(&sql, [id], summary_row).db("reading a credential")?.check()
    }

    pub(super) fn original_infos(&self, id: &str) -> Result<Vec<OriginalInfo>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT role, media_type, source, imported_at, length(bytes), sha256 FROM originals
                 WHERE credential_id = ?1 ORDER BY seq",
            )
            .db("reading originals")?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(OriginalInfo {
                    n: 0,
                    role: r.get(0)?,
                    media_type: r.get(1)?,
                    source: r.get(2)?,
                    imported_at: r.get(3)?,
                    size: r.get::<_, i64>(4)?.max(0) as u64,
                    sha256: r.get(5)?,
                })
            })
            .db("reading originals")?;
        let mut out = Vec::new();
        for (i, r) in rows.enumerate() {
            let mut info = r.db("reading originals")?;
            info.n = i + 1;
            out.push(info);
        }
        Ok(out)
    }
}
