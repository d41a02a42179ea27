//! The store benchmark (issue 3): import, the first page of the list and a skill filter, at
//! N/10 and at N credentials, on an encrypted wallet and on a plain SQLite file, side by side.

use std::time::{Duration, Instant};

use stapel_core::import::{self, Input};
use stapel_core::net::Offline;
use stapel_core::store::{KdfParams, ListQuery, Protection, Secret, Wallet};

use crate::generate::{self, RARE_SKILL};
use crate::{median, ms, ratio};

struct Figures {
    import_per_credential: Duration,
    page_small: Duration,
    page_large: Duration,
    skill_small: Duration,
    skill_large: Duration,
    rare_small: Duration,
    rare_large: Duration,
}

const PAGE: u32 = 50;
const ROUNDS: usize = 15;

fn measure(mut wallet: Wallet, inputs: &[Vec<u8>]) -> Figures {
    let n = inputs.len();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z").unwrap().to_utc();
    let page = ListQuery { limit: Some(PAGE), ..ListQuery::default() };
    let skill = ListQuery { skill: Some("programming".into()), limit: Some(PAGE), ..ListQuery::default() };
    let rare = ListQuery { skill: Some(RARE_SKILL.into()), ..ListQuery::default() };
    let mut import_time = Duration::ZERO;
    let mut small = None;
    for (i, bytes) in inputs.iter().enumerate() {
        let t = Instant::now();
        import::import_one(&mut wallet, &Input::Stdin(bytes.clone()), &Offline, now).expect("a generated credential imports");
        import_time += t.elapsed();
        if i + 1 == n / 10 {
            small = Some((
                median(ROUNDS, || drop(wallet.list(&page).unwrap())),
                median(ROUNDS, || drop(wallet.list(&skill).unwrap())),
                median(ROUNDS, || drop(wallet.list(&rare).unwrap())),
            ));
        }
    }
    let (page_small, skill_small, rare_small) = small.expect("N is at least 10");
    Figures {
        import_per_credential: import_time / n as u32,
        page_small,
        page_large: median(ROUNDS, || drop(wallet.list(&page).unwrap())),
        skill_small,
        skill_large: median(ROUNDS, || drop(wallet.list(&skill).unwrap())),
        rare_small,
        rare_large: median(ROUNDS, || drop(wallet.list(&rare).unwrap())),
    }
}

pub fn run(n: usize) {
    assert!(n >= 10, "the store benchmark needs at least 10 credentials");
    println!("store benchmark: {n} generated Open Badges 3.0 credentials, one transaction each");
    let inputs: Vec<Vec<u8>> = (0..n).map(generate::credential).collect();
    let dir = tempfile::tempdir().expect("a temporary folder");

    let passphrase = Secret::new("benchmark passphrase".into());
    let encrypted = Wallet::create(&dir.path().join("encrypted.stapel"), Protection::Passphrase(passphrase), KdfParams::default())
        .expect("an encrypted wallet");
    let plain = Wallet::create_unencrypted_for_benchmarks(&dir.path().join("plain.sqlite")).expect("a plain wallet");
    let e = measure(encrypted, &inputs);
    let p = measure(plain, &inputs);

    let small = n / 10;
    println!();
    println!("{:<44} {:>14} {:>14} {:>10}", "", "encrypted", "plain SQLite", "enc/plain");
    let row = |label: &str, a: Duration, b: Duration| {
        println!("{label:<44} {:>14} {:>14} {:>10}", ms(a), ms(b), ratio(a, b));
    };
    row("import, per credential", e.import_per_credential, p.import_per_credential);
    row(&format!("list, first page of {PAGE}, at {small}"), e.page_small, p.page_small);
    row(&format!("list, first page of {PAGE}, at {n}"), e.page_large, p.page_large);
    row(&format!("skill filter (common), page, at {small}"), e.skill_small, p.skill_small);
    row(&format!("skill filter (common), page, at {n}"), e.skill_large, p.skill_large);
    row(&format!("skill filter (rare, all rows), at {small}"), e.rare_small, p.rare_small);
    row(&format!("skill filter (rare, all rows), at {n}"), e.rare_large, p.rare_large);
    println!();
    println!("growth from {small} to {n} credentials (goal: well under 2x):");
    println!("  list page      encrypted {}  plain {}", ratio(e.page_large, e.page_small), ratio(p.page_large, p.page_small));
    println!("  skill (common) encrypted {}  plain {}", ratio(e.skill_large, e.skill_small), ratio(p.skill_large, p.skill_small));
    println!(
        "  skill (rare)   encrypted {}  plain {}  (the result itself grows {}x)",
        ratio(e.rare_large, e.rare_small),
        ratio(p.rare_large, p.rare_small),
        n / small
    );
    println!("encrypted / plain (goal: at most 1.3x): import {}, list page {}, skill filter {}",
        ratio(e.import_per_credential, p.import_per_credential), ratio(e.page_large, p.page_large), ratio(e.skill_large, p.skill_large));
}
