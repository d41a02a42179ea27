//! Presenting credentials: the learner's signed Verifiable Presentation (VCDM 2.0) of chosen
//! credentials, exactly as they were issued; its QR form ([`qr`]); the LinkedIn "add to
//! profile" link ([`linkedin_link`]); and, on the other side of the table, checking a
//! presentation someone shows ([`verify_presentation`]).
//!
//! What a presentation holds for each credential (docs/qr.md): a JSON-LD credential embedded
//! unchanged; a JWT credential (VC-JWT or VCDM 2.0 with JOSE) as an
//! `EnvelopedVerifiableCredential` whose `id` is `data:application/vc+jwt,<the JWT>`; an Open
//! Badges 2.0 assertion as a plain string: its hosted URL (hosted verification) or
//! `data:application/jose,<the signed JWS>`. The holder signs with `eddsa-jcs-2022`
//! (decision 0060), proof purpose `authentication`, with the verifier's challenge and domain.

mod inputs;
pub mod qr;
mod sign;
mod verify;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use crate::formats::{self, Format};
use crate::net::Offline;
use crate::store::{HolderKey, StoreError, Wallet};

pub use inputs::read_inputs;
pub use sign::{Cryptosuite, sign_data_integrity};
pub use verify::{
    CredentialReport, EntryKind, Expectations, PresentationCheck, PresentationCheckId, PresentationReport,
    verify_presentation,
};

const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// The `data:` URL media type of an enveloped JWT credential.
pub const VC_JWT_DATA: &str = "data:application/vc+jwt,";
/// The `data:` URL media type of a signed Open Badges 2.0 assertion (a compact JWS).
pub const OB2_JWS_DATA: &str = "data:application/jose,";

/// Why a presentation could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum PresentError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("choose at least one credential to present")]
    NothingChosen,
    #[error("credential {id} cannot be presented: {reason}")]
    NotPresentable { id: String, reason: String },
    #[error("the presentation could not be signed: {0}")]
    Sign(String),
    #[error("the QR code could not be made or read: {0}")]
    Qr(String),
    #[error("not a presentation: {0}")]
    NotAPresentation(String),
    #[error("{0}: the QR file must end in .png or .svg")]
    QrFileType(String),
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
    #[error("{name}: {reason}")]
    Input { name: String, reason: String },
}

impl From<crate::verify::VerifyError> for PresentError {
    fn from(e: crate::verify::VerifyError) -> Self {
        PresentError::Sign(e.to_string())
    }
}

/// One credential as a presentation carries it.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A JSON-LD credential, unchanged.
    Embedded(Value),
    /// A JWT credential (compact JWS).
    Enveloped(String),
    /// An Open Badges 2.0 assertion hosted at this URL.
    Ob2Hosted(String),
    /// A signed Open Badges 2.0 assertion (compact JWS).
    Ob2Signed(String),
}

impl Entry {
    /// The value that goes into `verifiableCredential`.
    pub fn to_value(&self) -> Value {
        match self {
            Entry::Embedded(v) => v.clone(),
            Entry::Enveloped(jwt) => json!({
                "@context": CREDENTIALS_V2,
                "id": format!("{VC_JWT_DATA}{jwt}"),
                "type": "EnvelopedVerifiableCredential",
            }),
            Entry::Ob2Hosted(url) => Value::String(url.clone()),
            Entry::Ob2Signed(jws) => Value::String(format!("{OB2_JWS_DATA}{jws}")),
        }
    }
}

/// What the verifier asked for and when the presentation is made.
#[derive(Debug, Clone)]
pub struct PresentOptions {
    pub challenge: Option<String>,
    pub domain: Option<String>,
    /// The proof's `created` time.
    pub now: DateTime<Utc>,
    pub suite: Cryptosuite,
}

fn looks_like_jws(t: &str) -> bool {
    !t.contains(char::is_whitespace) && t.split('.').count() == 3 && t.starts_with("ey")
}

/// The credential's text when its bytes are text (trimmed, without a byte-order mark).
fn text_of(bytes: &[u8]) -> Option<&str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).ok().map(str::trim)
}

/// The form in which a stored credential goes into a presentation, from its original bytes.
pub fn entry_for(wallet: &Wallet, id: &str) -> Result<Entry, PresentError> {
    let stored = wallet.get(id)?;
    let full = stored.summary.id.clone();
    let not = |reason: &str| PresentError::NotPresentable { id: full[..12].to_string(), reason: reason.to_string() };
    let format = stored.summary.format;
    // The originals in order: the credential as imported first, then what was fetched for it.
    // The same credential may have arrived in several forms (JSON, then as a JWT): take the
    // first original in the stored format.
    let wants_jws = matches!(format, Format::VcJwt | Format::VcJose | Format::Ob2Signed);
    let mut parsed_doc = None;
    let mut jws = None;
    for info in &stored.originals {
        if !matches!(info.role.as_str(), "credential" | "nested" | "assertion") {
            continue;
        }
        let original = wallet.original(&full, info.n)?;
        let text = text_of(&original.bytes).filter(|t| looks_like_jws(t));
        if wants_jws {
            // (A credential's JWS forms are all of its one format: OB2 and VC keys differ.)
            if let Some(t) = text {
                jws = Some(t.to_string());
                break;
            }
        } else if text.is_none()
            && let Ok(parsed) = formats::read(&original.bytes, &Offline)
            && parsed.format == format
        {
            parsed_doc = Some(parsed.document);
            break;
        }
    }
    match format {
        Format::VcJsonLd => parsed_doc
            .map(Entry::Embedded)
            .ok_or_else(|| not("its original JSON could not be read back from the wallet")),
        Format::VcJwt | Format::VcJose => jws.map(Entry::Enveloped).ok_or_else(|| {
            not("it was imported inside an image, and presenting a JWT baked into an image is not supported yet")
        }),
        Format::Ob2Signed => jws.map(Entry::Ob2Signed).ok_or_else(|| {
            not("it was imported inside an image, and presenting a signed badge baked into an image is not supported yet")
        }),
        Format::Ob2Hosted => {
            let doc = parsed_doc.unwrap_or(Value::Null);
            let verify_url = doc
                .get("verify")
                .or_else(|| doc.get("verification"))
                .and_then(|v| v.get("url"))
                .and_then(Value::as_str)
                .map(str::to_string);
            verify_url
                .or_else(|| doc.get("id").and_then(Value::as_str).map(str::to_string))
                .or(stored.credential.id.clone())
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                .map(Entry::Ob2Hosted)
                .ok_or_else(|| not("it is a hosted badge without a web address"))
        }
    }
}

/// Builds and signs a presentation of `entries` by the holder.
pub fn build_presentation(holder: &HolderKey, entries: &[Entry], opts: &PresentOptions) -> Result<Value, PresentError> {
    if entries.is_empty() {
        return Err(PresentError::NothingChosen);
    }
    let vp = json!({
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiablePresentation"],
        "holder": holder.did(),
        "verifiableCredential": entries.iter().map(Entry::to_value).collect::<Vec<_>>(),
    });
    let mut options = Map::new();
    options.insert("created".into(), Value::String(opts.now.to_rfc3339_opts(SecondsFormat::Secs, true)));
    options.insert("proofPurpose".into(), Value::String("authentication".into()));
    if let Some(c) = &opts.challenge {
        options.insert("challenge".into(), Value::String(c.clone()));
    }
    if let Some(d) = &opts.domain {
        options.insert("domain".into(), Value::String(d.clone()));
    }
    sign_data_integrity(&vp, holder, opts.suite, options)
}

/// A signed presentation of the wallet's credentials `ids` (full ids or unique prefixes).
pub fn present(wallet: &Wallet, ids: &[String], opts: &PresentOptions) -> Result<Value, PresentError> {
    if ids.is_empty() {
        return Err(PresentError::NothingChosen);
    }
    let entries = ids.iter().map(|id| entry_for(wallet, id)).collect::<Result<Vec<_>, _>>()?;
    build_presentation(&wallet.holder_key()?, &entries, opts)
}

/// The public web address of a stored credential, where it has one: an Open Badges 2.0 hosted
/// assertion's URL, or the https address the credential was imported from. `Err` says why
/// there is none.
pub fn public_url(wallet: &Wallet, id: &str) -> Result<Result<String, String>, PresentError> {
    let stored = wallet.get(id)?;
    if stored.summary.format == Format::Ob2Hosted
        && let Ok(Entry::Ob2Hosted(url)) = entry_for(wallet, id)
        && url.starts_with("https://")
    {
        return Ok(Ok(url));
    }
    if let Some(o) = stored.originals.iter().find(|o| o.source.starts_with("https://")) {
        return Ok(Ok(o.source.clone()));
    }
    Ok(Err(match stored.summary.format {
        Format::Ob2Hosted => "its hosted address is not an https address".to_string(),
        _ => "it was not imported from a public web address and is not a hosted badge, so it has no public copy to link to"
            .to_string(),
    }))
}

/// The LinkedIn "add to profile" link for a certification, or why there is none.
pub fn linkedin_link(wallet: &Wallet, id: &str) -> Result<Result<String, String>, PresentError> {
    let url = match public_url(wallet, id)? {
        Ok(url) => url,
        Err(why) => return Ok(Err(why)),
    };
    let stored = wallet.get(id)?;
    let c = &stored.credential;
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("startTask", "CERTIFICATION_NAME");
    q.append_pair("name", &c.title);
    if let Some(org) = c.issuer.name.as_deref().or(c.issuer.id.as_deref()) {
        q.append_pair("organizationName", org);
    }
    if let Some(date) = c.issued.as_deref().and_then(|d| DateTime::parse_from_rfc3339(d).ok()) {
        use chrono::Datelike as _;
        q.append_pair("issueYear", &date.year().to_string());
        q.append_pair("issueMonth", &date.month().to_string());
    }
    q.append_pair("certUrl", &url);
    q.append_pair("certId", c.id.as_deref().unwrap_or(&url));
    Ok(Ok(format!("https://www.linkedin.com/profile/add?{}", q.finish())))
}
