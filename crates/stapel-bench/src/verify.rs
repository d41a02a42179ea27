//! The verify benchmark (issue 4): Stapel's verifier on published credentials, per credential,
//! beside the Digital Credentials Consortium's JavaScript stack on the same files (run warm in
//! one Node.js process, offline), with the ratio and whether the two agree; the bare Ed25519
//! check as the floor; and the time to refuse RDFC-1.0's poison graph and a poison credential.
//! See docs/decisions/0037-verify-benchmark.md.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ed25519_dalek::Verifier;
use serde_json::Value;
use stapel_core::net::Offline;
use stapel_core::verify::canon::{self, RdfcHash};
use stapel_core::verify::did::{self, PublicKey};
use stapel_core::verify::proof::intermediates;
use stapel_core::verify::{CheckId, Outcome, Report, VerifyContext, contexts, verify_json};

use crate::{median, ms, ratio};

const ROUNDS: usize = 11;
/// How long the JavaScript side may take on the poison credential before it is stopped.
const POISON_TIMEOUT: Duration = Duration::from_secs(60);

fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn vectors() -> PathBuf {
    workspace().join("../shared/vectors")
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z").unwrap().to_utc()
}

/// The credentials measured: every DCC fixture whose key is a did:key (resolvable offline),
/// the W3C Data Integrity EdDSA vectors, the 1EdTech OB 3.0 / CLR 2.0 vectors and the W3C
/// Bitstring Status List examples (eddsa-rdfc-2022 and ecdsa-rdfc-2019).
pub(crate) fn credentials() -> Vec<PathBuf> {
    let v = vectors();
    let mut out = Vec::new();
    let mut dcc = Vec::new();
    walk(&v.join("1-ob3/dcc-vc-test-fixtures/verifiableCredentials"), &mut dcc);
    dcc.retain(|p| {
        let s = p.to_string_lossy().to_lowercase();
        s.ends_with(".json") && s.contains("/didkey/")
    });
    dcc.sort();
    out.extend(dcc);
    let di = v.join("2-w3c-di-eddsa/w3c-vc-di-eddsa/TestVectors");
    for rel in [
        "eddsa-rdfc-2022/signedDataInt.json",
        "eddsa-jcs-2022/signedJCS.json",
        "Ed25519Signature2020/signedEdSig.json",
        "proof-set-chain/signedProofSet1.json",
        "proof-set-chain/signedProofSet2.json",
        "proof-set-chain/signedProofChain1.json",
        "proof-set-chain/signedProofChain2.json",
    ] {
        out.push(di.join(rel));
    }
    let impl_dir = v.join("1-ob3/1edtech-openbadges-specification/impl/extracted");
    out.push(impl_dir.join("linked-data-proof-ob.signed-credential.json"));
    out.push(impl_dir.join("linked-data-proof-clr.signed-credential.json"));
    let mut status = Vec::new();
    walk(&v.join("5-status-list/w3c-vc-bitstring-status-list/extracted"), &mut status);
    status.retain(|p| p.extension().is_some_and(|e| e == "json"));
    status.sort();
    out.extend(status);
    out.retain(|p| p.is_file());
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() { walk(&p, out) } else { out.push(p) }
    }
}

fn short(path: &Path) -> String {
    let s = path.to_string_lossy().to_string();
    let s = s.split("/shared/vectors/").nth(1).unwrap_or(&s).to_string();
    s.replace("1-ob3/dcc-vc-test-fixtures/verifiableCredentials/", "dcc/")
        .replace("2-w3c-di-eddsa/w3c-vc-di-eddsa/TestVectors/", "w3c-di/")
        .replace("1-ob3/1edtech-openbadges-specification/impl/extracted/", "1edtech/")
        .replace("5-status-list/w3c-vc-bitstring-status-list/extracted/", "w3c-bsl/")
}

/// What the vectors' authors expect of the signature: every file here is correctly signed
/// except the DCC fixtures named `tampered` (SOURCES.md).
fn expected_signature(path: &Path) -> bool {
    !path.to_string_lossy().to_lowercase().contains("tampered")
}

struct Ours {
    time: Duration,
    report: Report,
}

struct Theirs {
    ms: Option<f64>,
    signature: bool,
    error: Option<String>,
}

fn stapel(doc: &Value) -> Ours {
    let ctx = VerifyContext { now: now(), fetcher: &Offline, identities: &[] };
    let report = verify_json(doc, &ctx);
    let time = median(ROUNDS, || drop(verify_json(doc, &ctx)));
    Ours { time, report }
}

/// The contexts Stapel carries, as one JSON object from URL to document, for the JavaScript
/// side's loader (so both sides interpret the credentials with the same documents where DCC
/// bundles none of its own).
fn carried_contexts(path: &Path) {
    let mut map = serde_json::Map::new();
    for c in contexts::carried() {
        if map.contains_key(&c.url) {
            continue;
        }
        if let Ok(doc) = c.json() {
            map.insert(c.url.clone(), doc);
        }
    }
    std::fs::write(path, serde_json::to_vec(&Value::Object(map)).unwrap()).unwrap();
}

fn dcc_dir() -> PathBuf {
    workspace().join("crates/stapel-bench/dcc")
}

/// Why the JavaScript side cannot run, if it cannot.
fn dcc_missing() -> Option<String> {
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => return Some("node is not installed".into()),
    }
    if !dcc_dir().join("node_modules/@digitalcredentials/vc").is_dir() {
        return Some("crates/stapel-bench/dcc/node_modules is missing (scripts/bench verify runs npm ci there)".into());
    }
    None
}

/// Runs the JavaScript verifier over `files` in one process; `None` with the reason when it
/// fails, or when it takes longer than `timeout`.
fn dcc(
    files: &[PathBuf],
    rounds: usize,
    ctx_file: &Path,
    timeout: Option<Duration>,
) -> Result<BTreeMap<PathBuf, Theirs>, String> {
    let mut child = Command::new("node")
        .current_dir(dcc_dir())
        .arg("verify.mjs")
        .arg(rounds.to_string())
        .arg(ctx_file)
        .args(files)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("node could not be started: {e}"))?;
    let started = Instant::now();
    if let Some(limit) = timeout {
        loop {
            if child.try_wait().map_err(|e| e.to_string())?.is_some() {
                break;
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("stopped after {} s without an answer", limit.as_secs()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).map_err(|e| e.to_string())?;
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).ok();
    let status = child.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("node exited with {status}: {}", err.lines().take(5).collect::<Vec<_>>().join(" / ")));
    }
    let mut results = BTreeMap::new();
    for line in out.lines() {
        let v: Value = serde_json::from_str(line).map_err(|e| format!("unreadable output {line:?}: {e}"))?;
        let file = PathBuf::from(v["file"].as_str().unwrap_or_default());
        results.insert(
            file,
            Theirs {
                ms: v["ms"].as_f64(),
                signature: v["signature"].as_bool().unwrap_or(false),
                error: v["error"].as_str().map(str::to_string),
            },
        );
    }
    Ok(results)
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
        Outcome::Unverifiable => "unverifiable",
        Outcome::Skipped => "skipped",
    }
}

pub fn run() {
    let files = credentials();
    println!("verify benchmark: published credentials, median of {ROUNDS} warm rounds each, offline");
    let docs: Vec<(PathBuf, Value)> = files
        .iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).ok()?;
            Some((p.clone(), serde_json::from_str(&text).ok()?))
        })
        .collect();
    for p in files.iter().filter(|p| !docs.iter().any(|(d, _)| d == *p)) {
        println!("  left out (not JSON as published): {}", short(p));
    }
    println!("{} credentials", docs.len());
    let ours: Vec<Ours> = docs.iter().map(|(_, d)| stapel(d)).collect();

    let tmp = tempfile::tempdir().unwrap();
    let ctx_file = tmp.path().join("contexts.json");
    carried_contexts(&ctx_file);
    let theirs = match dcc_missing() {
        Some(why) => Err(why),
        None => dcc(&docs.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(), ROUNDS, &ctx_file, None),
    };
    if let Err(why) = &theirs {
        println!("DCC JavaScript verifier: not measured: {why}");
    } else {
        println!(
            "DCC JavaScript verifier: @digitalcredentials/vc with Ed25519Signature2020 and eddsa-rdfc-2022 \
             (the stack @digitalcredentials/verifier-core assembles), node {}, one process, warm, offline loader",
            Command::new("node")
                .arg("--version")
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .unwrap_or_default()
        );
        println!(
            "  (verifier-core's own verifyCredential cannot run offline: it builds its document loader with \
             fetchRemoteContexts on, with no way to pass another, and looks issuers up in remote registries)"
        );
    }
    let empty = BTreeMap::new();
    let theirs_map = theirs.as_ref().unwrap_or(&empty);

    println!();
    println!(
        "{:<78} {:>10} {:>10} {:>7}  {:<26} {:<9} agree",
        "credential", "stapel", "dcc", "dcc/st", "stapel proof / result", "dcc sig"
    );
    let (mut ours_sum, mut theirs_sum, mut both) = (Duration::ZERO, 0.0f64, 0usize);
    let (mut ok_ours, mut ok_theirs, mut ok_both) = (Duration::ZERO, 0.0f64, 0usize);
    let mut agree = 0usize;
    let mut disagreements = Vec::new();
    for ((path, _), o) in docs.iter().zip(&ours) {
        let proof = o.report.outcome(CheckId::Proof);
        let stapel_ok = proof == Outcome::Passed;
        let t = theirs_map.get(path);
        let (dcc_ms, dcc_sig, same) = match t {
            Some(t) => {
                let same = t.signature == stapel_ok;
                if same {
                    agree += 1;
                } else {
                    disagreements.push((path.clone(), o, t));
                }
                (
                    t.ms.map(|m| format!("{m:.3} ms")).unwrap_or("-".into()),
                    if t.signature { "valid" } else { "not valid" },
                    if same { "yes" } else { "NO" },
                )
            }
            None => ("-".into(), "-", "-"),
        };
        let r = if let Some(ms) = t.and_then(|t| t.ms) {
            format!("{:.1}x", ms / (o.time.as_secs_f64() * 1000.0).max(1e-9))
        } else {
            "-".into()
        };
        if let Some(m) = t.and_then(|t| t.ms) {
            ours_sum += o.time;
            theirs_sum += m;
            both += 1;
            if stapel_ok && t.is_some_and(|t| t.signature) {
                ok_ours += o.time;
                ok_theirs += m;
                ok_both += 1;
            }
        }
        println!(
            "{:<78} {:>10} {:>10} {:>7}  {:<26} {:<9} {}",
            short(path),
            ms(o.time),
            dcc_ms,
            r,
            format!("{} / {:?}", outcome_word(proof), o.report.result).to_lowercase(),
            dcc_sig,
            same
        );
    }
    println!();
    let per_sec = |n: usize, total: f64| if total > 0.0 { n as f64 / total } else { 0.0 };
    if both > 0 {
        println!(
            "all {both} credentials measured on both sides: stapel {:.0} credentials/s, dcc {:.0} credentials/s, ratio {:.1}x (goal: at least 3x)",
            per_sec(both, ours_sum.as_secs_f64()),
            per_sec(both, theirs_sum / 1000.0),
            theirs_sum / 1000.0 / ours_sum.as_secs_f64().max(1e-12)
        );
    }
    if ok_both > 0 {
        println!(
            "the {ok_both} both sides accept (full work on both): stapel {:.0}/s, dcc {:.0}/s, ratio {:.1}x",
            per_sec(ok_both, ok_ours.as_secs_f64()),
            per_sec(ok_both, ok_theirs / 1000.0),
            ok_theirs / 1000.0 / ok_ours.as_secs_f64().max(1e-12)
        );
    }
    if theirs.is_ok() {
        println!("agreement on the signature: {agree} of {} credentials", docs.len());
        if !disagreements.is_empty() {
            println!();
            println!("disagreements (signature as the vectors' authors expect it, and who matches them):");
            for (path, o, t) in &disagreements {
                let expected = expected_signature(path);
                let stapel_ok = o.report.outcome(CheckId::Proof) == Outcome::Passed;
                let right = if stapel_ok == expected { "stapel" } else { "dcc" };
                let proof_msg = o.report.check(CheckId::Proof).map(|c| c.message.clone()).unwrap_or_default();
                println!("  {}", short(path));
                println!(
                    "    expected: {}; matches the authors: {right}",
                    if expected { "valid" } else { "not valid" }
                );
                println!(
                    "    stapel: proof {}: {}",
                    outcome_word(o.report.outcome(CheckId::Proof)),
                    cut(&proof_msg, 160)
                );
                println!("    dcc:    {}", cut(t.error.as_deref().unwrap_or("valid"), 160));
            }
        }
    }

    println!();
    floor(&docs, &ours);
    println!();
    poison(&ctx_file, tmp.path());
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n).collect::<String>()) }
}

/// The bare Ed25519 check (the signed bytes and signature of the W3C eddsa-rdfc-2022 vector,
/// already computed) beside the whole verification of that credential: how close Stapel is to
/// the limit.
fn floor(docs: &[(PathBuf, Value)], ours: &[Ours]) {
    let Some(i) = docs.iter().position(|(p, _)| p.ends_with("eddsa-rdfc-2022/signedDataInt.json")) else { return };
    let doc = &docs[i].1;
    let Ok(inter) = intermediates(doc) else { return };
    let method = doc["proof"]["verificationMethod"].as_str().unwrap_or_default();
    let Some(fragment) = method.split('#').nth(1) else { return };
    let Ok(PublicKey::Ed25519(key)) = did::multikey(fragment) else { return };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(&inter.signature) else { return };
    assert!(key.verify(&inter.signed_bytes, &sig).is_ok(), "the W3C vector's signature checks");
    let n = 1000u32;
    let bare = median(ROUNDS, || {
        for _ in 0..n {
            std::hint::black_box(key.verify(std::hint::black_box(&inter.signed_bytes), &sig).is_ok());
        }
    }) / n;
    let canon_time = median(ROUNDS, || drop(intermediates(doc)));
    println!("floor (w3c-di/eddsa-rdfc-2022/signedDataInt.json):");
    println!("  bare Ed25519 signature check           {}", ms(bare));
    println!("  canonical forms and hashes (RDFC-1.0)  {}", ms(canon_time));
    println!(
        "  whole verification (every check)       {}  ({} the bare check)",
        ms(ours[i].time),
        ratio(ours[i].time, bare)
    );
}

/// RDFC-1.0's negative test (a 10-node blank-node clique) and a credential carrying a clique:
/// how long the work limit takes to refuse them.
fn poison(ctx_file: &Path, tmp: &Path) {
    println!("poison graphs (refused by the work limit of {} Hash N-Degree Quads calls):", canon::HNDQ_CALL_LIMIT);
    let nq = vectors().join("2-w3c-di-eddsa/w3c-rdf-canon/tests/rdfc10/test074-in.nq");
    match std::fs::read_to_string(&nq) {
        Ok(text) => {
            let dataset: oxrdf::Dataset =
                oxttl::NQuadsParser::new().for_reader(text.as_bytes()).filter_map(Result::ok).collect();
            let got = canon::rdfc_dataset(&dataset, RdfcHash::Sha256);
            let t = median(ROUNDS, || drop(canon::rdfc_dataset(&dataset, RdfcHash::Sha256)));
            let what = match got {
                Err(e) => format!("refused: {e}"),
                Ok(_) => "NOT refused".into(),
            };
            println!("  RDFC-1.0 test074 (poison clique, {} quads)  {}  {}", dataset.len(), ms(t), cut(&what, 90));
        }
        Err(e) => println!("  RDFC-1.0 test074: not found ({e})"),
    }

    let di = vectors().join("2-w3c-di-eddsa/w3c-vc-di-eddsa/TestVectors/eddsa-rdfc-2022/signedDataInt.json");
    let Ok(text) = std::fs::read_to_string(&di) else { return };
    let Ok(mut doc) = serde_json::from_str::<Value>(&text) else { return };
    let n = 12;
    let nodes: Vec<Value> = (0..n)
        .map(|i| {
            let links: Vec<Value> =
                (0..n).filter(|j| *j != i).map(|j| serde_json::json!({"@id": format!("_:n{j}")})).collect();
            serde_json::json!({"@id": format!("_:n{i}"), "https://example.org/p": links})
        })
        .collect();
    doc["credentialSubject"] = serde_json::json!({"id": "did:example:abcdefgh", "https://example.org/knows": nodes});
    let o = stapel(&doc);
    let proof = o
        .report
        .check(CheckId::Proof)
        .map(|c| format!("{}: {}", outcome_word(c.outcome), c.message))
        .unwrap_or_default();
    println!("  poison credential (12-node clique in the subject of the W3C eddsa-rdfc-2022 vector)");
    println!("    stapel  {}  proof {}", ms(o.time), cut(&proof, 100));
    if dcc_missing().is_some() {
        return;
    }
    let file = tmp.join("poison-credential.json");
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let t = Instant::now();
    match dcc(std::slice::from_ref(&file), 1, ctx_file, Some(POISON_TIMEOUT)) {
        Ok(r) => {
            let r = r.values().next();
            let what = r.map(|r| r.error.clone().unwrap_or("valid".into())).unwrap_or_default();
            let time = r.and_then(|r| r.ms).map(|m| format!("{m:.3} ms")).unwrap_or("-".into());
            println!(
                "    dcc     {time} per round (whole process {:.1} s)  {}",
                t.elapsed().as_secs_f64(),
                cut(&what, 100)
            );
        }
        Err(why) => println!("    dcc     {why}"),
    }
}
