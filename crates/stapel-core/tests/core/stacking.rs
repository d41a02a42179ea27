//! Stacking: credit values, pathway files and the matcher, on hand-built credentials, on SURF's
//! educredential OB3 examples and on generated inputs (property tests).

#![allow(clippy::field_reassign_with_default)]

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::Value;

use stapel_core::formats::{Credential, Credit, CreditUnit, Edubadges, Level, Skill};
use stapel_core::stacking::matcher::{self, Item, Need, Problem};
use stapel_core::stacking::{
    CredentialInput, CreditBasis, Eligibility, ExpiryCause, MatchOptions, NotCountedReason, Pathway, StackingError,
    credit_value, parse_pathway, progress,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).single().expect("a valid date")
}

fn docs() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs"))
}

fn example(name: &str) -> Pathway {
    let path = docs().join("examples").join(name);
    let bytes = std::fs::read(&path).expect("the example pathway exists");
    parse_pathway(name, &bytes).expect("the example pathway is valid")
}

fn credit(amount: f64, unit: CreditUnit, source: &str) -> Credit {
    Credit { amount, unit, source: source.to_string() }
}

/// A credential with a title, an issuer name, ECTS from edubadges and some tags.
fn cred(title: &str, issuer: &str, ects: Option<f64>, tags: &[&str]) -> Credential {
    let mut c = Credential::default();
    c.title = title.to_string();
    c.achievement.name = Some(title.to_string());
    c.achievement.id = Some(format!("https://example.org/achievements/{}", title.replace(' ', "-")));
    c.issuer.name = Some(issuer.to_string());
    c.issued = Some("2025-09-01T00:00:00Z".to_string());
    if let Some(e) = ects {
        c.credits.push(credit(e, CreditUnit::Ects, "achievement.creditsAvailable"));
    }
    c.tags = tags.iter().map(|t| t.to_string()).collect();
    c
}

fn pathway_json(groups: Value, total: f64, unit: &str) -> Pathway {
    let doc = serde_json::json!({
        "version": 1, "id": "test", "unit": unit,
        "target": { "name": "Test target", "awarding_body": "Test school", "total_credits": total },
        "groups": groups,
    });
    parse_pathway("test.json", doc.to_string().as_bytes()).expect("a valid test pathway")
}

fn run(p: &Pathway, creds: &[(String, Credential, Eligibility)]) -> stapel_core::stacking::Progress {
    let input: Vec<CredentialInput<'_>> = creds.iter().map(|(i, c, e)| CredentialInput::new(i, c, *e)).collect();
    progress(p, &input, &MatchOptions::at(now())).expect("progress is computed")
}

fn v(id: &str, c: Credential) -> (String, Credential, Eligibility) {
    (id.to_string(), c, Eligibility::Verified)
}

// ---------------------------------------------------------------- credit values

#[test]
fn ects_converts_to_twenty_eight_hours_each_by_default_and_per_pathway_otherwise() {
    let c = cred("A", "S", Some(3.0), &[]);
    let cv = credit_value(&c, 28.0).expect("a credit value");
    assert_eq!(cv.hours, 84.0);
    assert_eq!(cv.basis, CreditBasis::Ects);
    assert_eq!(credit_value(&c, 25.0).expect("a credit value").hours, 75.0);
    assert_eq!(cv.ects(), 3.0);
}

#[test]
fn sbu_and_study_hours_count_as_hours() {
    let mut c = Credential::default();
    c.credits.push(credit(240.0, CreditUnit::Sbu, "achievement.SBU"));
    let cv = credit_value(&c, 28.0).expect("a credit value");
    assert_eq!((cv.hours, cv.basis), (240.0, CreditBasis::StudyLoad));
}

#[test]
fn a_credential_without_any_credit_field_has_no_credit_value_not_zero() {
    let c = cred("No credits", "S", None, &[]);
    assert_eq!(credit_value(&c, 28.0), None);
    let mut zero = Credential::default();
    zero.credits.push(credit(0.0, CreditUnit::Ects, "edubadges.ects"));
    assert_eq!(credit_value(&zero, 28.0).expect("an explicit zero is a value").hours, 0.0);
}

#[test]
fn credits_earned_win_over_credits_available() {
    let mut c = Credential::default();
    c.credits.push(credit(5.0, CreditUnit::Ects, "achievement.creditsAvailable"));
    c.credits.push(credit(4.0, CreditUnit::Ects, "result.creditsEarned"));
    let cv = credit_value(&c, 28.0).expect("a credit value");
    assert_eq!((cv.amount, cv.basis, cv.source.as_str()), (4.0, CreditBasis::Earned, "result.creditsEarned"));
    assert_eq!(cv.other_statements.len(), 1, "the losing statement is kept visible");
}

#[test]
fn ects_wins_over_study_hours_and_study_load_over_time_investment() {
    let mut c = Credential::default();
    c.edubadges = Some(Edubadges {
        ects: Some(5.0),
        study_load_hours: Some(150.0),
        time_investment_hours: Some(100.0),
        ..Edubadges::default()
    });
    assert_eq!(credit_value(&c, 28.0).expect("a value").basis, CreditBasis::Ects);
    c.edubadges.as_mut().expect("set above").ects = None;
    let cv = credit_value(&c, 28.0).expect("a value");
    assert_eq!((cv.hours, cv.basis), (150.0, CreditBasis::StudyLoad));
    c.edubadges.as_mut().expect("set above").study_load_hours = None;
    let cv = credit_value(&c, 28.0).expect("a value");
    assert_eq!((cv.hours, cv.basis), (100.0, CreditBasis::TimeInvestment));
}

#[test]
fn the_eu_workload_text_is_read_when_nothing_else_is_stated() {
    let mut c = Credential::default();
    c.eu.workload = Some("3,5 ECTS".to_string());
    let cv = credit_value(&c, 28.0).expect("a value");
    assert_eq!((cv.hours, cv.basis), (98.0, CreditBasis::Workload));
    c.eu.workload = Some("120 uur".to_string());
    assert_eq!(credit_value(&c, 28.0).expect("a value").hours, 120.0);
    c.eu.workload = Some("about a week".to_string());
    assert_eq!(credit_value(&c, 28.0), None, "a workload text without a number and unit is not guessed");
}

#[test]
fn a_credit_in_an_unknown_unit_or_negative_is_no_credit_value() {
    let mut c = Credential::default();
    c.credits.push(credit(3.0, CreditUnit::Other, "extensions:CreditExtension.credits"));
    c.credits.push(credit(-2.0, CreditUnit::Ects, "edubadges.ects"));
    assert_eq!(credit_value(&c, 28.0), None);
}

#[test]
fn ob3_credits_available_without_a_unit_count_as_ects_and_say_the_unit_was_assumed() {
    let mut c = Credential::default();
    c.credits.push(credit(5.0, CreditUnit::Other, "achievement.creditsAvailable"));
    let cv = credit_value(&c, 28.0).expect("creditsAvailable gives a value");
    assert_eq!((cv.unit, cv.hours, cv.basis, cv.unit_assumed), (CreditUnit::Ects, 140.0, CreditBasis::Ects, true));
    assert_eq!(cv.ects(), 5.0);
}

#[test]
fn a_stated_ects_value_wins_over_the_assumed_unit_of_credits_available() {
    let mut c = Credential::default();
    c.credits.push(credit(4.0, CreditUnit::Other, "achievement.creditsAvailable"));
    c.credits.push(credit(3.0, CreditUnit::Ects, "achievement.ECTS"));
    let cv = credit_value(&c, 28.0).expect("a value");
    assert_eq!((cv.amount, cv.source.as_str(), cv.unit_assumed), (3.0, "achievement.ECTS", false));
    assert_eq!(cv.other_statements.len(), 1, "the assumed one stays visible");
}

#[test]
fn ob3_credits_earned_without_a_unit_win_as_earned_ects() {
    let mut c = Credential::default();
    c.credits.push(credit(5.0, CreditUnit::Other, "achievement.creditsAvailable"));
    c.credits.push(credit(2.5, CreditUnit::Other, "credentialSubject.creditsEarned"));
    let cv = credit_value(&c, 28.0).expect("a value");
    assert_eq!((cv.amount, cv.basis, cv.unit_assumed, cv.hours), (2.5, CreditBasis::Earned, true, 70.0));
}

// ---------------------------------------------------------------- the educredential vectors

/// Builds a `Credential` from one of SURF's educredential OB3 examples by hand-mapping the
/// fields stacking needs (the formats parser is being written in parallel).
fn educredential(file: &str) -> Credential {
    let path = stapel_testkit::vector(&format!("4-ob2/educredentials-obv3-examples/_data/credentials/{file}"));
    let doc: Value = serde_json::from_slice(&std::fs::read(path).expect("vector readable")).expect("vector is JSON");
    let a = &doc["credentialSubject"]["achievement"];
    let mut c = Credential::default();
    c.id = doc["id"].as_str().map(str::to_string);
    c.title = a["name"].as_str().unwrap_or_default().to_string();
    c.achievement.id = a["id"].as_str().map(str::to_string);
    c.achievement.name = a["name"].as_str().map(str::to_string);
    c.issuer.id = doc["issuer"]["id"].as_str().map(str::to_string);
    c.issuer.name = doc["issuer"]["name"].as_str().map(str::to_string);
    c.valid_from = doc["validFrom"].as_str().map(str::to_string);
    c.issued = c.valid_from.clone();
    c.valid_until = doc["validUntil"].as_str().map(str::to_string);
    for (key, unit) in [("ECTS", CreditUnit::Ects), ("SBU", CreditUnit::Sbu), ("timeInvestment", CreditUnit::Hours)] {
        if let Some(n) = a[key].as_f64() {
            c.credits.push(credit(n, unit, &format!("achievement.{key}")));
        }
    }
    for al in a["alignment"].as_array().into_iter().flatten() {
        if al["targetType"] == "ext:EQF" {
            c.levels
                .push(Level { framework: "EQF".into(), level: al["targetCode"].as_str().unwrap_or_default().into() });
        }
    }
    c
}

fn educredential_files() -> Vec<String> {
    let dir = stapel_testkit::vector("4-ob2/educredentials-obv3-examples/_data/credentials");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("vector dir readable")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_educredential_example_gets_the_credit_value_its_achievement_states() {
    let files = educredential_files();
    assert_eq!(files.len(), 30);
    let mut with_value = 0;
    for f in &files {
        let c = educredential(f);
        let cv = credit_value(&c, 28.0);
        match f.as_str() {
            "theed_microcredential_full_ho.json" => {
                assert_eq!(cv.as_ref().map(|v| v.hours), Some(84.0), "{f}")
            }
            "uvh_at_microcredential_full_2.json" => {
                assert_eq!(cv.as_ref().map(|v| v.hours), Some(98.0), "{f}")
            }
            "uvh_at_regular_full.json" => {
                assert_eq!(cv.as_ref().map(|v| v.ects()), Some(180.0), "{f}")
            }
            "mbob_eo_eov_microcredential_full.json" => {
                assert_eq!(cv.as_ref().map(|v| (v.hours, v.basis)), Some((240.0, CreditBasis::StudyLoad)), "{f}")
            }
            "uvh_fvhz_extracurricular_full.json" => {
                assert_eq!(cv.as_ref().map(|v| (v.hours, v.basis)), Some((200.0, CreditBasis::TimeInvestment)), "{f}")
            }
            "theed_extracurricular_minimal_ho.json" | "theed_extracurricular_embedded_ho.json" => {
                assert_eq!(cv, None, "{f} states no credits and must have no credit value")
            }
            _ => {}
        }
        with_value += usize::from(cv.is_some());
    }
    assert_eq!(with_value, 28, "all but the two extra-curricular examples without a credit field have a value");
}

#[test]
fn the_educredential_examples_stack_towards_an_ects_pathway_with_each_counted_once() {
    // Every example: Theed and Harderwijk university ones in ECTS count, mbo SBU ones too.
    let creds: Vec<(String, Credential, Eligibility)> =
        educredential_files().iter().map(|f| v(f, educredential(f))).collect();
    let p = pathway_json(
        serde_json::json!([
            { "id": "theed", "name": "Theed courses", "credits": 10, "issuers": ["Naboo Theed University"],
              "min_level": { "framework": "EQF", "level": 4 } },
            { "id": "level5", "name": "Anything at level 5", "credits": 200,
              "min_level": { "framework": "NLQF", "level": 5 } },
            { "id": "mind", "name": "The mind-control minor",
              "achievement": { "id": "https://example.com/achievements/ach-44ABA" } }
        ]),
        210.0,
        "ects",
    );
    let r = run(&p, &creds);
    let mut counted: Vec<&str> = r.groups.iter().flat_map(|g| g.counted.iter().map(|c| c.id.as_str())).collect();
    let n = counted.len();
    counted.sort();
    counted.dedup();
    assert_eq!(n, counted.len(), "no credential is counted twice");
    let theed = &r.groups[0];
    assert!(theed.complete, "Theed offers 3 + 3 + 3 + 6 + 6 + 6 ECTS at level 4-5: {theed:?}");
    let mind = &r.groups[2];
    assert!(mind.complete);
    assert_eq!(mind.counted.len(), 1);
    // Level 5 examples: uvh regular 180 + uvh fvhz 60 + the Theed 6 ECTS ones + mbo SBU.
    assert!(r.groups[1].complete, "{:?}", r.groups[1]);
    assert!(r.complete);
    assert!(r.search.proven_optimal);
}

#[test]
fn a_mbo_pathway_counts_the_sbu_examples_in_sbu() {
    let creds: Vec<(String, Credential, Eligibility)> =
        educredential_files().into_iter().filter(|f| f.starts_with("mbob")).map(|f| v(&f, educredential(&f))).collect();
    let p = pathway_json(
        serde_json::json!([
            { "id": "mc", "name": "Microcredentials at level 4", "credits": 960, "issuers": ["MBO Beek"],
              "min_level": { "framework": "EQF", "level": 4 } }
        ]),
        960.0,
        "sbu",
    );
    let r = run(&p, &creds);
    let g = &r.groups[0];
    // Four 240 SBU microcredentials at level 4, and regular programmes at level 5 of 2000+ SBU.
    assert!(g.complete);
    assert_eq!(r.earned, 960.0);
    assert_eq!(g.missing, 0.0);
    for c in &g.counted {
        assert!(c.credits.is_some_and(|x| x > 0.0));
    }
}

// ---------------------------------------------------------------- pathway files

#[test]
fn the_three_shipped_examples_are_valid_pathways() {
    let ad = example("ad-ict.json");
    assert_eq!(ad.target.total_credits, 120.0);
    assert_eq!(ad.groups.len(), 6);
    let mbo = example("mbo-software-developer.json");
    assert_eq!(mbo.unit, stapel_core::stacking::PathwayUnit::Sbu);
    assert_eq!(mbo.hours_per_ects, 28.0, "28 hours per ECTS is the default");
    let me = example("personal-data-skills.json");
    assert!(me.groups.iter().any(|g| g.frameworks.iter().any(|f| f == "ESCO")));
    for p in [ad, mbo, me] {
        let written = serde_json::to_vec(&p).expect("a pathway serializes");
        assert_eq!(parse_pathway("again.json", &written), Ok(p), "a stored pathway reads back the same");
    }
}

#[test]
fn the_schema_names_the_same_fields_the_parser_accepts() {
    let schema: Value =
        serde_json::from_slice(&std::fs::read(docs().join("pathway.schema.json")).expect("schema exists"))
            .expect("schema is JSON");
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v["properties"].as_object().expect("properties").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&schema), ["$schema", "groups", "hours_per_ects", "id", "target", "unit", "version"]);
    assert_eq!(keys(&schema["$defs"]["target"]), ["awarding_body", "description", "name", "total_credits", "url"]);
    assert_eq!(
        keys(&schema["$defs"]["group"]),
        [
            "achievement",
            "credits",
            "description",
            "frameworks",
            "id",
            "issuers",
            "max_age_months",
            "min_level",
            "name",
            "skills",
            "tags"
        ]
    );
    for obj in [&schema, &schema["$defs"]["target"], &schema["$defs"]["group"], &schema["$defs"]["achievement"]] {
        assert_eq!(obj["additionalProperties"], Value::Bool(false), "the schema rejects unknown fields too");
    }
}

fn parse_err(doc: Value) -> String {
    match parse_pathway("pathway.json", doc.to_string().as_bytes()) {
        Ok(_) => panic!("expected an error for {doc}"),
        Err(e) => e.to_string(),
    }
}

fn base_doc() -> Value {
    serde_json::json!({
        "version": 1, "id": "p", "unit": "ects",
        "target": { "name": "T", "awarding_body": "B", "total_credits": 10 },
        "groups": [
            { "id": "a", "name": "A", "credits": 5 },
            { "id": "b", "name": "B", "credits": 5 },
            { "id": "c", "name": "C", "credits": 5 }
        ]
    })
}

#[test]
fn a_group_asking_for_no_credits_is_an_error_naming_the_field() {
    let mut doc = base_doc();
    doc["groups"][2]["credits"] = serde_json::json!(0);
    assert_eq!(parse_err(doc), "pathway.json: groups[2].credits must be positive");
}

#[test]
fn an_unknown_field_is_rejected_with_its_place_in_the_file() {
    let mut doc = base_doc();
    doc["groups"][1]["credit"] = serde_json::json!(5);
    let e = parse_err(doc);
    assert!(e.starts_with("pathway.json: groups[1]"), "{e}");
    assert!(e.starts_with("pathway.json: groups[1].credit: unknown field `credit`"), "{e}");
}

#[test]
fn a_wrong_type_or_missing_field_names_the_field() {
    let mut doc = base_doc();
    doc["target"]["total_credits"] = serde_json::json!("ten");
    let e = parse_err(doc);
    assert!(e.starts_with("pathway.json: target.total_credits: "), "{e}");
    let mut doc = base_doc();
    doc["groups"][0].as_object_mut().expect("object").remove("name");
    let e = parse_err(doc);
    assert!(e.contains("groups[0]") && e.contains("missing field `name`"), "{e}");
    let e = match parse_pathway("broken.json", b"{ not json") {
        Err(e) => e.to_string(),
        Ok(_) => panic!("broken JSON must not parse"),
    };
    assert!(e.starts_with("broken.json: "), "{e}");
}

#[test]
fn the_rules_of_the_format_are_checked_with_clear_messages() {
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|d| d["hours_per_ects"] = 32.into()),
            "pathway.json: hours_per_ects must be between 25 and 30, not 32",
        ),
        (Box::new(|d| d["version"] = 2.into()), "pathway.json: version must be 1, this file says 2"),
        (
            Box::new(|d| d["groups"][1]["id"] = "a".into()),
            "pathway.json: groups[1].id 'a' is used by an earlier group; group ids must differ",
        ),
        (
            Box::new(|d| {
                d["groups"][0].as_object_mut().expect("object").remove("credits");
            }),
            "pathway.json: groups[0] must ask for credits or name an achievement",
        ),
        (
            Box::new(|d| d["groups"][0]["achievement"] = serde_json::json!({ "title": "Only a title" })),
            "pathway.json: groups[0].achievement must give an id, or an issuer and a title",
        ),
        (
            Box::new(|d| d["groups"][0]["min_level"] = serde_json::json!({ "framework": "EQF", "level": 9 })),
            "pathway.json: groups[0].min_level.level must be between 1 and 8, not 9",
        ),
        (
            Box::new(|d| d["groups"][2]["tags"] = serde_json::json!(["ok", " "])),
            "pathway.json: groups[2].tags[1] must not be empty",
        ),
        (
            Box::new(|d| d["target"]["total_credits"] = 20.into()),
            "pathway.json: target.total_credits is 20 but the groups together ask for only 15",
        ),
        (
            Box::new(|d| d["groups"][0]["credits"] = serde_json::json!(1e300)),
            "pathway.json: groups[0].credits must be at most 1000000",
        ),
        (Box::new(|d| d["groups"] = serde_json::json!([])), "pathway.json: groups must list at least one group"),
    ];
    for (change, want) in cases {
        let mut doc = base_doc();
        change(&mut doc);
        assert_eq!(parse_err(doc), want);
    }
}

// ---------------------------------------------------------------- matching and progress

#[test]
fn a_credential_that_fits_two_groups_goes_where_it_is_needed_and_counts_once() {
    let p = pathway_json(
        serde_json::json!([
            { "id": "prog", "name": "Programming", "credits": 5, "tags": ["programming"] },
            { "id": "any", "name": "Anything", "credits": 5 }
        ]),
        10.0,
        "ects",
    );
    // "b" fits both groups; "a" fits only "any". The best: b to prog, a to any.
    let creds = vec![
        v("a", cred("Writing", "S", Some(5.0), &["writing"])),
        v("b", cred("Rust", "S", Some(5.0), &["programming"])),
    ];
    let r = run(&p, &creds);
    assert_eq!(r.groups[0].counted.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["b"]);
    assert_eq!(r.groups[1].counted.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["a"]);
    assert_eq!((r.earned, r.missing, r.complete), (10.0, 0.0, true));
}

#[test]
fn the_matcher_finds_the_split_a_greedy_choice_misses_and_proves_it_best() {
    // Needs 6 and 4; three credentials of 3, 3 and 4 fit both. Largest-first greedy puts 4 in
    // the 6-group and ends with 9; the best is 3+3 and 4 = 10.
    let p = pathway_json(
        serde_json::json!([
            { "id": "six", "name": "Six", "credits": 6 },
            { "id": "four", "name": "Four", "credits": 4 }
        ]),
        10.0,
        "ects",
    );
    let creds = vec![
        v("x", cred("X", "S", Some(3.0), &[])),
        v("y", cred("Y", "S", Some(3.0), &[])),
        v("z", cred("Z", "S", Some(4.0), &[])),
    ];
    let r = run(&p, &creds);
    assert_eq!(r.earned, 10.0);
    assert!(r.complete);
    assert!(r.search.proven_optimal);
    assert!(r.search.nodes > 0, "the greedy start was not enough; the search ran");
    assert_eq!(r.groups[1].counted.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["z"]);
}

#[test]
fn unverifiable_credentials_are_shown_apart_and_invalid_ones_never_count() {
    let p = pathway_json(serde_json::json!([{ "id": "g", "name": "G", "credits": 10 }]), 10.0, "ects");
    let creds = vec![
        v("ok", cred("Ok", "S", Some(4.0), &[])),
        ("maybe".to_string(), cred("Maybe", "S", Some(3.0), &[]), Eligibility::Unverifiable),
        ("bad".to_string(), cred("Bad", "S", Some(6.0), &[]), Eligibility::Invalid),
    ];
    let r = run(&p, &creds);
    assert_eq!(r.earned, 4.0);
    assert_eq!(r.missing, 6.0);
    let iv = r.if_verified.as_ref().expect("unverifiable credentials are reported");
    assert_eq!(iv.earned, 7.0);
    assert_eq!(iv.credentials.iter().map(|w| (w.id.as_str(), w.group.as_str())).collect::<Vec<_>>(), [("maybe", "g")]);
    let reasons: Vec<(&str, NotCountedReason)> = r.not_counted.iter().map(|n| (n.id.as_str(), n.reason)).collect();
    assert_eq!(reasons, [("bad", NotCountedReason::Invalid), ("maybe", NotCountedReason::Unverifiable)]);

    let input: Vec<CredentialInput<'_>> = creds.iter().map(|(i, c, e)| CredentialInput::new(i, c, *e)).collect();
    let mut opts = MatchOptions::at(now());
    opts.count_unverifiable = true;
    let r = progress(&p, &input, &opts).expect("progress");
    assert_eq!(r.earned, 7.0, "the learner may choose to count unverifiable ones");
}

#[test]
fn an_expired_credential_never_counts_and_one_about_to_expire_is_flagged() {
    let p = pathway_json(serde_json::json!([{ "id": "g", "name": "G", "credits": 10 }]), 10.0, "ects");
    let mut old = cred("Old", "S", Some(5.0), &[]);
    old.valid_until = Some("2026-11-01T00:00:00Z".into());
    let mut soon = cred("Soon", "S", Some(5.0), &[]);
    soon.valid_until = Some("2027-01-15T00:00:00Z".into());
    let mut later = cred("Later", "S", Some(2.0), &[]);
    later.valid_until = Some("2028-01-15T00:00:00Z".into());
    let mut future = cred("Future", "S", Some(2.0), &[]);
    future.valid_from = Some("2027-06-01".into());
    let r = run(&p, &[v("old", old), v("soon", soon), v("later", later), v("future", future)]);
    assert_eq!(r.earned, 7.0);
    assert_eq!(r.expiring.len(), 1);
    assert_eq!((r.expiring[0].id.as_str(), r.expiring[0].cause), ("soon", ExpiryCause::ValidUntil));
    assert_eq!(r.expiring[0].on, "2027-01-15T00:00:00Z");
    let reasons: Vec<(&str, NotCountedReason)> = r.not_counted.iter().map(|n| (n.id.as_str(), n.reason)).collect();
    assert_eq!(reasons, [("future", NotCountedReason::NotYetValid), ("old", NotCountedReason::Expired)]);
}

#[test]
fn the_maximum_age_of_a_group_is_measured_from_the_issue_date_at_now() {
    let p = pathway_json(
        serde_json::json!([{ "id": "g", "name": "G", "credits": 10, "max_age_months": 24 }]),
        10.0,
        "ects",
    );
    let mut too_old = cred("Too old", "S", Some(5.0), &[]);
    too_old.issued = Some("2024-11-01T00:00:00Z".into());
    let mut ageing = cred("Ageing", "S", Some(5.0), &[]);
    ageing.issued = Some("2025-01-10T00:00:00Z".into());
    let mut undated = cred("Undated", "S", Some(5.0), &[]);
    undated.issued = None;
    let r = run(&p, &[v("too-old", too_old), v("ageing", ageing), v("undated", undated)]);
    assert_eq!(r.earned, 5.0, "only the credential younger than two years counts");
    assert_eq!(r.expiring.len(), 1);
    assert_eq!((r.expiring[0].id.as_str(), r.expiring[0].cause), ("ageing", ExpiryCause::MaxAge));
    assert_eq!(r.expiring[0].on, "2027-01-10T00:00:00Z");
}

#[test]
fn a_named_achievement_is_found_by_id_or_by_issuer_and_title() {
    let p = pathway_json(
        serde_json::json!([
            { "id": "by-id", "name": "By id", "credits": 3,
              "achievement": { "id": "https://example.org/achievements/Capstone" } },
            { "id": "by-title", "name": "By title",
              "achievement": { "issuer": "hogeschool x", "title": "werkplekleren ICT" } },
            { "id": "rest", "name": "Rest", "credits": 5 }
        ]),
        8.0,
        "ects",
    );
    let creds = vec![
        v("cap", cred("Capstone", "Other school", Some(15.0), &[])),
        v("wpl", cred("Werkplekleren ICT", "Hogeschool X", None, &[])),
        v("wrong-issuer", cred("Werkplekleren ICT", "Hogeschool Y", Some(30.0), &[])),
    ];
    let r = run(&p, &creds);
    assert!(r.groups[0].complete && r.groups[1].complete);
    assert_eq!(r.groups[0].earned, 3.0, "an achievement counts for what the pathway says it is worth");
    assert_eq!(r.groups[1].counted[0].id, "wpl");
    assert_eq!(r.groups[1].counted[0].credits, None, "it states no credit value, and none is made up");
    assert_eq!(r.groups[2].counted.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["wrong-issuer"]);
    assert!(r.complete);
}

#[test]
fn levels_filters_and_skills_decide_which_group_a_credential_fits() {
    let p = example("personal-data-skills.json");
    let skill = |framework: &str, label: &str| Skill {
        framework: Some(framework.into()),
        label: label.into(),
        ..Skill::default()
    };
    let mut py = cred("Python for data", "Codeschool", None, &[]);
    py.credits.push(credit(130.0, CreditUnit::Hours, "achievement.timeInvestment"));
    py.skills.push(skill("ESCO", "Python (computer programming)"));
    let mut stats = cred("Statistics", "Open Universiteit", Some(5.0), &[]);
    stats.skills.push(skill("ESCO", "statistics"));
    let mut viz = cred("Dashboards", "Codeschool", None, &[]);
    viz.credits.push(credit(40.0, CreditUnit::Hours, "achievement.studyLoad"));
    viz.skills.push(skill("ESCO", "deliver visual presentation of data"));
    let mut not_esco = cred("Python elsewhere", "X", None, &[]);
    not_esco.credits.push(credit(100.0, CreditUnit::Hours, "achievement.studyLoad"));
    not_esco.skills.push(skill("Other", "Python (computer programming)"));
    let r = run(&p, &[v("py", py), v("stats", stats), v("viz", viz), v("other", not_esco)]);
    let g = |id: &str| r.groups.iter().find(|g| g.id == id).expect("group exists");
    assert_eq!(g("programming").earned, 130.0);
    assert!(g("programming").complete);
    assert_eq!(g("analysis").earned, 140.0, "5 ECTS are 140 hours");
    assert_eq!(g("presenting").missing, 20.0);
    assert!(!g("privacy").complete);
    assert_eq!(r.earned, 120.0 + 140.0 + 40.0);
    assert!(g("programming").also_fits.is_empty(), "the non-ESCO Python course fits no ESCO group");

    let level = pathway_json(
        serde_json::json!([{ "id": "l", "name": "L", "credits": 10, "min_level": { "framework": "EQF", "level": 5 } }]),
        10.0,
        "ects",
    );
    let mut nlqf5 = cred("N5", "S", Some(4.0), &[]);
    nlqf5.levels.push(Level { framework: "NLQF".into(), level: "NLQF 5".into() });
    let mut eqf4 = cred("E4", "S", Some(4.0), &[]);
    eqf4.levels.push(Level { framework: "EQF".into(), level: "4".into() });
    let mut edu6 = cred("Edu6", "S", Some(4.0), &[]);
    edu6.edubadges = Some(Edubadges { eqf: Some("EQF level 6".into()), ..Edubadges::default() });
    let r = run(&level, &[v("n5", nlqf5), v("e4", eqf4), v("e6", edu6), v("none", cred("None", "S", Some(4.0), &[]))]);
    let ids: Vec<&str> = r.groups[0].counted.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["e6", "n5"]);
}

#[test]
fn credentials_without_a_credit_value_are_listed_not_counted_as_zero() {
    let p = pathway_json(serde_json::json!([{ "id": "g", "name": "G", "credits": 5, "tags": ["x"] }]), 5.0, "ects");
    let r = run(&p, &[v("nc", cred("No credits", "S", None, &["x"]))]);
    assert!(r.groups[0].counted.is_empty());
    assert_eq!(r.groups[0].no_credit_value, ["nc"]);
    assert_eq!(r.missing, 5.0);
}

#[test]
fn absurd_numbers_in_credentials_or_options_do_not_break_the_sums() {
    let p = pathway_json(
        serde_json::json!([{ "id": "g", "name": "G", "credits": 999995 }, { "id": "h", "name": "H", "credits": 5 }]),
        1_000_000.0,
        "ects",
    );
    let creds = [
        v("huge", cred("Huge", "S", Some(1e300), &[])),
        v("huge2", cred("Huge too", "S", Some(f64::MAX), &[])),
        v("small", cred("Small", "S", Some(5.0), &[])),
    ];
    let input: Vec<CredentialInput<'_>> = creds.iter().map(|(i, c, e)| CredentialInput::new(i, c, *e)).collect();
    let mut opts = MatchOptions::at(now());
    opts.expiry_warning_days = u32::MAX;
    let r = progress(&p, &input, &opts).expect("progress");
    assert!(r.complete);
    assert_eq!(r.earned, 1_000_000.0);
}

#[test]
fn two_credentials_under_one_id_are_refused() {
    let p = pathway_json(serde_json::json!([{ "id": "g", "name": "G", "credits": 5 }]), 5.0, "ects");
    let c = cred("A", "S", Some(1.0), &[]);
    let e = progress(
        &p,
        &[
            CredentialInput::new("same", &c, Eligibility::Verified),
            CredentialInput::new("same", &c, Eligibility::Verified),
        ],
        &MatchOptions::at(now()),
    );
    assert_eq!(e, Err(StackingError::DuplicateCredential("same".into())));
}

#[test]
fn the_progress_report_serializes_for_json_output() {
    let p = example("ad-ict.json");
    let mut c = cred("Rust", "Hogeschool Voorbeeldstad", Some(5.0), &["programming"]);
    c.levels.push(Level { framework: "NLQF".into(), level: "5".into() });
    let r = run(&p, &[v("rust", c)]);
    let json = serde_json::to_value(&r).expect("serializable");
    assert_eq!(json["unit"], "ects");
    assert_eq!(json["groups"][0]["id"], "software");
    assert_eq!(json["groups"][0]["earned"], 5.0);
    assert_eq!(json["groups"][0]["counted"][0]["credit"]["basis"], "ects");
    assert_eq!(json["required"], 120.0);
    assert_eq!(json["search"]["proven_optimal"], true);
}

// ---------------------------------------------------------------- containers and their parts

/// A credential as handed in with its container: `(id, credential, eligibility, part_of)`.
type Held = (String, Credential, Eligibility, Option<String>);

fn held(id: &str, c: Credential) -> Held {
    (id.to_string(), c, Eligibility::Verified, None)
}

fn part(id: &str, c: Credential, container: &str) -> Held {
    (id.to_string(), c, Eligibility::Verified, Some(container.to_string()))
}

fn run_held(p: &Pathway, creds: &[Held]) -> stapel_core::stacking::Progress {
    let input: Vec<CredentialInput<'_>> = creds
        .iter()
        .map(|(i, c, e, parent)| CredentialInput { id: i, credential: c, eligibility: *e, part_of: parent.as_deref() })
        .collect();
    progress(p, &input, &MatchOptions::at(now())).expect("progress is computed")
}

/// `(group id, credential id)` of every counted credential.
fn counted(r: &stapel_core::stacking::Progress) -> Vec<(String, String)> {
    r.groups.iter().flat_map(|g| g.counted.iter().map(|c| (g.id.clone(), c.id.clone()))).collect()
}

fn is_counted(r: &stapel_core::stacking::Progress, id: &str) -> bool {
    counted(r).iter().any(|(_, c)| c == id)
}

fn reason_of(r: &stapel_core::stacking::Progress, id: &str) -> Option<(NotCountedReason, Vec<String>)> {
    r.not_counted.iter().find(|n| n.id == id).map(|n| (n.reason, n.counted_instead.clone()))
}

/// Every order of `items` (Heap's algorithm).
fn permutations<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
    let mut a = items.to_vec();
    let mut out = vec![a.clone()];
    let mut c = vec![0usize; a.len()];
    let mut i = 0;
    while i < a.len() {
        if c[i] < i {
            a.swap(if i % 2 == 0 { 0 } else { c[i] }, i);
            out.push(a.clone());
            c[i] += 1;
            i = 0;
        } else {
            c[i] = 0;
            i += 1;
        }
    }
    out
}

/// A transcript of 20 ECTS with two courses inside it (5 ECTS programming, 10 ECTS writing) and
/// a 3 ECTS programming badge of its own, against groups for programming (5), writing (10) and
/// anything (`open` ECTS).
fn transcript_case(open: f64) -> (Pathway, Vec<Held>) {
    let p = pathway_json(
        serde_json::json!([
            { "id": "prog", "name": "Programming", "credits": 5, "tags": ["programming"] },
            { "id": "writing", "name": "Writing", "credits": 10, "tags": ["writing"] },
            { "id": "open", "name": "Anything", "credits": open }
        ]),
        15.0 + open,
        "ects",
    );
    let creds = vec![
        held("clr", cred("Transcript", "S", Some(20.0), &[])),
        part("rust", cred("Rust", "S", Some(5.0), &["programming"]), "clr"),
        part("essay", cred("Essay", "S", Some(10.0), &["writing"]), "clr"),
        held("badge", cred("Badge", "S", Some(3.0), &["programming"])),
    ];
    (p, creds)
}

#[test]
fn a_clr_with_its_own_credits_and_its_parts_are_never_both_counted_and_the_parts_win_when_they_fulfil_more() {
    // The transcript alone fills "open" (10); its courses fill programming and writing (15) and
    // the badge then goes to "open" (3). Counting both would give 10 + 5 + 10 = 25.
    let (p, creds) = transcript_case(10.0);
    let first = serde_json::to_value(run_held(&p, &creds)).expect("serializable");
    for order in permutations(&creds) {
        let r = run_held(&p, &order);
        assert!(!(is_counted(&r, "clr") && (is_counted(&r, "rust") || is_counted(&r, "essay"))));
        assert_eq!(r.earned, 18.0, "{:?}", counted(&r));
        assert!(r.search.proven_optimal);
        assert_eq!(
            reason_of(&r, "clr"),
            Some((NotCountedReason::PartsCounted, vec!["essay".to_string(), "rust".to_string()]))
        );
        let open = r.groups.iter().find(|g| g.id == "open").expect("group exists");
        assert!(open.also_fits.contains(&"clr".to_string()), "it still fits there");
        assert_eq!(serde_json::to_value(&r).expect("serializable"), first, "the same result whatever the input order");
    }
}

#[test]
fn a_clr_with_its_own_credits_counts_instead_of_its_parts_when_it_fulfils_more() {
    // With 30 ECTS open the transcript's 20 beat its courses' 15: 20 + the badge's 3. Counting
    // both would give 20 + 5 + 10 + 3 = 38.
    let (p, creds) = transcript_case(30.0);
    let first = serde_json::to_value(run_held(&p, &creds)).expect("serializable");
    for order in permutations(&creds) {
        let r = run_held(&p, &order);
        let mut ids: Vec<String> = counted(&r).into_iter().map(|(_, id)| id).collect();
        ids.sort();
        assert_eq!(ids, ["badge", "clr"]);
        assert!(counted(&r).contains(&("open".to_string(), "clr".to_string())));
        assert_eq!(r.earned, 23.0);
        assert!(r.search.proven_optimal);
        for id in ["essay", "rust"] {
            assert_eq!(reason_of(&r, id), Some((NotCountedReason::ContainerCounted, vec!["clr".to_string()])));
        }
        assert_eq!(serde_json::to_value(&r).expect("serializable"), first);
    }
}

#[test]
fn an_achievement_group_naming_a_part_of_a_clr_counts_that_part_when_the_clr_is_not_counted() {
    let p = pathway_json(
        serde_json::json!([
            { "id": "capstone", "name": "Capstone", "credits": 15,
              "achievement": { "id": "https://example.org/achievements/Rust" } },
            { "id": "open", "name": "Anything", "credits": 20 }
        ]),
        35.0,
        "ects",
    );
    let mut creds = vec![
        held("clr", cred("Transcript", "S", Some(20.0), &[])),
        part("rust", cred("Rust", "S", Some(5.0), &[]), "clr"),
        part("essay", cred("Essay", "S", Some(10.0), &[]), "clr"),
    ];
    // The named course (15) and the essay in "open" (10) fulfil more than the transcript (20).
    let r = run_held(&p, &creds);
    assert_eq!(r.earned, 25.0);
    assert_eq!(counted(&r), [("capstone".to_string(), "rust".to_string()), ("open".to_string(), "essay".to_string())]);
    assert!(r.groups[0].complete);
    assert_eq!(reason_of(&r, "clr").map(|x| x.0), Some(NotCountedReason::PartsCounted));

    // A transcript that cannot count (not verified) keeps nothing out.
    creds[0].2 = Eligibility::Unverifiable;
    let r = run_held(&p, &creds);
    assert_eq!(r.earned, 25.0);
    assert!(r.groups[0].complete);
    assert_eq!(reason_of(&r, "clr").map(|x| x.0), Some(NotCountedReason::Unverifiable));
    let iv = r.if_verified.as_ref().expect("the transcript would change nothing for the better");
    assert_eq!(iv.earned, 25.0, "verified, the transcript still does not beat its parts");
}

#[test]
fn a_part_two_levels_down_is_not_counted_beside_the_outer_container_that_states_credits() {
    // Diploma (60) ⊃ year one (no credits) ⊃ a 5 ECTS course. The diploma in "open" (60) beats
    // the course in programming (5); counting both would give 65.
    let p = pathway_json(
        serde_json::json!([
            { "id": "prog", "name": "Programming", "credits": 5, "tags": ["programming"] },
            { "id": "open", "name": "Anything", "credits": 60 }
        ]),
        65.0,
        "ects",
    );
    let creds = vec![
        held("diploma", cred("Diploma", "S", Some(60.0), &[])),
        part("year1", cred("Year one", "S", None, &[]), "diploma"),
        part("course", cred("Course", "S", Some(5.0), &["programming"]), "year1"),
    ];
    let r = run_held(&p, &creds);
    assert_eq!(r.earned, 60.0);
    assert_eq!(counted(&r), [("open".to_string(), "diploma".to_string())]);
    assert_eq!(reason_of(&r, "course"), Some((NotCountedReason::ContainerCounted, vec!["diploma".to_string()])));
}

#[test]
fn a_container_that_states_no_credits_keeps_none_of_its_parts_out() {
    let p = pathway_json(
        serde_json::json!([
            { "id": "transcript", "name": "A transcript", "credits": 1,
              "achievement": { "id": "https://example.org/achievements/Transcript" } },
            { "id": "prog", "name": "Programming", "credits": 5, "tags": ["programming"] }
        ]),
        6.0,
        "ects",
    );
    let creds = vec![
        held("clr", cred("Transcript", "S", None, &[])),
        part("rust", cred("Rust", "S", Some(5.0), &["programming"]), "clr"),
    ];
    let r = run_held(&p, &creds);
    assert!(r.complete, "{:?}", counted(&r));
    assert_eq!(counted(&r).len(), 2);
    assert!(r.not_counted.is_empty());
}

#[test]
fn a_credential_given_as_part_of_itself_is_refused() {
    let p = pathway_json(serde_json::json!([{ "id": "g", "name": "G", "credits": 5 }]), 5.0, "ects");
    let a = cred("A", "S", Some(1.0), &[]);
    let b = cred("B", "S", Some(1.0), &[]);
    let input = [
        CredentialInput::new("a", &a, Eligibility::Verified).part_of("b"),
        CredentialInput::new("b", &b, Eligibility::Verified).part_of("a"),
    ];
    let e = progress(&p, &input, &MatchOptions::at(now()));
    assert!(matches!(e, Err(StackingError::ContainerCycle(_))), "{e:?}");
    // A container that was not handed in is no container: the part counts on its own.
    let input = [CredentialInput::new("a", &a, Eligibility::Verified).part_of("elsewhere")];
    let r = progress(&p, &input, &MatchOptions::at(now())).expect("progress");
    assert_eq!(r.earned, 1.0);
}

#[test]
fn the_matcher_ignores_container_links_it_cannot_trust() {
    // Out of range, to itself, and a cycle: each is dropped, and nothing else changes.
    let mut items = vec![Item::new(5, vec![0]), Item::new(5, vec![1]), Item::new(5, vec![0, 1])];
    items[0].part_of = Some(9);
    items[1].part_of = Some(1);
    let p = Problem { needs: vec![Need::Credits { required: 5 }, Need::Credits { required: 5 }], items };
    let s = matcher::solve(&p, matcher::DEFAULT_NODE_BUDGET);
    assert_eq!(s.fulfilled, 10);
    assert_eq!((s.assignment[0], s.assignment[1]), (Some(0), Some(1)), "neither link holds");
    // Two items, each in the other: one link of the cycle stays, so they exclude each other.
    let mut cyclic = p.clone();
    cyclic.items.truncate(2);
    cyclic.items[0].part_of = Some(1);
    cyclic.items[1].part_of = Some(0);
    let s = matcher::solve(&cyclic, matcher::DEFAULT_NODE_BUDGET);
    assert!(s.proven_optimal);
    assert_eq!(s.fulfilled, 5);
    assert_eq!(s.assignment.iter().filter(|a| a.is_some()).count(), 1);
}

#[test]
fn an_item_whose_best_use_is_an_achievement_is_not_counted_twice_in_the_bound() {
    // Twelve items of 10 fit four roomy credit groups; one of 3 fits them and an achievement
    // group worth 5. The flow bound counts the small item twice (3 + 5) and no assignment
    // reaches it; the bound by items alone (each its value or an achievement's worth) is
    // reached by the greedy start, so the answer is proven without search.
    let mut items: Vec<Item> = (0..12).map(|_| Item::new(10, vec![0, 1, 2, 3])).collect();
    items.push(Item::new(3, vec![0, 1, 2, 3, 4]));
    let mut needs = vec![Need::Credits { required: 1000 }; 4];
    needs.push(Need::Achievement { credits: 5 });
    let s = matcher::solve(&Problem { needs, items }, matcher::DEFAULT_NODE_BUDGET);
    assert_eq!((s.fulfilled, s.achievements), (125, 1));
    assert!(s.proven_optimal);
    assert_eq!(s.upper_bound, 125);
    assert_eq!(s.nodes, 0);
}

#[test]
fn ten_thousand_credentials_against_forty_groups_complete() {
    // Size only; the benchmark measures the time. Tags overlap so most credentials fit several
    // groups; the result must still count each credential once and never exceed the bound.
    let groups: Vec<Value> = (0..40)
        .map(|g| {
            serde_json::json!({ "id": format!("g{g}"), "name": format!("Group {g}"), "credits": 60 + (g % 7) * 10,
                                     "tags": [format!("t{}", g % 13), format!("t{}", (g * 5 + 1) % 13)] })
        })
        .collect();
    let total: f64 = (0..40).map(|g| f64::from(60 + (g % 7) * 10)).sum();
    let p = pathway_json(Value::Array(groups), total, "ects");
    let creds: Vec<(String, Credential, Eligibility)> = (0..10_000u32)
        .map(|i| {
            let ects = [1.0, 2.5, 3.0, 5.0, 7.5][(i % 5) as usize];
            let tags = [format!("t{}", i % 13), format!("t{}", (i / 13) % 13)];
            let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
            v(&format!("c{i:05}"), cred(&format!("C{i}"), "S", Some(ects), &tags))
        })
        .collect();
    let r = run(&p, &creds);
    let mut ids: Vec<&str> = r.groups.iter().flat_map(|g| g.counted.iter().map(|c| c.id.as_str())).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(n, ids.len());
    assert!(r.earned <= r.search.upper_bound + 1e-9);
    assert!(r.complete, "plenty of credits for every group");
}

#[test]
fn ten_thousand_credentials_that_cannot_fill_forty_groups_still_return_within_the_budget() {
    // Scarce credits: every group wants far more than there is, and every credential fits
    // several groups, so the answer is bounded by the total of the credentials.
    let groups: Vec<Value> = (0..40)
        .map(|g| {
            serde_json::json!({ "id": format!("g{g}"), "name": format!("Group {g}"), "credits": 5000,
                                     "tags": [format!("t{}", g % 13), format!("t{}", (g * 5 + 1) % 13)] })
        })
        .collect();
    let p = pathway_json(Value::Array(groups), 200_000.0, "ects");
    let creds: Vec<(String, Credential, Eligibility)> = (0..10_000u32)
        .map(|i| {
            let tags = [format!("t{}", i % 13), format!("t{}", (i / 13) % 13)];
            let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
            v(&format!("c{i:05}"), cred(&format!("C{i}"), "S", Some(f64::from(1 + i % 7)), &tags))
        })
        .collect();
    let total: f64 = (0..10_000u32).map(|i| f64::from(1 + i % 7)).sum();
    let r = run(&p, &creds);
    assert_eq!(r.earned, total, "every credential fits some group with room, so all of them count");
    assert!(r.search.proven_optimal, "reaching the bound proves it");
}

#[test]
fn a_career_switchers_thirteen_microcredentials_stack_towards_the_associate_degree() {
    let p = example("ad-ict.json");
    let hv = "Hogeschool Voorbeeldstad";
    let esco = |label: &str| Skill { framework: Some("ESCO".into()), label: label.into(), ..Skill::default() };
    let mc = |title: &str, ects: f64, tags: &[&str]| {
        let mut c = cred(title, hv, Some(ects), tags);
        c.levels.push(Level { framework: "NLQF".into(), level: "5".into() });
        c
    };
    let mut old = mc("Old security course", 5.0, &["security"]);
    old.issued = Some("2022-01-10T00:00:00Z".into());
    let mut pm = mc("Project management", 3.0, &["project management"]);
    pm.skills.push(esco("manage projects"));
    let mut comm = mc("Communication", 3.0, &["communication"]);
    comm.skills.push(esco("communicate with customers"));
    let mut wpl = cred("Werkplekleren ICT", hv, Some(30.0), &[]);
    wpl.levels.push(Level { framework: "NLQF".into(), level: "5".into() });
    let wallet = vec![
        v("01", mc("Python basics", 5.0, &["programming"])),
        v("02", mc("Web development", 5.0, &["programming"])),
        v("03", mc("Databases", 5.0, &["programming"])),
        v("04", mc("Object-oriented Java", 5.0, &["programming"])),
        v("05", mc("Linux", 4.0, &["linux"])),
        v("06", mc("Networking", 4.0, &["networking"])),
        v("07", mc("Cloud fundamentals", 5.0, &["cloud"])),
        v("08", mc("Security basics", 5.0, &["security"])),
        v("09", mc("Secure coding", 5.0, &["security", "programming"])),
        v("10", old),
        v("11", pm),
        v("12", comm),
        v("13", mc("Agile", 3.0, &["project management"])),
        v("14", wpl),
    ];
    let r = run(&p, &wallet);
    let g = |id: &str| r.groups.iter().find(|g| g.id == id).expect("group exists");
    // 57 ECTS of microcredentials all find a place, plus the 30 ECTS work placement.
    assert_eq!(r.earned, 87.0);
    assert_eq!(r.missing, 33.0);
    assert!(!r.complete);
    assert!(r.search.proven_optimal);
    assert_eq!(g("software").fulfilled + g("security").fulfilled, 30.0, "secure coding counts once");
    assert_eq!(g("infrastructure").fulfilled, 13.0);
    assert_eq!(g("professional").fulfilled, 6.0, "Agile has no framework alignment");
    assert!(g("work-placement").complete);
    let electives: Vec<&str> = g("electives").counted.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(electives, ["10", "13"], "the course too old for security and Agile go to electives");
    assert!(!g("security").counted.iter().any(|c| c.id == "10"));
    assert!(r.expiring.is_empty());
}

#[test]
fn the_mbo_beek_examples_fill_the_elective_modules_of_the_mbo_example() {
    let p = example("mbo-software-developer.json");
    let creds: Vec<(String, Credential, Eligibility)> =
        educredential_files().into_iter().filter(|f| f.starts_with("mbob")).map(|f| v(&f, educredential(&f))).collect();
    assert_eq!(creds.len(), 12);
    let r = run(&p, &creds);
    let electives = r.groups.iter().find(|g| g.id == "electives").expect("group exists");
    assert!(electives.complete);
    assert_eq!(r.earned, 240.0, "only the electives group takes MBO Beek credentials");
    assert_eq!(electives.counted.len() + electives.also_fits.len(), 12);
    assert!(r.groups.iter().filter(|g| g.id != "electives").all(|g| g.counted.is_empty()));
}

#[test]
fn the_matcher_tidies_group_lists_it_cannot_trust() {
    let p = Problem {
        needs: vec![Need::Credits { required: 5 }, Need::Credits { required: 5 }],
        items: vec![Item::new(5, vec![1, 1, 0, 7]), Item::new(5, vec![1])],
    };
    let s = matcher::solve(&p, matcher::DEFAULT_NODE_BUDGET);
    assert_eq!(s.fulfilled, 10);
    assert_eq!(s.assignment, [Some(0), Some(1)]);
}

// ---------------------------------------------------------------- property tests

/// Whether an assignment puts an item and an item on its `part_of` chain both in groups.
fn counts_a_container_and_its_part(p: &Problem, assignment: &[Option<usize>]) -> bool {
    (0..p.items.len()).any(|i| {
        let mut at = p.items[i].part_of;
        let mut steps = 0;
        while let Some(a) = at {
            if assignment[i].is_some() && assignment[a].is_some() {
                return true;
            }
            at = p.items[a].part_of;
            steps += 1;
            if steps > p.items.len() {
                break;
            }
        }
        false
    })
}

/// Every assignment of a small problem, for checking the matcher against brute force.
/// Assignments that count a container together with one of its parts are not allowed.
fn brute_force(p: &Problem) -> i64 {
    let n = p.items.len();
    let mut best = 0;
    let mut choice = vec![0usize; n];
    loop {
        let assignment: Vec<Option<usize>> = choice
            .iter()
            .enumerate()
            .map(|(i, &c)| if c == 0 { None } else { Some(p.items[i].groups[c - 1]) })
            .collect();
        let mut sum = vec![0i64; p.needs.len()];
        for (i, a) in assignment.iter().enumerate() {
            if let Some(g) = a {
                sum[*g] += match p.needs[*g] {
                    Need::Credits { .. } => p.items[i].value,
                    Need::Achievement { .. } => 1,
                };
            }
        }
        let allowed = !counts_a_container_and_its_part(p, &assignment);
        let total: i64 = p
            .needs
            .iter()
            .enumerate()
            .map(|(g, need)| match *need {
                Need::Credits { required } => sum[g].min(required),
                Need::Achievement { credits } => {
                    if sum[g] > 0 {
                        credits
                    } else {
                        0
                    }
                }
            })
            .sum();
        if allowed {
            best = best.max(total);
        }
        // Next choice vector.
        let mut i = 0;
        loop {
            if i == n {
                return best;
            }
            choice[i] += 1;
            if choice[i] <= p.items[i].groups.len() {
                break;
            }
            choice[i] = 0;
            i += 1;
        }
    }
}

fn problem_strategy() -> impl Strategy<Value = Problem> {
    let needs = prop::collection::vec(
        prop_oneof![
            4 => (1i64..20).prop_map(|required| Need::Credits { required }),
            1 => (0i64..10).prop_map(|credits| Need::Achievement { credits }),
        ],
        1..4,
    );
    needs.prop_flat_map(|needs| {
        let g = needs.len();
        // Some items are part of an earlier one (containers and parts, nested at any depth).
        let item = (0i64..12, prop::collection::btree_set(0..g, 0..=g), prop::option::weighted(0.4, 0..7usize));
        (Just(needs), prop::collection::vec(item, 0..7)).prop_map(|(needs, items)| Problem {
            needs,
            items: items
                .into_iter()
                .enumerate()
                .map(|(i, (value, groups, parent))| Item {
                    value,
                    groups: groups.into_iter().collect(),
                    part_of: parent.filter(|&p| p < i),
                })
                .collect(),
        })
    })
}

/// Generated wallets: credentials with ECTS (some without a credit value), tags from a small
/// set, some unverifiable or invalid, and some inside an earlier one: containers (a CLR, with
/// or without credits of its own) and their parts, nested at any depth.
fn wallet_strategy() -> impl Strategy<Value = Vec<Held>> {
    let one = (
        prop::option::weighted(0.9, 1u32..16),
        prop::collection::btree_set(0..4usize, 0..3),
        prop_oneof![6 => Just(Eligibility::Verified), 1 => Just(Eligibility::Unverifiable), 1 => Just(Eligibility::Invalid)],
        prop::option::weighted(0.4, 0..9usize),
    );
    prop::collection::vec(one, 0..9).prop_map(|list| {
        list.into_iter()
            .enumerate()
            .map(|(i, (ects, tags, e, parent))| {
                let tags: Vec<String> = tags.into_iter().map(|t| format!("t{t}")).collect();
                let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
                (
                    format!("c{i}"),
                    cred(&format!("C{i}"), "S", ects.map(f64::from), &tags),
                    e,
                    parent.filter(|&p| p < i).map(|p| format!("c{p}")),
                )
            })
            .collect()
    })
}

/// Whether a counted credential has a counted container above it that states credits.
fn a_part_counts_beside_its_container(w: &[Held], r: &stapel_core::stacking::Progress) -> bool {
    let find = |id: &str| w.iter().find(|c| c.0 == id);
    counted(r).iter().any(|(_, id)| {
        let mut at = find(id).and_then(|c| c.3.clone());
        while let Some(a) = at {
            let Some(container) = find(&a) else { break };
            if credit_value(&container.1, 28.0).is_some() && is_counted(r, &a) {
                return true;
            }
            at = container.3.clone();
        }
        false
    })
}

fn generated_pathway() -> Pathway {
    pathway_json(
        serde_json::json!([
            { "id": "a", "name": "A", "credits": 8, "tags": ["t0", "t1"] },
            { "id": "b", "name": "B", "credits": 6, "tags": ["t1", "t2"] },
            { "id": "c", "name": "C", "credits": 10 },
            { "id": "d", "name": "D", "achievement": { "id": "https://example.org/achievements/C3" } }
        ]),
        24.0,
        "ects",
    )
}

proptest! {
    #[test]
    fn the_matcher_is_as_good_as_trying_every_assignment_and_within_its_bound(p in problem_strategy()) {
        let s = matcher::solve(&p, matcher::DEFAULT_NODE_BUDGET);
        prop_assert!(s.proven_optimal);
        prop_assert_eq!(s.fulfilled, brute_force(&p));
        prop_assert!(s.fulfilled <= s.upper_bound);
        prop_assert!(!counts_a_container_and_its_part(&p, &s.assignment), "a container and its part both count");
        for (i, a) in s.assignment.iter().enumerate() {
            if let Some(g) = a {
                prop_assert!(p.items[i].groups.contains(g), "an item only goes to a group it fits");
            }
        }
    }

    #[test]
    fn no_credential_is_counted_twice_nor_a_part_beside_its_container(w in wallet_strategy()) {
        let r = run_held(&generated_pathway(), &w);
        let mut ids: Vec<String> = r.groups.iter().flat_map(|g| g.counted.iter().map(|c| c.id.clone())).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        prop_assert_eq!(n, ids.len());
        for id in &ids {
            let e = w.iter().find(|c| &c.0 == id).map(|c| c.2);
            prop_assert_eq!(e, Some(Eligibility::Verified), "only verified credentials count");
        }
        prop_assert!(!a_part_counts_beside_its_container(&w, &r), "{:?}", counted(&r));
        // Whatever is kept out for a container or its parts names what is counted instead.
        for n in &r.not_counted {
            if matches!(n.reason, NotCountedReason::ContainerCounted | NotCountedReason::PartsCounted) {
                prop_assert!(!n.counted_instead.is_empty());
                for other in &n.counted_instead {
                    prop_assert!(is_counted(&r, other), "{} is named as counted but is not", other);
                }
            } else {
                prop_assert!(n.counted_instead.is_empty());
            }
        }
        if let Some(iv) = &r.if_verified {
            prop_assert!(iv.earned >= r.earned);
        }
    }

    #[test]
    fn adding_a_credential_never_lowers_progress(w in wallet_strategy(), ects in 1u32..12, tag in 0..4usize, inside in prop::option::of(0..9usize)) {
        // The new credential may be a part of one already there (a CLR's achievement credential).
        let p = generated_pathway();
        let before = run_held(&p, &w);
        let mut more = w.clone();
        let container = inside.filter(|&k| k < w.len()).map(|k| format!("c{k}"));
        more.push(("extra".into(), cred("Extra", "S", Some(f64::from(ects)), &[&format!("t{tag}")]), Eligibility::Verified, container));
        let after = run_held(&p, &more);
        prop_assert!(before.search.proven_optimal && after.search.proven_optimal);
        prop_assert!(after.earned >= before.earned, "{} then {}", before.earned, after.earned);
    }

    #[test]
    fn the_result_does_not_depend_on_input_order(w in wallet_strategy(), seed in any::<u64>()) {
        let p = generated_pathway();
        let mut shuffled = w.clone();
        // A deterministic shuffle from the seed.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let a = serde_json::to_value(run_held(&p, &w)).expect("serializable");
        let b = serde_json::to_value(run_held(&p, &shuffled)).expect("serializable");
        prop_assert_eq!(a, b);
    }

    #[test]
    fn progress_never_exceeds_the_bound_or_the_target(w in wallet_strategy()) {
        let r = run_held(&generated_pathway(), &w);
        prop_assert!(r.earned <= r.search.upper_bound + 1e-9);
        prop_assert!(r.earned <= r.required);
        for g in &r.groups {
            prop_assert!(g.fulfilled <= g.required + 1e-9);
        }
    }
}

// ---- Over a wallet: one read for all credentials, and a CLR's credits counted once ----

mod over_a_wallet {
    use super::now;
    use serde_json::{Value, json};
    use stapel_core::net::Offline;
    use stapel_core::stacking::{MatchOptions, NotCountedReason};
    use stapel_core::store::{KdfParams, Protection, Secret, Wallet};
    use stapel_core::wallet::import::{Input, import_one};
    use stapel_core::wallet::{progress_of, wallet_credentials, wallet_credits};

    const CLR: &str =
        "1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-clr.signed-credential.json";
    const OB3: &str =
        "1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-ob.signed-credential.json";

    fn vector(rel: &str) -> Value {
        let path = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors")).join(rel);
        serde_json::from_slice(&std::fs::read(&path).expect("the vector exists")).expect("the vector is JSON")
    }

    fn wallet() -> (tempfile::TempDir, Wallet) {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let cheap = KdfParams { m_cost_kib: 256, t_cost: 1, p_cost: 1 };
        let w = Wallet::create(&dir.path().join("w.db"), Protection::Passphrase(Secret::new("p".into())), cheap)
            .expect("a wallet");
        (dir, w)
    }

    fn import(w: &mut Wallet, doc: &Value) -> String {
        let bytes = serde_json::to_vec(doc).expect("JSON");
        import_one(w, &Input::Stdin(bytes), &Offline, now()).expect("the credential imports").id
    }

    /// The 1EdTech CLR 2.0 vector, with credits added where a CLR can carry them: on the CLR's
    /// own subject (`clr_earned`) and on the embedded achievement credential's achievement
    /// (`part_available`). The signature no longer holds; credit values do not depend on it.
    fn clr(clr_earned: Option<f64>, part_available: Option<f64>) -> Value {
        let mut doc = vector(CLR);
        if let Some(n) = clr_earned {
            doc["credentialSubject"]["creditsEarned"] = json!(n);
        }
        if let Some(n) = part_available {
            doc["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]["achievement"]["creditsAvailable"] =
                json!(n);
        }
        doc
    }

    fn line<'a>(
        lines: &'a [stapel_core::wallet::CredentialCredits],
        id: &str,
    ) -> &'a stapel_core::wallet::CredentialCredits {
        lines.iter().find(|l| l.id == id).expect("the credential is listed")
    }

    #[test]
    fn the_wallets_credentials_read_in_one_batch_are_exactly_what_reading_each_one_gives() {
        let (_d, mut w) = wallet();
        import(&mut w, &clr(Some(60.0), Some(15.0)));
        import(&mut w, &vector(OB3));
        let all = wallet_credentials(&w).expect("the wallet is read");
        assert_eq!(all.len(), 3, "the CLR, its achievement credential and the badge");
        let mut ids: Vec<&str> = all.iter().map(|c| c.summary.id.as_str()).collect();
        let sorted = {
            let mut s = ids.clone();
            s.sort();
            s
        };
        assert_eq!(ids, sorted, "sorted by id");
        for c in &all {
            let one = w.get(&c.summary.id).expect("the credential is read alone");
            assert_eq!(c.credential, one.credential);
            assert_eq!(c.summary, one.summary);
        }
        ids.dedup();
        assert_eq!(ids.len(), 3);
    }

    #[test]
    fn a_clr_that_states_its_own_credits_counts_once_and_its_parts_are_shown_under_it_not_added() {
        let (_d, mut w) = wallet();
        let clr_id = import(&mut w, &clr(Some(60.0), Some(15.0)));
        let (total, lines) = wallet_credits(&w, 28.0).expect("credits are read");
        assert_eq!(total, 60.0, "60 from the CLR, not 60 + 15");
        let own = line(&lines, &clr_id);
        assert!(own.in_total && own.part_of.is_none());
        assert_eq!(own.value.as_ref().map(|v| v.ects()), Some(60.0));
        let part = lines.iter().find(|l| l.id != clr_id).expect("the CLR's achievement credential is listed");
        assert_eq!(part.part_of.as_deref(), Some(clr_id.as_str()));
        assert_eq!(part.value.as_ref().map(|v| v.ects()), Some(15.0), "its own value is still shown");
        assert!(!part.in_total);

        // A badge beside the CLR adds to the total as usual.
        import(
            &mut w,
            &json!({"@context": vector(OB3)["@context"], "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": "https://example.edu/issuers/1", "type": "Profile", "name": "Example"}, "validFrom": "2025-01-01T00:00:00Z",
            "name": "Five more", "credentialSubject": {"type": "AchievementSubject", "achievement": {"id": "urn:example:five",
            "type": "Achievement", "name": "Five more", "criteria": {"narrative": "x"}, "description": "x", "creditsAvailable": 5}}}),
        );
        assert_eq!(wallet_credits(&w, 28.0).expect("credits are read").0, 65.0);
    }

    #[test]
    fn a_clr_without_credits_of_its_own_adds_the_credits_of_its_parts() {
        let (_d, mut w) = wallet();
        let clr_id = import(&mut w, &clr(None, Some(15.0)));
        let (total, lines) = wallet_credits(&w, 28.0).expect("credits are read");
        assert_eq!(total, 15.0);
        let own = line(&lines, &clr_id);
        assert!(own.value.is_none() && !own.in_total, "no credit value, never a silent zero");
        let part = lines.iter().find(|l| l.id != clr_id).expect("the part is listed");
        assert!(part.in_total && part.part_of.as_deref() == Some(clr_id.as_str()));
    }

    #[test]
    fn progress_from_the_wallet_counts_a_clr_that_states_its_own_credits_or_its_part_never_both() {
        let (_d, mut w) = wallet();
        let clr_id = import(&mut w, &clr(Some(60.0), Some(15.0)));
        let all = wallet_credentials(&w).expect("the wallet is read");
        let part_id = all.iter().find(|c| c.summary.id != clr_id).expect("the part is stored").summary.id.clone();
        assert_eq!(
            all.iter().find(|c| c.summary.id == part_id).and_then(|c| c.summary.parent.clone()),
            Some(clr_id.clone())
        );
        // The CLR fills "open" (60), its part the group naming its achievement (15): 75 if
        // both counted. Never verified, so counted only because the options say so.
        let p = super::pathway_json(
            json!([
                { "id": "open", "name": "Anything", "credits": 60 },
                { "id": "degree", "name": "The degree course", "credits": 15,
                  "achievement": { "id": "urn:uuid:a7467ef6-56cb-11ec-bf63-0242ac130002" } }
            ]),
            75.0,
            "ects",
        );
        let mut options = MatchOptions::at(now());
        options.count_unverifiable = true;
        let wp = progress_of(all, &p, &options).expect("progress is computed");
        let r = &wp.progress;
        assert_eq!(r.earned, 60.0);
        assert_eq!(super::counted(r), [("open".to_string(), clr_id.clone())]);
        assert_eq!(super::reason_of(r, &part_id), Some((NotCountedReason::ContainerCounted, vec![clr_id.clone()])));

        // Without credits of its own the CLR keeps nothing out: the part fills its group.
        let (_d2, mut w2) = wallet();
        import(&mut w2, &clr(None, Some(15.0)));
        let wp = progress_of(wallet_credentials(&w2).expect("read"), &p, &options).expect("progress");
        assert_eq!(wp.progress.earned, 15.0);
        assert!(wp.progress.groups[1].complete, "the named achievement is there");
        assert!(wp.progress.not_counted.is_empty());
    }

    #[test]
    fn the_published_clr_vector_states_no_credits_and_adds_nothing() {
        let (_d, mut w) = wallet();
        let clr_id = import(&mut w, &vector(CLR));
        let (total, lines) = wallet_credits(&w, 28.0).expect("credits are read");
        assert_eq!(total, 0.0);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.value.is_none() && !l.in_total));
        assert!(lines.iter().any(|l| l.part_of.as_deref() == Some(clr_id.as_str())));
    }
}
