//! Presenting credentials: the learner's signed Verifiable Presentation (VCDM 2.0) of chosen
//! credentials, exactly as they were issued, signed by the [`HolderKey`]; its QR form
//! ([`qr`]); and, on the other side of the table, checking a presentation someone shows
//! ([`verify_presentation`]). Pure: which stored credential goes in as which [`Entry`], the
//! LinkedIn link and presenting from the wallet are `wallet::present`.
//!
//! What a presentation holds for each credential (docs/qr.md): a JSON-LD credential embedded
//! unchanged; a JWT credential (VC-JWT or VCDM 2.0 with JOSE) as an
//! `EnvelopedVerifiableCredential` whose `id` is `data:application/vc+jwt,<the JWT>`; an Open
//! Badges 2.0 assertion as a plain string: its hosted URL (hosted verification) or
//! `data:application/jose,<the signed JWS>`. The holder signs with `eddsa-jcs-2022`
//! (decision 0060), proof purpose `authentication`, with the verifier's challenge and domain.

mod holder;
mod inputs;
pub mod qr;
mod sign;
mod verify;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

pub use holder::{HolderKey, P256HolderKey, did_key};
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
