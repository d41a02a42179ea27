//! The wallet schema: append-only numbered migrations, applied in one transaction each and
//! recorded in `PRAGMA user_version`.

use rusqlite::Connection;

use super::{DbContext, StoreError};

/// Every migration, in order. Never edit or remove one that has shipped: add the next.
pub(crate) const MIGRATIONS: &[(u32, &str, &str)] = &[
    (1, "credentials", include_str!("../../migrations/0001_credentials.sql")),
    (2, "skills_tags_search", include_str!("../../migrations/0002_skills_tags_search.sql")),
    (3, "list_indexes", include_str!("../../migrations/0003_list_indexes.sql")),
    (
        4,
        "verifications_identities_pathways",
        include_str!("../../migrations/0004_verifications_identities_pathways.sql"),
    ),
    (5, "holder", include_str!("../../migrations/0005_holder.sql")),
    (6, "pending_claims", include_str!("../../migrations/0006_pending_claims.sql")),
    (7, "listed", include_str!("../../migrations/0007_listed.sql")),
    (8, "claim_notices", include_str!("../../migrations/0008_claim_notices.sql")),
    (9, "dpop_keys", include_str!("../../migrations/0009_dpop_keys.sql")),
    (10, "holder_p256", include_str!("../../migrations/0010_holder_p256.sql")),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub(crate) fn version(conn: &Connection) -> Result<u32, StoreError> {
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).db("reading the schema version")?;
    u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("schema version {v} is not valid")))
}

/// Brings the database up to `target` (at most [`SCHEMA_VERSION`]). Each migration and its
/// version bump commit together, so a crash leaves a wallet at one version or the next.
pub(crate) fn migrate(conn: &mut Connection, target: u32) -> Result<u32, StoreError> {
    let current = version(conn)?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { found: current, supported: SCHEMA_VERSION });
    }
    for &(n, name, sql) in MIGRATIONS {
        if n <= current || n > target {
            continue;
        }
        let what = format!("applying migration {n:04}_{name}");
        let tx = conn.transaction().db_with(|| what.clone())?;
        tx.execute_batch(sql).db_with(|| what.clone())?;
        tx.pragma_update(None, "user_version", n).db_with(|| what.clone())?;
        tx.commit().db_with(|| what.clone())?;
        tracing::info!(migration = n, "wallet schema migrated");
    }
    version(conn)
}
