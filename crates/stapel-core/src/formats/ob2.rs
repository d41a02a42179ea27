//! Open Badges 0.5, 1.0, 1.1 and 2.0 assertions (hosted JSON and the payload of a signed
//! JWS) into the normalized view: the badge class and issuer are read where embedded and
//! fetched where given as URLs, and the SURF edubadges `extensions:*Extension` objects found on
//! the assertion, badge class or issuer fill [`Edubadges`] and the shared credits, levels,
//! languages and learning outcomes.

use serde_json::Value;

use super::detect::{Ctx, parse_json};
use super::util::{
    Obj, bcp47, boolean, date_field, evidence, get_str, id_or_str, image, key_for, list, number, objects, push_unique,
    show_number, str_of, strings, types_of,
};
use super::{
    Achievement, Credential, Credit, CreditUnit, Edubadges, Evidence, Format, FormatError, Issuer, Level, Parsed,
    Recipient, RelatedDocument, StatusEntry, Wrapping, skills,
};

/// Whether a JSON object is an OB 0.5–2.0 assertion (and not a VC that calls itself one).
pub(crate) fn is_assertion(o: &Obj) -> bool {
    let has_badge = o.contains_key("badge");
    let typed = types_of(o).iter().any(|t| t == "Assertion" || t.ends_with(":Assertion"));
    (typed && (has_badge || o.contains_key("recipient")))
        || (has_badge
            && (o.contains_key("recipient")
                || o.contains_key("uid")
                || o.contains_key("issuedOn")
                || o.contains_key("issued_on")))
}

fn embedded(role: &str, o: &Obj) -> RelatedDocument {
    RelatedDocument {
        role: role.to_string(),
        url: get_str(o, "id"),
        media_type: Some("application/json".into()),
        bytes: serde_json::to_vec(o).unwrap_or_default(),
        fetched: false,
    }
}

/// Fetches a JSON object (badge class, issuer profile) and keeps its bytes as a related document.
fn fetch_object(
    url: &str,
    what: &'static str,
    role: &str,
    ctx: &mut Ctx<'_>,
    related: &mut Vec<RelatedDocument>,
) -> Result<Obj, FormatError> {
    let fetched = ctx.fetch(url, what)?;
    let bad = |e: FormatError| FormatError::BadReference { what, url: url.to_string(), source: Box::new(e) };
    let value = parse_json(&fetched.body).map_err(bad)?;
    let Value::Object(o) = value else {
        return Err(bad(FormatError::NotACredential("it is not a JSON object".into())));
    };
    related.push(RelatedDocument {
        role: role.to_string(),
        url: Some(fetched.final_url),
        media_type: fetched.content_type,
        bytes: fetched.body,
        fetched: true,
    });
    Ok(o)
}

fn issuer_of(i: &Obj) -> Issuer {
    Issuer {
        id: get_str(i, "id"),
        name: get_str(i, "name"),
        url: get_str(i, "url").or_else(|| get_str(i, "origin")),
        image: id_or_str(i.get("image")),
        email: get_str(i, "email").or_else(|| get_str(i, "contact")),
        country: None,
    }
}

pub(crate) fn read(doc: Value, format: Format, ctx: &mut Ctx<'_>) -> Result<Parsed, FormatError> {
    let Some(o) = doc.as_object() else {
        return Err(FormatError::NotACredential("the assertion is not a JSON object".into()));
    };
    let mut warnings = Vec::new();
    let mut related = Vec::new();
    let mut not_retrieved = Vec::new();

    // A badge class (or issuer profile) that cannot be had is no reason to refuse the
    // learner's copy: servers go away, and then it is the only one (issue 16). What is known
    // stays; the view says what is missing.
    let badge: Obj = match o.get("badge") {
        Some(Value::Object(b)) => {
            related.push(embedded("badgeclass", b));
            b.clone()
        }
        Some(v) => match str_of(Some(v)) {
            Some(url) => match fetch_object(&url, "badge class", "badgeclass", ctx, &mut related) {
                Ok(b) => b,
                Err(e) => {
                    warnings.push(format!("the badge class could not be retrieved, only its address is known: {e}"));
                    not_retrieved.push("badge class".to_string());
                    let mut b = Obj::new();
                    b.insert("id".into(), Value::String(url.clone()));
                    b.insert("name".into(), Value::String(url));
                    b
                }
            },
            None => {
                return Err(FormatError::Incomplete(
                    "Open Badges assertion",
                    "its `badge` is neither an object nor a URL".into(),
                ));
            }
        },
        None => return Err(FormatError::Incomplete("Open Badges assertion", "it names no badge (`badge`)".into())),
    };

    let issuer_obj: Option<Obj> = match badge.get("issuer") {
        Some(Value::Object(i)) => {
            related.push(embedded("issuer", i));
            Some(i.clone())
        }
        Some(v) => match str_of(Some(v)) {
            Some(url) => match fetch_object(&url, "issuer profile", "issuer", ctx, &mut related) {
                Ok(i) => Some(i),
                Err(e) => {
                    warnings.push(format!("the issuer profile could not be read, only its address is known: {e}"));
                    not_retrieved.push("issuer profile".to_string());
                    let mut i = Obj::new();
                    i.insert("id".into(), Value::String(url));
                    Some(i)
                }
            },
            None => None,
        },
        None => None,
    };

    let mut c = Credential {
        id: get_str(o, "id"),
        types: {
            let t = types_of(o);
            if t.is_empty() { vec!["Assertion".to_string()] } else { t }
        },
        title: get_str(&badge, "name").unwrap_or_else(|| "Open Badge".to_string()),
        description: get_str(&badge, "description"),
        criteria: match badge.get("criteria") {
            Some(Value::Object(cr)) => {
                get_str(cr, "narrative").or_else(|| get_str(cr, "id")).or_else(|| get_str(cr, "url"))
            }
            other => str_of(other),
        },
        image: image(o.get("image")).or_else(|| image(badge.get("image"))),
        issuer: issuer_obj.as_ref().map(issuer_of).unwrap_or_default(),
        issued: date_field(o, "issuedOn", &mut warnings).or_else(|| date_field(o, "issued_on", &mut warnings)),
        valid_until: date_field(o, "expires", &mut warnings),
        achievement: Achievement { id: get_str(&badge, "id"), name: get_str(&badge, "name"), ..Achievement::default() },
        tags: strings(badge.get("tags")),
        not_retrieved,
        ..Credential::default()
    };

    c.recipient = match o.get("recipient") {
        Some(Value::Object(r)) => Some(Recipient {
            kind: get_str(r, "type"),
            identity: get_str(r, "identity"),
            hashed: boolean(r.get("hashed")).unwrap_or(false),
            salt: get_str(r, "salt"),
            ..Recipient::default()
        }),
        Some(Value::String(s)) => Some(Recipient {
            kind: Some("email".into()),
            identity: Some(s.trim().to_string()),
            hashed: s.contains('$'),
            salt: get_str(o, "salt"),
            ..Recipient::default()
        }),
        _ => None,
    };

    c.evidence.extend(evidence(o.get("evidence")));
    if c.evidence.is_empty()
        && let Some(narrative) = get_str(o, "narrative")
    {
        c.evidence.push(Evidence { narrative: Some(narrative), ..Evidence::default() });
    }

    c.skills = objects(badge.get("alignment")).into_iter().filter_map(skills::skill).collect();

    for holder in [Some(o), Some(&badge), issuer_obj.as_ref()].into_iter().flatten() {
        for e in list(holder.get("endorsement")) {
            if let Some(id) = id_or_str(Some(e)) {
                push_unique(&mut c.endorsements, id);
            }
        }
    }

    if let Some(list_url) = issuer_obj.as_ref().and_then(|i| id_or_str(i.get("revocationList"))) {
        c.status.push(StatusEntry {
            kind: "ob2-revocation-list".into(),
            purpose: Some("revocation".into()),
            list: Some(list_url),
            index: None,
        });
    }

    // SURF edubadges extensions, wherever the issuer put them.
    let mut edu = Edubadges::default();
    let mut any_edu = false;
    for holder in [Some(o), Some(&badge), issuer_obj.as_ref()].into_iter().flatten() {
        for (key, value) in holder {
            if let (Some(name), Value::Object(ext)) = (key.strip_prefix("extensions:"), value) {
                any_edu |= extension(key, name, ext, &mut c, &mut edu);
            }
        }
    }
    if any_edu {
        if edu.institution_name.is_none() {
            edu.institution_name = c.issuer.name.clone();
        }
        if let Some(country) = &edu.institution_country {
            c.issuer.country.get_or_insert_with(|| country.clone());
        }
        c.eu.workload = edu
            .ects
            .map(|e| format!("{} ECTS", show_number(e)))
            .or_else(|| edu.study_load_hours.map(|h| format!("{} hours", show_number(h))))
            .or_else(|| edu.time_investment_hours.map(|h| format!("{} hours", show_number(h))));
        c.edubadges = Some(edu);
    }

    // A hosted assertion is the document at its URL: the copy baked into an image earlier and
    // the one served now are the same badge, whatever changed in between (the hosted check of
    // the verifier compares them). Anything else is keyed by its content.
    let key = match (format, c.id.as_deref()) {
        (Format::Ob2Hosted, Some(id)) if id.starts_with("https://") || id.starts_with("http://") => format!("id:{id}"),
        _ => key_for(&doc),
    };
    Ok(Parsed {
        format,
        wrapping: Wrapping::Bare,
        credential: c,
        document: doc,
        key,
        children: Vec::new(),
        related,
        warnings,
    })
}

/// Applies one `extensions:<name>` object; true when it is one of the eleven edubadges ones.
fn extension(key: &str, name: &str, ext: &Obj, c: &mut Credential, e: &mut Edubadges) -> bool {
    let credit = |c: &mut Credential, amount: f64, unit: CreditUnit, field: &str| {
        c.credits.push(Credit { amount, unit, source: format!("{key}.{field}") });
    };
    match name {
        "ECTSExtension" => {
            if let Some(n) = number(ext.get("ECTS")) {
                e.ects = Some(n);
                credit(c, n, CreditUnit::Ects, "ECTS");
            }
        }
        "EQFExtension" => {
            if let Some(level) = str_of(ext.get("EQF")) {
                e.eqf = Some(level.clone());
                c.levels.push(Level { framework: "EQF".into(), level });
            }
        }
        "StudyLoadExtension" => {
            if let Some(n) = number(ext.get("StudyLoad")) {
                e.study_load_hours = Some(n);
                credit(c, n, CreditUnit::Hours, "StudyLoad");
            }
        }
        "TimeInvestmentExtension" => {
            if let Some(n) = number(ext.get("TimeInvestment")) {
                e.time_investment_hours = Some(n);
                credit(c, n, CreditUnit::Hours, "TimeInvestment");
            }
        }
        "LearningOutcomeExtension" => {
            if let Some(s) = get_str(ext, "LearningOutcome") {
                e.learning_outcome = Some(s.clone());
                push_unique(&mut c.learning_outcomes, s);
            }
        }
        "LanguageExtension" => {
            if let Some(s) = get_str(ext, "Language") {
                push_unique(&mut c.languages, bcp47(&s));
                e.language = Some(s);
            }
        }
        "InstitutionIdentifierExtension" => e.institution_identifier = get_str(ext, "InstitutionIdentifier"),
        "InstitutionNameExtension" => e.institution_name = get_str(ext, "InstitutionName"),
        // The published schema names the property `InstitutionIdentifier` (a copy slip); the
        // context names it `InstitutionCountry`. Both are read.
        "InstitutionCountryExtension" => {
            e.institution_country = get_str(ext, "InstitutionCountry").or_else(|| get_str(ext, "InstitutionIdentifier"))
        }
        "GradingTableExtension" => {
            e.grading_table = get_str(ext, "GradingTableURL").or_else(|| get_str(ext, "GradingTable"))
        }
        "EducationProgramIdentifierExtension" => {
            let ids = strings(ext.get("EducationProgramIdentifier"));
            if !ids.is_empty() {
                e.education_program_identifier = Some(ids.join(", "));
            }
        }
        _ => return false,
    }
    true
}
