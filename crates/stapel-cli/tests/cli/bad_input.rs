//! Every kind of bad input gives one plain line naming the input and the reason, exit code 1,
//! and a wallet that is unchanged: the same file bytes, the same listing, integrity intact.

use std::path::{Path, PathBuf};

use crate::support::{Reply, Server, TestWallet, text, vector};

/// Imports `arg` into a wallet that already holds one credential, and checks the failure
/// contract. Returns the one line printed on standard error.
fn refused(arg: &str) -> String {
    let w = TestWallet::new();
    let first = w.import(&vector(
        "1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-ob.signed-credential.json",
    ));
    assert!(first.status.success(), "{}", text(&first.stderr));
    let before = w.snapshot();
    let out = w.run(&["import", arg]);
    assert_eq!(out.status.code(), Some(1), "stdout: {} stderr: {}", text(&out.stdout), text(&out.stderr));
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(lines[0].starts_with(arg), "the line must name the input first: {stderr}");
    assert_eq!(w.snapshot(), before, "the wallet changed after a failed import of {arg}");
    w.integrity_ok();
    lines[0].to_string()
}

fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn truncated_json_is_refused() {
    let d = scratch();
    let full = std::fs::read(vector(
        "1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-clr.signed-credential.json",
    ))
    .unwrap();
    let p = write_temp(d.path(), "truncated.json", &full[..full.len() / 2]);
    let line = refused(p.to_str().unwrap());
    assert!(line.contains("JSON"), "{line}");
}

#[test]
fn json_that_is_not_utf8_is_refused() {
    let d = scratch();
    let p = write_temp(d.path(), "latin1.json", b"{\"type\": [\"Assertion\"], \"name\": \"Caf\xe9\"}");
    refused(p.to_str().unwrap());
}

#[test]
fn json_nested_100000_deep_is_refused() {
    let d = scratch();
    let mut deep = "[".repeat(100_000).into_bytes();
    deep.extend(std::iter::repeat_n(b']', 100_000));
    let p = write_temp(d.path(), "deep.json", &deep);
    let line = refused(p.to_str().unwrap());
    assert!(line.contains("deep") || line.contains("nest"), "{line}");
}

#[test]
fn a_200_mb_file_is_refused_without_reading_it() {
    let d = scratch();
    let p = d.path().join("huge.json");
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(200 * 1024 * 1024).unwrap();
    let line = refused(p.to_str().unwrap());
    assert!(line.contains("too large"), "{line}");
}

#[test]
fn a_png_with_no_badge_in_it_is_refused() {
    let p = vector("4-ob2/1edtech-openbadges-validator-core/tests/testfiles/public_domain_heart.png");
    refused(p.to_str().unwrap());
}

#[test]
fn a_png_with_a_corrupt_chunk_crc_is_refused() {
    let d = scratch();
    let mut png =
        std::fs::read(vector("4-ob2/1edtech-openbadges-validator-core/tests/testfiles/baked_heart.png")).unwrap();
    // Flip one byte inside the iTXt chunk's data: its CRC no longer matches.
    let at = png.windows(4).position(|w| w == b"iTXt").expect("the baked PNG has an iTXt chunk") + 20;
    png[at] ^= 0x20;
    let p = write_temp(d.path(), "corrupt.png", &png);
    let line = refused(p.to_str().unwrap());
    assert!(line.to_lowercase().contains("crc") || line.contains("corrupt") || line.contains("damaged"), "{line}");
}

#[test]
fn an_svg_with_no_badge_in_it_is_refused() {
    let p = vector("4-ob2/mozilla-openbadges-bakery/test/unbaked.svg");
    refused(p.to_str().unwrap());
}

#[test]
fn an_svg_with_an_external_entity_is_refused_and_nothing_is_read() {
    let d = scratch();
    let secret = write_temp(d.path(), "secret.txt", b"{\"type\":\"Assertion\"}");
    let svg = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [<!ENTITY xxe SYSTEM \"file://{}\">]>\n<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:openbadges=\"http://openbadges.org\"><openbadges:assertion verify=\"https://example.org/a.json\">&xxe;</openbadges:assertion></svg>",
        secret.display()
    );
    let p = write_temp(d.path(), "xxe.svg", svg.as_bytes());
    refused(p.to_str().unwrap());
}

#[test]
fn an_svg_with_billion_laughs_entity_expansion_is_refused() {
    let d = scratch();
    let mut dtd = String::from("<!ENTITY lol \"lol\">");
    for i in 1..10 {
        let prev = if i == 1 { "lol".to_string() } else { format!("lol{}", i - 1) };
        dtd.push_str(&format!("<!ENTITY lol{i} \"{}\">", format!("&{prev};").repeat(10)));
    }
    let svg = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [{dtd}]>\n<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:openbadges=\"http://openbadges.org\"><openbadges:assertion>&lol9;</openbadges:assertion></svg>"
    );
    let p = write_temp(d.path(), "lol.svg", svg.as_bytes());
    refused(p.to_str().unwrap());
}

#[test]
fn a_jwt_with_a_bad_base64_segment_is_refused() {
    let d = scratch();
    let jwt = std::fs::read_to_string(vector("1-ob3/1edtech-openbadges-specification/rendered-spec-gh-pages-9535509/example-35-sample-openbadgecredential.jwt")).unwrap();
    let mut parts: Vec<String> = jwt.trim().split('.').map(str::to_string).collect();
    parts[1].insert_str(10, "!*%");
    let p = write_temp(d.path(), "bad.jwt", parts.join(".").as_bytes());
    let line = refused(p.to_str().unwrap());
    assert!(line.contains("base64"), "{line}");
}

#[test]
fn a_url_that_answers_404_is_refused() {
    let server = Server::start(|_| Reply::Body(404, "text/html", b"<h1>Not found</h1>".to_vec()));
    let line = refused(&server.url("/badge.json"));
    assert!(line.contains("404"), "{line}");
}

#[test]
fn a_url_that_answers_html_is_refused() {
    let server = Server::start(|_| {
        Reply::Body(200, "text/html", b"<!doctype html><html><body>Log in to see your badge</body></html>".to_vec())
    });
    let line = refused(&server.url("/badge"));
    assert!(line.contains("HTML") || line.contains("web page"), "{line}");
}

#[test]
fn a_url_in_a_redirect_loop_is_refused() {
    let server = Server::start(|p| Reply::Redirect(if p == "/a" { "/b".into() } else { "/a".into() }));
    let line = refused(&server.url("/a"));
    assert!(line.contains("redirect"), "{line}");
}

#[test]
fn a_url_that_never_answers_is_refused_after_the_time_limit() {
    let server = Server::start(|_| Reply::Hang);
    let line = refused(&server.url("/slow"));
    assert!(line.contains("no answer within 2 seconds"), "{line}");
}

#[test]
fn one_bad_file_in_a_folder_does_not_stop_or_spoil_the_others() {
    let w = TestWallet::new();
    let d = scratch();
    std::fs::copy(
        vector("1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-ob.signed-credential.json"),
        d.path().join("a.json"),
    )
    .unwrap();
    write_temp(d.path(), "b.json", b"{\"truncated\": ");
    std::fs::copy(
        vector("1-ob3/1edtech-openbadges-specification/impl/extracted/linked-data-proof-clr.signed-credential.json"),
        d.path().join("c.json"),
    )
    .unwrap();
    let out = w.run(&["import", d.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("2 imported, 0 already present, 1 failed"), "{stdout}");
    assert!(text(&out.stderr).contains("b.json"), "{}", text(&out.stderr));
    assert_eq!(w.ids().len(), 2);
    w.integrity_ok();
}
