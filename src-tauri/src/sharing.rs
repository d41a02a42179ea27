//! The Share and Check screens' answers: a signed presentation of the chosen credentials with
//! its QR codes (as images the page can show) and LinkedIn links; saving it as JSON or the
//! codes as PNG/SVG; and checking a presentation someone shows, from files (JSON, QR images),
//! pasted text or codes a camera read (frames read by [`scan_frame`], parts counted by
//! [`scan_codes`]). The work is `stapel_core::present`; this module shapes the answers.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::Serialize;
use stapel_core::net::{Fetcher, Offline};
use stapel_core::present::{self, Cryptosuite, Expectations, PresentOptions, PresentationReport, qr};
use stapel_core::store::Wallet;
use stapel_core::verify::VerifyContext;
use stapel_core::wallet::present::{linkedin_link, present};

use crate::error::CommandError;
use crate::importing::http_fetcher;

/// A challenge or domain as typed: trimmed, and none when nothing was typed.
fn given(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// One chosen credential's LinkedIn link, or why it has none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkedIn {
    pub id: String,
    pub title: String,
    pub link: Option<String>,
    pub reason: Option<String>,
}

/// A presentation made for the Share screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Shared {
    /// The signed presentation, pretty-printed: what "save as JSON" writes.
    pub json: String,
    /// The text of each QR code, in order (one, or the numbered parts).
    pub parts: Vec<String>,
    /// Each code as an SVG `data:` URL, to show.
    pub images: Vec<String>,
    /// Each code's QR version (size) at error correction level M.
    pub versions: Vec<i16>,
    pub json_bytes: usize,
    /// The learner's holder DID that signed it.
    pub holder: String,
    pub linkedin: Vec<LinkedIn>,
}

/// Signs a presentation of `ids` with the holder key, answering `challenge` for `domain`
/// when given, and draws its QR codes.
pub fn make(
    wallet: &Wallet,
    ids: &[String],
    challenge: Option<String>,
    domain: Option<String>,
    now: DateTime<Utc>,
) -> Result<Shared, CommandError> {
    let opts = PresentOptions {
        challenge: given(challenge.as_deref()),
        domain: given(domain.as_deref()),
        now,
        suite: Cryptosuite::default(),
    };
    let vp = present(wallet, ids, &opts)?;
    let encoded = qr::encode(&vp)?;
    let images = encoded
        .parts
        .iter()
        .map(|text| {
            let svg = qr::svg(text)?;
            Ok(format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg)))
        })
        .collect::<Result<Vec<_>, CommandError>>()?;
    let mut linkedin = Vec::new();
    for id in ids {
        let title = wallet.get(id)?.summary.title;
        let (link, reason) = match linkedin_link(wallet, id)? {
            Ok(link) => (Some(link), None),
            Err(why) => (None, Some(why)),
        };
        linkedin.push(LinkedIn { id: id.clone(), title, link, reason });
    }
    let json = serde_json::to_string_pretty(&vp).map_err(|e| CommandError::new("internal", e.to_string()))?;
    Ok(Shared {
        json,
        parts: encoded.parts,
        images,
        versions: encoded.versions,
        json_bytes: encoded.json_bytes,
        holder: wallet.holder_did()?,
        linkedin,
    })
}

/// Writes the presentation the Share screen shows, as JSON, to `path`. It must be a
/// presentation (the page hands back what [`make`] gave it).
pub fn save_json(path: &Path, json: &str) -> Result<(), CommandError> {
    let vp: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| CommandError::new("not_a_presentation", format!("not a presentation: {e}")))?;
    if vp.get("type").is_none() || vp.get("verifiableCredential").is_none() {
        return Err(CommandError::new("not_a_presentation", "not a presentation: it has no type or no credentials"));
    }
    let mut bytes = json.trim_end().as_bytes().to_vec();
    bytes.push(b'\n');
    std::fs::write(path, bytes).map_err(|e| CommandError::new("io", format!("could not write {}: {e}", path.display())))
}

/// Writes the codes as PNG or SVG images by `path`'s extension (parts as NAME-1of3.png, ...).
pub fn save_codes(path: &Path, parts: &[String]) -> Result<Vec<PathBuf>, CommandError> {
    Ok(qr::write_files(path, parts)?)
}

/// One presentation checked, with where it came from.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Checked {
    pub source: String,
    pub report: PresentationReport,
}

/// What the verifier asks of a presentation.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckRequest {
    /// Presentation files and QR images (all parts, any order).
    #[serde(default)]
    pub paths: Vec<PathBuf>,
    /// A pasted presentation (JSON) or the texts of its codes (one a line).
    #[serde(default)]
    pub text: Option<String>,
    /// The texts of the codes a camera read (see [`scan_codes`]).
    #[serde(default)]
    pub codes: Vec<String>,
    #[serde(default)]
    pub challenge: Option<String>,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub offline: bool,
}

/// Checks what the verifier was shown: the holder's proof, the challenge and domain, that
/// each credential is the holder's, and each credential with the verification engine. Needs
/// no wallet: an employer can check without one.
pub fn check(request: &CheckRequest, now: DateTime<Utc>) -> Result<Vec<Checked>, CommandError> {
    let mut inputs = Vec::new();
    for path in &request.paths {
        let bytes = std::fs::read(path)
            .map_err(|e| CommandError::new("unreadable_file", format!("cannot read {}: {e}", path.display())))?;
        inputs.push((path.display().to_string(), bytes));
    }
    if let Some(text) = request.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        inputs.push(("the pasted text".to_string(), text.as_bytes().to_vec()));
    }
    if !request.codes.is_empty() {
        inputs.push(("the camera".to_string(), request.codes.join("\n").into_bytes()));
    }
    if inputs.is_empty() {
        return Err(CommandError::new(
            "nothing_to_check",
            "open a presentation or QR image, or paste one, to check it",
        ));
    }
    let presentations = present::read_inputs(&inputs)?;
    let fetcher: Box<dyn Fetcher> = if request.offline { Box::new(Offline) } else { http_fetcher()? };
    let ctx = VerifyContext { now, fetcher: fetcher.as_ref(), identities: &[] };
    let expect =
        Expectations { challenge: given(request.challenge.as_deref()), domain: given(request.domain.as_deref()) };
    Ok(presentations
        .into_iter()
        .map(|(source, vp)| Checked { source, report: present::verify_presentation(&vp, &ctx, &expect) })
        .collect())
}

/// The texts of the QR codes in one camera frame of `width × height` grey values (none when
/// the frame shows no readable code).
pub fn scan_frame(width: u32, height: u32, pixels: Vec<u8>) -> Result<Vec<String>, CommandError> {
    Ok(qr::read_frame(width, height, pixels)?)
}

/// How far the texts a camera read so far go towards one presentation: the parts read, of
/// how many, the other QR codes left out; complete once every part is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scanned {
    /// `count`, `read`, `codes` (the texts to check once complete) and `foreign`.
    #[serde(flatten)]
    pub scan: qr::Scan,
    pub complete: bool,
}

/// Sorts the texts a camera read into the parts of one presentation.
pub fn scan_codes(texts: &[String]) -> Result<Scanned, CommandError> {
    let scan = qr::scan(texts)?;
    Ok(Scanned { complete: scan.complete(), scan })
}

/// What the page may use: the camera, to scan a code on the Check screen (the learner or
/// employer asks for it with the "Scan with the camera" button; the page is the app's own, and
/// its content security policy lets no other script in). Nothing else: no microphone, no
/// screen capture, no location, no notifications.
pub fn permission(kind: tauri::webview::PermissionKind) -> tauri::webview::PermissionResponse {
    use tauri::webview::{PermissionKind, PermissionResponse};
    match kind {
        PermissionKind::Camera => PermissionResponse::Allow,
        _ => PermissionResponse::Deny,
    }
}
