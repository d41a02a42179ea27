//! Encrypted backups of the whole wallet, and restoring them.
//!
//! A backup is one self-describing file, independent of the wallet's own key:
//!
//! ```text
//! offset  size  field
//!      0     8  magic "STAPELBK"
//!      8     2  format version, big-endian (1)
//!     10     1  key derivation: 1 = Argon2id v0x13
//!     11     4  m_cost in KiB, big-endian
//!     15     4  t_cost, big-endian
//!     19     4  p_cost, big-endian
//!     23     1  salt length S (16)
//!     24     S  salt
//!   24+S    24  XChaCha20-Poly1305 nonce
//!   48+S     …  ciphertext and 16-byte tag
//! ```
//!
//! The key is Argon2id(passphrase, salt); the whole header is the associated data, so a
//! changed parameter fails like a changed ciphertext byte. The plaintext is a JSON document
//! (`stapel-backup-content`) with the schema version and every row of every table except the
//! derived `fts_*` search indexes. It exists only in memory: the file is written encrypted to a
//! temp file beside the target and renamed into place.
//!
//! Restoring first decrypts and authenticates the whole file ([`Backup::read`]); a wrong
//! passphrase or any changed byte is one error and nothing is touched. The rows are then loaded
//! into an in-memory staging database at the backup's schema version and migrated to the
//! current one, so old backups restore through the same migrations as old wallets. Finally
//! they are merged into the wallet in one transaction ([`Wallet::restore`]): credentials not in
//! the wallet come in with all their rows; for credentials already there, only originals whose
//! bytes are new are added (the wallet's own view is kept); rows of other tables come in unless
//! their key is already taken. Either all of that commits or none of it. So a merge keeps the
//! wallet's own holder key; [`Wallet::restore_new`] instead takes the backup's.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::key::{self, KdfParams, Secret};
use super::{DbContext, Protection, StoreError, Wallet, schema};

const MAGIC: &[u8; 8] = b"STAPELBK";
const FORMAT_VERSION: u16 = 1;
const KDF_ARGON2ID_13: u8 = 1;
const NONCE_LEN: usize = 24;
const CONTENT_FORMAT: &str = "stapel-backup-content";

/// One value of one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    /// Base64 (standard, padded).
    Blob(String),
}

impl Cell {
    fn from_value(v: Value) -> Cell {
        match v {
            Value::Null => Cell::Null,
            Value::Integer(i) => Cell::Integer(i),
            Value::Real(f) => Cell::Real(f),
            Value::Text(s) => Cell::Text(s),
            Value::Blob(b) => Cell::Blob(B64.encode(b)),
        }
    }

    fn to_value(&self) -> Result<Value, StoreError> {
        Ok(match self {
            Cell::Null => Value::Null,
            Cell::Integer(i) => Value::Integer(*i),
            Cell::Real(f) => Value::Real(*f),
            Cell::Text(s) => Value::Text(s.clone()),
            Cell::Blob(b) => Value::Blob(
                B64.decode(b).map_err(|e| StoreError::Corrupt(format!("a stored value is not base64: {e}")))?,
            ),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TableDump {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Content {
    pub format: String,
    pub schema_version: u32,
    pub tables: Vec<TableDump>,
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// The content tables: all but SQLite's own and the derived `fts_*` indexes.
/// A table's name and its columns with their primary-key position (0 when not in the key).
type TableColumns = (String, Vec<(String, i64)>);

fn content_tables(conn: &Connection) -> Result<Vec<TableColumns>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'fts\\_%' ESCAPE '\\'
             ORDER BY name",
        )
        .db("listing the wallet's tables")?;
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .db("listing the wallet's tables")?
        .collect::<Result<_, _>>()
        .db("listing the wallet's tables")?;
    let mut out = Vec::new();
    for name in names {
        let mut stmt = conn
            .prepare("SELECT name, pk FROM pragma_table_info(?1) ORDER BY cid")
            .db("listing the wallet's tables")?;
        let cols: Vec<(String, i64)> = stmt
            .query_map([&name], |r| Ok((r.get(0)?, r.get(1)?)))
            .db("listing the wallet's tables")?
            .collect::<Result<_, _>>()
            .db("listing the wallet's tables")?;
        out.push((name, cols));
    }
    Ok(out)
}

/// Every content row in a canonical order (by primary key, else by rowid).
pub(crate) fn dump_tables(conn: &Connection, progress: &mut dyn FnMut(u64, u64)) -> Result<Content, StoreError> {
    let schema_version = schema::version(conn)?;
    let tables = content_tables(conn)?;
    let mut total = 0u64;
    for (name, _) in &tables {
        let n: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {}", quote(name)), [], |r| r.get(0))
            .db("reading the wallet's content")?;
        total += n.max(0) as u64;
    }
    let mut done = 0u64;
    progress(0, total);
    let mut dumps = Vec::new();
    for (name, cols) in tables {
        let mut pk: Vec<(i64, &str)> = cols.iter().filter(|(_, p)| *p > 0).map(|(c, p)| (*p, c.as_str())).collect();
        pk.sort();
        let order = if pk.is_empty() {
            "rowid".to_string()
        } else {
            pk.iter().map(|(_, c)| quote(c)).collect::<Vec<_>>().join(", ")
        };
        let col_list = cols.iter().map(|(c, _)| quote(c)).collect::<Vec<_>>().join(", ");
        let mut stmt = conn
            .prepare(&format!("SELECT {col_list} FROM {} ORDER BY {order}", quote(&name)))
            .db("reading the wallet's content")?;
        let n = cols.len();
        let mut rows_out = Vec::new();
        let mut rows = stmt.query([]).db("reading the wallet's content")?;
        while let Some(row) = rows.next().db("reading the wallet's content")? {
            let mut cells = Vec::with_capacity(n);
            for i in 0..n {
                cells.push(Cell::from_value(row.get::<_, Value>(i).db("reading the wallet's content")?));
            }
            rows_out.push(cells);
            done += 1;
            if done.is_multiple_of(64) {
                progress(done, total);
            }
        }
        dumps.push(TableDump { name, columns: cols.into_iter().map(|(c, _)| c).collect(), rows: rows_out });
    }
    progress(done, total);
    Ok(Content { format: CONTENT_FORMAT.into(), schema_version, tables: dumps })
}

fn header(kdf: KdfParams, salt: &[u8], nonce: &[u8; NONCE_LEN]) -> Vec<u8> {
    let mut h = Vec::with_capacity(24 + salt.len() + NONCE_LEN);
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
    h.push(KDF_ARGON2ID_13);
    h.extend_from_slice(&kdf.m_cost_kib.to_be_bytes());
    h.extend_from_slice(&kdf.t_cost.to_be_bytes());
    h.extend_from_slice(&kdf.p_cost.to_be_bytes());
    h.push(salt.len() as u8);
    h.extend_from_slice(salt);
    h.extend_from_slice(nonce);
    h
}

/// A backup whose integrity has been verified and whose content is decrypted (in memory
/// only), ready to restore.
pub struct Backup {
    path: PathBuf,
    content: Content,
}

impl std::fmt::Debug for Backup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backup")
            .field("path", &self.path)
            .field("schema_version", &self.content.schema_version)
            .finish_non_exhaustive()
    }
}

/// What a restore did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    /// Credentials that were not in the wallet and now are.
    pub credentials_added: usize,
    /// Credentials that were already in the wallet.
    pub credentials_present: usize,
    /// Originals stored (all of the added credentials', and new ones of present credentials).
    pub originals_added: usize,
    /// Rows of other tables stored.
    pub other_rows_added: usize,
    /// The ids of the credentials added, in the backup's order (for the wallet layer to
    /// verify as they land).
    pub added: Vec<String>,
}

impl Backup {
    /// Reads, authenticates and decrypts a backup. A wrong passphrase or any changed byte is
    /// one error; nothing is written anywhere.
    pub fn read(path: &Path, passphrase: &Secret) -> Result<Backup, StoreError> {
        let data = fs::read(path).map_err(|e| StoreError::io(format!("read {}", path.display()), e))?;
        let not_backup = || StoreError::NotABackup { path: path.to_owned() };
        if data.len() < 24 || &data[..8] != MAGIC {
            return Err(not_backup());
        }
        let version = u16::from_be_bytes([data[8], data[9]]);
        if version != FORMAT_VERSION {
            return Err(StoreError::BackupVersion { path: path.to_owned(), version });
        }
        if data[10] != KDF_ARGON2ID_13 {
            return Err(StoreError::BackupDoesNotOpen { path: path.to_owned() });
        }
        let be = |i: usize| u32::from_be_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
        let kdf = KdfParams { m_cost_kib: be(11), t_cost: be(15), p_cost: be(19) };
        let salt_len = usize::from(data[23]);
        let header_len = 24 + salt_len + NONCE_LEN;
        if salt_len < 8 || data.len() < header_len + 16 {
            return Err(StoreError::BackupDoesNotOpen { path: path.to_owned() });
        }
        let salt = &data[24..24 + salt_len];
        let nonce = XNonce::from_slice(&data[24 + salt_len..header_len]);
        let k = key::derive_key(passphrase, salt, kdf).map_err(|e| match e {
            StoreError::KdfParams(_) => StoreError::BackupDoesNotOpen { path: path.to_owned() },
            other => other,
        })?;
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&k.bytes()[..]));
        let plain = Zeroizing::new(
            cipher
                .decrypt(nonce, Payload { msg: &data[header_len..], aad: &data[..header_len] })
                .map_err(|_| StoreError::BackupDoesNotOpen { path: path.to_owned() })?,
        );
        let content: Content = serde_json::from_slice(&plain)
            .map_err(|e| StoreError::Corrupt(format!("the backup's content does not parse: {e}")))?;
        if content.format != CONTENT_FORMAT {
            return Err(StoreError::Corrupt("the backup's content is of an unknown kind".into()));
        }
        if content.schema_version > schema::SCHEMA_VERSION {
            return Err(StoreError::NewerSchema { found: content.schema_version, supported: schema::SCHEMA_VERSION });
        }
        Ok(Backup { path: path.to_owned(), content })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the wallet the backup was taken from.
    pub fn schema_version(&self) -> u32 {
        self.content.schema_version
    }

    /// How many credentials the backup holds (children included).
    pub fn credential_count(&self) -> usize {
        self.content.tables.iter().find(|t| t.name == "credentials").map_or(0, |t| t.rows.len())
    }

    /// The rows loaded into an in-memory database, migrated to the current schema.
    fn stage(&self) -> Result<Connection, StoreError> {
        let mut conn = Connection::open_in_memory().db("loading the backup")?;
        conn.execute_batch("PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY;").db("loading the backup")?;
        let v = schema::migrate(&mut conn, self.content.schema_version)?;
        if v != self.content.schema_version {
            return Err(StoreError::Corrupt(format!(
                "the backup's schema version {} is not known",
                self.content.schema_version
            )));
        }
        let known: Vec<TableColumns> = content_tables(&conn)?;
        let tx = conn.transaction().db("loading the backup")?;
        for t in &self.content.tables {
            let Some((_, cols)) = known.iter().find(|(n, _)| *n == t.name) else {
                return Err(StoreError::Corrupt(format!("the backup has a table {:?} its schema does not", t.name)));
            };
            if let Some(c) = t.columns.iter().find(|c| !cols.iter().any(|(k, _)| k == *c)) {
                return Err(StoreError::Corrupt(format!(
                    "the backup has a column {c:?} that table {:?} does not",
                    t.name
                )));
            }
            let sql = format!(
                "INSERT INTO {} ({}) VALUES ({})",
                quote(&t.name),
                t.columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", "),
                vec!["?"; t.columns.len()].join(", ")
            );
            let mut stmt = tx.prepare(&sql).db("loading the backup")?;
            for row in &t.rows {
                if row.len() != t.columns.len() {
                    return Err(StoreError::Corrupt(format!("a row of {:?} has the wrong number of values", t.name)));
                }
                let vals = row.iter().map(Cell::to_value).collect::<Result<Vec<_>, _>>()?;
                stmt.execute(params_from_iter(vals)).db("loading the backup")?;
            }
        }
        tx.commit().db("loading the backup")?;
        let broken: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))
            .db("loading the backup")?;
        if broken > 0 {
            return Err(StoreError::Corrupt(format!("the backup has {broken} broken link(s) between rows")));
        }
        conn.execute_batch("PRAGMA foreign_keys = ON;").db("loading the backup")?;
        schema::migrate(&mut conn, schema::SCHEMA_VERSION)?;
        Ok(conn)
    }
}

fn rows_of<P: rusqlite::Params>(conn: &Connection, sql: &str, args: P) -> rusqlite::Result<Vec<Vec<Value>>> {
    let mut stmt = conn.prepare(sql)?;
    let n = stmt.column_count();
    let mut rows = stmt.query(args)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push((0..n).map(|i| r.get::<_, Value>(i)).collect::<rusqlite::Result<Vec<_>>>()?);
    }
    Ok(out)
}

fn insert_row(
    conn: &Connection,
    table: &str,
    cols: &[String],
    vals: Vec<Value>,
    or_ignore: bool,
) -> rusqlite::Result<usize> {
    let sql = format!(
        "INSERT {}INTO {} ({}) VALUES ({})",
        if or_ignore { "OR IGNORE " } else { "" },
        quote(table),
        cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", "),
        vec!["?"; cols.len()].join(", ")
    );
    conn.prepare_cached(&sql)?.execute(params_from_iter(vals))
}

impl Wallet {
    /// Writes one encrypted backup of the whole wallet to `out` (replacing it atomically if it
    /// exists), protected by `passphrase` through Argon2id with `kdf`. `progress(done, total)`
    /// counts rows read.
    pub fn backup(
        &self,
        out: &Path,
        passphrase: &Secret,
        kdf: KdfParams,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(), StoreError> {
        kdf.validate()?;
        let same = |a: &Path, b: &Path| match (fs::canonicalize(a), fs::canonicalize(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if same(out, self.path()) || same(out, &key::sidecar_path(self.path())) {
            return Err(StoreError::BackupOverWallet { path: out.to_owned() });
        }
        // One read transaction, so the backup is a consistent snapshot.
        let tx = self.conn().unchecked_transaction().db("starting a backup")?;
        let content = dump_tables(&tx, progress)?;
        drop(tx);
        let plain = Zeroizing::new(
            serde_json::to_vec(&content)
                .map_err(|e| StoreError::Corrupt(format!("the wallet content cannot be written out: {e}")))?,
        );
        drop(content);
        let mut salt = [0u8; key::SALT_LEN];
        key::fill_random(&mut salt)?;
        let mut nonce = [0u8; NONCE_LEN];
        key::fill_random(&mut nonce)?;
        let k = key::derive_key(passphrase, &salt, kdf)?;
        let head = header(kdf, &salt, &nonce);
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&k.bytes()[..]));
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: &plain, aad: &head })
            .map_err(|_| StoreError::Corrupt("the backup could not be encrypted".into()))?;
        drop(plain);
        let mut tmp = out.as_os_str().to_owned();
        tmp.push(".partial");
        let tmp = PathBuf::from(tmp);
        let written = (|| {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(&head)?;
            f.write_all(&sealed)?;
            f.sync_all()?;
            drop(f);
            fs::rename(&tmp, out)?;
            key::sync_dir(out)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written.map_err(|e| StoreError::io(format!("write the backup {}", out.display()), e))
    }

    /// Merges a verified backup into this wallet in one transaction (see the module docs for
    /// the rules). `progress(done, total)` counts credentials and other rows merged.
    pub fn restore(
        &mut self,
        backup: &Backup,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<RestoreReport, StoreError> {
        let staging = backup.stage()?;
        let tables = content_tables(&staging)?;
        let cols_of = |t: &str| -> Vec<String> {
            tables
                .iter()
                .find(|(n, _)| n == t)
                .map(|(_, c)| c.iter().map(|(n, _)| n.clone()).collect())
                .unwrap_or_default()
        };
        let cred_cols = cols_of("credentials");
        let orig_cols = cols_of("originals");
        let dependent: Vec<&str> = tables
            .iter()
            .filter(|(n, c)| n != "credentials" && c.iter().any(|(k, _)| k == "credential_id"))
            .map(|(n, _)| n.as_str())
            .collect();
        let others: Vec<&str> = tables
            .iter()
            .filter(|(n, c)| n != "credentials" && !c.iter().any(|(k, _)| k == "credential_id"))
            .map(|(n, _)| n.as_str())
            .collect();
        let ids: Vec<String> = staging
            .prepare("SELECT id FROM credentials ORDER BY id")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .db("restoring the backup")?;
        let mut other_total = 0u64;
        for t in &others {
            let n: i64 = staging
                .query_row(&format!("SELECT count(*) FROM {}", quote(t)), [], |r| r.get(0))
                .db("restoring the backup")?;
            other_total += n.max(0) as u64;
        }
        let total = ids.len() as u64 + other_total;
        let mut done = 0u64;
        progress(0, total);

        let mut report = RestoreReport::default();
        let tx = self.conn_mut().transaction().db("restoring the backup")?;
        tx.execute_batch("PRAGMA defer_foreign_keys = ON;").db("restoring the backup")?;
        let col_list = |cols: &[String]| cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
        let mut added_ids = Vec::new();
        for id in &ids {
            let present: Option<i64> = tx
                .query_row("SELECT 1 FROM credentials WHERE id = ?1", [id], |r| r.get(0))
                .optional()
                .db("restoring the backup")?;
            if present.is_some() {
                report.credentials_present += 1;
                let seq_at = orig_cols.iter().position(|c| c == "seq");
                let rows = rows_of(
                    &staging,
                    &format!("SELECT {} FROM originals WHERE credential_id = ?1 ORDER BY seq", col_list(&orig_cols)),
                    [id],
                )
                .db("restoring the backup")?;
                let sha_at = orig_cols.iter().position(|c| c == "sha256");
                for mut row in rows {
                    let (Some(seq_at), Some(sha_at)) = (seq_at, sha_at) else {
                        break;
                    };
                    let there: Option<i64> = tx
                        .query_row(
                            "SELECT 1 FROM originals WHERE credential_id = ?1 AND sha256 = ?2",
                            rusqlite::params![id, row[sha_at]],
                            |r| r.get(0),
                        )
                        .optional()
                        .db("restoring the backup")?;
                    if there.is_none() {
                        let next: i64 = tx
                            .query_row(
                                "SELECT coalesce(max(seq), 0) + 1 FROM originals WHERE credential_id = ?1",
                                [id],
                                |r| r.get(0),
                            )
                            .db("restoring the backup")?;
                        row[seq_at] = Value::Integer(next);
                        insert_row(&tx, "originals", &orig_cols, row, false).db("restoring the backup")?;
                        report.originals_added += 1;
                    }
                }
            } else {
                report.credentials_added += 1;
                for row in
                    rows_of(&staging, &format!("SELECT {} FROM credentials WHERE id = ?1", col_list(&cred_cols)), [id])
                        .db("restoring the backup")?
                {
                    insert_row(&tx, "credentials", &cred_cols, row, false).db("restoring the backup")?;
                }
                for t in &dependent {
                    let cols = cols_of(t);
                    for row in rows_of(
                        &staging,
                        &format!("SELECT {} FROM {} WHERE credential_id = ?1", col_list(&cols), quote(t)),
                        [id],
                    )
                    .db("restoring the backup")?
                    {
                        insert_row(&tx, t, &cols, row, false).db("restoring the backup")?;
                        if *t == "originals" {
                            report.originals_added += 1;
                        }
                    }
                }
                added_ids.push(id.clone());
            }
            done += 1;
            if done.is_multiple_of(16) {
                progress(done, total);
            }
        }
        for t in &others {
            let cols = cols_of(t);
            for row in rows_of(&staging, &format!("SELECT {} FROM {}", col_list(&cols), quote(t)), rusqlite::params![])
                .db("restoring the backup")?
            {
                report.other_rows_added += insert_row(&tx, t, &cols, row, true).db("restoring the backup")?;
                done += 1;
                if done.is_multiple_of(64) {
                    progress(done, total);
                }
            }
        }
        for id in &added_ids {
            super::refresh_fts(&tx, id)?;
        }
        tx.commit().db("restoring the backup")?;
        progress(total, total);
        report.added = added_ids;
        Ok(report)
    }

    /// Creates a new wallet at `path` holding exactly the backup's content. If anything fails,
    /// the new wallet is removed again (and its keychain entry with it).
    pub fn restore_new(
        path: &Path,
        protection: Protection,
        kdf: KdfParams,
        backup: &Backup,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(Wallet, RestoreReport), StoreError> {
        let mut wallet = Wallet::create(path, protection, kdf)?;
        // The new wallet takes the backup's holder key (the learner's DID moves with them);
        // a backup from before the holder key existed gets a new one.
        let restored = super::holder::forget(wallet.conn())
            .and_then(|()| wallet.restore(backup, progress))
            .and_then(|report| super::holder::ensure(wallet.conn()).map(|()| report));
        match restored {
            Ok(report) => Ok((wallet, report)),
            Err(e) => {
                wallet.discard();
                Err(e)
            }
        }
    }

    /// Every row of every table (search indexes excluded), in a canonical order, as JSON.
    /// For diagnostics and tests; it holds the credentials in clear, so never log or save it.
    pub fn dump(&self) -> Result<String, StoreError> {
        let mut content = dump_tables(&self.conn, &mut |_, _| {})?;
        // Secrets are never written out in clear, not even here: the holder's keys, and the
        // access tokens (with their DPoP keys) that pending claims and removal notices keep.
        const SECRETS: [(&str, &str); 6] = [
            ("holder", "secret_key"),
            ("holder_keys", "secret_key"),
            ("pending_claims", "access_token"),
            ("pending_claims", "dpop_key"),
            ("claim_notices", "access_token"),
            ("claim_notices", "dpop_key"),
        ];
        for t in &mut content.tables {
            for row in &mut t.rows {
                for (col, cell) in t.columns.iter().zip(row.iter_mut()) {
                    if SECRETS.contains(&(t.name.as_str(), col.as_str())) && !matches!(cell, Cell::Null) {
                        *cell = Cell::Text("(secret)".into());
                    }
                }
            }
        }
        serde_json::to_string_pretty(&content)
            .map_err(|e| StoreError::Corrupt(format!("the wallet content cannot be written out: {e}")))
    }
}
