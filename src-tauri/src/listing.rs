//! What the wallet screens show, read from the open wallet: a page of credential cards for a
//! query (with the total for paging), the filter values, each card's status chip and credit
//! value, the skills grouped by framework, a card's badge image as a `data:` URL, and one
//! credential in full. Everything is a few lines over `stapel_core::store` and
//! `stapel_core::stacking`; this module only shapes the answers for the page.

use std::collections::BTreeMap;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stapel_core::formats::Format;
use stapel_core::stacking::{CreditValue, DEFAULT_HOURS_PER_ECTS, credit_value};
use stapel_core::store::{Facets, ListQuery, OriginalInfo, Sort, Stored, StoredVerification, Summary, Wallet};
use stapel_core::verify::{CheckId, Outcome, Verdict};

use crate::error::CommandError;

/// The most cards one page may ask for: a page is what is on screen, not the whole wallet.
pub const MAX_PAGE: u32 = 200;

/// What the wallet screen asks for. Every filter is optional; all given ones must match.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PageQuery {
    /// Words searched in title, issuer, description, skills and tags.
    pub search: Option<String>,
    pub issuer: Option<String>,
    /// Achievement type or edubadges kind.
    pub achievement_type: Option<String>,
    /// `EQF 6`, `NLQF 4`, as the facets list them.
    pub level: Option<String>,
    /// `ob2-hosted`, `ob2-signed`, `vc-jsonld`, `vc-jwt`, `vc-jose`.
    pub format: Option<String>,
    /// A skill's label, code or URL (the `key` of a [`SkillEntry`]).
    pub skill: Option<String>,
    pub tag: Option<String>,
    /// `date` (default), `title` or `credits`.
    pub sort: Option<String>,
    pub offset: u32,
    /// At most [`MAX_PAGE`]; 0 means the default of 50.
    pub limit: u32,
}

/// The status chip of a card: the stored verification read at the time of showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Chip {
    Verified,
    Invalid,
    Unverifiable,
    /// Its validity ended (by the stored report's date check, or since then).
    Expired,
    /// The issuer revoked or suspended it.
    Revoked,
    /// Never verified.
    Unchecked,
}

/// One card of the wallet screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    pub id: String,
    pub format: Format,
    pub title: String,
    pub issuer: Option<String>,
    pub issued: Option<String>,
    pub valid_until: Option<String>,
    pub achievement_type: Option<String>,
    pub children: u32,
    /// The credential has an image the page can ask for with `badge_image`.
    pub has_image: bool,
    pub chip: Chip,
    pub checked_at: Option<String>,
    /// The credit value in ECTS (see `stacking::credit_value`), `None` when none is stated.
    pub ects: Option<f64>,
    pub credits_unit_assumed: bool,
}

/// A page of cards and how many credentials match the query in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    pub total: u64,
    pub offset: u32,
    pub items: Vec<Card>,
}

/// Turns the page's query into the store's, refusing values the store does not know.
pub fn to_list_query(q: &PageQuery) -> Result<ListQuery, CommandError> {
    let nonempty = |v: &Option<String>| v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let format = match nonempty(&q.format) {
        None => None,
        Some(f) => Some(
            Format::parse(&f)
                .ok_or_else(|| CommandError::new("invalid_argument", format!("{f:?} is not a credential format")))?,
        ),
    };
    let sort = match q.sort.as_deref().unwrap_or("date") {
        "date" | "" => Sort::Date,
        "title" => Sort::Title,
        "credits" => Sort::Credits,
        other => {
            return Err(CommandError::new(
                "invalid_argument",
                format!("{other:?} is not a sort order: use date, title or credits"),
            ));
        }
    };
    let limit = match q.limit {
        0 => 50,
        n => n.min(MAX_PAGE),
    };
    Ok(ListQuery {
        issuer: nonempty(&q.issuer),
        skill: nonempty(&q.skill),
        tag: nonempty(&q.tag),
        format,
        achievement_type: nonempty(&q.achievement_type),
        level: nonempty(&q.level),
        search: nonempty(&q.search),
        sort,
        limit: Some(limit),
        offset: q.offset,
        include_children: false,
    })
}

/// The chip for a credential from its latest stored verification, read at `now`.
pub fn chip(verification: Option<&StoredVerification>, valid_until: Option<&str>, now: DateTime<Utc>) -> Chip {
    let ended =
        valid_until.and_then(|v| DateTime::parse_from_rfc3339(v).ok()).is_some_and(|end| end.with_timezone(&Utc) < now);
    let Some(v) = verification else {
        return if ended { Chip::Expired } else { Chip::Unchecked };
    };
    let failed: Vec<CheckId> = v.report.checks.iter().filter(|c| c.outcome == Outcome::Failed).map(|c| c.id).collect();
    match v.report.result {
        Verdict::Invalid if failed.contains(&CheckId::Status) => Chip::Revoked,
        Verdict::Invalid if failed.iter().all(|id| *id == CheckId::Dates) => Chip::Expired,
        Verdict::Invalid => Chip::Invalid,
        _ if ended => Chip::Expired,
        Verdict::Verified => Chip::Verified,
        Verdict::Unverifiable => Chip::Unverifiable,
    }
}

fn card(wallet: &Wallet, s: Summary, now: DateTime<Utc>) -> Result<Card, CommandError> {
    let verification = wallet.verification(&s.id)?;
    let stored = wallet.get(&s.id)?;
    let credits = credit_value(&stored.credential, DEFAULT_HOURS_PER_ECTS);
    Ok(Card {
        chip: chip(verification.as_ref(), s.valid_until.as_deref(), now),
        checked_at: verification.map(|v| v.checked_at),
        ects: credits.as_ref().map(CreditValue::ects),
        credits_unit_assumed: credits.is_some_and(|c| c.unit_assumed),
        has_image: carried_image(&stored).is_some() || baked_original(&stored).is_some(),
        id: s.id,
        format: s.format,
        title: s.title,
        issuer: s.issuer,
        issued: s.issued,
        valid_until: s.valid_until,
        achievement_type: s.achievement_type,
        children: s.children,
    })
}

/// One page of cards for the query, with the total number of matches.
pub fn page(wallet: &Wallet, q: &PageQuery, now: DateTime<Utc>) -> Result<Page, CommandError> {
    let query = to_list_query(q)?;
    let total = wallet.count(&query)?;
    let items = wallet.list(&query)?.into_iter().map(|s| card(wallet, s, now)).collect::<Result<_, _>>()?;
    Ok(Page { total, offset: q.offset, items })
}

/// The filter menus' values with their counts.
pub fn facets(wallet: &Wallet) -> Result<Facets, CommandError> {
    Ok(wallet.facets()?)
}

/// The image the credential carries as a `data:` URI, if any.
fn carried_image(stored: &Stored) -> Option<&str> {
    stored.credential.image.as_ref().map(|i| i.url.as_str()).filter(|u| u.starts_with("data:image/"))
}

/// The baked image (PNG or SVG) the credential arrived as, if any.
fn baked_original(stored: &Stored) -> Option<&OriginalInfo> {
    stored.originals.iter().find(|o| o.media_type == "image/png" || o.media_type == "image/svg+xml")
}

/// The badge image of a credential as a `data:` URL the page can show without a request: the
/// image the credential carries as a `data:` URI, else the baked image it arrived as. `None`
/// when it has neither (an image only on the issuer's server is never fetched: opening the
/// wallet must not tell the issuer the learner is looking).
pub fn badge_image(wallet: &Wallet, id: &str) -> Result<Option<String>, CommandError> {
    let stored = wallet.get(id)?;
    if let Some(image) = carried_image(&stored) {
        return Ok(Some(image.to_string()));
    }
    let Some(info) = baked_original(&stored) else {
        return Ok(None);
    };
    let original = wallet.original(&stored.summary.id, info.n)?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&original.bytes);
    Ok(Some(format!("data:{};base64,{encoded}", info.media_type)))
}

/// One skill as the Skills screen lists it: labels from several issuers merged where the
/// framework URI (or framework and code) is the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillEntry {
    /// What to filter the list on (`PageQuery::skill`, or `tag` in the tags group).
    pub key: String,
    /// The label shown: the most common one.
    pub label: String,
    /// Every other label the same skill was given.
    pub other_labels: Vec<String>,
    pub code: Option<String>,
    pub url: Option<String>,
    /// How many credentials carry it.
    pub count: u64,
}

/// One framework (or the plain tags) with its skills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkillGroup {
    /// `framework` (named by `name`), `none` (alignments that name no framework) or `tags`.
    pub kind: &'static str,
    pub name: Option<String>,
    pub skills: Vec<SkillEntry>,
}

/// Every skill, competency and tag, grouped: ESCO first, then CompetentNL, the other
/// frameworks by name, alignments without a framework, then the plain tags.
pub fn skill_groups(wallet: &Wallet) -> Result<Vec<SkillGroup>, CommandError> {
    // (framework, identity) → entry; identity is the URI, else the code, else the label.
    let mut merged: BTreeMap<(Option<String>, String), (SkillEntry, bool)> = BTreeMap::new();
    let skills = wallet.skills()?;
    let named = |f: &Option<String>| f.as_ref().map(|f| f.trim().to_string()).filter(|f| !f.is_empty());
    // An alignment that names no framework but points at the same URI as one that does is the
    // same skill: it joins that framework's entry instead of being listed again apart.
    let framework_of_url: std::collections::HashMap<String, String> =
        skills.iter().filter_map(|s| Some((s.url.clone()?, named(&s.framework)?))).collect();
    for s in skills {
        let framework = named(&s.framework).or_else(|| s.url.as_ref().and_then(|u| framework_of_url.get(u).cloned()));
        let identity = s.url.clone().or_else(|| s.code.clone()).unwrap_or_else(|| s.label.to_lowercase());
        match merged.get_mut(&(framework.clone(), identity.clone())) {
            Some((entry, merged_rows)) => {
                // Rows come most common first: the first label stays the one shown.
                if !entry.label.eq_ignore_ascii_case(&s.label)
                    && !entry.other_labels.iter().any(|l| l.eq_ignore_ascii_case(&s.label))
                {
                    entry.other_labels.push(s.label);
                }
                *merged_rows = true;
            }
            None => {
                let key = s.url.clone().or_else(|| s.code.clone()).unwrap_or_else(|| s.label.clone());
                let entry = SkillEntry {
                    key,
                    label: s.label,
                    other_labels: Vec::new(),
                    code: s.code,
                    url: s.url,
                    count: s.count,
                };
                merged.insert((framework, identity), (entry, false));
            }
        }
    }
    let mut groups: BTreeMap<(u8, String), SkillGroup> = BTreeMap::new();
    for ((framework, _), (mut entry, _)) in merged {
        // The count shown is what choosing the skill lists: rows merged from several labels
        // cannot be added up (one credential may carry two of them), and a label or code can
        // match in more than one framework.
        entry.count = wallet.count(&ListQuery { skill: Some(entry.key.clone()), ..ListQuery::default() })?;
        let (rank, kind) = match framework.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("esco") => (0, "framework"),
            Some("competentnl") => (1, "framework"),
            Some(_) => (2, "framework"),
            None => (3, "none"),
        };
        let name = framework.clone().unwrap_or_default();
        groups
            .entry((rank, name.to_lowercase()))
            .or_insert_with(|| SkillGroup { kind, name: framework, skills: Vec::new() })
            .skills
            .push(entry);
    }
    let tags: Vec<SkillEntry> = wallet
        .tags()?
        .into_iter()
        .map(|(tag, _)| {
            let count = wallet.count(&ListQuery { tag: Some(tag.clone()), ..ListQuery::default() })?;
            Ok(SkillEntry { key: tag.clone(), label: tag, other_labels: Vec::new(), code: None, url: None, count })
        })
        .collect::<Result<_, CommandError>>()?;
    let mut out: Vec<SkillGroup> = groups.into_values().collect();
    for g in &mut out {
        g.skills
            .sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.to_lowercase().cmp(&b.label.to_lowercase())));
    }
    if !tags.is_empty() {
        out.push(SkillGroup { kind: "tags", name: None, skills: tags });
    }
    Ok(out)
}

/// One credential in full, as the detail screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Detail {
    #[serde(flatten)]
    pub stored: Stored,
    pub verification: Option<StoredVerification>,
    pub chip: Chip,
    pub credit: Option<CreditValue>,
}

pub fn detail(wallet: &Wallet, id: &str, now: DateTime<Utc>) -> Result<Detail, CommandError> {
    let stored = wallet.get(id)?;
    let verification = wallet.verification(&stored.summary.id)?;
    Ok(Detail {
        chip: chip(verification.as_ref(), stored.summary.valid_until.as_deref(), now),
        credit: credit_value(&stored.credential, DEFAULT_HOURS_PER_ECTS),
        verification,
        stored,
    })
}

/// The `n`th original as text to show: JSON pretty-printed, a JWT as it is, and for a baked
/// image the JSON baked into it.
pub fn original_text(wallet: &Wallet, id: &str, n: usize) -> Result<String, CommandError> {
    let original = wallet.original(id, n)?;
    if let Ok(text) = std::str::from_utf8(&original.bytes) {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
            return Ok(serde_json::to_string_pretty(&value).unwrap_or_else(|_| text.to_string()));
        }
        if !original.info.media_type.starts_with("image/") {
            return Ok(text.to_string());
        }
    }
    let parsed = stapel_core::formats::read(&original.bytes, &stapel_core::net::Offline)
        .map_err(|e| CommandError::new("not_a_credential", e.to_string()))?;
    Ok(serde_json::to_string_pretty(&parsed.document).unwrap_or_default())
}
