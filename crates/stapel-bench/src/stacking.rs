//! The stacking benchmark (issue 6): progress towards a 40-group pathway for N generated
//! credentials (default 10,000) beside the same for N/10, measured in alternating rounds in one
//! run; once on credentials already in memory (the matcher alone) and once from an encrypted
//! wallet (reading every credential and its stored verification, then the matcher). Also the
//! wallet read itself: one batch (`wallet_credentials`) beside one `Wallet::get` per credential.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use stapel_core::formats::{self, Credential};
use stapel_core::net::Offline;
use stapel_core::stacking::{self, CredentialInput, Eligibility, MatchOptions, Pathway, Progress};
use stapel_core::store::{KdfParams, ListQuery, Protection, Secret, Wallet};
use stapel_core::verify::{Check, CheckId, Report};
use stapel_core::wallet::import::{self, Input};
use stapel_core::wallet::{wallet_credentials, wallet_progress};

use crate::generate;
use crate::{ms, ratio};

/// A 40-group pathway over the generated credentials: 16 skill groups, 12 issuer groups, 2 tag
/// groups (one with an age limit), 2 open groups and 8 named achievements.
pub fn pathway() -> Pathway {
    let skills = [
        "develop software",
        "use databases",
        "programming",
        "web development",
        "data analysis",
        "machine learning",
        "project management",
        "agile development",
        "teamwork",
        "communication",
        "cloud computing",
        "information security",
        "user experience design",
        "testing software",
        "networking",
        "linux administration",
    ];
    let issuers = [
        "Hogeschool Utrecht",
        "Fontys Hogescholen",
        "Hanzehogeschool Groningen",
        "Saxion",
        "Avans Hogeschool",
        "Hogeschool van Amsterdam",
        "ROC Midden Nederland",
        "Grafisch Lyceum Rotterdam",
        "TU Delft",
        "Universiteit Leiden",
        "NHL Stenden",
        "Windesheim",
    ];
    let mut groups: Vec<Value> = Vec::new();
    for (k, s) in skills.iter().enumerate() {
        groups.push(json!({"id": format!("skill-{k}"), "name": s, "credits": 30, "skills": [s]}));
    }
    for (k, i) in issuers.iter().enumerate() {
        groups.push(json!({"id": format!("issuer-{k}"), "name": i, "credits": 30, "issuers": [i]}));
    }
    groups.push(json!({"id": "hbo", "name": "HBO", "credits": 30, "tags": ["hbo"]}));
    groups
        .push(json!({"id": "mbo-recent", "name": "MBO, recent", "credits": 30, "tags": ["mbo"], "max_age_months": 60}));
    groups.push(json!({"id": "free-1", "name": "Free choice 1", "credits": 30}));
    groups.push(json!({"id": "free-2", "name": "Free choice 2", "credits": 30}));
    for k in 0..8 {
        groups.push(json!({"id": format!("achievement-{k}"), "name": format!("Module {k}"), "credits": 5,
            "achievement": {"id": format!("https://example.org/achievements/{}", k * 61)}}));
    }
    assert_eq!(groups.len(), 40);
    let doc = json!({
        "version": 1, "id": "bench", "unit": "ects",
        "target": {"name": "Benchmark target", "awarding_body": "Benchmark", "total_credits": 1000},
        "groups": groups,
    });
    stacking::parse_pathway("bench.json", doc.to_string().as_bytes()).expect("the benchmark pathway is valid")
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z").expect("a fixed time").to_utc()
}

/// Every tenth generated credential was never verified; the rest were.
fn eligibility(i: usize) -> Eligibility {
    if i % 10 == 9 { Eligibility::Unverifiable } else { Eligibility::Verified }
}

fn verified() -> Report {
    Report::from_checks(vec![
        Check::passed(CheckId::Format, "a generated benchmark credential"),
        Check::passed(CheckId::Proof, "recorded as verified for the benchmark"),
    ])
}

fn parsed(n: usize) -> Vec<(String, Credential, Eligibility)> {
    (0..n)
        .map(|i| {
            let c =
                formats::read(&generate::credential(i), &Offline).expect("a generated credential parses").credential;
            (format!("{i:08}"), c, eligibility(i))
        })
        .collect()
}

fn in_memory(p: &Pathway, creds: &[(String, Credential, Eligibility)]) -> Progress {
    let input: Vec<CredentialInput<'_>> = creds.iter().map(|(i, c, e)| CredentialInput::new(i, c, *e)).collect();
    stacking::progress(p, &input, &MatchOptions::at(now())).expect("progress is computed")
}

fn filled_wallet(dir: &std::path::Path, name: &str, n: usize) -> Wallet {
    // The passphrase's key derivation runs once at creation and is not measured: cheap
    // parameters keep the run short. The wallet is encrypted (SQLCipher) as any other.
    let kdf = KdfParams { m_cost_kib: 1024, t_cost: 1, p_cost: 1 };
    let mut w = Wallet::create(&dir.join(name), Protection::Passphrase(Secret::new("benchmark".into())), kdf)
        .expect("an encrypted wallet");
    let report = verified();
    for i in 0..n {
        let id = import::import_one(&mut w, &Input::Stdin(generate::credential(i)), &Offline, now())
            .expect("a generated credential imports")
            .id;
        if eligibility(i) == Eligibility::Verified {
            w.record_verification(&id, &report, now(), false).expect("a verification is recorded");
        }
    }
    w
}

/// Runs `a` and `b` alternately, `rounds` times each, and returns their medians: whatever else
/// the machine does weighs on both sides alike.
fn side_by_side(rounds: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (Duration, Duration) {
    let mut ta = Vec::new();
    let mut tb = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        a();
        ta.push(t.elapsed());
        let t = Instant::now();
        b();
        tb.push(t.elapsed());
    }
    ta.sort();
    tb.sort();
    (ta[rounds / 2], tb[rounds / 2])
}

fn describe(label: &str, p: &Progress) {
    println!(
        "  {label}: earned {} of {} ECTS, {} groups complete, proven optimal: {}, {} search nodes",
        p.earned,
        p.required,
        p.groups.iter().filter(|g| g.complete).count(),
        p.search.proven_optimal,
        p.search.nodes
    );
}

/// `n` credentials beside `n / 10`; each time is the median of `rounds` runs (1 for a smoke run).
pub fn run(n: usize, rounds: usize) {
    let rounds = rounds.max(1);
    assert!(n >= 10, "the stacking benchmark needs at least 10 credentials");
    let small = n / 10;
    let p = pathway();
    println!(
        "stacking benchmark: progress towards a {}-group pathway, {small} and {n} generated credentials",
        p.groups.len()
    );

    let large_creds = parsed(n);
    let small_creds = &large_creds[..small];
    let (s, l) = (in_memory(&p, small_creds), in_memory(&p, &large_creds));
    describe(&format!("{small:>6} credentials"), &s);
    describe(&format!("{n:>6} credentials"), &l);
    let (m_small, m_large) =
        side_by_side(rounds, || drop(in_memory(&p, small_creds)), || drop(in_memory(&p, &large_creds)));

    print!("importing {small} and {n} credentials into two encrypted wallets ...");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let t = Instant::now();
    let w_small = filled_wallet(dir.path(), "small.stapel", small);
    let w_large = filled_wallet(dir.path(), "large.stapel", n);
    println!(" {:.1} s", t.elapsed().as_secs_f64());
    let opts = MatchOptions::at(now());
    let wp = |w: &Wallet| drop(wallet_progress(w, &p, &opts).expect("wallet progress"));
    let (w_s, w_l) = side_by_side(rounds, || wp(&w_small), || wp(&w_large));
    let batch = |w: &Wallet| drop(wallet_credentials(w).expect("the wallet is read"));
    let one_by_one = |w: &Wallet| {
        let all = w.list(&ListQuery { include_children: true, ..ListQuery::default() }).expect("the list");
        let _ = w.verifications().expect("verifications");
        for s in all {
            drop(w.get(&s.id).expect("a credential"));
        }
    };
    let (read_batch, read_each) = side_by_side(rounds, || batch(&w_large), || one_by_one(&w_large));

    println!();
    println!("{:<52} {:>12} {:>12} {:>8}", "", format!("{small}"), format!("{n}"), "ratio");
    let row =
        |label: &str, a: Duration, b: Duration| println!("{label:<52} {:>12} {:>12} {:>8}", ms(a), ms(b), ratio(b, a));
    row("progress, credentials in memory (matcher)", m_small, m_large);
    row("progress from the wallet (read + matcher)", w_s, w_l);
    println!();
    println!(
        "growth from {small} to {n} credentials ({}x the input): matcher {}, from the wallet {}",
        n / small,
        ratio(m_large, m_small),
        ratio(w_l, w_s)
    );
    println!(
        "reading {n} credentials for stacking: one batch {}, one get per credential {} (batch is {} faster)",
        ms(read_batch),
        ms(read_each),
        ratio(read_each, read_batch)
    );
}
