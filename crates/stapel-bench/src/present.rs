//! The present benchmark (issue 7): presentations of 1, 5 and 20 typical Open Badges 3.0 badges
//! from `../shared/vectors` (the DCC fixtures signed with eddsa-rdfc-2022, then the 1EdTech
//! examples), signed by a holder key: the presentation's compact JSON beside the QR payload
//! (`SVP1`, DEFLATE + Base45) and the ratio, the number of codes and their versions, and the
//! time to encode (payload texts; PNG images) and to decode (texts; PNG images read back).
//! Then camera frames (decision 0077): the codes as a camera sees them on a screen (scaled,
//! so blurred, on white or unevenly lit grey, 1280×720), read by Stapel's reader
//! (`qr::read_frame`, rxing) beside `rqrr`, the reader it replaced: how many each reads, and
//! the time a frame.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;
use stapel_core::present::{self, Cryptosuite, Entry, HolderKey, PresentOptions, qr};

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
    files.push(
        vectors()
            .join("1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-ob.signed-credential.json"),
    );
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
    println!(
        "present benchmark: presentations of typical Open Badges 3.0 badges (eddsa-jcs-2022 holder proof, with challenge and domain)"
    );
    let key = key();
    let rows: Vec<Row> = [1, 5, 20].iter().map(|&n| measure(&key, &badges[..n], rounds.max(1))).collect();
    println!();
    println!(
        "{:>6} {:>9} {:>10} {:>9} {:>9} {:>11} {:>6} {:>16} {:>10} {:>10} {:>10} {:>10}",
        "badges",
        "files B",
        "VP JSON B",
        "deflated",
        "payload",
        "payload/JSON",
        "codes",
        "QR versions (M)",
        "encode",
        "decode",
        "PNG",
        "read PNG"
    );
    for r in &rows {
        let versions = if r.versions.len() > 4 {
            format!(
                "{}x {}..{}",
                r.versions.len(),
                r.versions.iter().min().unwrap_or(&0),
                r.versions.iter().max().unwrap_or(&0)
            )
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
    println!(
        "payload: characters of every code's text together (Base45, QR alphanumeric mode); payload/JSON: against the presentation as compact JSON"
    );
    println!(
        "encode: presentation to code texts (JSON, DEFLATE, Base45, QR version fit); decode: texts back to the presentation"
    );
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
    camera(&badges);
}

/// The frames a camera gives of the code `text` on a screen: the code's PNG scaled to each of
/// eight sizes with four filters, on white and on an unevenly lit grey (64 frames, 1280×720).
fn camera_frames(text: &str) -> Vec<image::GrayImage> {
    use image::imageops::{self, FilterType};
    let code = image::load_from_memory(&qr::png(text).expect("a PNG")).expect("the PNG decodes").to_luma8();
    let (w, h) = (1280u32, 720u32);
    let mut frames = Vec::new();
    for filter in [FilterType::Nearest, FilterType::Triangle, FilterType::CatmullRom, FilterType::Gaussian] {
        for side in [400u32, 440, 480, 532, 560, 600, 665, 700] {
            let scaled = imageops::resize(&code, side, side, filter);
            for lit in [false, true] {
                let mut frame = image::GrayImage::from_fn(w, h, |x, y| {
                    image::Luma([if lit { (90 + x * 60 / w + y * 30 / h) as u8 } else { 255 }])
                });
                imageops::overlay(&mut frame, &scaled, i64::from(w - side) / 2 + 30, i64::from(h - side) / 2);
                frames.push(frame);
            }
        }
    }
    frames
}

/// Reads every frame with both readers, alternating frame by frame; returns (read by Stapel,
/// its time, read by rqrr, its time).
fn read_frames(text: &str, frames: &[image::GrayImage]) -> (usize, Duration, usize, Duration) {
    let (mut ours, mut ours_t, mut theirs, mut theirs_t) = (0, Duration::ZERO, 0, Duration::ZERO);
    for frame in frames {
        let t = Instant::now();
        let read = qr::read_frame(frame.width(), frame.height(), frame.as_raw().clone()).expect("a well-formed frame");
        ours_t += t.elapsed();
        ours += usize::from(read.iter().any(|r| r == text));
        let t = Instant::now();
        let mut prepared = rqrr::PreparedImage::prepare(frame.clone());
        let read = prepared.detect_grids().into_iter().filter_map(|g| g.decode().ok()).any(|(_, r)| r == text);
        theirs_t += t.elapsed();
        theirs += usize::from(read);
    }
    (ours, ours_t, theirs, theirs_t)
}

/// The camera-frame comparison for the codes of the 1-badge and the 20-badge presentation.
pub fn camera(badges: &[(u64, Value)]) {
    let key = key();
    println!();
    println!(
        "camera frames: each code scaled to 400-700 px (4 filters), on white and on unevenly lit grey, 1280x720; Stapel (rxing) beside rqrr"
    );
    println!(
        "{:>22} {:>7} {:>16} {:>16} {:>10} {:>10} {:>8}",
        "code", "frames", "read by Stapel", "read by rqrr", "Stapel", "rqrr", "time"
    );
    let (mut all, mut ours_all, mut theirs_all, mut ours_time, mut theirs_time) =
        (0, 0, 0, Duration::ZERO, Duration::ZERO);
    for n in [1, 20] {
        let entries: Vec<Entry> = badges[..n].iter().map(|(_, v)| Entry::Embedded(v.clone())).collect();
        let opts = PresentOptions {
            challenge: Some("n-0S6_WzA2Mj".into()),
            domain: None,
            now: chrono::DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z").expect("a fixed time").to_utc(),
            suite: Cryptosuite::EddsaJcs2022,
        };
        let vp = present::build_presentation(&key, &entries, &opts).expect("the presentation is signed");
        let e = qr::encode(&vp).expect("the presentation encodes");
        // The single code, or the first part (all parts are about the same size).
        let (text, version) = (&e.parts[0], e.versions[0]);
        let frames = camera_frames(text);
        let (ours, ours_t, theirs, theirs_t) = read_frames(text, &frames);
        let per = |d: Duration| d / frames.len() as u32;
        println!(
            "{:>22} {:>7} {:>16} {:>16} {:>10} {:>10} {:>8}",
            format!("{n} badge(s), v{version}"),
            frames.len(),
            ours,
            theirs,
            ms(per(ours_t)),
            ms(per(theirs_t)),
            ratio(per(ours_t), per(theirs_t))
        );
        all += frames.len();
        (ours_all, theirs_all, ours_time, theirs_time) =
            (ours_all + ours, theirs_all + theirs, ours_time + ours_t, theirs_time + theirs_t);
    }
    println!(
        "read: Stapel {ours_all} of {all}, rqrr {theirs_all} of {all}; time a frame: Stapel {} of rqrr's",
        ratio(ours_time, theirs_time)
    );
}
