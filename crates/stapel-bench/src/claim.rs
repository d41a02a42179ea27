//! The claim benchmark (issue 16): a whole OpenID4VCI claim on loopback, from the third-party
//! issuer (oid4vc-ts, `tests/third-party-issuer/server.mjs`), by Stapel and by that library's
//! own wallet client (`client.mjs`) in the same run, round by round, interleaved.
//!
//! Stapel's claim is split by step: the offer, the metadata (both well-known documents), the
//! token, nonce and credential requests (each timed at the fetcher, so the time the issuer
//! takes is in them, as in the library's figures), the key proof (the claim's own time less
//! its requests), and verifying and keeping the credential in an encrypted wallet. The
//! library's client is timed by itself (`timings_ms`); each round runs it with `--runs 3` in a
//! fresh Node process and takes its third claim, so its figure is warm (the first claim of a
//! process is several times slower: JIT, first key imports), as Stapel's are after round one.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use stapel_core::claim;
use stapel_core::net::{FetchError, Fetched, Fetcher, HttpFetcher, HttpPolicy, Request, Response};
use stapel_core::store::{KdfParams, Protection, Secret, Wallet};
use stapel_core::wallet::claim::{Shown, issuer_logo, keep_claimed, run_for_claim};

use crate::{ms, ratio};

const ROUNDS: usize = 11;

/// The wallet's fetcher, with the time of each request written down by its path.
struct Timed<'a> {
    inner: &'a dyn Fetcher,
    times: Mutex<Vec<(String, Duration)>>,
}

impl Timed<'_> {
    fn note(&self, url: &str, took: Duration) {
        let path = url::Url::parse(url).map(|u| u.path().to_string()).unwrap_or_default();
        self.times.lock().unwrap_or_else(|e| e.into_inner()).push((path, took));
    }

    fn take(&self) -> Vec<(String, Duration)> {
        std::mem::take(&mut *self.times.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Fetcher for Timed<'_> {
    fn fetch(&self, url: &str) -> Result<Fetched, FetchError> {
        let t = Instant::now();
        let answer = self.inner.fetch(url);
        self.note(url, t.elapsed());
        answer
    }

    fn exchange(&self, request: &Request) -> Result<Response, FetchError> {
        let t = Instant::now();
        let answer = self.inner.exchange(request);
        self.note(&request.url, t.elapsed());
        answer
    }
}

struct Node(Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn third_party() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/third-party-issuer"))
}

const STEPS: [&str; 8] = ["offer", "metadata", "token", "nonce", "proof", "credential", "verify and keep", "total"];

pub fn run() {
    let dir = third_party();
    if !dir.join("node_modules/@openid4vc/openid4vci").is_dir() {
        eprintln!(
            "bench claim: the third-party issuer is not installed (tests/third-party-issuer/setup; scripts/bench runs it)"
        );
        std::process::exit(1);
    }
    let mut child = Command::new("node")
        .args(["server.mjs", "--port", "0"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("its stdout")).read_line(&mut first).expect("the offer line");
    let _node = Node(child);
    let first = first.trim().to_string();

    let policy = HttpPolicy { allow_loopback_http: true, ..HttpPolicy::default() };
    let http = HttpFetcher::new(policy).expect("an http client");
    let fetcher = Timed { inner: &http, times: Mutex::new(Vec::new()) };
    let issuer_url = claim::read_offer(&first, &http).expect("the issuer's offer").credential_issuer;
    let fresh_offer = || -> String {
        let body = http.fetch(&format!("{issuer_url}/offer")).expect("GET /offer").body;
        String::from_utf8(body).expect("text").trim().to_string()
    };

    let tmp = tempfile::tempdir().expect("a temporary folder");
    let mut wallet = Wallet::create(
        &tmp.path().join("bench.stapel"),
        Protection::Passphrase(Secret::new("benchmark passphrase".into())),
        KdfParams::default(),
    )
    .expect("a wallet");
    let key = wallet.claim_keys().expect("the holder keys");

    let mut ours: Vec<[Duration; 8]> = Vec::new();
    let mut theirs: Vec<[Duration; 8]> = Vec::new();
    for round in 0..ROUNDS {
        // Stapel.
        let offer_text = fresh_offer();
        fetcher.take();
        let total = Instant::now();
        let t = Instant::now();
        let offer = claim::read_offer(&offer_text, &fetcher).expect("the offer");
        let offer_time = t.elapsed();
        let t = Instant::now();
        let prepared = claim::prepare(offer, &fetcher).expect("the metadata");
        let metadata_time = t.elapsed();
        fetcher.take();
        let t = Instant::now();
        let now = chrono::Utc::now();
        let claimed = claim::claim_pre_authorized(&prepared, None, &key, &fetcher, now).expect("the claim");
        let claim_time = t.elapsed();
        let requests = fetcher.take();
        let at = |path: &str| requests.iter().filter(|(p, _)| p == path).map(|(_, d)| *d).sum::<Duration>();
        let (token, nonce, credential) = (at("/token"), at("/nonce"), at("/credential"));
        let proof = claim_time.saturating_sub(requests.iter().map(|(_, d)| *d).sum());
        let t = Instant::now();
        // The logo is fetched in the keep step, as before the Claim screen showed it first.
        let shown = Shown { logo: issuer_logo(&prepared.metadata, "en", &fetcher), prepared, language: "en".into() };
        let kept = keep_claimed(&mut wallet, &shown, &claimed, &key, &run_for_claim(&fetcher, now), &mut |_, _, _| {});
        let keep_time = t.elapsed();
        let total = total.elapsed();
        assert_eq!(kept.kept.len(), 1, "round {round}: {:?}", kept.refused);
        ours.push([offer_time, metadata_time, token, nonce, proof, credential, keep_time, total]);

        // The library's own client, on a fresh offer of the same issuer.
        let out = Command::new("node")
            .args(["client.mjs", &fresh_offer(), "--runs", "3"])
            .current_dir(&dir)
            .stderr(Stdio::null())
            .output()
            .expect("node runs the client");
        let v: Value = serde_json::from_slice(&out.stdout).expect("the client's JSON");
        let last = v["runs_ms"].as_array().and_then(|r| r.last()).cloned().unwrap_or(v["timings_ms"].clone());
        let d = |k: &str| Duration::from_secs_f64(last[k].as_f64().unwrap_or(0.0) / 1000.0);
        let without_key = d("total").saturating_sub(d("holder_key"));
        theirs.push([
            d("offer"),
            d("metadata"),
            d("token"),
            d("nonce"),
            d("proof"),
            d("credential"),
            Duration::ZERO,
            without_key,
        ]);
    }

    let median = |rows: &[[Duration; 8]], i: usize| {
        let mut v: Vec<Duration> = rows.iter().map(|r| r[i]).collect();
        v.sort();
        v[v.len() / 2]
    };
    println!(
        "claim benchmark: {ROUNDS} rounds on loopback from oid4vc-ts 0.4.6 (1.0, pre-authorized code, one VC-JWT)"
    );
    println!("medians; the library's client warm (the third claim of its process), Stapel in one process");
    println!();
    println!("{:<20} {:>14} {:>14} {:>10}", "step", "Stapel", "oid4vc-ts", "ratio");
    for (i, step) in STEPS.iter().enumerate() {
        let (a, b) = (median(&ours, i), median(&theirs, i));
        if *step == "verify and keep" {
            println!("{step:<20} {:>14} {:>14} {:>10}", ms(a), "(not done)", "");
        } else {
            println!("{step:<20} {:>14} {:>14} {:>10}", ms(a), ms(b), ratio(a, b));
        }
    }
    let protocol = |rows: &[[Duration; 8]]| -> Vec<Duration> { rows.iter().map(|r| r[..6].iter().sum()).collect() };
    let med = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (a, b) = (med(protocol(&ours)), med(protocol(&theirs)));
    println!();
    println!(
        "the claim itself (offer to credential, no verification): Stapel {}, oid4vc-ts {}, Stapel / oid4vc-ts {}",
        ms(a),
        ms(b),
        ratio(a, b)
    );
    println!(
        "Stapel's total includes verifying the credential and keeping it in the encrypted wallet; the library's client does neither"
    );
}
