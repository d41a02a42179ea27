//! The store benchmark (issue 3): import, the first page of the list and a skill filter, at
//! N/10 and at N credentials, on an encrypted wallet and on a plain SQLite file, side by side.
//! Then what verifying at the door costs (issue 16): importing published signed credentials
//! with their verification beside importing them alone, file by file, interleaved.

use std::time::{Duration, Instant};

use stapel_core::net::Offline;
use stapel_core::store::{KdfParams, ListQuery, Protection, Secret, Wallet};
use stapel_core::wallet::import::{self, Input};

use crate::generate::{self, RARE_SKILL};
use crate::{ms, ratio};

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

/// The queries measured at N/10 and at N credentials: the first page, a common skill's page
/// and every credential with a rare skill. Each round runs a query on one wallet and then on
/// the other, so a burst of load on the machine weighs on both medians alike.
fn queries(wallets: [&Wallet; 2]) -> [(Duration, Duration, Duration); 2] {
    let page = ListQuery { limit: Some(PAGE), ..ListQuery::default() };
    let skill = ListQuery { skill: Some("programming".into()), limit: Some(PAGE), ..ListQuery::default() };
    let rare = ListQuery { skill: Some(RARE_SKILL.into()), ..ListQuery::default() };
    let both = |q: &ListQuery| {
        let mut times = [Vec::with_capacity(ROUNDS), Vec::with_capacity(ROUNDS)];
        for _ in 0..ROUNDS {
            for (w, wallet) in wallets.iter().enumerate() {
                let t = Instant::now();
                drop(wallet.list(q).unwrap());
                times[w].push(t.elapsed());
            }
        }
        times.map(|mut t| {
            t.sort();
            t[t.len() / 2]
        })
    };
    let (p, s, r) = (both(&page), both(&skill), both(&rare));
    [(p[0], s[0], r[0]), (p[1], s[1], r[1])]
}

/// Imports every input into both wallets, alternating credential by credential, and measures
/// the queries on one wallet right after the other: whatever else the machine is doing weighs
/// on both sides alike, so the ratios hold even on a busy machine.
fn measure(mut wallets: [&mut Wallet; 2], inputs: &[Vec<u8>]) -> [Figures; 2] {
    let n = inputs.len();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z").unwrap().to_utc();
    let mut import_time = [Duration::ZERO; 2];
    let mut small = [None, None];
    for (i, bytes) in inputs.iter().enumerate() {
        for (w, wallet) in wallets.iter_mut().enumerate() {
            let t = Instant::now();
            import::import_one(wallet, &Input::Stdin(bytes.clone()), &Offline, now)
                .expect("a generated credential imports");
            import_time[w] += t.elapsed();
        }
        if i + 1 == n / 10 {
            let [e, p] = queries([&*wallets[0], &*wallets[1]]);
            small = [Some(e), Some(p)];
        }
    }
    let large = queries([&*wallets[0], &*wallets[1]]);
    let mut out = Vec::new();
    for w in 0..2 {
        let (page_small, skill_small, rare_small) = small[w].expect("N is at least 10");
        let (page_large, skill_large, rare_large) = large[w];
        out.push(Figures {
            import_per_credential: import_time[w] / n as u32,
            page_small,
            page_large,
            skill_small,
            skill_large,
            rare_small,
            rare_large,
        });
    }
    let [e, p]: [Figures; 2] = out.try_into().unwrap_or_else(|_| unreachable!("two wallets"));
    [e, p]
}

pub fn run(n: usize) {
    assert!(n >= 10, "the store benchmark needs at least 10 credentials");
    println!("store benchmark: {n} generated Open Badges 3.0 credentials, one transaction each");
    let inputs: Vec<Vec<u8>> = (0..n).map(generate::credential).collect();
    let dir = tempfile::tempdir().expect("a temporary folder");

    let passphrase = Secret::new("benchmark passphrase".into());
    let mut encrypted =
        Wallet::create(&dir.path().join("encrypted.stapel"), Protection::Passphrase(passphrase), KdfParams::default())
            .expect("an encrypted wallet");
    let mut plain =
        Wallet::create_unencrypted_for_benchmarks(&dir.path().join("plain.sqlite")).expect("a plain wallet");
    let [e, p] = measure([&mut encrypted, &mut plain], &inputs);

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
    println!(
        "  list page      encrypted {}  plain {}",
        ratio(e.page_large, e.page_small),
        ratio(p.page_large, p.page_small)
    );
    println!(
        "  skill (common) encrypted {}  plain {}",
        ratio(e.skill_large, e.skill_small),
        ratio(p.skill_large, p.skill_small)
    );
    println!(
        "  skill (rare)   encrypted {}  plain {}  (the result itself grows {}x)",
        ratio(e.rare_large, e.rare_small),
        ratio(p.rare_large, p.rare_small),
        n / small
    );
    println!(
        "encrypted / plain (goal: at most 1.3x): import {}, list page {}, skill filter {}",
        ratio(e.import_per_credential, p.import_per_credential),
        ratio(e.page_large, p.page_large),
        ratio(e.skill_large, p.skill_large)
    );
    door();
}

const DOOR_ROUNDS: usize = 7;

/// Import alone (`import_one`) beside import with verification at the door (`import_all`,
/// offline, so the figure is the wallet's own work and not a network's), per credential, on
/// the signed credentials the verify benchmark uses. Each round makes two fresh encrypted
/// wallets and imports every file into one and then the other, so both sides share the
/// machine's load; the medians over rounds are reported.
fn door() {
    let files = crate::verify::credentials();
    let inputs: Vec<Input> = files.iter().map(|p| Input::File(p.clone())).collect();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z").unwrap().to_utc();
    let run = stapel_core::wallet::check::Run { now, fetched_at: now, fetcher: &Offline, offline: true };
    let cheap = KdfParams { m_cost_kib: 256, t_cost: 1, p_cost: 1 };
    let mut alone = Vec::with_capacity(DOOR_ROUNDS);
    let mut verified = Vec::with_capacity(DOOR_ROUNDS);
    let mut verdicts = std::collections::BTreeMap::new();
    for round in 0..DOOR_ROUNDS {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let secret = || Protection::Passphrase(Secret::new("bench".into()));
        let mut a = Wallet::create(&dir.path().join("a.stapel"), secret(), cheap).expect("a wallet");
        let mut b = Wallet::create(&dir.path().join("b.stapel"), secret(), cheap).expect("a wallet");
        let (mut ta, mut tb) = (Duration::ZERO, Duration::ZERO);
        for input in &inputs {
            let t = Instant::now();
            let kept = import::import_one(&mut a, input, &Offline, now);
            ta += t.elapsed();
            let t = Instant::now();
            let outcomes = import::import_all(&mut b, std::slice::from_ref(input), &run, &mut |_| {});
            tb += t.elapsed();
            assert_eq!(kept.is_ok(), outcomes[0].result.is_ok(), "both sides import the same: {}", input.name());
            if round == 0
                && let Some(Ok(report)) = &outcomes[0].verification
            {
                *verdicts.entry(format!("{:?}", report.result).to_lowercase()).or_insert(0usize) += 1;
            }
        }
        alone.push(ta / inputs.len() as u32);
        verified.push(tb / inputs.len() as u32);
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (a, b) = (median(alone), median(verified));
    println!();
    println!(
        "verifying at the door: {} published signed credentials, {DOOR_ROUNDS} rounds, offline ({})",
        inputs.len(),
        verdicts.iter().map(|(k, v)| format!("{v} {k}")).collect::<Vec<_>>().join(", ")
    );
    println!("{:<44} {:>14}", "import alone, per credential", ms(a));
    println!("{:<44} {:>14}", "import and verify, per credential", ms(b));
    println!("{:<44} {:>14}", "of which verifying", ms(b.saturating_sub(a)));
    println!("{:<44} {:>14}", "import and verify / import alone", ratio(b, a));
}
