//! Listing the wallet: [`ListQuery`] compiled to SQL (filters, sort, paging, the shape a skill
//! filter is put to SQLite in), counts, and the values a filter menu offers ([`Facets`], skills,
//! tags).

use rusqlite::Connection;
use serde::Serialize;

use super::credentials::{SUMMARY_COLS, Summary, summary_row};
use super::error::DbContext;
use super::{StoreError, Wallet};
use crate::formats::{Credential, Format, credits};

/// Order of [`Wallet::list`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Newest issued first; undated last; then by title.
    #[default]
    Date,
    /// By title, case-insensitively.
    Title,
    /// Most credits first (the credit value in ECTS as `formats::credits::credit_value` reads it);
    /// credentials without a credit value last; then newest first.
    Credits,
}

/// Filters for [`Wallet::list`] and [`Wallet::count`]; all given filters must match.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Issuer name (case-insensitive) or issuer id.
    pub issuer: Option<String>,
    /// Skill label (case-insensitive), code or URL.
    pub skill: Option<String>,
    /// A tag (case-insensitive).
    pub tag: Option<String>,
    pub format: Option<Format>,
    /// The achievement type (OB3 `achievementType`) or edubadges kind, as stated.
    pub achievement_type: Option<String>,
    /// A level as `FRAMEWORK LEVEL` (`EQF 6`, `NLQF 4`), as in [`Facets::levels`].
    pub level: Option<String>,
    /// Words searched in title, issuer, description, skills and tags (prefix match).
    pub search: Option<String>,
    pub sort: Sort,
    pub limit: Option<u32>,
    pub offset: u32,
    /// Also list credentials contained in another (CLR achievements).
    pub include_children: bool,
}

/// A skill and how many credentials carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkillCount {
    pub framework: Option<String>,
    pub code: Option<String>,
    pub url: Option<String>,
    pub label: String,
    pub count: u64,
}

/// The values the list can be filtered on, each with how many top-level credentials have it
/// (most common first): what a filter menu offers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    pub issuers: Vec<(String, u64)>,
    pub achievement_types: Vec<(String, u64)>,
    /// `FRAMEWORK LEVEL`, e.g. `EQF 6`.
    pub levels: Vec<(String, u64)>,
    pub formats: Vec<(String, u64)>,
}

/// A credential's achievement type or edubadges kind (the card's label; a list filter).
const KIND_SQL: &str = "coalesce(json_extract(c.view_json, '$.achievement.achievement_type'), json_extract(c.view_json, '$.edubadges.badge_kind'))";

/// One stated level (`l` from `json_each(view_json, '$.levels')`) as `FRAMEWORK LEVEL`.
const LEVEL_SQL: &str = "json_extract(l.value, '$.framework') || ' ' || json_extract(l.value, '$.level')";

/// Words as an FTS5 query: each word quoted and prefix-matched, all required.
fn fts_query(search: &str) -> Option<String> {
    let words: Vec<String> = search
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    if words.is_empty() { None } else { Some(words.join(" ")) }
}

/// How a skill filter is put to SQLite.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SkillShape {
    /// Collect the ids carrying the skill from the skills indexes, join the credentials to
    /// them (`CROSS JOIN` keeps SQLite from walking the whole list index instead) and sort
    /// those: the work grows with the number of matching credentials, so this is the shape for
    /// a rare skill, and for any skill when every match is wanted.
    Set,
    /// Walk the list in order and probe each credential's own skills (primary key) until the
    /// page is full: the work grows with page size / share of credentials carrying the skill,
    /// so this is the shape for a common skill.
    Probe,
}

/// At least this many skill rows matching make a skill "common" (see [`SkillShape`]). Counting
/// stops here, so deciding costs at most this many index entries; a skill below it costs at
/// most this many in the set shape, and one above it is carried by enough credentials that a
/// page fills after a bounded walk (page size x total / this, at worst).
const COMMON_SKILL_ROWS: i64 = 512;

fn skill_is_common(conn: &Connection, skill: &str) -> Result<bool, StoreError> {
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM (SELECT 1 FROM skills WHERE label = ?1 COLLATE NOCASE \
             UNION ALL SELECT 1 FROM skills WHERE code = ?1 \
             UNION ALL SELECT 1 FROM skills WHERE url = ?1 LIMIT ?2)",
            rusqlite::params![skill, COMMON_SKILL_ROWS],
            |r| r.get(0),
        )
        .db("filtering by skill")?;
    Ok(n >= COMMON_SKILL_ROWS)
}

/// The `FROM` and `WHERE` parts of a list query and their arguments, in the order they appear.
fn build_where(q: &ListQuery, skill_shape: SkillShape) -> (String, String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut from = "credentials AS c".to_string();
    let mut clauses = vec!["1".to_string()];
    let mut args = Vec::new();
    if let Some(s) = q.skill.as_ref().filter(|_| skill_shape == SkillShape::Set) {
        from = "(SELECT credential_id AS id FROM skills WHERE label = ? COLLATE NOCASE \
                UNION SELECT credential_id FROM skills WHERE code = ? \
                UNION SELECT credential_id FROM skills WHERE url = ?) AS m \
                CROSS JOIN credentials AS c ON c.id = m.id"
            .into();
        for _ in 0..3 {
            args.push(Value::Text(s.clone()));
        }
    }
    if !q.include_children {
        clauses.push("c.listed = 1".into());
    }
    if let Some(i) = &q.issuer {
        clauses.push("(c.issuer_name = ? COLLATE NOCASE OR c.issuer_id = ?)".into());
        args.push(Value::Text(i.clone()));
        args.push(Value::Text(i.clone()));
    }
    if let Some(s) = q.skill.as_ref().filter(|_| skill_shape == SkillShape::Probe) {
        // A common skill: walk the list in order, probing each credential's skills.
        clauses.push(
            "EXISTS (SELECT 1 FROM skills AS s WHERE s.credential_id = c.id \
             AND (s.label = ? COLLATE NOCASE OR s.code = ? OR s.url = ?))"
                .into(),
        );
        for _ in 0..3 {
            args.push(Value::Text(s.clone()));
        }
    }
    if let Some(t) = &q.tag {
        clauses.push("c.id IN (SELECT credential_id FROM tags WHERE tag = ? COLLATE NOCASE)".into());
        args.push(Value::Text(t.clone()));
    }
    if let Some(f) = q.format {
        clauses.push("c.format = ?".into());
        args.push(Value::Text(f.as_str().into()));
    }
    if let Some(t) = &q.achievement_type {
        clauses.push(format!("{KIND_SQL} = ?"));
        args.push(Value::Text(t.clone()));
    }
    if let Some(l) = &q.level {
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM json_each(c.view_json, '$.levels') AS l WHERE {LEVEL_SQL} = ? COLLATE NOCASE)"
        ));
        args.push(Value::Text(l.clone()));
    }
    if let Some(s) = &q.search {
        match fts_query(s) {
            Some(m) => {
                clauses
                    .push("c.id IN (SELECT credential_id FROM fts_credentials WHERE fts_credentials MATCH ?)".into());
                args.push(Value::Text(m));
            }
            // Nothing searchable in the words given: nothing matches.
            None => clauses.push("0".into()),
        }
    }
    (from, clauses.join(" AND "), args)
}

impl Wallet {
    /// Credentials matching the query.
    pub fn list(&self, q: &ListQuery) -> Result<Vec<Summary>, StoreError> {
        if q.sort == Sort::Credits {
            return self.list_by_credits(q);
        }
        let skill_probe = match &q.skill {
            Some(s)
                if q.limit.is_some()
                    && q.issuer.is_none()
                    && q.tag.is_none()
                    && q.search.is_none()
                    && q.format.is_none() =>
            {
                if skill_is_common(&self.conn, s)? {
                    SkillShape::Probe
                } else {
                    SkillShape::Set
                }
            }
            _ => SkillShape::Set,
        };
        let (from_sql, where_sql, args) = build_where(q, skill_probe);
        let order = match q.sort {
            Sort::Date => "c.issued IS NULL, c.issued DESC, c.title COLLATE NOCASE, c.id",
            Sort::Title | Sort::Credits => "c.title COLLATE NOCASE, c.issued DESC, c.id",
        };
        // A page is chosen on the ids and sort keys alone, and only its rows get their summary
        // columns (JSON fields, image, child count): a sort would otherwise compute those for
        // every match before the limit drops them.
        let sql = if q.limit.is_some() {
            format!(
                "SELECT {SUMMARY_COLS} FROM (SELECT c.id AS pid FROM {from_sql} WHERE {where_sql} \
                 ORDER BY {order} LIMIT ? OFFSET ?) AS page CROSS JOIN credentials AS c ON c.id = page.pid \
                 ORDER BY {order}"
            )
        } else {
            format!("SELECT {SUMMARY_COLS} FROM {from_sql} WHERE {where_sql} ORDER BY {order} LIMIT ? OFFSET ?")
        };
        let mut args = args;
        args.push(rusqlite::types::Value::Integer(q.limit.map(i64::from).unwrap_or(-1)));
        args.push(rusqlite::types::Value::Integer(i64::from(q.offset)));
        let mut stmt = self.conn.prepare(&sql).db("listing")?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), summary_row).db("listing")?;
        rows.map(|r| r.db("listing")?.check()).collect()
    }

    /// [`Wallet::list`] by credits: the credit value comes from each match's view (the rules
    /// live in `formats::credits`, not in SQL), so the matches are ordered here and only the
    /// page's rows get their summary.
    fn list_by_credits(&self, q: &ListQuery) -> Result<Vec<Summary>, StoreError> {
        let (from_sql, where_sql, args) = build_where(q, SkillShape::Set);
        let sql = format!(
            "SELECT c.id, c.view_json FROM {from_sql} WHERE {where_sql} \
             ORDER BY c.issued IS NULL, c.issued DESC, c.title COLLATE NOCASE, c.id"
        );
        let mut stmt = self.conn.prepare(&sql).db("listing")?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .db("listing")?;
        let mut keyed = Vec::new();
        for row in rows {
            let (id, view) = row.db("listing")?;
            let ects = serde_json::from_str::<Credential>(&view)
                .ok()
                .and_then(|c| credits::credit_value(&c, credits::DEFAULT_HOURS_PER_ECTS))
                .map(|v| v.ects());
            keyed.push((id, ects));
        }
        // Stable: equal credits keep the date order of the query.
        keyed.sort_by(|a, b| match (a.1, b.1) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        let page = keyed.into_iter().skip(q.offset as usize).take(q.limit.map_or(usize::MAX, |l| l as usize));
        page.map(|(id, _)| self.summary(&id)).collect()
    }

    /// The issuers, achievement types, levels and formats of the top-level credentials, with
    /// their counts.
    pub fn facets(&self) -> Result<Facets, StoreError> {
        let counts = |sql: &str| -> Result<Vec<(String, u64)>, StoreError> {
            let mut stmt = self.conn.prepare(sql).db("counting filter values")?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64)))
                .db("counting filter values")?;
            rows.map(|r| r.db("counting filter values")).collect()
        };
        Ok(Facets {
            issuers: counts(
                "SELECT issuer_name, count(*) AS n FROM credentials WHERE listed = 1 AND issuer_name IS NOT NULL \
                 GROUP BY issuer_name COLLATE NOCASE ORDER BY n DESC, issuer_name COLLATE NOCASE",
            )?,
            achievement_types: counts(&format!(
                "SELECT t, count(*) AS n FROM (SELECT {KIND_SQL} AS t FROM credentials AS c WHERE c.listed = 1) \
                 WHERE t IS NOT NULL GROUP BY t ORDER BY n DESC, t"
            ))?,
            levels: counts(&format!(
                "SELECT {LEVEL_SQL} AS lv, count(DISTINCT c.id) AS n FROM credentials AS c, json_each(c.view_json, '$.levels') AS l \
                 WHERE c.listed = 1 GROUP BY lv ORDER BY n DESC, lv"
            ))?,
            formats: counts(
                "SELECT format, count(*) AS n FROM credentials WHERE listed = 1 GROUP BY format ORDER BY n DESC, format",
            )?,
        })
    }

    /// How many credentials match the query (ignoring limit and offset).
    pub fn count(&self, q: &ListQuery) -> Result<u64, StoreError> {
        let (from_sql, where_sql, args) = build_where(q, SkillShape::Set);
        let sql = format!("SELECT count(*) FROM {from_sql} WHERE {where_sql}");
        let n: i64 = self.conn.query_row(&sql, rusqlite::params_from_iter(args), |r| r.get(0)).db("counting")?;
        Ok(n.max(0) as u64)
    }

    /// Every skill with the number of credentials that carry it, most common first.
    pub fn skills(&self) -> Result<Vec<SkillCount>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT framework, code, url, label, count(DISTINCT credential_id) AS n FROM skills
                 GROUP BY framework, code, url, label ORDER BY n DESC, label COLLATE NOCASE, framework, code, url",
            )
            .db("listing skills")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SkillCount {
                    framework: r.get(0)?,
                    code: r.get(1)?,
                    url: r.get(2)?,
                    label: r.get(3)?,
                    count: r.get::<_, i64>(4)?.max(0) as u64,
                })
            })
            .db("listing skills")?;
        rows.map(|r| r.db("listing skills")).collect()
    }

    /// Every tag with the number of credentials that carry it, most common first.
    pub fn tags(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT tag, count(*) AS n FROM tags GROUP BY tag ORDER BY n DESC, tag COLLATE NOCASE")
            .db("listing tags")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64))).db("listing tags")?;
        rows.map(|r| r.db("listing tags")).collect()
    }
}
