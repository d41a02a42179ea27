//! The Progress, Share and Check screens' logic on real credentials from `../shared/vectors`:
//! pathways with their progress and what would count once verified, a goal from chosen
//! skills, the exemption request with its signed presentation, presentations saved as JSON
//! and QR images that read back to the same presentation, and checking what is shown
//! (challenge, tampering, bad input).

use std::collections::BTreeSet;
use std::path::Path;

use chrono::Utc;
use stapel_core::net::Offline;
use stapel_core::present::qr;
use stapel_core::stacking::{GoalRequest, GoalSkill};
use stapel_core::store::Protection;
use stapel_core::verify::{Check, CheckId, Outcome, Report, Verdict};

use crate::importing;
use crate::listing;
use crate::pathways;
use crate::sharing::{self, CheckRequest};
use crate::tests::{COMPLETE, EDU, FAST, secret, vector};
use crate::wallet::Held;

/// A new wallet holding `files` (paths under the vectors), and their ids in that order.
fn wallet_with(dir: &tempfile::TempDir, files: &[&str]) -> (Held, Vec<String>) {
    let held = Held::new(Some(dir.path().join("wallet.db")), FAST);
    held.create(Protection::Passphrase(secret("a long passphrase"))).unwrap();
    let inputs: Vec<String> = files.iter().map(|f| vector(f)).collect();
    let summary = held.with(|w| Ok(importing::import(w, &inputs, &Offline, &mut |_| {}))).unwrap();
    assert!(summary.failures.is_empty(), "{:?}", summary.failures);
    assert_eq!(summary.ids.len(), files.len());
    (held, summary.ids)
}

fn edu(file: &str) -> String {
    format!("{EDU}/{file}")
}

/// Records a passing verification of `id`, as verifying it would.
fn verified(held: &Held, id: &str) {
    let report = Report::from_checks(vec![
        Check::passed(CheckId::Format, "the credential is well-formed"),
        Check::passed(CheckId::Proof, "the signature is correct"),
    ]);
    held.with(|w| Ok(w.record_verification(id, &report, Utc::now(), false)?)).unwrap();
}

fn jedi_pathway(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("jedi.json");
    let doc = serde_json::json!({
        "version": 1,
        "id": "jedi-ad",
        "target": { "name": "Associate degree Applied Force Studies", "awarding_body": "Examencommissie, Naboo Theed University", "total_credits": 15 },
        "unit": "ects",
        "groups": [
            { "id": "theed", "name": "Force courses at Theed", "credits": 10, "issuers": ["Naboo Theed University"] },
            { "id": "harderwijk", "name": "Electives from Harderwijk", "credits": 5, "issuers": ["Universiteit van Harderwijk"] }
        ]
    });
    std::fs::write(&p, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    p
}

/// Two verified Theed credentials and a never-verified one from Harderwijk, and the pathway.
fn jedi_wallet(dir: &tempfile::TempDir) -> (Held, Vec<String>) {
    let (held, ids) = wallet_with(
        dir,
        &[
            &edu("theed_regular_full_ho.json"),
            &edu("theed_microcredential_full_ho.json"),
            &edu("uvh_at_microcredential_full_2.json"),
        ],
    );
    verified(&held, &ids[0]);
    verified(&held, &ids[1]);
    let added = held.with(|w| pathways::add_file(w, &jedi_pathway(dir.path()), Utc::now())).unwrap();
    assert_eq!(added.id, "jedi-ad");
    (held, ids)
}

#[test]
fn a_pathway_lists_its_progress_and_shows_in_full_what_counts_and_what_would_once_verified() {
    let dir = tempfile::tempdir().unwrap();
    let (held, ids) = jedi_wallet(&dir);
    let cards = held.with(|w| pathways::cards(w, Utc::now())).unwrap();
    assert_eq!(cards.len(), 1);
    let view = held.with(|w| pathways::progress(w, "jedi-ad", Utc::now())).unwrap();
    let p = &view.progress.progress;
    let card = &cards[0];
    assert_eq!((card.name.as_str(), card.earned, card.required), (p.target.as_str(), p.earned, p.required));
    assert_eq!((card.groups, card.groups_complete), (2, p.groups.iter().filter(|g| g.complete).count()));

    // The two verified Theed credentials count for Theed; the Harderwijk one waits.
    let theed: BTreeSet<&str> = p.groups[0].counted.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(theed, BTreeSet::from([ids[0].as_str(), ids[1].as_str()]));
    assert!(p.groups[1].counted.is_empty());
    assert!(p.earned > 0.0);
    let waiting = p.not_counted.iter().find(|n| n.id == ids[2]).expect("the unverified credential is listed");
    assert_eq!(waiting.groups, vec!["harderwijk".to_string()]);
    assert!(view.progress.never_verified.is_empty(), "each was verified as it landed: it waits as unverifiable");
    // The bar's pending part: what verifying it would add to that group, and only there.
    assert_eq!(view.fulfilled_if_verified.len(), 2);
    assert_eq!(view.fulfilled_if_verified[0], p.groups[0].fulfilled);
    assert!(view.fulfilled_if_verified[1] > p.groups[1].fulfilled, "{:?}", view.fulfilled_if_verified);
    assert_eq!(card.earned_if_verified, p.if_verified.as_ref().map(|v| v.earned));
    // Titles for exactly the credentials the answer names.
    let titles: BTreeSet<&str> = view.titles.keys().map(String::as_str).collect();
    assert_eq!(titles, ids.iter().map(String::as_str).collect());
    let title = held.with(|w| Ok(w.get(&ids[2])?.summary.title)).unwrap();
    assert_eq!(view.titles[&ids[2]], title);
}

#[test]
fn a_bad_pathway_file_or_an_unknown_pathway_is_told_plainly_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (held, _) = jedi_wallet(&dir);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, br#"{"version": 1, "id": "jedi-ad", "target": {"name": "x"}}"#).unwrap();
    let e = held.with(|w| pathways::add_file(w, &bad, Utc::now())).unwrap_err();
    assert_eq!(e.code, "pathway_invalid");
    assert!(e.message.starts_with("bad.json: "), "{}", e.message);
    let missing = held.with(|w| pathways::add_file(w, &dir.path().join("none.json"), Utc::now())).unwrap_err();
    assert_eq!(missing.code, "unreadable_file");
    // The stored pathway with that id is untouched.
    let view = held.with(|w| pathways::progress(w, "jedi-ad", Utc::now())).unwrap();
    assert_eq!(view.progress.progress.groups.len(), 2);
    let e = held.with(|w| pathways::progress(w, "no-such-pathway", Utc::now())).unwrap_err();
    assert_eq!(e.code, "unknown_pathway");
    held.with(|w| Ok(w.remove_pathway("jedi-ad")?)).unwrap();
    assert!(held.with(|w| pathways::cards(w, Utc::now())).unwrap().is_empty());
}

#[test]
fn a_goal_from_chosen_skills_counts_a_verified_credential_once_and_never_replaces_a_pathway() {
    let dir = tempfile::tempdir().unwrap();
    let (held, ids) = wallet_with(&dir, &[COMPLETE]);
    verified(&held, &ids[0]);
    let groups = held.with(|w| listing::skill_groups(w)).unwrap();
    let skill = groups.iter().find(|g| g.kind == "framework").and_then(|g| g.skills.first()).expect("an aligned skill");
    let tag = groups.iter().find(|g| g.kind == "tags").and_then(|g| g.skills.first()).expect("a tag");
    let request = GoalRequest {
        name: "Mijn doel: data steward".into(),
        awarding_body: "Ikzelf".into(),
        skills: vec![
            GoalSkill { key: skill.key.clone(), label: skill.label.clone(), tag: false },
            GoalSkill { key: tag.key.clone(), label: tag.label.clone(), tag: true },
            GoalSkill { key: skill.key.clone(), label: skill.label.clone(), tag: false },
        ],
        hours_per_skill: 40.0,
    };
    let goal = held.with(|w| pathways::add_goal(w, &request, Utc::now())).unwrap();
    assert_eq!(goal.id, "goal-mijn-doel-data-steward");
    assert_eq!(goal.groups.len(), 2, "a skill chosen twice is one group");
    assert_eq!(goal.target.total_credits, 80.0);
    assert_eq!(goal.target.awarding_body, "Ikzelf");
    let view = held.with(|w| pathways::progress(w, &goal.id, Utc::now())).unwrap();
    let counted: Vec<&str> =
        view.progress.progress.groups.iter().flat_map(|g| g.counted.iter().map(|c| c.id.as_str())).collect();
    assert_eq!(counted, vec![ids[0].as_str()], "the credential fits both groups and counts in one");
    let again = held.with(|w| pathways::add_goal(w, &request, Utc::now())).unwrap();
    assert_eq!(again.id, "goal-mijn-doel-data-steward-2");
    let none = GoalRequest { skills: Vec::new(), ..request };
    let e = held.with(|w| pathways::add_goal(w, &none, Utc::now())).unwrap_err();
    assert_eq!(e.code, "pathway_invalid");
    assert!(e.message.contains("choose at least one skill"), "{}", e.message);
    assert_eq!(held.with(|w| pathways::cards(w, Utc::now())).unwrap().len(), 2);
}

#[test]
fn the_exemption_request_comes_with_the_originals_and_a_signed_presentation_that_checks_out() {
    let dir = tempfile::tempdir().unwrap();
    let (held, ids) = jedi_wallet(&dir);
    let pdf = dir.path().join("request.pdf");
    let written =
        held.with(|w| pathways::write_report(w, "jedi-ad", &pdf, Some("Lotte de Vries"), Utc::now())).unwrap();
    assert!(std::fs::read(&written.pdf).unwrap().starts_with(b"%PDF-"));
    assert_eq!(written.originals, 2);
    assert!(!written.learner_unnamed);
    let vp = written.presentation.clone().expect("a presentation of the counted credentials");
    assert!(vp.starts_with(&written.originals_dir));
    let checked =
        sharing::check(&CheckRequest { paths: vec![vp], offline: true, ..CheckRequest::default() }, Utc::now())
            .unwrap();
    let report = &checked[0].report;
    let proof = report.checks.iter().find(|c| serde_json::to_value(c.id).unwrap() == "proof").unwrap();
    assert_eq!(proof.outcome, Outcome::Passed, "{}", proof.message);
    let holder = held.with(|w| Ok(w.holder_did()?)).unwrap();
    assert_eq!(report.holder.as_deref(), Some(holder.as_str()));
    let names: BTreeSet<String> = report.credentials.iter().filter_map(|c| c.name.clone()).collect();
    let titles: BTreeSet<String> =
        ids[..2].iter().map(|id| held.with(|w| Ok(w.get(id)?.summary.title)).unwrap()).collect();
    assert_eq!(names, titles, "the counted credentials, and only those");

    let unnamed = held
        .with(|w| pathways::write_report(w, "jedi-ad", &dir.path().join("again.pdf"), Some("  "), Utc::now()))
        .unwrap();
    assert!(unnamed.learner_unnamed, "no name and no identity: the request says it names nobody");
    let not_pdf = dir.path().join("request.txt");
    let e = held.with(|w| pathways::write_report(w, "jedi-ad", &not_pdf, None, Utc::now())).unwrap_err();
    assert_eq!(e.code, "not_pdf");
    assert!(!not_pdf.exists() && !dir.path().join("request-originals.txt").exists());
}

#[test]
fn a_shared_presentation_saves_as_json_and_as_codes_that_read_back_to_the_same_presentation() {
    let dir = tempfile::tempdir().unwrap();
    let (held, ids) =
        wallet_with(&dir, &[&edu("theed_microcredential_full_ho.json"), &edu("uvh_at_regular_full.json")]);
    let shared =
        held.with(|w| sharing::make(w, &ids, Some(" 8Kq2 ".into()), Some("werkgever.nl".into()), Utc::now())).unwrap();
    assert!(!shared.parts.is_empty());
    assert_eq!((shared.images.len(), shared.versions.len()), (shared.parts.len(), shared.parts.len()));
    assert!(shared.images.iter().all(|i| i.starts_with("data:image/svg+xml;base64,")));
    assert!(shared.holder.starts_with("did:key:"));
    let vp: serde_json::Value = serde_json::from_str(&shared.json).unwrap();
    assert_eq!(vp["proof"]["challenge"], "8Kq2", "the challenge is trimmed");
    assert_eq!(vp["verifiableCredential"].as_array().unwrap().len(), 2);
    // Imported from files, not the web: no public copy to link LinkedIn to, and it says so.
    assert_eq!(shared.linkedin.len(), 2);
    assert!(
        shared.linkedin.iter().all(|l| l.link.is_none() && l.reason.as_deref().is_some_and(|r| r.contains("public")))
    );

    let json_file = dir.path().join("vp.json");
    sharing::save_json(&json_file, &shared.json).unwrap();
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&std::fs::read(&json_file).unwrap()).unwrap(), vp);
    let png = dir.path().join("code.png");
    let files = sharing::save_codes(&png, &shared.parts).unwrap();
    assert_eq!(files.len(), shared.parts.len());
    let mut read = Vec::new();
    for f in &files {
        read.extend(qr::read_image(&std::fs::read(f).unwrap()).unwrap());
    }
    assert_eq!(read.iter().collect::<BTreeSet<_>>(), shared.parts.iter().collect::<BTreeSet<_>>());
    assert_eq!(qr::decode(&read).unwrap(), vp);
    let svg = sharing::save_codes(&dir.path().join("code.svg"), &shared.parts).unwrap();
    assert!(std::fs::read_to_string(&svg[0]).unwrap().contains("<svg"));

    let txt = dir.path().join("code.txt");
    assert_eq!(sharing::save_codes(&txt, &shared.parts).unwrap_err().code, "qr_file_type");
    assert!(!txt.exists());
    assert_eq!(sharing::save_json(&json_file, "not json").unwrap_err().code, "not_a_presentation");
    assert_eq!(held.with(|w| sharing::make(w, &[], None, None, Utc::now())).unwrap_err().code, "nothing_chosen");
    let unknown = held.with(|w| sharing::make(w, &["ffffffffffff".into()], None, None, Utc::now())).unwrap_err();
    assert_eq!(unknown.code, "unknown_credential");
}

fn pcheck<'a>(
    report: &'a stapel_core::present::PresentationReport,
    id: &str,
) -> &'a stapel_core::present::PresentationCheck {
    report.checks.iter().find(|c| serde_json::to_value(c.id).unwrap() == id).unwrap_or_else(|| panic!("no {id} check"))
}

#[test]
fn checking_what_is_shown_needs_the_challenge_catches_tampering_and_names_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let (held, ids) = wallet_with(&dir, &[&edu("theed_microcredential_full_ho.json")]);
    let shared = held.with(|w| sharing::make(w, &ids, Some("8Kq2".into()), None, Utc::now())).unwrap();
    let files = sharing::save_codes(&dir.path().join("code.png"), &shared.parts).unwrap();
    // No wallet is needed to check: lock it first.
    held.lock();
    let ask = |request: CheckRequest| sharing::check(&CheckRequest { offline: true, ..request }, Utc::now());

    let from_images =
        ask(CheckRequest { paths: files.clone(), challenge: Some("8Kq2".into()), ..CheckRequest::default() }).unwrap();
    assert_eq!(from_images.len(), 1);
    let r = &from_images[0].report;
    assert_eq!(pcheck(r, "proof").outcome, Outcome::Passed);
    assert_eq!(pcheck(r, "challenge").outcome, Outcome::Passed);
    assert_ne!(r.result, Verdict::Invalid);
    assert_eq!(r.credentials.len(), 1);

    let replayed = ask(CheckRequest {
        text: Some(shared.parts.join("\n")),
        challenge: Some("another".into()),
        ..CheckRequest::default()
    })
    .unwrap();
    assert_eq!(pcheck(&replayed[0].report, "challenge").outcome, Outcome::Failed);
    assert_eq!(replayed[0].report.result, Verdict::Invalid);

    let mut vp: serde_json::Value = serde_json::from_str(&shared.json).unwrap();
    vp["verifiableCredential"][0]["credentialSubject"]["achievement"]["name"] = "Master of the Universe".into();
    let tampered =
        ask(CheckRequest { text: Some(vp.to_string()), challenge: Some("8Kq2".into()), ..CheckRequest::default() })
            .unwrap();
    assert_eq!(tampered[0].report.result, Verdict::Invalid);
    assert_eq!(pcheck(&tampered[0].report, "proof").outcome, Outcome::Failed);

    let e = ask(CheckRequest { text: Some("hello".into()), ..CheckRequest::default() }).unwrap_err();
    assert_eq!(e.code, "not_a_presentation");
    assert!(e.message.starts_with("the pasted text: "), "{}", e.message);
    let one_part = ask(CheckRequest { paths: vec![files[0].clone()], ..CheckRequest::default() });
    if shared.parts.len() > 1 {
        assert!(one_part.unwrap_err().message.contains("missing"), "a missing part is named");
    }
    assert_eq!(ask(CheckRequest::default()).unwrap_err().code, "nothing_to_check");
    let e = ask(CheckRequest { paths: vec![dir.path().join("nothing.png")], ..CheckRequest::default() }).unwrap_err();
    assert_eq!(e.code, "unreadable_file");
}

/// A 1280×720 camera frame of the code `text` shown on a screen: grey background, the code
/// scaled by 0.9 (so its modules blur), off centre.
fn camera_frame(text: &str) -> (u32, u32, Vec<u8>) {
    let code = image::load_from_memory(&qr::png(text).unwrap()).unwrap().to_luma8();
    let side = code.width() * 9 / 10;
    let code = image::imageops::resize(&code, side, side, image::imageops::FilterType::Triangle);
    let mut frame = image::GrayImage::from_pixel(1280, 720, image::Luma([110]));
    image::imageops::overlay(&mut frame, &code, 400, 10);
    (1280, 720, frame.into_raw())
}

#[test]
fn a_camera_reads_the_parts_in_any_order_and_what_it_read_checks_like_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let (held, ids) =
        wallet_with(&dir, &[&edu("theed_microcredential_full_ho.json"), &edu("uvh_at_regular_full.json")]);
    let shared = held.with(|w| sharing::make(w, &ids, Some("8Kq2".into()), None, Utc::now())).unwrap();
    held.lock();
    let mut seen: Vec<String> = Vec::new();
    let start = sharing::scan_codes(&seen).unwrap();
    assert_eq!((start.scan.count, start.complete), (0, false));
    // A frame without a code, then each part from the last to the first, the last one twice.
    assert!(sharing::scan_frame(1280, 720, vec![110; 1280 * 720]).unwrap().is_empty());
    let mut order: Vec<&String> = shared.parts.iter().rev().collect();
    order.insert(1, &shared.parts[shared.parts.len() - 1]);
    for (i, part) in order.into_iter().enumerate() {
        let (w, h, pixels) = camera_frame(part);
        let read = sharing::scan_frame(w, h, pixels).unwrap();
        assert_eq!(read, vec![part.clone()], "frame {i}");
        seen.extend(read);
        let scanned = sharing::scan_codes(&seen).unwrap();
        assert_eq!(scanned.scan.count, shared.parts.len());
        assert_eq!(scanned.complete, scanned.scan.read.len() == shared.parts.len());
    }
    let scanned = sharing::scan_codes(&seen).unwrap();
    assert!(scanned.complete);
    assert_eq!(scanned.scan.codes.len(), shared.parts.len());
    // What the page reads of it: one flat object.
    let page = serde_json::to_value(&scanned).unwrap();
    let n = shared.parts.len();
    assert_eq!(page["count"], n);
    assert_eq!(page["read"], serde_json::json!((1..=n).collect::<Vec<_>>()));
    assert_eq!(
        (page["codes"].as_array().map(Vec::len), &page["foreign"], &page["complete"]),
        (Some(n), &0.into(), &true.into())
    );

    let ask = |codes: Vec<String>, challenge: &str| {
        sharing::check(
            &CheckRequest { codes, challenge: Some(challenge.into()), offline: true, ..CheckRequest::default() },
            Utc::now(),
        )
    };
    let checked = ask(scanned.scan.codes.clone(), "8Kq2").unwrap();
    assert_eq!(checked.len(), 1);
    assert_eq!(checked[0].source, "the camera");
    assert_eq!(pcheck(&checked[0].report, "proof").outcome, Outcome::Passed);
    assert_eq!(pcheck(&checked[0].report, "challenge").outcome, Outcome::Passed);
    assert_eq!(checked[0].report.credentials.len(), 2);
    let replayed = ask(scanned.scan.codes, "another").unwrap();
    assert_eq!(replayed[0].report.result, Verdict::Invalid);

    let e = sharing::scan_frame(1280, 720, vec![0; 100]).unwrap_err();
    assert_eq!(e.code, "qr_unreadable");
    assert!(e.message.contains("1280×720") && e.message.contains("100 values"), "{}", e.message);
    let e = sharing::scan_codes(&["SVP9:ABC".into()]).unwrap_err();
    assert!(e.message.contains("another format version"), "{}", e.message);
}

#[test]
fn the_page_may_use_the_camera_and_nothing_else_it_could_ask_for() {
    use tauri::webview::{PermissionKind, PermissionResponse};
    assert_eq!(sharing::permission(PermissionKind::Camera), PermissionResponse::Allow);
    for kind in [
        PermissionKind::Microphone,
        PermissionKind::DisplayCapture,
        PermissionKind::Geolocation,
        PermissionKind::Notifications,
        PermissionKind::ClipboardRead,
        PermissionKind::Midi,
        PermissionKind::Sensors,
        PermissionKind::MediaKeySystemAccess,
    ] {
        assert_eq!(sharing::permission(kind), PermissionResponse::Deny, "{kind:?}");
    }
}

#[test]
fn a_transcript_and_its_course_count_once_and_the_answer_names_both_for_the_counted_once_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut clr: serde_json::Value = serde_json::from_slice(
        &std::fs::read(vector(
            "1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-clr.signed-credential.json",
        ))
        .unwrap(),
    )
    .unwrap();
    clr["credentialSubject"]["creditsEarned"] = 60.into();
    clr["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]["achievement"]["creditsAvailable"] =
        15.into();
    let file = dir.path().join("clr.json");
    std::fs::write(&file, serde_json::to_vec(&clr).unwrap()).unwrap();
    let held = Held::new(Some(dir.path().join("wallet.db")), FAST);
    held.create(Protection::Passphrase(secret("a long passphrase"))).unwrap();
    let summary =
        held.with(|w| Ok(importing::import(w, &[file.display().to_string()], &Offline, &mut |_| {}))).unwrap();
    let clr_id = summary.ids[0].clone();
    let all = held
        .with(|w| Ok(w.list(&stapel_core::store::ListQuery { include_children: true, ..Default::default() })?))
        .unwrap();
    let part_id = all.iter().find(|s| s.id != clr_id).expect("the CLR's part is stored").id.clone();
    verified(&held, &clr_id);
    verified(&held, &part_id);
    let pathway = dir.path().join("degree.json");
    let doc = serde_json::json!({
        "version": 1, "id": "degree", "unit": "ects",
        "target": { "name": "Degree", "awarding_body": "Example University", "total_credits": 75 },
        "groups": [{ "id": "open", "name": "Anything", "credits": 60 }, { "id": "more", "name": "More", "credits": 15 }]
    });
    std::fs::write(&pathway, serde_json::to_vec(&doc).unwrap()).unwrap();
    held.with(|w| pathways::add_file(w, &pathway, Utc::now())).unwrap();
    let view = held.with(|w| pathways::progress(w, "degree", Utc::now())).unwrap();
    let p = &view.progress.progress;
    assert_eq!(p.earned, 60.0, "60, not 60 + 15");
    let kept = p.not_counted.iter().find(|n| n.id == part_id).expect("the part is listed apart");
    assert_eq!(serde_json::to_value(kept.reason).unwrap(), "container-counted");
    assert_eq!(kept.counted_instead, vec![clr_id.clone()]);
    assert_eq!(
        view.titles.get(&clr_id).map(String::as_str),
        Some("Sample Transcript"),
        "the page names what counts instead"
    );
    assert_eq!(view.titles.get(&part_id).map(String::as_str), Some("Example University Degree"));
}
