//! `stapel-bench`: the benchmarks behind `scripts/bench`. Each prints figures measured side by
//! side in one run and the ratios between them; nothing here asserts a timing.
//!
//! `stapel-bench store [N]`: import of N (default 10,000) generated Open Badges 3.0
//! credentials; the first page of `list` and a skill filter at N/10 and at N credentials; the
//! same on an encrypted wallet and on a plain SQLite file.
//!
//! `stapel-bench verify`: Stapel's verifier on published credentials beside the Digital
//! Credentials Consortium's JavaScript verifier (Node.js, `dcc/`), per credential, with the
//! ratio and whether they agree; the bare Ed25519 check; the time to refuse poison graphs.
//!
//! `stapel-bench stacking [N [ROUNDS]]`: progress towards a 40-group pathway for N (default 10,000)
//! generated credentials beside N/10, in memory and from an encrypted wallet; the wallet read
//! in one batch beside one read per credential.
//!
//! `stapel-bench present [ROUNDS]`: presentations of 1, 5 and 20 typical Open Badges 3.0 badges: JSON
//! size, QR payload size and ratio, number of codes, encode and decode times; then camera frames
//! of the codes read by Stapel (rxing) beside rqrr.
//!
//! `stapel-bench wallet PATH N PASSPHRASE-FILE`: a new passphrase wallet holding the first N
//! generated credentials, for `scripts/bench app` (which measures the desktop app on it).

// A benchmark, not the product: a panic here is a failed run, with its line.
#![allow(clippy::unwrap_used)]
mod claim;
mod generate;
mod present;
mod stacking;
mod store;
mod verify;
mod wallet;

use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let which = args.first().map(String::as_str).unwrap_or("store");
    match which {
        "store" => {
            let n = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
            store::run(n);
        }
        "verify" => verify::run(),
        "claim" => claim::run(),
        "stacking" => {
            let n = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
            let rounds = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(7);
            stacking::run(n, rounds);
        }
        "present" => {
            let rounds = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(9);
            present::run(rounds);
        }
        "wallet" => {
            let (Some(path), Some(n), Some(passphrase)) =
                (args.get(1), args.get(2).and_then(|s| s.parse().ok()), args.get(3))
            else {
                eprintln!("stapel-bench: usage: stapel-bench wallet PATH N PASSPHRASE-FILE");
                std::process::exit(2);
            };
            if let Err(e) = wallet::run(std::path::Path::new(path), n, std::path::Path::new(passphrase)) {
                eprintln!("stapel-bench: {e}");
                std::process::exit(1);
            }
        }
        other => {
            eprintln!(
                "stapel-bench: unknown benchmark {other:?} (known: store, verify, stacking, present, claim, wallet)"
            );
            std::process::exit(2);
        }
    }
}

/// Runs `f` `rounds` times and returns the median duration.
pub fn median(rounds: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

pub fn ratio(a: Duration, b: Duration) -> String {
    format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64().max(1e-12))
}
