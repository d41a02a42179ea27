//! W3C Verifiable Credentials (data model 1.1 and 2.0) into the normalized view: Open Badges
//! 3.0 `OpenBadgeCredential` / `AchievementCredential` / `EndorsementCredential`, CLR 2.0
//! `ClrCredential` (each nested credential read as a child), plain VCs (status list
//! credentials, DCC `Assertion` credentials with `hasCredential`), and SURF's educredential
//! terms (`ECTS`, `SBU`, `timeInvestment`, `educationProgramIdentifier`, `participationType`,
//! `assessmentType`, `identityChecked`, `supervisionType`, `ext:EQF` / `ext:QualityAssurance`
//! alignments, `inLanguage`, BRIN `otherIdentifier`).

use serde_json::Value;

use super::detect::{Ctx, read_json, read_jws};
use super::util::{
    Obj, bcp47, boolean, date, date_field, evidence, get_str, has_type, id_or_str, image, key_for, list, number,
    objects, push_unique, show_number, str_of, strings, types_of,
};
use super::{
    Achievement, Credential, Credit, CreditUnit, Edubadges, Evidence, Format, FormatError, Issuer, Level, Parsed,
    Recipient, ResultEntry, StatusEntry, Wrapping, skills,
};

/// Whether a JSON object is a Verifiable Credential (of any kind, not a presentation).
pub(crate) fn is_vc(o: &Obj) -> bool {
    if has_type(o, "VerifiablePresentation") {
        return false;
    }
    o.contains_key("credentialSubject")
        || types_of(o).iter().any(|t| t == "VerifiableCredential" || t.ends_with("Credential"))
}

fn issuer_of(v: Option<&Value>) -> Issuer {
    match v {
        Some(Value::Object(i)) => Issuer {
            id: get_str(i, "id"),
            name: get_str(i, "name"),
            url: get_str(i, "url"),
            image: id_or_str(i.get("image")),
            email: get_str(i, "email"),
            country: i
                .get("address")
                .and_then(Value::as_object)
                .and_then(|a| get_str(a, "addressCountry").or_else(|| get_str(a, "addressCountryCode"))),
        },
        other => Issuer { id: str_of(other), ..Issuer::default() },
    }
}

/// A JWT claim holding seconds since the epoch, as an RFC 3339 date.
fn claim_date(jwt: Option<&Obj>, claim: &str) -> Option<String> {
    date(jwt?.get(claim).filter(|v| v.is_number()))
}

/// Reads a credential. `jwt` holds the JWT claims when the credential came as a VC-JWT `vc`
/// claim; they fill what the credential leaves out (`jti`, `iss`, `sub`, `nbf`, `iat`, `exp`).
pub(crate) fn read(doc: Value, jwt: Option<&Obj>, format: Format, ctx: &mut Ctx<'_>) -> Result<Parsed, FormatError> {
    let Some(o) = doc.as_object() else {
        return Err(FormatError::NotACredential("the credential is not a JSON object".into()));
    };
    let mut warnings = Vec::new();
    let mut c = Credential {
        id: get_str(o, "id").or_else(|| jwt.and_then(|j| get_str(j, "jti"))),
        types: types_of(o),
        ..Credential::default()
    };

    c.issuer = issuer_of(o.get("issuer"));
    if c.issuer.id.is_none() {
        c.issuer.id = jwt.and_then(|j| get_str(j, "iss"));
    }

    let issuance = date_field(o, "issuanceDate", &mut warnings);
    let valid_from = date_field(o, "validFrom", &mut warnings).or_else(|| issuance.clone());
    c.issued = date_field(o, "awardedDate", &mut warnings)
        .or(issuance)
        .or_else(|| valid_from.clone())
        .or_else(|| claim_date(jwt, "iat"))
        .or_else(|| claim_date(jwt, "nbf"));
    c.valid_from = valid_from.or_else(|| claim_date(jwt, "nbf"));
    c.valid_until = date_field(o, "validUntil", &mut warnings)
        .or_else(|| date_field(o, "expirationDate", &mut warnings))
        .or_else(|| claim_date(jwt, "exp"));

    let empty = Obj::new();
    let subjects = objects(o.get("credentialSubject"));
    let subject = subjects.first().copied().unwrap_or(&empty);
    let is_clr = has_type(o, "ClrCredential");

    // The achievement (OB3), or the schema.org credential DCC's older credentials describe.
    let achievements = objects(subject.get("achievement"));
    let achievement = if is_clr {
        None
    } else {
        achievements.first().copied().or_else(|| objects(subject.get("hasCredential")).first().copied())
    };
    let ach = achievement.unwrap_or(&empty);

    let identity = objects(subject.get("identifier")).into_iter().next();
    let subject_id = get_str(subject, "id").or_else(|| jwt.and_then(|j| get_str(j, "sub")));
    let name = get_str(subject, "name");
    if subject_id.is_some() || name.is_some() || identity.is_some() {
        c.recipient = Some(Recipient {
            kind: identity.and_then(|i| get_str(i, "identityType")),
            identity: identity.and_then(|i| get_str(i, "identityHash")),
            hashed: identity.and_then(|i| boolean(i.get("hashed"))).unwrap_or(false),
            salt: identity.and_then(|i| get_str(i, "salt")),
            subject_id,
            name,
        });
    }

    c.title = get_str(o, "name").or_else(|| get_str(ach, "name")).unwrap_or_else(|| title_from_types(&c.types));
    c.description = get_str(o, "description")
        .or_else(|| get_str(ach, "description"))
        .or_else(|| get_str(subject, "description"))
        .or_else(|| get_str(subject, "endorsementComment"));
    c.criteria = match ach.get("criteria") {
        Some(Value::Object(cr)) => get_str(cr, "narrative").or_else(|| get_str(cr, "id")),
        other => str_of(other),
    };
    c.image = image(o.get("image")).or_else(|| image(ach.get("image")));
    c.achievement = Achievement {
        id: get_str(ach, "id"),
        name: get_str(ach, "name"),
        achievement_type: get_str(ach, "achievementType"),
        field_of_study: get_str(ach, "fieldOfStudy"),
        specialization: get_str(ach, "specialization"),
    };
    c.tags = strings(ach.get("tag"));

    let alignments = objects(ach.get("alignment"));
    c.skills = alignments.iter().filter(|a| !skills::is_level_or_quality(a)).filter_map(|a| skills::skill(a)).collect();
    for a in &alignments {
        if let Some(framework @ ("EQF" | "NLQF")) =
            get_str(a, "targetType").as_deref().and_then(|t| t.strip_prefix("ext:"))
        {
            let level = get_str(a, "targetCode")
                .or_else(|| get_str(a, "targetName").map(|n| n.rsplit(' ').next().unwrap_or(&n).to_string()));
            if let Some(level) = level {
                c.levels.push(Level { framework: framework.to_string(), level });
            }
        }
    }

    if let Some(n) = number(ach.get("creditsAvailable")) {
        c.credits.push(Credit { amount: n, unit: CreditUnit::Other, source: "achievement.creditsAvailable".into() });
    }
    if let Some(n) = number(subject.get("creditsEarned")) {
        c.credits.push(Credit { amount: n, unit: CreditUnit::Other, source: "credentialSubject.creditsEarned".into() });
    }

    for lang in strings(o.get("inLanguage")).into_iter().chain(strings(ach.get("inLanguage"))) {
        push_unique(&mut c.languages, bcp47(&lang));
    }

    // Results, each with the name of the result description it refers to.
    let descriptions = objects(ach.get("resultDescription"));
    let mut ects_grade = None;
    for r in objects(subject.get("result")) {
        let described = get_str(r, "resultDescription")
            .and_then(|id| descriptions.iter().find(|d| get_str(d, "id").as_deref() == Some(id.as_str())).copied());
        let value = get_str(r, "value");
        if described.and_then(|d| get_str(d, "resultType")).as_deref() == Some("ext:ECTSGradeScore") {
            ects_grade = value.clone();
        }
        c.results.push(ResultEntry {
            description: described.and_then(|d| get_str(d, "name")).or_else(|| get_str(r, "resultDescription")),
            value,
            status: get_str(r, "status"),
        });
    }

    c.evidence.extend(evidence(o.get("evidence")));
    if let Some(n) = get_str(subject, "narrative") {
        c.evidence.push(Evidence { narrative: Some(n), ..Evidence::default() });
    }

    let issuer_obj = o.get("issuer").and_then(Value::as_object);
    for holder in [Some(o), Some(ach), issuer_obj].into_iter().flatten() {
        for e in list(holder.get("endorsement")) {
            let label = match e {
                Value::Object(en) => get_str(en, "id").or_else(|| {
                    en.get("issuer")
                        .and_then(|i| id_or_str(Some(i)).or_else(|| i.as_object().and_then(|i| get_str(i, "name"))))
                }),
                other => str_of(Some(other)),
            };
            if let Some(label) = label {
                push_unique(&mut c.endorsements, label);
            }
        }
    }

    for s in objects(o.get("credentialStatus")) {
        let kind = types_of(s).into_iter().next().unwrap_or_else(|| "unknown".into());
        let list_url = get_str(s, "statusListCredential")
            .or_else(|| if kind == "1EdTechRevocationList" { get_str(s, "id") } else { None });
        c.status.push(StatusEntry {
            purpose: get_str(s, "statusPurpose"),
            list: list_url,
            index: number(s.get("statusListIndex")).filter(|n| *n >= 0.0 && n.fract() == 0.0).map(|n| n as u64),
            kind,
        });
    }

    educredential(o, ach, issuer_obj, ects_grade, &mut c);

    // A CLR: each nested credential (JSON-LD object or compact JWT) becomes a child.
    let mut children = Vec::new();
    if is_clr {
        for (n, v) in nested_entries_of(subject).into_iter().enumerate() {
            let child = match v {
                Value::String(s) => read_jws(s, ctx),
                other => read_json(other.clone(), ctx),
            };
            match child {
                Ok(child) => children.push(child),
                Err(e) => warnings.push(format!("nested credential {} cannot be read: {e}", n + 1)),
            }
        }
    }

    // A VCDM 1.1 JWT moves the credential's `id` into `jti`; put it back for the key, so the
    // JWT and the JSON-LD form of one credential are one credential.
    let key = match (doc.as_object(), c.id.as_deref()) {
        (Some(o), Some(id)) if !o.contains_key("id") => {
            let mut o = o.clone();
            o.insert("id".into(), Value::String(id.to_string()));
            key_for(&Value::Object(o))
        }
        _ => key_for(&doc),
    };
    Ok(Parsed {
        format,
        wrapping: Wrapping::Bare,
        credential: c,
        document: doc,
        key,
        children,
        related: Vec::new(),
        warnings,
    })
}

/// `["VerifiableCredential", "BitstringStatusListCredential"]` → "Bitstring Status List Credential".
fn title_from_types(types: &[String]) -> String {
    let t = types
        .iter()
        .rev()
        .find(|t| t.as_str() != "VerifiableCredential")
        .map(String::as_str)
        .unwrap_or("VerifiableCredential");
    let mut out = String::new();
    for (i, ch) in t.chars().enumerate() {
        if i > 0 && ch.is_uppercase() && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

/// SURF's educredential terms (OB3 counterparts of the edubadges extensions and the EU
/// microcredential elements). Fills [`Edubadges`] only when the credential uses them.
fn educredential(o: &Obj, ach: &Obj, issuer: Option<&Obj>, ects_grade: Option<String>, c: &mut Credential) {
    let mut e = Edubadges::default();
    let mut used = has_type(ach, "EducredentialAchievement");
    if let Some(n) = number(ach.get("ECTS")) {
        e.ects = Some(n);
        c.credits.push(Credit { amount: n, unit: CreditUnit::Ects, source: "achievement.ECTS".into() });
        used = true;
    }
    if let Some(n) = number(ach.get("SBU")) {
        e.study_load_hours = Some(n);
        c.credits.push(Credit { amount: n, unit: CreditUnit::Sbu, source: "achievement.SBU".into() });
        used = true;
    }
    if let Some(n) = number(ach.get("timeInvestment")) {
        e.time_investment_hours = Some(n);
        c.credits.push(Credit { amount: n, unit: CreditUnit::Hours, source: "achievement.timeInvestment".into() });
        used = true;
    }
    let programme = strings(ach.get("educationProgramIdentifier"));
    if !programme.is_empty() {
        e.education_program_identifier = Some(programme.join(", "));
        used = true;
    }
    if let Some(brin) = issuer.into_iter().flat_map(|i| objects(i.get("otherIdentifier"))).find(|x| {
        get_str(x, "identifierType")
            .is_some_and(|t| t.eq_ignore_ascii_case("ext:BRIN") || t.eq_ignore_ascii_case("BRIN"))
    }) {
        e.institution_identifier = get_str(brin, "identifier");
        used = true;
    }
    for a in objects(ach.get("alignment")) {
        match get_str(a, "targetType").as_deref() {
            Some("ext:EQF") => {
                used = true;
                e.eqf = c.levels.iter().find(|l| l.framework == "EQF").map(|l| l.level.clone());
            }
            Some("ext:QualityAssurance") => {
                used = true;
                let name = get_str(a, "targetName");
                let code = get_str(a, "targetCode");
                c.eu.quality_assurance = match (name, code) {
                    (Some(n), Some(code)) => Some(format!("{n} ({code})")),
                    (n, code) => n.or(code),
                };
            }
            _ => {}
        }
    }
    c.eu.participation_form = get_str(ach, "participationType");
    c.eu.assessment_type = get_str(ach, "assessmentType");
    c.eu.identity_checked = boolean(ach.get("identityChecked"));
    c.eu.supervision = get_str(ach, "supervisionType");
    if c.eu.grade.is_none() {
        c.eu.grade = ects_grade;
    }
    c.eu.workload = e
        .ects
        .map(|n| format!("{} ECTS", show_number(n)))
        .or_else(|| e.study_load_hours.map(|n| format!("{} hours (SBU)", show_number(n))))
        .or_else(|| e.time_investment_hours.map(|n| format!("{} hours", show_number(n))));
    if !used {
        return;
    }
    e.language = strings(ach.get("inLanguage")).into_iter().next();
    e.institution_name = c.issuer.name.clone();
    e.institution_country = c.issuer.country.clone();
    e.badge_kind = objects(o.get("credentialSchema")).into_iter().find_map(|s| {
        let id = get_str(s, "id")?;
        let file = id.rsplit('/').next()?.trim_end_matches(".json");
        ["microcredential", "extracurricular", "regular"]
            .into_iter()
            .find(|k| file == *k || file.starts_with(&format!("{k}_")))
            .map(str::to_string)
    });
    c.edubadges = Some(e);
}

/// The `verifiableCredential` entries a CLR's subject carries (JSON-LD objects or compact JWTs).
fn nested_entries_of(subject: &Obj) -> Vec<&Value> {
    list(subject.get("verifiableCredential"))
}

/// The credentials a CLR 2.0 document (`ClrCredential`) carries, as the reader takes them: the
/// entries of its first subject's `verifiableCredential`, in order. Empty for anything else.
pub fn nested_entries(doc: &Value) -> Vec<&Value> {
    let Some(o) = doc.as_object() else { return Vec::new() };
    if !has_type(o, "ClrCredential") {
        return Vec::new();
    }
    objects(o.get("credentialSubject")).first().map(|s| nested_entries_of(s)).unwrap_or_default()
}
