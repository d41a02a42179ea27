//! `stapel credits`, `stapel pathway …` and `stapel progress` against SURF's educredential
//! examples and the 1EdTech OB3 example, with the three example pathways from `docs/examples`
//! and pathways written by the tests. Verifications are recorded through the core API on the
//! same wallet file, as `stapel verify` will record them.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};
use stapel_core::store::{Secret, Unlock, Wallet};
use stapel_core::verify::{Check, CheckId, Report};

use crate::support::{TestWallet, text, vector};

fn educredential(file: &str) -> PathBuf {
    vector(&format!("4-ob2/educredentials-obv3-examples/_data/credentials/{file}"))
}

fn example_pathway(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples").join(file)
}

/// Imports one file and returns the new credential's full id.
fn import(w: &TestWallet, path: &Path) -> String {
    let out = w.run(&["import", "--json", path.to_str().unwrap()]);
    assert!(out.status.success(), "import of {} failed: {}", path.display(), text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["inputs"][0]["id"].as_str().unwrap().to_string()
}

fn json_of(w: &TestWallet, args: &[&str]) -> Value {
    let out = w.run(args);
    assert!(out.status.success(), "{args:?} failed: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {}", text(&out.stdout)))
}

/// Records a verification of `id` the way `stapel verify` does, through the core.
fn record(w: &TestWallet, id: &str, report: Report, checked_at: &str) {
    let secret = Secret::new("correct horse battery staple".to_string());
    let mut wallet = Wallet::open(&w.path, Unlock::Passphrase(secret)).unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(checked_at).unwrap().to_utc();
    wallet.record_verification(id, &report, at, false).unwrap();
}

fn verified() -> Report {
    Report::from_checks(vec![
        Check::passed(CheckId::Format, "the credential is a well-formed OpenBadgeCredential"),
        Check::passed(CheckId::Proof, "the signature is correct"),
    ])
}

fn failed() -> Report {
    Report::from_checks(vec![
        Check::passed(CheckId::Format, "the credential is a well-formed OpenBadgeCredential"),
        Check::failed(CheckId::Status, "the issuer has revoked this credential"),
    ])
}

/// A pathway over the educredential examples: Theed university credits and Harderwijk credits.
fn jedi_pathway(dir: &Path) -> PathBuf {
    let p = dir.join("jedi.json");
    std::fs::write(
        &p,
        serde_json::to_vec_pretty(&serde_json::json!({
            "version": 1,
            "id": "jedi-ad",
            "target": { "name": "Associate degree Applied Force Studies", "awarding_body": "Examencommissie, Naboo Theed University", "total_credits": 15 },
            "unit": "ects",
            "groups": [
                { "id": "theed", "name": "Force courses at Theed", "credits": 10, "issuers": ["Naboo Theed University"] },
                { "id": "harderwijk", "name": "Electives from Harderwijk", "credits": 5, "issuers": ["Universiteit van Harderwijk"] }
            ]
        }))
        .unwrap(),
    )
    .unwrap();
    p
}

/// Whitespace removed: PDF text extraction may break or space lines differently.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn credits_lists_each_credential_in_ects_and_hours_and_a_credential_without_credits_as_no_credit_value() {
    let w = TestWallet::new();
    let micro = import(&w, &educredential("theed_microcredential_full_ho.json"));
    let mbo = import(&w, &educredential("mbob_eo_eov_microcredential_full.json"));
    let none = import(&w, &educredential("theed_extracurricular_minimal_ho.json"));
    let ob3 = import(
        &w,
        &vector(
            "1-ob3/1edtech-openbadges-specification/rendered-spec-gh-pages-9535509/example-36-complete-openbadgecredential.signed.json",
        ),
    );

    let v = json_of(&w, &["credits", "--json"]);
    let list = v["credentials"].as_array().unwrap();
    assert_eq!(list.len(), 4);
    let entry = |id: &str| list.iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("{id} listed"));
    assert_eq!((entry(&micro)["ects"].as_f64(), entry(&micro)["hours"].as_f64()), (Some(3.0), Some(84.0)));
    assert_eq!(entry(&micro)["source"], "achievement.ECTS");
    // 240 SBU at 28 hours per ECTS.
    assert_eq!((entry(&mbo)["hours"].as_f64(), entry(&mbo)["ects"].as_f64()), (Some(240.0), Some(8.57)));
    assert_eq!(entry(&mbo)["unit"], "sbu");
    assert!(entry(&none)["ects"].is_null() && entry(&none)["hours"].is_null() && entry(&none)["source"].is_null());
    // The OB3 example states creditsEarned 42 and creditsAvailable 36, without a unit: the
    // earned credits count, read as ECTS, and say so.
    assert_eq!(entry(&ob3)["ects"].as_f64(), Some(42.0));
    assert_eq!(entry(&ob3)["source"], "credentialSubject.creditsEarned");
    assert_eq!(entry(&ob3)["unit_assumed"], true);
    assert_eq!(v["total_ects"].as_f64(), Some(53.57));

    let out = w.run(&["credits"]);
    assert!(out.status.success());
    let t = text(&out.stdout);
    assert!(t.contains(&format!("{}  no credit value", &none[..12])), "{t}");
    assert!(t.contains("42 ECTS (unit assumed) (credentialSubject.creditsEarned) = 42 ECTS / 1176 h"), "{t}");
    assert!(t.contains("total: 53.57 ECTS from 3 credentials (1 without a credit value"), "{t}");
}

#[test]
fn the_three_example_pathways_are_added_listed_shown_replaced_and_removed() {
    let w = TestWallet::new();
    for f in ["ad-ict.json", "mbo-software-developer.json", "personal-data-skills.json"] {
        let out = w.run(&["pathway", "add", example_pathway(f).to_str().unwrap()]);
        assert!(out.status.success(), "{f}: {}", text(&out.stderr));
        assert!(text(&out.stdout).starts_with("added pathway "), "{}", text(&out.stdout));
    }
    let v = json_of(&w, &["pathway", "list", "--json"]);
    let ids: Vec<&str> = v["pathways"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ad-ict", "mbo4-software-developer", "personal-data-analyst"]);

    let again = w.run(&["pathway", "add", example_pathway("ad-ict.json").to_str().unwrap()]);
    assert!(again.status.success());
    assert!(text(&again.stdout).contains("replaced pathway ad-ict"), "{}", text(&again.stdout));
    assert_eq!(json_of(&w, &["pathway", "list", "--json"])["pathways"].as_array().unwrap().len(), 3);

    let shown = json_of(&w, &["pathway", "show", "ad-ict", "--json"]);
    let file: Value = serde_json::from_slice(&std::fs::read(example_pathway("ad-ict.json")).unwrap()).unwrap();
    assert_eq!(shown, file, "show --json gives the file as added");
    let out = w.run(&["pathway", "show", "ad-ict"]);
    assert!(
        text(&out.stdout).contains("group work-placement: Work placement — the achievement"),
        "{}",
        text(&out.stdout)
    );

    let out = w.run(&["pathway", "remove", "mbo4-software-developer"]);
    assert!(out.status.success());
    let out = w.run(&["pathway", "remove", "mbo4-software-developer"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr).lines().count(), 1, "{}", text(&out.stderr));
    assert_eq!(json_of(&w, &["pathway", "list", "--json"])["pathways"].as_array().unwrap().len(), 2);

    // With no credential in the wallet every pathway is at zero, one line each.
    let out = w.run(&["progress"]);
    let t = text(&out.stdout);
    assert_eq!(t.lines().count(), 2, "{t}");
    assert!(t.contains("ad-ict  Associate degree ICT: 0 of 120 ECTS (0%), 0 of 6 groups complete"), "{t}");
}

#[test]
fn a_bad_pathway_file_is_one_line_naming_the_file_and_the_reason_and_leaves_the_wallet_unchanged() {
    let w = TestWallet::new();
    w.run(&["pathway", "add", example_pathway("ad-ict.json").to_str().unwrap()]);
    let before = w.snapshot();
    let cases = [
        ("not-json.json", "{ this is not json".to_string(), "not-json.json"),
        (
            "negative.json",
            r#"{"version":1,"id":"x","target":{"name":"X","awarding_body":"Y","total_credits":10},"unit":"ects","groups":[{"id":"g","name":"G","credits":-5}]}"#.to_string(),
            "credits",
        ),
        (
            "unknown-field.json",
            r#"{"version":1,"id":"x","target":{"name":"X","awarding_body":"Y","total_credits":10},"unit":"ects","groups":[],"colour":"red"}"#.to_string(),
            "colour",
        ),
    ];
    for (name, body, reason) in cases {
        let path = w.dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        let out = w.run(&["pathway", "add", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.contains(name) && err.contains(reason), "{name}: {err}");
    }
    let missing = w.run(&["pathway", "add", w.dir.path().join("nowhere.json").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("nowhere.json"));
    assert_eq!(w.snapshot(), before, "nothing changed");
}

#[test]
fn a_verified_credential_counts_an_unverifiable_one_is_shown_apart_and_an_invalid_one_never_counts() {
    let w = TestWallet::new();
    let force = import(&w, &educredential("theed_regular_full_ho.json"));
    let minor = import(&w, &educredential("theed_microcredential_full_ho.json"));
    let uvh = import(&w, &educredential("uvh_at_microcredential_full_2.json"));
    record(&w, &force, verified(), "2026-11-20T10:00:00Z");
    record(&w, &uvh, failed(), "2026-11-20T10:05:00Z");
    let pathway = jedi_pathway(w.dir.path());

    // A pathway file is accepted as well as a stored id.
    let v = json_of(&w, &["progress", pathway.to_str().unwrap(), "--json", "--now", "2026-12-01"]);
    assert_eq!(v["pathway"], "jedi-ad");
    assert_eq!(v["now"], "2026-12-01T00:00:00Z");
    let theed = &v["groups"][0];
    assert_eq!(theed["earned"].as_f64(), Some(6.0));
    assert_eq!(theed["missing"].as_f64(), Some(4.0));
    let counted: Vec<&str> = theed["counted"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(counted, [force.as_str()]);
    assert_eq!(v["groups"][1]["earned"].as_f64(), Some(0.0));
    let reason = |id: &str| {
        v["not_counted"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == id)
            .map(|n| n["reason"].as_str().unwrap().to_string())
    };
    assert_eq!(reason(&minor).as_deref(), Some("unverifiable"));
    assert_eq!(reason(&uvh).as_deref(), Some("invalid"));
    // Every import is verified as it lands: the minor's issuer cannot be checked here, so it is
    // unverifiable, not "never verified".
    assert_eq!(v["never_verified"], serde_json::json!([]));
    assert_eq!(v["if_verified"]["earned"].as_f64(), Some(9.0), "the minor would add 3 ECTS");
    assert_eq!(v["earned"].as_f64(), Some(6.0));

    let out = w.run(&["pathway", "add", pathway.to_str().unwrap()]);
    assert!(out.status.success());
    let out = w.run(&["progress", "jedi-ad", "--now", "2026-12-01"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(t.contains("[ ] Force courses at Theed: 6 of 10 ECTS earned, 4 missing"), "{t}");
    assert!(
        t.contains("The Force and Its Applications  6 ECTS (6 ECTS, achievement.ECTS), counts until 2029-08-30"),
        "{t}"
    );
    assert!(t.contains("would count once verified (then 9 of 15 ECTS): run `stapel verify`"), "{t}");
    assert!(
        t.contains("Minor: Jedi Mind Control and Advanced Meditation Practices — unverifiable at the last check"),
        "{t}"
    );
    assert!(t.contains("never counted:") && t.contains("verification failed"), "{t}");

    // Once the minor verifies it counts.
    record(&w, &minor, verified(), "2026-11-21T09:00:00Z");
    let v = json_of(&w, &["progress", "jedi-ad", "--json", "--now", "2026-12-01"]);
    assert_eq!(v["groups"][0]["earned"].as_f64(), Some(9.0));
    assert_eq!(v["never_verified"], serde_json::json!([]));

    let summary = text(&w.run(&["progress", "--now", "2026-12-01"]).stdout);
    assert_eq!(
        summary.trim(),
        "jedi-ad  Associate degree Applied Force Studies: 9 of 15 ECTS (60%), 0 of 2 groups complete"
    );

    // --now decides validity: after the credentials expire (2029-08-30) nothing counts.
    let late = json_of(&w, &["progress", "jedi-ad", "--json", "--now", "2031-01-01T00:00:00Z"]);
    assert_eq!(late["earned"].as_f64(), Some(0.0));
    assert!(
        late["not_counted"].as_array().unwrap().iter().all(|n| n["reason"] == "expired" || n["reason"] == "invalid")
    );
}

#[test]
fn an_unknown_pathway_or_a_bad_time_is_one_plain_line_and_exit_1() {
    let w = TestWallet::new();
    let out = w.run(&["progress", "no-such-pathway"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no-such-pathway") && err.contains("stapel pathway list"), "{err}");
    let out = w.run(&["progress", "--now", "next tuesday"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not a time"), "{}", text(&out.stderr));
}

#[test]
fn the_exemption_request_pdf_names_learner_target_groups_credentials_and_results_and_bundles_the_originals() {
    let w = TestWallet::new();
    let force_file = educredential("theed_regular_full_ho.json");
    let minor_file = educredential("theed_microcredential_full_ho.json");
    let force = import(&w, &force_file);
    let minor = import(&w, &minor_file);
    let uvh = import(&w, &educredential("uvh_at_microcredential_full_2.json"));
    record(&w, &force, verified(), "2026-11-20T10:00:00Z");
    record(&w, &minor, verified(), "2026-11-20T10:01:00Z");
    let pathway = jedi_pathway(w.dir.path());
    w.run(&["pathway", "add", pathway.to_str().unwrap()]);

    let pdf = w.dir.path().join("request.pdf");
    let learner = "Zoë Łukasiewicz-Hervé";
    let out = w.run(&[
        "progress",
        "jedi-ad",
        "--now",
        "2026-12-01T12:00:00Z",
        "--report",
        pdf.to_str().unwrap(),
        "--learner",
        learner,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("2 original files"), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("would count once verified: run `stapel verify`"), "{}", text(&out.stdout));

    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let extracted = pdf_extract::extract_text_from_mem(&bytes).expect("the PDF parses and has text");
    let t = squeeze(&extracted);
    for wanted in [
        "Request for exemptions",
        learner,
        "Associate degree Applied Force Studies",
        "Examencommissie, Naboo Theed University",
        "Force courses at Theed",
        "Electives from Harderwijk",
        "The Force and Its Applications",
        "Minor: Jedi Mind Control and Advanced Meditation Practices",
        "Verification: verified, checked 2026-11-20T10:00:00Z",
        "the signature is correct",
        "EQF 5",
        "What is still missing",
        "Microcredential Terugverandering zonder Wroeging",
        "its verification could not run every check; it would count once verified",
    ] {
        assert!(t.contains(&squeeze(wanted)), "the report lacks {wanted:?}:\n{extracted}");
    }

    // The originals, byte for byte, named after the report's lines, with their SHA-256.
    let dir = w.dir.path().join("request-originals");
    // Counted credentials are listed in the order of their ids.
    let (force_line, minor_line) = if force < minor { ("1.1", "1.2") } else { ("1.2", "1.1") };
    let force_name = format!("{force_line}-{}.json", &force[..12]);
    let minor_name = format!("{minor_line}-{}.json", &minor[..12]);
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    let mut expected =
        vec![force_name.clone(), minor_name.clone(), "SHA256SUMS".to_string(), "presentation.json".to_string()];
    expected.sort();
    assert_eq!(names, expected);
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    for (name, original) in [(&force_name, &force_file), (&minor_name, &minor_file)] {
        let written = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(written, std::fs::read(original).unwrap(), "{name} is byte-identical");
        let hash = hex(&Sha256::digest(&written));
        assert!(sums.contains(&format!("{hash}  {name}")), "{sums}");
        assert!(t.contains(&hash), "the report gives the SHA-256 of {name}");
        assert!(t.contains(&squeeze(&format!("request-originals/{name}"))), "the report names {name}");
    }
    assert!(!t.contains(&uvh[..12]), "the never-verified credential has no original bundled");

    // The counted credentials, signed by the learner, in one presentation the committee can
    // check; its hash is in SHA256SUMS and the PDF says how to check it.
    let vp_file = dir.join("presentation.json");
    let vp_bytes = std::fs::read(&vp_file).unwrap();
    assert!(sums.contains(&format!("{}  presentation.json", hex(&Sha256::digest(&vp_bytes)))), "{sums}");
    let holder = json_of(&w, &["holder", "--json"])["did"].as_str().unwrap().to_string();
    assert!(t.contains(&squeeze(&holder)), "the report names the holder DID");
    assert!(t.contains(&squeeze("stapel verify-presentation presentation.json")), "{extracted}");
    let checked = w.run(&["verify-presentation", "--offline", "--json", vp_file.to_str().unwrap()]);
    assert_ne!(checked.status.code(), Some(1), "{}", text(&checked.stdout));
    assert_ne!(checked.status.code(), Some(2), "{}", text(&checked.stderr));
    let report: Value = serde_json::from_slice(&checked.stdout).unwrap();
    let p = &report["presentations"][0];
    assert_eq!(p["holder"], holder.as_str());
    let proof = p["checks"].as_array().unwrap().iter().find(|c| c["id"] == "proof").unwrap();
    assert_eq!(proof["outcome"], "passed", "{p}");
    let names: Vec<&str> = p["credentials"].as_array().unwrap().iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names.len(), 2, "{p}");
    assert!(names.contains(&"The Force and Its Applications"), "{names:?}");
    assert!(text(&out.stdout).contains("signed by you in"), "{}", text(&out.stdout));

    // A second report replaces the folder it wrote; a foreign folder in the way is refused.
    let again = w.run(&["progress", "jedi-ad", "--report", pdf.to_str().unwrap(), "--learner", learner]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let other = w.dir.path().join("mine.pdf");
    std::fs::create_dir(w.dir.path().join("mine-originals")).unwrap();
    let refused = w.run(&["progress", "jedi-ad", "--report", other.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("mine-originals already exists"), "{}", text(&refused.stderr));
    assert!(!other.exists());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Imports the 1EdTech CLR 2.0 vector with credits added on the CLR's own subject (60) and on
/// its embedded achievement credential (15); returns the CLR's id.
fn import_clr_with_credits(w: &TestWallet) -> String {
    let mut clr: Value = serde_json::from_slice(
        &std::fs::read(vector(
            "1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-clr.signed-credential.json",
        ))
        .unwrap(),
    )
    .unwrap();
    clr["credentialSubject"]["creditsEarned"] = 60.into();
    clr["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]["achievement"]["creditsAvailable"] =
        15.into();
    let file = w.dir.path().join("clr-with-credits.json");
    std::fs::write(&file, serde_json::to_vec(&clr).unwrap()).unwrap();
    import(w, &file)
}

/// `stapel credits` on the 1EdTech CLR 2.0 vector with credits added on the CLR's own subject
/// (60) and on its embedded achievement credential (15): the CLR's total counts once, the part
/// is listed under it and not added (decision 0043).
#[test]
fn credits_count_a_clr_that_states_its_own_total_once_and_show_its_parts_under_it() {
    let w = TestWallet::new();
    let clr_id = import_clr_with_credits(&w);

    let v = json_of(&w, &["credits", "--json"]);
    assert_eq!(v["total_ects"].as_f64(), Some(60.0), "{v}");
    let list = v["credentials"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let own = list.iter().find(|c| c["id"] == clr_id.as_str()).unwrap();
    assert_eq!((own["in_total"].as_bool(), own["part_of"].is_null()), (Some(true), true));
    let part = list.iter().find(|c| c["id"] != clr_id.as_str()).unwrap();
    assert_eq!(part["ects"].as_f64(), Some(15.0));
    assert_eq!(part["in_total"], false);
    assert_eq!(part["part_of"], clr_id.as_str());

    let out = w.run(&["credits"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(t.contains(&format!("(part of {}, counted in its total)", &clr_id[..12])), "{t}");
    assert!(
        t.contains(
            "total: 60 ECTS from 1 credentials (0 without a credit value, 1 counted in the credential they are part of"
        ),
        "{t}"
    );
}

/// `stapel pathway goal`: a personal goal from skills the wallet knows, one group per skill in
/// hours; it never replaces a pathway (a second goal of the same name gets its own id); bad
/// requests store nothing.
#[test]
fn a_personal_goal_from_skills_is_a_pathway_in_hours_with_one_group_per_skill() {
    let w = TestWallet::new();
    let complete = vector(
        "1-ob3/1edtech-openbadges-specification/rendered-spec-gh-pages-9535509/example-36-complete-openbadgecredential.signed.json",
    );
    let id = import(&w, &complete);
    record(&w, &id, verified(), "2026-11-20T10:00:00Z");
    let shown = json_of(&w, &["show", "--json", &id]);
    let skill = shown["credential"]["skills"][0].clone();
    let key = skill["url"].as_str().or(skill["code"].as_str()).or(skill["label"].as_str()).unwrap().to_string();
    let label = skill["label"].as_str().unwrap().to_string();

    let made = json_of(
        &w,
        &[
            "pathway",
            "goal",
            "--json",
            "--name",
            "Become a Data Steward",
            "--skill",
            &key,
            "--tag",
            "no-such-tag",
            "--hours-per-skill",
            "40",
        ],
    );
    assert_eq!(made["id"], "goal-become-a-data-steward");
    assert_eq!(made["groups"], 2);
    let again = json_of(&w, &["pathway", "goal", "--json", "--name", "Become a data steward", "--skill", &key]);
    assert_eq!(again["id"], "goal-become-a-data-steward-2", "a goal never replaces another");

    let file = json_of(&w, &["pathway", "show", "--json", "goal-become-a-data-steward"]);
    assert_eq!(file["unit"], "hours");
    assert_eq!(file["target"]["total_credits"].as_f64(), Some(80.0));
    assert_eq!(file["target"]["awarding_body"], "Myself");
    assert_eq!(file["groups"][0]["name"], label.as_str(), "a skill named by its URL or code shows its label");
    assert_eq!(file["groups"][0]["skills"][0], key.as_str());
    assert_eq!(file["groups"][1]["tags"][0], "no-such-tag");

    // The verified credential is aligned to the skill, so it fills that group; the tag's group
    // is missing all its hours.
    let progress = json_of(&w, &["progress", "--json", "goal-become-a-data-steward"]);
    let groups = progress["groups"].as_array().unwrap();
    assert_eq!(groups[0]["counted"][0]["id"], id.as_str(), "{progress}");
    assert_eq!(groups[1]["missing"].as_f64(), Some(40.0));

    for (args, why) in [
        (vec!["--name", "Nothing"], "choose at least one skill"),
        (vec!["--name", "  ", "--skill", "x"], "give the goal a name"),
        (vec!["--name", "Zero", "--skill", "x", "--hours-per-skill", "0"], "must be a positive number of hours"),
    ] {
        let mut all = vec!["pathway", "goal"];
        all.extend(args);
        let out = w.run(&all);
        assert_eq!(out.status.code(), Some(1), "{all:?}");
        assert!(text(&out.stderr).contains(why), "{all:?}: {}", text(&out.stderr));
    }
    let list = json_of(&w, &["pathway", "list", "--json"]);
    assert_eq!(list["pathways"].as_array().unwrap().len(), 2, "a refused goal stores nothing");
}

/// `stapel progress` on the same CLR (60 of its own, 15 on its achievement credential) against
/// a pathway where the CLR fills an open group and the part a group naming its achievement:
/// only one of them counts (decision 0045), and the text says why the other does not.
#[test]
fn progress_counts_a_clr_that_states_its_own_total_or_its_part_never_both_and_says_so() {
    let w = TestWallet::new();
    let clr_id = import_clr_with_credits(&w);
    let credits = json_of(&w, &["credits", "--json"]);
    let part_id = credits["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .find(|id| *id != clr_id)
        .unwrap();
    record(&w, &clr_id, verified(), "2026-11-20T10:00:00Z");
    record(&w, &part_id, verified(), "2026-11-20T10:00:00Z");
    let pathway = w.dir.path().join("degree.json");
    std::fs::write(
        &pathway,
        serde_json::to_vec_pretty(&serde_json::json!({
            "version": 1, "id": "degree", "unit": "ects",
            "target": { "name": "Degree", "awarding_body": "Example University", "total_credits": 75 },
            "groups": [
                { "id": "open", "name": "Anything", "credits": 60 },
                { "id": "degree", "name": "The degree course", "credits": 15,
                  "achievement": { "id": "urn:uuid:a7467ef6-56cb-11ec-bf63-0242ac130002" } }
            ]
        }))
        .unwrap(),
    )
    .unwrap();
    let p = pathway.to_str().unwrap();

    let v = json_of(&w, &["progress", p, "--json", "--now", "2026-12-01"]);
    assert_eq!(v["earned"].as_f64(), Some(60.0), "60, not 60 + 15: {v}");
    assert_eq!(v["groups"][0]["counted"][0]["id"], clr_id.as_str());
    assert_eq!(v["groups"][1]["complete"], false);
    let kept_out = v["not_counted"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == part_id.as_str())
        .expect("the part is listed as not counted");
    assert_eq!(kept_out["reason"], "container-counted");
    assert_eq!(kept_out["counted_instead"], serde_json::json!([clr_id]));
    assert_eq!(kept_out["groups"], serde_json::json!(["open", "degree"]));

    let out = w.run(&["progress", p, "--now", "2026-12-01"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(t.contains("not counted again (the same study counts once):"), "{t}");
    assert!(
        t.contains(&format!(
            "{}  Example University Degree — part of Sample Transcript (in Anything), which is counted",
            &part_id[..12]
        )),
        "{t}"
    );
    assert!(!t.contains("never counted:"), "{t}");
}
