//! A personal goal made from chosen skills (`stacking::personal_goal`): an ordinary pathway in
//! hours, one group per distinct skill, checked like a file, stored under an id of its own.

use chrono::{TimeZone, Utc};
use stapel_core::stacking::{self, GoalRequest, GoalSkill, MatchOptions, PathwayUnit, StackingError, personal_goal};
use stapel_core::store::{KdfParams, Protection, Secret, Wallet};
use stapel_core::wallet::{add_personal_goal, wallet_progress};

fn skill(key: &str, label: &str) -> GoalSkill {
    GoalSkill { key: key.into(), label: label.into(), tag: false }
}

fn request(name: &str, skills: Vec<GoalSkill>, hours: f64) -> GoalRequest {
    GoalRequest { name: name.into(), awarding_body: "Myself".into(), skills, hours_per_skill: hours }
}

#[test]
fn a_goal_is_a_pathway_in_hours_with_one_group_per_distinct_skill_in_the_order_chosen() {
    let esco = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d";
    let r = request(
        "Data analyst",
        vec![
            skill(esco, "SQL"),
            GoalSkill { key: "statistics".into(), label: "".into(), tag: true },
            skill(&format!(" {esco} "), "SQL again"),
            skill("  ", "nothing"),
        ],
        28.0,
    );
    let p = personal_goal("goal-data-analyst", &r).unwrap();
    assert_eq!(p.unit, PathwayUnit::Hours);
    assert_eq!((p.target.name.as_str(), p.target.awarding_body.as_str()), ("Data analyst", "Myself"));
    assert_eq!(p.target.total_credits, 56.0);
    assert_eq!(p.groups.len(), 2, "the same skill twice and an empty key give no groups");
    assert_eq!((p.groups[0].id.as_str(), p.groups[0].name.as_str()), ("skill-1", "SQL"));
    assert_eq!(p.groups[0].skills, vec![esco.to_string()]);
    assert!(p.groups[0].tags.is_empty());
    assert_eq!(p.groups[1].name, "statistics", "a skill without a label is named by its key");
    assert_eq!(p.groups[1].tags, vec!["statistics".to_string()]);
    assert!(p.groups.iter().all(|g| g.credits == Some(28.0)));
    // It is a pathway like any file: it serializes and parses back to itself.
    let json = serde_json::to_vec(&p).unwrap();
    assert_eq!(stacking::parse_pathway("goal.json", &json).unwrap(), p);
}

#[test]
fn a_goal_without_a_name_skills_or_positive_hours_is_refused_with_the_reason() {
    let one = || vec![skill("SQL", "SQL")];
    let problem = |r: GoalRequest| match personal_goal("goal-x", &r).unwrap_err() {
        StackingError::Invalid { field, problem, .. } => format!("{field} {problem}"),
        other => panic!("not a rule of the format: {other}"),
    };
    assert_eq!(problem(request(" ", one(), 28.0)), "name is empty: give the goal a name");
    assert_eq!(problem(request("x", vec![], 28.0)), "skills are missing: choose at least one skill");
    assert_eq!(problem(request("x", one(), 0.0)), "hours per skill must be a positive number of hours, not 0");
    assert!(problem(request("x", one(), f64::NAN)).starts_with("hours per skill must be a positive number"));
    assert!(problem(request("x", one(), 2_000_000.0)).contains("at most"), "the pathway's own limits hold");
}

#[test]
fn a_stored_goal_gets_an_id_from_its_name_without_accents_and_never_replaces_another() {
    let dir = tempfile::tempdir().unwrap();
    let cheap = KdfParams { m_cost_kib: 256, t_cost: 1, p_cost: 1 };
    let mut w =
        Wallet::create(&dir.path().join("w.db"), Protection::Passphrase(Secret::new("p".into())), cheap).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).single().unwrap();
    let r = request("Één doel: Data-analist (2027)!", vec![skill("SQL", "SQL")], 40.0);
    let first = add_personal_goal(&mut w, &r, now).unwrap();
    assert_eq!(first.id, "goal-een-doel-data-analist-2027");
    let second = add_personal_goal(&mut w, &r, now).unwrap();
    assert_eq!(second.id, "goal-een-doel-data-analist-2027-2");
    let odd = add_personal_goal(&mut w, &request("数据", vec![skill("SQL", "SQL")], 1.0), now).unwrap();
    assert_eq!(odd.id, "goal", "a name of no Latin letters still gets an id");
    let stored = w.pathways().unwrap();
    assert_eq!(stored.len(), 3);
    assert!(stored.iter().all(|s| s.source == "personal goal"));
    // Stored, it is read back and matched like a file: no credential, nothing earned.
    let again = w.pathway(&first.id).unwrap().pathway;
    assert_eq!(again, first);
    let progress = wallet_progress(&w, &again, &MatchOptions::at(now)).unwrap();
    assert_eq!((progress.progress.earned, progress.progress.missing), (0.0, 40.0));
    // A refused goal stores nothing.
    assert!(add_personal_goal(&mut w, &request("x", vec![], 1.0), now).is_err());
    assert_eq!(w.pathways().unwrap().len(), 3);
}
