//! A personal goal made from skills the learner chose (the app's Skills screen, or
//! `stapel pathway goal`): an ordinary pathway, in hours, with one group per skill asking for
//! the same study hours, so it is stored, matched and reported like any pathway file. Storing
//! it under an id no stored pathway has is `wallet::add_personal_goal`.

use serde::Deserialize;

use super::pathway::{self, Group, PATHWAY_VERSION, Pathway, PathwayUnit, Target};
use super::{DEFAULT_HOURS_PER_ECTS, StackingError};

/// One skill a goal asks for: the key the wallet's skill index gives it (a framework URL, a
/// code or a label; for a tag, the tag) and the label to show.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GoalSkill {
    pub key: String,
    pub label: String,
    /// A plain tag rather than an aligned skill.
    #[serde(default)]
    pub tag: bool,
}

/// What the learner asks for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GoalRequest {
    pub name: String,
    /// Who awards it: the learner ("Myself", in the learner's language).
    pub awarding_body: String,
    pub skills: Vec<GoalSkill>,
    /// Study hours each skill asks for (1 ECTS = 28 hours).
    pub hours_per_skill: f64,
}

/// What a goal is called in its errors (as a pathway file is by its name).
pub(crate) const WHAT: &str = "the personal goal";

fn invalid(field: &str, problem: impl Into<String>) -> StackingError {
    StackingError::Invalid { file: WHAT.into(), field: field.into(), problem: problem.into() }
}

/// `goal-` and the name in lowercase letters and digits joined by `-` (at most 40 of them),
/// accents dropped (`Één doel` → `goal-een-doel`); other letters fall away.
pub(crate) fn slug(name: &str) -> String {
    use unicode_normalization::{UnicodeNormalization as _, char::is_combining_mark};
    let mut out = String::new();
    for c in name.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() { "goal".into() } else { format!("goal-{out}") }
}

/// The pathway for `request` under `id`: one group per distinct skill (in the order given),
/// each asking for `hours_per_skill` hours; the target is their sum. Checked like a file.
pub fn personal_goal(id: &str, request: &GoalRequest) -> Result<Pathway, StackingError> {
    if request.name.trim().is_empty() {
        return Err(invalid("name", "is empty: give the goal a name"));
    }
    let hours = request.hours_per_skill;
    if !(hours.is_finite() && hours > 0.0) {
        return Err(invalid("hours per skill", format!("must be a positive number of hours, not {hours}")));
    }
    let mut seen = std::collections::HashSet::new();
    let skills: Vec<&GoalSkill> = request
        .skills
        .iter()
        .filter(|s| !s.key.trim().is_empty() && seen.insert((s.tag, s.key.trim().to_string())))
        .collect();
    if skills.is_empty() {
        return Err(invalid("skills", "are missing: choose at least one skill"));
    }
    let groups = skills
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let key = vec![s.key.trim().to_string()];
            let label = if s.label.trim().is_empty() { s.key.trim() } else { s.label.trim() };
            Group {
                id: format!("skill-{}", i + 1),
                name: label.to_string(),
                description: None,
                credits: Some(hours),
                achievement: None,
                skills: if s.tag { Vec::new() } else { key.clone() },
                frameworks: Vec::new(),
                tags: if s.tag { key } else { Vec::new() },
                issuers: Vec::new(),
                min_level: None,
                max_age_months: None,
            }
        })
        .collect::<Vec<_>>();
    let p = Pathway {
        schema: None,
        version: PATHWAY_VERSION,
        id: id.to_string(),
        target: Target {
            name: request.name.trim().to_string(),
            awarding_body: request.awarding_body.trim().to_string(),
            total_credits: hours * groups.len() as f64,
            description: None,
            url: None,
        },
        unit: PathwayUnit::Hours,
        hours_per_ects: DEFAULT_HOURS_PER_ECTS,
        groups,
    };
    pathway::validate(WHAT, &p)?;
    Ok(p)
}
