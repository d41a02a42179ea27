//! Progress towards a pathway: which credentials may count for which group (filters, level,
//! age, validity dates, verification), the best assignment found by the matcher, and the
//! report a learner reads: per group what is required, earned, counted, missing and about to
//! expire, and the totals. The report serializes as the `--json` output of `stapel progress`.
//! A container that states credits of its own (a CLR) and the credentials inside it are never
//! both counted (decision 0045).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Months, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use serde::Serialize;

use super::StackingError;
use super::credits::{CreditValue, credit_value};
use super::matcher::{self, Item, Need, Problem};
use super::pathway::{AchievementRef, Group, LevelRequirement, Pathway, PathwayUnit, validate};
use crate::formats::Credential;

/// What the verifier concluded about a credential, handed in by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Eligibility {
    /// Every check ran and passed: the credential counts.
    Verified,
    /// A check could not run (offline, unknown key type): shown apart, "would count if verified".
    Unverifiable,
    /// A check ran and failed (bad proof, revoked, expired): never counts.
    Invalid,
}

/// One credential handed to [`progress`]: its id (ids must differ), the credential, what the
/// verifier concluded, and the credential it is part of, if any.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CredentialInput<'a> {
    pub id: &'a str,
    pub credential: &'a Credential,
    pub eligibility: Eligibility,
    /// The id of the credential this one is part of: a CLR's achievement credential is part of
    /// the CLR (the wallet's `Summary::parent`). When that container, or one above it, states
    /// credits of its own, the two are never both counted.
    pub part_of: Option<&'a str>,
}

impl<'a> CredentialInput<'a> {
    /// A credential that is part of nothing.
    pub fn new(id: &'a str, credential: &'a Credential, eligibility: Eligibility) -> Self {
        CredentialInput { id, credential, eligibility, part_of: None }
    }

    /// The same credential, as part of the credential with id `container`.
    pub fn part_of(self, container: &'a str) -> Self {
        CredentialInput { part_of: Some(container), ..self }
    }
}

/// How progress is computed.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchOptions {
    pub now: DateTime<Utc>,
    /// A counted credential that stops counting within this many days is listed as expiring.
    pub expiry_warning_days: u32,
    /// Search budget for the matcher (see [`matcher::DEFAULT_NODE_BUDGET`]).
    pub node_budget: u64,
    /// Count unverifiable credentials as if verified (the learner chose to; off by default).
    pub count_unverifiable: bool,
}

impl MatchOptions {
    /// The defaults at a given moment: 90 days of expiry warning, the default node budget,
    /// only verified credentials count.
    pub fn at(now: DateTime<Utc>) -> Self {
        MatchOptions {
            now,
            expiry_warning_days: 90,
            node_budget: matcher::DEFAULT_NODE_BUDGET,
            count_unverifiable: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupKind {
    Credits,
    Achievement,
}

/// A credential counted for a group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Counted {
    pub id: String,
    pub title: String,
    pub issuer: Option<String>,
    /// Its credit value in the pathway's unit (rounded to 0.01), `None` for "no credit value".
    pub credits: Option<f64>,
    /// The statement the value came from.
    pub credit: Option<CreditValue>,
    /// When it stops counting for this group (validity end or maximum age), if ever.
    pub counts_until: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupProgress {
    pub id: String,
    pub name: String,
    pub kind: GroupKind,
    /// The named achievement, as shown to the learner.
    pub achievement: Option<String>,
    /// Credits this group asks for (for an achievement group: what it counts for, maybe 0).
    pub required: f64,
    /// Credits of the counted credentials, summed (may exceed `required`).
    pub earned: f64,
    /// `min(earned, required)` for a credit group; `required` once an achievement is there.
    pub fulfilled: f64,
    pub missing: f64,
    pub complete: bool,
    pub counted: Vec<Counted>,
    /// Verified credentials that fit this group but were not needed (or went elsewhere).
    pub also_fits: Vec<String>,
    /// Verified credentials that fit this group's filters but state no credit value.
    pub no_credit_value: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExpiryCause {
    /// The credential's own validity ends (`validUntil`).
    ValidUntil,
    /// The group's maximum age is reached.
    MaxAge,
}

/// A counted credential that stops counting within the warning window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expiring {
    pub id: String,
    pub group: String,
    pub on: String,
    pub cause: ExpiryCause,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotCountedReason {
    /// Verification could not run; it would count if verified.
    Unverifiable,
    /// Verification failed (bad proof, revoked, ...).
    Invalid,
    /// Its validity ended before `now`.
    Expired,
    /// Its validity starts after `now`.
    NotYetValid,
    /// It is part of a credential that states credits of its own and is counted
    /// (`counted_instead` names it): the same study is counted once (decision 0045).
    ContainerCounted,
    /// It states credits of its own, and credentials inside it are counted
    /// (`counted_instead` names them): the same study is counted once (decision 0045).
    PartsCounted,
}

/// A credential that fits a group but is not counted, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotCounted {
    pub id: String,
    pub title: String,
    pub reason: NotCountedReason,
    /// Groups it fits.
    pub groups: Vec<String>,
    /// For `container-counted`: the container that is counted; for `parts-counted`: the
    /// credentials inside it that are counted. Empty for the other reasons.
    pub counted_instead: Vec<String>,
}

/// What verifying the unverifiable credentials would add.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IfVerified {
    /// Total earned if they all verified.
    pub earned: f64,
    /// The unverifiable credentials that would then count, each with its group.
    pub credentials: Vec<WouldCount>,
}

/// An unverifiable credential that would count for `group` if it verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WouldCount {
    pub id: String,
    pub group: String,
}

/// How the assignment was found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchReport {
    /// No assignment of the counted credentials fulfils more.
    pub proven_optimal: bool,
    /// The most any assignment could fulfil (in the pathway's unit).
    pub upper_bound: f64,
    pub nodes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub pathway: String,
    pub target: String,
    pub awarding_body: String,
    pub unit: PathwayUnit,
    pub hours_per_ects: f64,
    pub now: String,
    /// The target's total credits.
    pub required: f64,
    /// Credits fulfilled over all groups, at most `required`.
    pub earned: f64,
    pub missing: f64,
    /// Every group complete and the total reached.
    pub complete: bool,
    pub groups: Vec<GroupProgress>,
    pub expiring: Vec<Expiring>,
    pub not_counted: Vec<NotCounted>,
    pub if_verified: Option<IfVerified>,
    pub search: SearchReport,
}

/// A credential's value is capped at 100 million study hours (in hundredths), so sums over any
/// wallet stay exact in 64-bit integers; no real credential comes near.
const MAX_ITEM_CENTIHOURS: i64 = 10_000_000_000;

/// When a credential stops counting for a group, and why.
type Until = (DateTime<Utc>, ExpiryCause);

/// One credential's standing, computed once.
struct Prepared<'a> {
    id: &'a str,
    credential: &'a Credential,
    eligibility: Eligibility,
    part_of: Option<&'a str>,
    date_problem: Option<NotCountedReason>,
    credit: Option<CreditValue>,
    /// Value in hundredths of a study hour (0 without a credit value).
    value: i64,
    /// Groups whose rules it meets, each with when it stops counting there.
    fits: Vec<(usize, Option<Until>)>,
}

/// Computes progress towards `pathway` from the learner's credentials; ids must differ. Only
/// verified credentials count (unless `options.count_unverifiable`); invalid, expired and
/// not-yet-valid ones never do. A credential inside a container that states credits of its
/// own (at any depth, following `part_of` through the credentials handed in) is never counted
/// together with that container: the matcher counts the container or any of its parts,
/// whichever fulfils more, and the other is listed in `not_counted` with the reason.
pub fn progress(
    pathway: &Pathway,
    credentials: &[CredentialInput<'_>],
    options: &MatchOptions,
) -> Result<Progress, StackingError> {
    validate("pathway", pathway)?;
    let now = options.now;
    let hpe = pathway.hours_per_ects;
    let unit_centi = pathway.unit.hours(hpe) * 100.0;
    let to_centi = |credits: f64| (credits * unit_centi).round() as i64;
    let from_centi = |c: i64| round2(c as f64 / unit_centi);

    let mut seen = HashSet::new();
    let mut prepared: Vec<Prepared<'_>> = Vec::with_capacity(credentials.len());
    for &CredentialInput { id, credential, eligibility, part_of } in credentials {
        if !seen.insert(id) {
            return Err(StackingError::DuplicateCredential(id.to_string()));
        }
        let credit = credit_value(credential, hpe);
        let value = credit.as_ref().map_or(0, |c| (c.hours * 100.0).round() as i64).clamp(0, MAX_ITEM_CENTIHOURS);
        let date_problem = date_problem(credential, now);
        let fits = pathway
            .groups
            .iter()
            .enumerate()
            .filter_map(|(g, group)| fits(group, credential, now).map(|until| (g, until)))
            .collect();
        prepared.push(Prepared { id, credential, eligibility, part_of, date_problem, credit, value, fits });
    }
    // The stable order every decision is made in: by credential id.
    prepared.sort_by(|a, b| a.id.cmp(b.id));
    // Per credential, the containers above it (nearest first) among those handed in, and the
    // credentials below it.
    let index: HashMap<&str, usize> = prepared.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    let mut above: Vec<Vec<usize>> = Vec::with_capacity(prepared.len());
    for p in &prepared {
        let mut chain = Vec::new();
        let mut at = p.part_of;
        while let Some(&a) = at.and_then(|id| index.get(id)) {
            if prepared[a].id == p.id || chain.contains(&a) {
                return Err(StackingError::ContainerCycle(prepared[a].id.to_string()));
            }
            chain.push(a);
            at = prepared[a].part_of;
        }
        above.push(chain);
    }
    let mut below: Vec<Vec<usize>> = vec![Vec::new(); prepared.len()];
    for (i, chain) in above.iter().enumerate() {
        for &a in chain {
            below[a].push(i);
        }
    }

    let counts = |p: &Prepared<'_>, with_unverifiable: bool| {
        p.date_problem.is_none()
            && match p.eligibility {
                Eligibility::Verified => true,
                Eligibility::Unverifiable => with_unverifiable,
                Eligibility::Invalid => false,
            }
    };
    let needs: Vec<Need> = pathway
        .groups
        .iter()
        .map(|g| match &g.achievement {
            Some(_) => Need::Achievement { credits: g.credits.map_or(0, to_centi) },
            None => Need::Credits { required: to_centi(g.credits.unwrap_or(0.0)).max(1) },
        })
        .collect();
    let build = |with_unverifiable: bool| -> (Vec<usize>, Problem) {
        let members: Vec<usize> = (0..prepared.len())
            .filter(|&i| counts(&prepared[i], with_unverifiable) && !prepared[i].fits.is_empty())
            .collect();
        let mut position = vec![None; prepared.len()];
        for (k, &i) in members.iter().enumerate() {
            position[i] = Some(k);
        }
        let items = members
            .iter()
            .map(|&i| Item {
                value: prepared[i].value,
                groups: prepared[i].fits.iter().map(|f| f.0).collect(),
                // The nearest container that states credits and may count itself.
                part_of: above[i]
                    .iter()
                    .find(|&&a| prepared[a].credit.is_some() && position[a].is_some())
                    .and_then(|&a| position[a]),
            })
            .collect();
        (members, Problem { needs: needs.clone(), items })
    };

    let with_unverifiable = options.count_unverifiable;
    let (members, problem) = build(with_unverifiable);
    let solution = matcher::solve(&problem, options.node_budget);
    let mut assigned: Vec<Option<usize>> = vec![None; prepared.len()];
    for (k, &i) in members.iter().enumerate() {
        assigned[i] = solution.assignment[k];
    }

    let warn_until = now
        .checked_add_signed(TimeDelta::days(i64::from(options.expiry_warning_days)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let mut groups = Vec::with_capacity(pathway.groups.len());
    let mut expiring = Vec::new();
    let mut fulfilled_total = 0i64;
    for (g, group) in pathway.groups.iter().enumerate() {
        let mut counted = Vec::new();
        let mut earned = 0i64;
        let mut also_fits = Vec::new();
        let mut no_credit_value = Vec::new();
        for (i, p) in prepared.iter().enumerate() {
            let Some(&(_, until)) = p.fits.iter().find(|f| f.0 == g) else {
                continue;
            };
            if assigned[i] == Some(g) {
                earned += p.value;
                if let Some((when, cause)) = until
                    && when <= warn_until
                {
                    expiring.push(Expiring { id: p.id.to_string(), group: group.id.clone(), on: rfc3339(when), cause });
                }
                counted.push(Counted {
                    id: p.id.to_string(),
                    title: p.credential.title.clone(),
                    issuer: p.credential.issuer.name.clone().or_else(|| p.credential.issuer.id.clone()),
                    credits: p.credit.as_ref().map(|_| from_centi(p.value)),
                    credit: p.credit.clone(),
                    counts_until: until.map(|(w, _)| rfc3339(w)),
                });
            } else if counts(p, with_unverifiable) {
                if p.credit.is_none() && !group.is_achievement() {
                    no_credit_value.push(p.id.to_string());
                } else {
                    also_fits.push(p.id.to_string());
                }
            }
        }
        let (kind, required, fulfilled) = match needs[g] {
            Need::Credits { required } => (GroupKind::Credits, required, earned.min(required)),
            Need::Achievement { credits } => {
                (GroupKind::Achievement, credits, if counted.is_empty() { 0 } else { credits })
            }
        };
        let required_shown = group.credits.unwrap_or(0.0);
        fulfilled_total += fulfilled;
        let complete = match kind {
            GroupKind::Credits => earned >= required,
            GroupKind::Achievement => !counted.is_empty(),
        };
        groups.push(GroupProgress {
            id: group.id.clone(),
            name: group.name.clone(),
            kind,
            achievement: group.achievement.as_ref().map(AchievementRef::describe),
            required: required_shown,
            earned: match kind {
                GroupKind::Credits => from_centi(earned),
                GroupKind::Achievement => from_centi(fulfilled),
            },
            fulfilled: if complete { required_shown } else { from_centi(fulfilled) },
            missing: if complete { 0.0 } else { round2(required_shown - from_centi(fulfilled)).max(0.0) },
            complete,
            counted,
            also_fits,
            no_credit_value,
        });
    }
    expiring.sort_by(|a, b| a.on.cmp(&b.on).then_with(|| a.id.cmp(&b.id)).then_with(|| a.group.cmp(&b.group)));

    // Not counted: not eligible, or kept out by a counted container or counted parts.
    let mut not_counted: Vec<NotCounted> = Vec::new();
    for (i, p) in prepared.iter().enumerate() {
        if p.fits.is_empty() || assigned[i].is_some() {
            continue;
        }
        let (reason, counted_instead) = if !counts(p, with_unverifiable) {
            let reason = match (p.eligibility, p.date_problem) {
                (Eligibility::Invalid, _) => NotCountedReason::Invalid,
                (_, Some(r)) => r,
                _ => NotCountedReason::Unverifiable,
            };
            (reason, Vec::new())
        } else if let Some(&a) = above[i].iter().find(|&&a| prepared[a].credit.is_some() && assigned[a].is_some()) {
            (NotCountedReason::ContainerCounted, vec![prepared[a].id.to_string()])
        } else {
            let parts: Vec<String> = if p.credit.is_some() {
                below[i].iter().filter(|&&j| assigned[j].is_some()).map(|&j| prepared[j].id.to_string()).collect()
            } else {
                Vec::new()
            };
            if parts.is_empty() {
                continue;
            }
            (NotCountedReason::PartsCounted, parts)
        };
        not_counted.push(NotCounted {
            id: p.id.to_string(),
            title: p.credential.title.clone(),
            reason,
            groups: p.fits.iter().map(|f| pathway.groups[f.0].id.clone()).collect(),
            counted_instead,
        });
    }

    // What verifying the unverifiable ones would add.
    let if_verified = if !with_unverifiable && not_counted.iter().any(|n| n.reason == NotCountedReason::Unverifiable) {
        let (members2, problem2) = build(true);
        let sol2 = matcher::solve(&problem2, options.node_budget);
        let credentials = members2
            .iter()
            .zip(&sol2.assignment)
            .filter_map(|(&i, a)| {
                let g = (*a)?;
                (prepared[i].eligibility == Eligibility::Unverifiable)
                    .then(|| WouldCount { id: prepared[i].id.to_string(), group: pathway.groups[g].id.clone() })
            })
            .collect();
        let total = to_centi(pathway.target.total_credits);
        Some(IfVerified { earned: from_centi(sol2.fulfilled.min(total)), credentials })
    } else {
        None
    };

    let total = to_centi(pathway.target.total_credits);
    let earned_total = fulfilled_total.min(total);
    let complete = earned_total >= total && groups.iter().all(|g| g.complete);
    Ok(Progress {
        pathway: pathway.id.clone(),
        target: pathway.target.name.clone(),
        awarding_body: pathway.target.awarding_body.clone(),
        unit: pathway.unit,
        hours_per_ects: hpe,
        now: rfc3339(now),
        required: pathway.target.total_credits,
        earned: from_centi(earned_total),
        missing: round2(from_centi(total - earned_total)).max(0.0),
        complete,
        groups,
        expiring,
        not_counted,
        if_verified,
        search: SearchReport {
            proven_optimal: solution.proven_optimal,
            upper_bound: from_centi(solution.upper_bound),
            nodes: solution.nodes,
        },
    })
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Reads a date as the formats module writes it (RFC 3339), or a bare date or date-time.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
}

fn date_problem(c: &Credential, now: DateTime<Utc>) -> Option<NotCountedReason> {
    if c.valid_until.as_deref().and_then(parse_date).is_some_and(|t| t <= now) {
        return Some(NotCountedReason::Expired);
    }
    if c.valid_from.as_deref().and_then(parse_date).is_some_and(|t| t > now) {
        return Some(NotCountedReason::NotYetValid);
    }
    None
}

/// Whether a credential meets a group's rules at `now`; if so, when it stops counting there.
fn fits(group: &Group, c: &Credential, now: DateTime<Utc>) -> Option<Option<Until>> {
    if let Some(a) = &group.achievement
        && !achievement_matches(a, c)
    {
        return None;
    }
    let any = |list: &[String], f: &dyn Fn(&str) -> bool| list.is_empty() || list.iter().any(|s| f(s));
    if !any(&group.skills, &|s| c.skills.iter().any(|k| skill_matches(s, k))) {
        return None;
    }
    if !any(&group.frameworks, &|f| {
        c.skills.iter().any(|k| k.framework.as_deref().is_some_and(|kf| kf.trim().eq_ignore_ascii_case(f.trim())))
    }) {
        return None;
    }
    if !any(&group.tags, &|t| c.tags.iter().any(|ct| ct.trim().eq_ignore_ascii_case(t.trim()))) {
        return None;
    }
    if !any(&group.issuers, &|i| issuer_matches(i, c)) {
        return None;
    }
    if let Some(req) = &group.min_level
        && !level_meets(req, c)
    {
        return None;
    }
    let mut until: Option<Until> = c.valid_until.as_deref().and_then(parse_date).map(|t| (t, ExpiryCause::ValidUntil));
    if let Some(months) = group.max_age_months {
        let issued = c.issued.as_deref().or(c.valid_from.as_deref()).and_then(parse_date)?;
        let ages_out = issued.checked_add_months(Months::new(months))?;
        if ages_out <= now {
            return None;
        }
        if until.is_none_or(|(t, _)| ages_out < t) {
            until = Some((ages_out, ExpiryCause::MaxAge));
        }
    }
    Some(until)
}

fn achievement_matches(a: &AchievementRef, c: &Credential) -> bool {
    if let Some(id) = a.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        return c.achievement.id.as_deref().is_some_and(|cid| cid.trim() == id);
    }
    let (Some(issuer), Some(title)) = (&a.issuer, &a.title) else {
        return false;
    };
    let title = title.trim();
    issuer_matches(issuer, c)
        && (c.achievement.name.as_deref().is_some_and(|n| n.trim().eq_ignore_ascii_case(title))
            || c.title.trim().eq_ignore_ascii_case(title))
}

fn issuer_matches(wanted: &str, c: &Credential) -> bool {
    let w = wanted.trim();
    let eq = |s: &Option<String>| s.as_deref().is_some_and(|s| s.trim().eq_ignore_ascii_case(w));
    eq(&c.issuer.id)
        || eq(&c.issuer.name)
        || c.edubadges.as_ref().is_some_and(|e| eq(&e.institution_identifier) || eq(&e.institution_name))
}

fn skill_matches(wanted: &str, k: &crate::formats::Skill) -> bool {
    let w = wanted.trim();
    let norm = |u: &str| u.trim().trim_end_matches('/').to_string();
    k.url.as_deref().is_some_and(|u| norm(u) == norm(w))
        || k.code.as_deref().is_some_and(|code| code.trim().eq_ignore_ascii_case(w))
        || k.label.trim().eq_ignore_ascii_case(w)
}

/// EQF and NLQF share one 1-8 scale (the NLQF is referenced to the EQF level for level);
/// other frameworks compare only with themselves.
fn level_meets(req: &LevelRequirement, c: &Credential) -> bool {
    let family = |f: &str| {
        let f = f.trim().to_ascii_uppercase();
        if f == "EQF" || f == "NLQF" { "EQF/NLQF".to_string() } else { f }
    };
    let wanted = family(&req.framework);
    let from_levels = c.levels.iter().filter(|l| family(&l.framework) == wanted).filter_map(|l| level_number(&l.level));
    let from_edubadges = (wanted == "EQF/NLQF")
        .then(|| c.edubadges.as_ref().and_then(|e| e.eqf.as_deref()).and_then(level_number))
        .flatten();
    from_levels.chain(from_edubadges).any(|n| n >= u32::from(req.level))
}

/// The first number in a level text (`4`, `EQF level 4`, `NLQF 5`).
fn level_number(s: &str) -> Option<u32> {
    let digits: String = s.chars().skip_while(|c| !c.is_ascii_digit()).take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}
