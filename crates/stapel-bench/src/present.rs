//! The present benchmark (issue 7): presentations of 1, 5 and 20 typical Open Badges 3.0 badges
//! from `../shared/vectors` (the DCC fixtures signed with eddsa-rdfc-2022, then the 1EdTech
//! examples), signed by a holder key: the presentation's compact JSON beside the QR payload
//! (`SVP1`, DEFLATE + Base45) and the ratio, the number of codes and their versions, and the
//! time to encode (payload texts; PNG images) and to decode (texts; PNG images read back).

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use stapel_core::present::{self, Cryptosuite, Entry, PresentOptions, qr};
use stapel_core::store::HolderKey;

use crate::{median, ms, ratio};


fn vectors() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors"))
}

const DCC: &str = "1-ob3/dcc-vc-test-fixtures/verifiableCredentials/v2";
/// The typical badge first (DCC `basicOBv3`), then the other badges in a fixed order.
fn badge_files() -> Vec<PathBuf> {
    let dir = vectors().join(DCC).join("dataIntegrityProof/didKey");
    let typical = dir.join("legacyRegistry-noStatus-noExpiry-basicOBv3.json");
    let mut others: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (the vectors belong beside this folder)", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json") && *p != typical)
        .collect();
    others.sort();
    let mut files = vec![typical];
    files.extend(others);
    files.push(vectors().join("1-ob3/1edtech-openbadges-specification/rendered-spec-gh-pages-9535509/example-35-sample-openbadgecredential.signed.json"));
    files.push(vectors().join("1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-ob.signed-credential.json"));
    files.push(vectors().join(DCC).join("ed25519/didKey/legacy-noStatus-noExpiry.json"));
    files
}

fn key() -> HolderKey {
    // A fixed holder key, so every run signs the same presentations.
    let mut secret = [0u8; 32];
    for (i, b) in secret.iter_mut().enumerate() {
        *b = i as u8 * 7 + 1;
    }
    HolderKey::from_secret_bytes(&secret)
}

struct Row {
    badges: usize,
    files: u64,
    json: usize,
    compressed: usize,
    payload: usize,
    codes: usize,
    versions: Vec<i16>,
    encode: Duration,
    decode: Duration,
    png: Duration,
    read: Duration,
}

fn measure(key: &HolderKey, badges: &[(u64, Value)], rounds: usize) -> Row {
    let entries: Vec<Entry> = badges.iter().map(|(_, v)| Entry::Embedded(v.clone())).collect();
    let opts = PresentOptions {
        challenge: Some("n-0S6_WzA2Mj".into()),
        domain: Some("employer.example".into()),
        now: chrono::DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z").expect("a fixed time").to_utc(),
        suite: Cryptosuite::EddsaJcs2022,
    };
    let vp = present::build_presentation(key, &entries, &opts).expect("the presentation is signed");
    let e = qr::encode(&vp).expect("the presentation encodes");
    assert_eq!(qr::decode(&e.parts).expect("the payload decodes"), vp, "the payload reads back to the presentation");
    let pngs: Vec<Vec<u8>> = e.parts.iter().map(|p| qr::png(p).expect("a PNG")).collect();
    let read_back = |pngs: &[Vec<u8>]| -> Vec<String> {
        pngs.iter().flat_map(|png| qr::read_image(png).expect("the PNG reads back")).collect()
    };
    assert_eq!(read_back(&pngs), e.parts, "the images read back to the payload");
    Row {
        badges: badges.len(),
        files: badges.iter().map(|(n, _)| n).sum(),
        json: e.json_bytes,
        compressed: e.compressed_bytes,
        payload: e.parts.iter().map(String::len).sum(),
        codes: e.parts.len(),
        versions: e.versions.clone(),
        encode: median(rounds, || drop(qr::encode(&vp).expect("encodes"))),
        decode: median(rounds, || drop(qr::decode(&e.parts).expect("decodes"))),
        png: median(rounds, || {
            for p in &e.parts {
                drop(qr::png(p).expect("a PNG"));
            }
        }),
        read: median(rounds, || drop(read_back(&pngs))),
    }
}

/// `rounds`: how many times each time is measured (the median is shown); 1 for a smoke run.
pub fn run(rounds: usize) {
    let files = badge_files();
    assert!(files.len() >= 20, "20 badges are needed, {} found", files.len());
    let badges: Vec<(u64, Value)> = files
        .iter()
        .take(20)
        .map(|p| {
            let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (bytes.len() as u64, serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        })
        .collect();
    println!("present benchmark: presentations of typical Open Badges 3.0 badges (eddsa-jcs-2022 holder proof, with challenge and domain)");
    let key = key();
    let rows: Vec<Row> = [1, 5, 20].iter().map(|&n| measure(&key, &badges[..n], rounds.max(1))).collect();
    println!();
    println!(
        "{:>6} {:>9} {:>10} {:>9} {:>9} {:>11} {:>6} {:>16} {:>10} {:>10} {:>10} {:>10}",
        "badges", "files B", "VP JSON B", "deflated", "payload", "payload/JSON", "codes", "QR versions (M)",
        "encode", "decode", "PNG", "read PNG"
    );
    for r in &rows {
        let versions = if r.versions.len() > 4 {
            format!("{}x {}..{}", r.versions.len(), r.versions.iter().min().unwrap_or(&0), r.versions.iter().max().unwrap_or(&0))
        } else {
            r.versions.iter().map(i16::to_string).collect::<Vec<_>>().join(",")
        };
        println!(
            "{:>6} {:>9} {:>10} {:>9} {:>9} {:>11.2}x {:>6} {:>16} {:>10} {:>10} {:>10} {:>10}",
            r.badges,
            r.files,
            r.json,
            r.compressed,
            r.payload,
            r.payload as f64 / r.json as f64,
            r.codes,
            versions,
            ms(r.encode),
            ms(r.decode),
            ms(r.png),
            ms(r.read)
        );
    }
    println!();
    println!("payload: characters of every code's text together (Base45, QR alphanumeric mode); payload/JSON: against the presentation as compact JSON");
    println!("encode: presentation to code texts (JSON, DEFLATE, Base45, QR version fit); decode: texts back to the presentation");
    println!("PNG: drawing every code; read PNG: finding and reading every code in the images (rxing)");
    let (one, twenty) = (&rows[0], &rows[2]);
    println!(
        "from 1 to 20 badges: JSON {:.1}x, payload {:.1}x, codes {} -> {}, encode {}, decode {}",
        twenty.json as f64 / one.json as f64,
        twenty.payload as f64 / one.payload as f64,
        one.codes,
        twenty.codes,
        ratio(twenty.encode, one.encode),
        ratio(twenty.decode, one.decode)
    );
}
