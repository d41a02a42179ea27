//! The credit value of one credential, a reading of its view: which of the credit statements
//! it carries is used, and what it is worth in study hours. The precedence and the conversion
//! table are documented in `docs/pathways.md` ("Credit values"); this file is the one place
//! they are implemented.

use serde::Serialize;

use super::{Credential, Credit, CreditUnit};

/// The Dutch norm: 1 ECTS is 28 hours of study load.
pub const DEFAULT_HOURS_PER_ECTS: f64 = 28.0;
/// The lowest hours-per-ECTS a pathway may set (the ECTS guide allows 25 to 30).
pub const MIN_HOURS_PER_ECTS: f64 = 25.0;
/// The highest hours-per-ECTS a pathway may set.
pub const MAX_HOURS_PER_ECTS: f64 = 30.0;

/// What kind of statement a credit value was taken from, in order of precedence: a statement
/// earlier in this list wins over a later one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CreditBasis {
    /// Credits the learner earned, from a result (OB3 `Result` / `creditsEarned`).
    Earned,
    /// ECTS the achievement is worth (edubadges ECTS, OB3 `creditsAvailable` in ECTS).
    Ects,
    /// Study load in SBU or study hours (edubadges study load, mbo SBU).
    StudyLoad,
    /// Time investment in hours (edubadges time investment, typical for extra-curricular).
    TimeInvestment,
    /// The EU "notional workload" element, read from its text.
    Workload,
}

/// The one credit value Stapel uses for a credential, with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreditValue {
    /// The amount as stated.
    pub amount: f64,
    /// The unit as stated.
    pub unit: CreditUnit,
    /// The field it was read from (e.g. `achievement.creditsAvailable`, `edubadges.ects`).
    pub source: String,
    pub basis: CreditBasis,
    /// The value in study hours, with the hours-per-ECTS it was computed with.
    pub hours: f64,
    pub hours_per_ects: f64,
    /// The credential gave no unit and Stapel read the amount as ECTS (OB3
    /// `creditsAvailable` / `creditsEarned`, see `docs/decisions/0041-ob3-credits-read-as-ects.md`);
    /// shown as "ECTS (unit assumed)" wherever the value is shown.
    pub unit_assumed: bool,
    /// Other credit statements the credential carries that lost on precedence or could not be
    /// converted; shown so a learner sees nothing was hidden.
    pub other_statements: Vec<Credit>,
}

impl CreditValue {
    /// The value in ECTS, with the hours-per-ECTS it was computed with.
    pub fn ects(&self) -> f64 {
        self.hours / self.hours_per_ects
    }
}

/// The credit value of a credential, or `None` when it states no usable credit value at all
/// ("no credit value": never a silent zero). A credential that states 0 explicitly has the
/// value 0. `hours_per_ects` is the conversion the pathway uses (28 unless it says otherwise).
pub fn credit_value(credential: &Credential, hours_per_ects: f64) -> Option<CreditValue> {
    let mut statements = statements(credential);
    // Stable precedence: basis, then a stated unit before an assumed one, then unit (ECTS,
    // SBU, hours), then source, then amount.
    statements.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then_with(|| unit_is_assumed(a).cmp(&unit_is_assumed(b)))
            .then_with(|| unit_rank(a.unit).cmp(&unit_rank(b.unit)))
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.amount.total_cmp(&b.amount))
    });
    let chosen_at = statements.iter().position(usable)?;
    let chosen = statements.remove(chosen_at);
    let unit_assumed = unit_is_assumed(&chosen);
    let hours = to_hours(chosen.amount, chosen.unit, hours_per_ects)?;
    let basis = basis_of(&chosen);
    let mut other_statements = Vec::new();
    for s in statements {
        let same_as_chosen = s.amount == chosen.amount && s.unit == chosen.unit;
        if !same_as_chosen && !other_statements.contains(&s) {
            other_statements.push(s);
        }
    }
    Some(CreditValue {
        amount: chosen.amount,
        unit: chosen.unit,
        source: chosen.source,
        basis,
        hours,
        hours_per_ects,
        unit_assumed,
        other_statements,
    })
}

/// The OB3 fields whose amount the specification gives without a unit. Stapel reads them as
/// ECTS (decision 0041): the European unit of credit, and what every European issuer of OB3
/// credentials seen so far means by them. A unit stated anywhere else still wins.
pub const UNITLESS_ECTS_SOURCES: [&str; 3] =
    ["achievement.creditsAvailable", "credentialSubject.creditsEarned", "result.creditsEarned"];

/// Whether a statement is one of the unit-less OB3 fields read as ECTS.
pub fn unit_is_assumed(c: &Credit) -> bool {
    matches!(c.unit, CreditUnit::Ects | CreditUnit::Other) && UNITLESS_ECTS_SOURCES.contains(&c.source.as_str())
}

/// Every credit statement of a credential: its `credits` list, the edubadges fields and the
/// EU workload text, each with its source. The unit-less OB3 fields
/// ([`UNITLESS_ECTS_SOURCES`]) come out in ECTS.
pub fn statements(credential: &Credential) -> Vec<Credit> {
    let mut out: Vec<Credit> = credential
        .credits
        .iter()
        .map(|c| {
            let mut c = c.clone();
            if c.unit == CreditUnit::Other && UNITLESS_ECTS_SOURCES.contains(&c.source.as_str()) {
                c.unit = CreditUnit::Ects;
            }
            c
        })
        .collect();
    let mut push = |amount: Option<f64>, unit: CreditUnit, source: &str| {
        if let Some(amount) = amount {
            out.push(Credit { amount, unit, source: source.to_string() });
        }
    };
    if let Some(e) = &credential.edubadges {
        push(e.ects, CreditUnit::Ects, "edubadges.ects");
        push(e.study_load_hours, CreditUnit::Hours, "edubadges.study_load_hours");
        push(e.time_investment_hours, CreditUnit::Hours, "edubadges.time_investment_hours");
    }
    if let Some(text) = &credential.eu.workload
        && let Some((amount, unit)) = parse_workload(text)
    {
        out.push(Credit { amount, unit, source: "eu.workload".to_string() });
    }
    out
}

/// Reads an EU workload text such as `5 ECTS`, `140 hours`, `120 uur`, `240 SBU` or `3,5 EC`.
/// Text without a number and a known unit gives `None` (it is not guessed at).
pub fn parse_workload(text: &str) -> Option<(f64, CreditUnit)> {
    let t = text.trim().to_lowercase();
    let start = t.find(|c: char| c.is_ascii_digit())?;
    let rest = &t[start..];
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',')).unwrap_or(rest.len());
    let number = rest[..end].trim_end_matches(['.', ',']).replace(',', ".");
    let amount: f64 = number.parse().ok()?;
    let word: String = rest[end..].trim_start().chars().take_while(|c| c.is_alphabetic()).collect();
    let unit = match word.as_str() {
        "ects" | "ec" | "european" => CreditUnit::Ects,
        "sbu" | "studiebelastingsuren" => CreditUnit::Sbu,
        "h" | "hr" | "hrs" | "hour" | "hours" | "uur" | "uren" | "studieuren" | "study" => CreditUnit::Hours,
        _ => return None,
    };
    Some((amount, unit))
}

/// Converts an amount to study hours; `None` for a unit that has no conversion.
pub fn to_hours(amount: f64, unit: CreditUnit, hours_per_ects: f64) -> Option<f64> {
    match unit {
        CreditUnit::Ects => Some(amount * hours_per_ects),
        CreditUnit::Hours | CreditUnit::Sbu => Some(amount),
        CreditUnit::Other => None,
    }
}

fn usable(c: &Credit) -> bool {
    c.amount.is_finite() && c.amount >= 0.0 && c.unit != CreditUnit::Other
}

fn is_earned(c: &Credit) -> bool {
    let s = c.source.to_ascii_lowercase();
    s.contains("earned") || s.starts_with("result")
}

fn is_time_investment(c: &Credit) -> bool {
    let s = c.source.to_ascii_lowercase();
    s.contains("timeinvestment") || s.contains("time_investment") || s.contains("time investment")
}

fn basis_of(c: &Credit) -> CreditBasis {
    if is_earned(c) {
        CreditBasis::Earned
    } else if c.source.to_ascii_lowercase().contains("workload") {
        CreditBasis::Workload
    } else if c.unit == CreditUnit::Ects {
        CreditBasis::Ects
    } else if is_time_investment(c) {
        CreditBasis::TimeInvestment
    } else {
        CreditBasis::StudyLoad
    }
}

fn rank(c: &Credit) -> (u8, CreditBasis) {
    // Unusable statements sort last so the first usable one is the chosen one.
    (u8::from(!usable(c)), basis_of(c))
}

fn unit_rank(u: CreditUnit) -> u8 {
    match u {
        CreditUnit::Ects => 0,
        CreditUnit::Sbu => 1,
        CreditUnit::Hours => 2,
        CreditUnit::Other => 3,
    }
}

/// How a unit is written for a learner: `ECTS`, `SBU`, `hours`, `(unknown unit)`.
pub fn unit_name(unit: CreditUnit) -> &'static str {
    match unit {
        CreditUnit::Ects => "ECTS",
        CreditUnit::Sbu => "SBU",
        CreditUnit::Hours => "hours",
        CreditUnit::Other => "(unknown unit)",
    }
}
