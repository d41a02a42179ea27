//! The pathway file: a target (a diploma, a programme, a personal goal) and the groups of
//! requirements that lead to it, as documented in `docs/pathways.md` and
//! `docs/pathway.schema.json`. Parsing rejects unknown fields and every error names the file
//! and the field (`pathway.json: groups[2].credits must be positive`).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::StackingError;
use super::credits::{MAX_HOURS_PER_ECTS, MIN_HOURS_PER_ECTS};

/// The largest credit number a pathway may state (in any unit); far above any real diploma,
/// it keeps every sum exact in integers.
pub const MAX_CREDITS: f64 = 1_000_000.0;
/// The most groups a pathway may have.
pub const MAX_GROUPS: usize = 10_000;

/// The only version of the pathway format so far.
pub const PATHWAY_VERSION: u32 = 1;

/// The unit a pathway counts in; all its credit numbers are in this unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PathwayUnit {
    Ects,
    /// Study hours.
    Hours,
    /// Studiebelastingsuren (mbo), hours by definition.
    Sbu,
}

impl PathwayUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            PathwayUnit::Ects => "ECTS",
            PathwayUnit::Hours => "hours",
            PathwayUnit::Sbu => "SBU",
        }
    }

    /// Study hours in one of this unit.
    pub fn hours(self, hours_per_ects: f64) -> f64 {
        match self {
            PathwayUnit::Ects => hours_per_ects,
            PathwayUnit::Hours | PathwayUnit::Sbu => 1.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pathway {
    /// Optional link to the JSON Schema, for editors.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Format version; must be 1.
    pub version: u32,
    /// A short stable id for the pathway (letters, digits, `-`, `_`, `.`).
    pub id: String,
    pub target: Target,
    /// The unit every credit number in this file is in.
    pub unit: PathwayUnit,
    /// Study hours per ECTS used to convert between ECTS and hours (25 to 30; 28 if absent).
    #[serde(default = "default_hours_per_ects")]
    pub hours_per_ects: f64,
    pub groups: Vec<Group>,
}

fn default_hours_per_ects() -> f64 {
    super::credits::DEFAULT_HOURS_PER_ECTS
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub name: String,
    /// Who awards the target (a school, an exam committee, or the learner for a personal goal).
    pub awarding_body: String,
    /// Credits needed for the whole target, in the pathway's unit.
    pub total_credits: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One group of requirements. Either it asks for `credits` from credentials that pass its
/// filters, or it names one `achievement` (then `credits`, if given, is what that achievement
/// counts for). `min_level` and `max_age_months` apply to both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achievement: Option<AchievementRef>,
    /// Skill URIs, codes or labels; a credential matches when it is aligned to any of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<String>,
    /// Framework names (ESCO, CompetentNL, DigComp, ...); matches any alignment in any of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frameworks: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Issuer ids or names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issuers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_level: Option<LevelRequirement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_months: Option<u32>,
}

impl Group {
    pub fn is_achievement(&self) -> bool {
        self.achievement.is_some()
    }
}

/// A named achievement: by its id, or by issuer and title.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AchievementRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl AchievementRef {
    /// How the achievement is shown to a learner.
    pub fn describe(&self) -> String {
        match (&self.title, &self.issuer, &self.id) {
            (Some(t), Some(i), _) => format!("{t} ({i})"),
            (Some(t), None, _) => t.clone(),
            (None, _, Some(id)) => id.clone(),
            (None, Some(i), None) => i.clone(),
            (None, None, None) => String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelRequirement {
    /// `EQF` or `NLQF` (compared on one scale) or another framework by name.
    pub framework: String,
    pub level: u8,
}

/// Reads and checks a pathway file. `file` is the name used in error messages.
pub fn parse_pathway(file: &str, bytes: &[u8]) -> Result<Pathway, StackingError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let pathway: Pathway = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.to_string();
        StackingError::Syntax {
            file: file.to_string(),
            field: if path == "." || path.is_empty() { None } else { Some(path) },
            message,
        }
    })?;
    validate(file, &pathway)?;
    Ok(pathway)
}

/// Checks the rules a well-formed file can still break; the first broken rule is the error.
pub fn validate(file: &str, p: &Pathway) -> Result<(), StackingError> {
    let bad = |field: String, problem: String| StackingError::Invalid { file: file.to_string(), field, problem };
    if p.version != PATHWAY_VERSION {
        return Err(bad("version".into(), format!("must be {PATHWAY_VERSION}, this file says {}", p.version)));
    }
    if p.id.trim().is_empty() || !p.id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return Err(bad("id".into(), "must be a non-empty name of letters, digits, '-', '_' or '.'".into()));
    }
    if p.target.name.trim().is_empty() {
        return Err(bad("target.name".into(), "must not be empty".into()));
    }
    if p.target.awarding_body.trim().is_empty() {
        return Err(bad("target.awarding_body".into(), "must not be empty".into()));
    }
    if !(p.target.total_credits.is_finite() && p.target.total_credits > 0.0) {
        return Err(bad("target.total_credits".into(), "must be positive".into()));
    }
    if p.target.total_credits > MAX_CREDITS {
        return Err(bad("target.total_credits".into(), format!("must be at most {MAX_CREDITS}")));
    }
    if p.groups.len() > MAX_GROUPS {
        return Err(bad("groups".into(), format!("must list at most {MAX_GROUPS} groups")));
    }
    if !(MIN_HOURS_PER_ECTS..=MAX_HOURS_PER_ECTS).contains(&p.hours_per_ects) {
        return Err(bad(
            "hours_per_ects".into(),
            format!("must be between {MIN_HOURS_PER_ECTS} and {MAX_HOURS_PER_ECTS}, not {}", p.hours_per_ects),
        ));
    }
    if p.groups.is_empty() {
        return Err(bad("groups".into(), "must list at least one group".into()));
    }
    let mut ids = HashSet::new();
    let mut sum = 0.0;
    for (i, g) in p.groups.iter().enumerate() {
        let at = |f: &str| format!("groups[{i}].{f}");
        if g.id.trim().is_empty() {
            return Err(bad(at("id"), "must not be empty".into()));
        }
        if !ids.insert(g.id.as_str()) {
            return Err(bad(at("id"), format!("'{}' is used by an earlier group; group ids must differ", g.id)));
        }
        if g.name.trim().is_empty() {
            return Err(bad(at("name"), "must not be empty".into()));
        }
        if let Some(c) = g.credits {
            if !(c.is_finite() && c > 0.0) {
                return Err(bad(at("credits"), "must be positive".into()));
            }
            if c > MAX_CREDITS {
                return Err(bad(at("credits"), format!("must be at most {MAX_CREDITS}")));
            }
            sum += c;
        }
        match &g.achievement {
            None => {
                if g.credits.is_none() {
                    return Err(bad(format!("groups[{i}]"), "must ask for credits or name an achievement".into()));
                }
            }
            Some(a) => {
                let filled = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
                let named = filled(&a.id) || (filled(&a.issuer) && filled(&a.title));
                if !named {
                    return Err(bad(at("achievement"), "must give an id, or an issuer and a title".into()));
                }
                for (name, list) in
                    [("skills", &g.skills), ("frameworks", &g.frameworks), ("tags", &g.tags), ("issuers", &g.issuers)]
                {
                    if !list.is_empty() {
                        return Err(bad(
                            at(name),
                            "cannot be combined with achievement (the achievement names the credential)".into(),
                        ));
                    }
                }
            }
        }
        for (name, list) in
            [("skills", &g.skills), ("frameworks", &g.frameworks), ("tags", &g.tags), ("issuers", &g.issuers)]
        {
            if let Some(j) = list.iter().position(|s| s.trim().is_empty()) {
                return Err(bad(format!("groups[{i}].{name}[{j}]"), "must not be empty".into()));
            }
        }
        if let Some(l) = &g.min_level {
            if l.framework.trim().is_empty() {
                return Err(bad(at("min_level.framework"), "must not be empty".into()));
            }
            if !(1..=8).contains(&l.level) {
                return Err(bad(at("min_level.level"), format!("must be between 1 and 8, not {}", l.level)));
            }
        }
        if g.max_age_months == Some(0) {
            return Err(bad(at("max_age_months"), "must be positive".into()));
        }
    }
    if p.target.total_credits > sum + 1e-9 {
        return Err(bad(
            "target.total_credits".into(),
            format!("is {} but the groups together ask for only {sum}", p.target.total_credits),
        ));
    }
    Ok(())
}
