//! Presenting from the wallet: which form a stored credential goes into a presentation in
//! (from its original bytes, [`entry_for`]), a signed presentation of chosen credentials by
//! the wallet's holder key ([`present`], `Wallet::holder_key`), a credential's public address
//! and its LinkedIn "add to profile" link. Building, signing and checking presentations is the
//! pure [`crate::present`].

use chrono::DateTime;
use serde_json::Value;

use crate::formats::{self, Format};
use crate::net::Offline;
use crate::present::{Entry, HolderKey, PresentError, PresentOptions, build_presentation};
use crate::store::{StoreError, Wallet};

/// Why a presentation of the wallet's credentials could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Present(#[from] PresentError),
}

impl Wallet {
    /// The learner's signing key, unlocked. Its secret never leaves the core in clear.
    pub fn holder_key(&self) -> Result<HolderKey, StoreError> {
        let secret = self.holder_secret()?;
        Ok(HolderKey::from_secret_bytes(&secret))
    }

    /// The holder DID (`did:key:z6Mk…`): who signs the learner's presentations.
    pub fn holder_did(&self) -> Result<String, StoreError> {
        Ok(self.holder_key()?.did())
    }
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
pub fn entry_for(wallet: &Wallet, id: &str) -> Result<Entry, ShareError> {
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
    let entry = match format {
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
    };
    Ok(entry?)
}

/// A signed presentation of the wallet's credentials `ids` (full ids or unique prefixes).
pub fn present(wallet: &Wallet, ids: &[String], opts: &PresentOptions) -> Result<Value, ShareError> {
    if ids.is_empty() {
        return Err(PresentError::NothingChosen.into());
    }
    let entries = ids.iter().map(|id| entry_for(wallet, id)).collect::<Result<Vec<_>, _>>()?;
    Ok(build_presentation(&wallet.holder_key()?, &entries, opts)?)
}

/// The public web address of a stored credential, where it has one: an Open Badges 2.0 hosted
/// assertion's URL, or the https address the credential was imported from. `Err` says why
/// there is none.
pub fn public_url(wallet: &Wallet, id: &str) -> Result<Result<String, String>, ShareError> {
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
pub fn linkedin_link(wallet: &Wallet, id: &str) -> Result<Result<String, String>, ShareError> {
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
