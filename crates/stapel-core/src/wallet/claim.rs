//! Claiming into the wallet: what [`crate::claim`] brought from the issuer is read, checked to
//! be this wallet's, verified, and only then kept, as an import is, with its source
//! `openid4vci:<issuer>`, the issuer's metadata (and its logo, fetched once) as further
//! originals, and its report recorded, so the card is right the moment the claim ends.
//!
//! A credential that cannot be read, names another subject than the holder, or verifies as
//! invalid is refused, and the issuer is told (`credential_failure`); one whose checks cannot
//! all run yet (the issuer's did:web cannot be reached) is kept, marked so by its report, as
//! any import. Each credential is its own transaction: one refused never spoils another.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::claim::flow::{self, CredentialAnswer};
use crate::claim::{
    Access, ClaimError, Claimed, Event, IssuedCredential, IssuerMetadata, Prepared, ProofKey, ProofSigner,
};
use crate::formats::{self, FormatError};
use crate::net::Fetcher;
use crate::present::{HolderKey, P256HolderKey};
use crate::store::{ClaimNotice, NewOriginal, NewPending, PendingClaim, StoreError, Summary, Wallet};
use crate::verify::{Outcome, Report, Verdict};

use super::check::{self, CheckError, Run};
use super::import::{sniff_media_type, to_new_credential};

/// The largest issuer logo kept, in bytes.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;

/// The holder's Ed25519 key proves itself to issuers in EdDSA.
impl ProofKey for HolderKey {
    fn algorithm(&self) -> &'static str {
        "EdDSA"
    }

    fn did_key_method(&self) -> String {
        self.verification_method()
    }

    fn did_key(&self) -> String {
        self.did()
    }

    fn public_jwk(&self) -> Value {
        let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.verifying_key().as_bytes());
        json!({"kty": "OKP", "crv": "Ed25519", "x": x})
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        HolderKey::sign(self, message).to_vec()
    }
}

/// The holder's P-256 key proves itself in ES256, where an issuer takes nothing else.
impl ProofKey for P256HolderKey {
    fn algorithm(&self) -> &'static str {
        "ES256"
    }

    fn did_key_method(&self) -> String {
        self.verification_method()
    }

    fn did_key(&self) -> String {
        self.did()
    }

    fn public_jwk(&self) -> Value {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let (x, y) = self.coordinates();
        json!({"kty": "EC", "crv": "P-256", "x": b64.encode(x), "y": b64.encode(y)})
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        P256HolderKey::sign(self, message).to_vec()
    }
}

/// The keys a claim proves possession with: the holder's Ed25519 key, preferred, and its
/// P-256 key for issuers that take only ES256.
#[derive(Debug)]
pub struct ClaimKeys {
    pub ed25519: HolderKey,
    pub p256: P256HolderKey,
}

impl ProofSigner for ClaimKeys {
    fn keys(&self) -> Vec<&dyn ProofKey> {
        vec![&self.ed25519, &self.p256]
    }
}

impl Wallet {
    /// The holder's keys for claiming, unlocked. Their secrets never leave the core in clear.
    pub fn claim_keys(&self) -> Result<ClaimKeys, StoreError> {
        let p256 = P256HolderKey::from_secret_bytes(&*self.holder_p256_secret()?)
            .ok_or_else(|| StoreError::Corrupt("the wallet's P-256 holder key is not a P-256 key".into()))?;
        Ok(ClaimKeys { ed25519: self.holder_key()?, p256 })
    }
}

/// One claimed credential, kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Kept {
    /// The wallet's id of the credential.
    pub id: String,
    pub title: String,
    pub issuer: String,
    pub configuration: String,
    /// `verified` or `unverifiable` (an invalid credential is never kept).
    pub result: Verdict,
    /// It was in the wallet already (claimed or imported before).
    pub already_present: bool,
}

/// One claimed credential the wallet refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refused {
    pub configuration: String,
    pub reason: String,
}

/// A claim the issuer deferred, kept in the wallet until its credential arrives.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Pending {
    pub id: String,
    /// The Credential Issuer Identifier.
    pub issuer: String,
    pub configuration: String,
    /// What the credential is called, from the issuer's metadata in the language asked for
    /// (the configuration id where it names none).
    pub title: String,
    /// The issuer's name from its metadata (its identifier where it names none).
    pub issuer_name: String,
    /// When the wallet asks again (RFC 3339).
    pub next_poll: String,
    /// What the last poll met, if it went wrong without ending the claim.
    pub last_error: Option<String>,
}

impl Pending {
    /// A kept claim as the learner is shown it, named from the metadata kept with it in
    /// `language`; what the issuer wrote is shortened and shown as text.
    pub fn of(p: &PendingClaim, language: &str) -> Pending {
        let metadata = serde_json::from_str::<Value>(&p.metadata_json)
            .ok()
            .and_then(|raw| crate::claim::metadata::read_issuer_metadata(raw, &p.issuer, &p.issuer).ok());
        let name = |display: Option<&crate::claim::Display>| {
            display.and_then(|d| d.name.as_deref()).map(|n| crate::claim::flow::shorten(n, 120))
        };
        let title = metadata
            .as_ref()
            .and_then(|m| m.configuration(&p.configuration_id))
            .and_then(|c| name(crate::claim::display_for(&c.display, language)));
        let issuer_name = metadata.as_ref().and_then(|m| name(crate::claim::display_for(&m.display, language)));
        Pending {
            id: p.id.clone(),
            issuer: p.issuer.clone(),
            configuration: p.configuration_id.clone(),
            title: title.unwrap_or_else(|| p.configuration_id.clone()),
            issuer_name: issuer_name.unwrap_or_else(|| p.issuer.clone()),
            next_poll: p.next_poll.clone(),
            last_error: p.last_error.clone(),
        }
    }
}

/// What a claim left in the wallet.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct KeptClaim {
    pub kept: Vec<Kept>,
    pub refused: Vec<Refused>,
    pub pending: Vec<Pending>,
    /// Things that went wrong without losing anything (a notification the issuer did not take).
    pub notices: Vec<String>,
}

/// Why one claimed credential was refused.
#[derive(Debug, thiserror::Error)]
enum Refusal {
    #[error("what the issuer sent is not a credential Stapel can read: {0}")]
    Unreadable(#[from] FormatError),
    #[error("the credential is issued to {subject}, not to this wallet ({holder})")]
    OtherHolder { subject: String, holder: String },
    #[error("the credential does not verify: {0}")]
    Invalid(String),
    #[error("{0}")]
    Check(#[from] CheckError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// An offer as the learner is shown it before claiming: the issuer's metadata read
/// ([`crate::claim::prepare`]) and the issuer's logo, fetched once for the showing and for
/// keeping with what is claimed.
#[derive(Debug, Clone)]
pub struct Shown {
    pub prepared: Prepared,
    pub logo: Option<Logo>,
    /// The language it was shown in (what a deferred credential is called in, too).
    pub language: String,
}

/// Reads the issuer's metadata for an offer and its logo in `language` ([`issuer_logo`]).
pub fn show_offer(offer: crate::claim::Offer, language: &str, fetcher: &dyn Fetcher) -> Result<Shown, ClaimError> {
    let prepared = crate::claim::prepare(offer, fetcher)?;
    let logo = issuer_logo(&prepared.metadata, language, fetcher);
    Ok(Shown { prepared, logo, language: language.to_string() })
}

/// Keeps what a claim of a shown offer brought: each issued credential is read, checked
/// against the holder's DIDs, verified at `run.now`, and stored with its report and the
/// issuer's metadata and logo; the issuer is notified of each. Deferred credentials are kept
/// as pending claims.
pub fn keep_claimed(
    wallet: &mut Wallet,
    shown: &Shown,
    claimed: &Claimed,
    holder: &dyn ProofSigner,
    run: &Run<'_>,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> KeptClaim {
    let mut out = KeptClaim::default();
    for (configuration, reason) in &claimed.failed {
        out.refused.push(Refused { configuration: configuration.clone(), reason: reason.clone() });
    }
    let metadata = &shown.prepared.metadata;
    let total = claimed.issued.len();
    for (i, issued) in claimed.issued.iter().enumerate() {
        let token = Token { access: claimed.access(), expires_at: expiry(claimed.access_token_expires_in(), run) };
        keep_and_tell(wallet, metadata, issued, holder, run, shown.logo.as_ref(), &token, &mut out);
        progress(i + 1, total, &issued.configuration_id);
    }
    for deferred in &claimed.deferred {
        let new = NewPending {
            issuer: metadata.credential_issuer.clone(),
            configuration_id: deferred.configuration_id.clone(),
            transaction_id: deferred.transaction_id.clone(),
            access_token: zeroize::Zeroizing::new(deferred.access.token().to_string()),
            dpop_key: deferred.access.stored_dpop_key(),
            interval_seconds: deferred.interval,
            metadata_json: metadata.raw.to_string(),
        };
        match wallet.add_pending(&new, run.fetched_at).and_then(|id| pending_by_id(wallet, &id, &shown.language)) {
            Ok(p) => out.pending.push(p),
            Err(e) => out.refused.push(Refused {
                configuration: deferred.configuration_id.clone(),
                reason: format!("the issuer deferred the credential, but the wallet could not keep the claim: {e}"),
            }),
        }
    }
    out
}

fn pending_by_id(wallet: &Wallet, id: &str, language: &str) -> Result<Pending, StoreError> {
    wallet
        .pending_claims()?
        .iter()
        .find(|p| p.id == id)
        .map(|p| Pending::of(p, language))
        .ok_or_else(|| StoreError::UnknownPendingClaim(id.to_string()))
}

/// The access token a claim was made with, and until when it is good.
struct Token<'a> {
    access: &'a Access,
    expires_at: DateTime<Utc>,
}

/// How long a token is taken to be good when the server did not say (`expires_in` is only
/// recommended, RFC 6749 §5.1): an hour, after which its notice is forgotten.
const TOKEN_LIFETIME_UNSAID: u64 = 3600;

fn expiry(expires_in: Option<u64>, run: &Run<'_>) -> DateTime<Utc> {
    let seconds = expires_in.unwrap_or(TOKEN_LIFETIME_UNSAID).min(30 * 24 * 3600);
    run.fetched_at + chrono::Duration::seconds(seconds as i64)
}

/// Keeps one issued credential (or refuses it) and tells the issuer which. A kept credential
/// whose issuer takes notifications keeps a notice, so removing it later tells the issuer
/// (`credential_deleted`) while the token is good.
#[allow(clippy::too_many_arguments)]
fn keep_and_tell(
    wallet: &mut Wallet,
    metadata: &IssuerMetadata,
    issued: &IssuedCredential,
    holder: &dyn ProofSigner,
    run: &Run<'_>,
    logo: Option<&Logo>,
    token: &Token<'_>,
    out: &mut KeptClaim,
) {
    let access = token.access;
    let (event, description) = match keep_one(wallet, metadata, issued, holder, run, logo) {
        Ok(kept) => {
            if let (Some(endpoint), Some(notification_id)) = (&metadata.notification_endpoint, &issued.notification_id)
            {
                let notice = ClaimNotice {
                    credential_id: kept.id.clone(),
                    issuer: metadata.credential_issuer.clone(),
                    endpoint: endpoint.clone(),
                    notification_id: notification_id.clone(),
                    access_token: zeroize::Zeroizing::new(access.token().to_string()),
                    dpop_key: access.stored_dpop_key(),
                    expires_at: token.expires_at,
                };
                if let Err(e) = wallet.add_claim_notice(&notice) {
                    out.notices.push(format!("the issuer will not be told if you remove {}: {e}", kept.title));
                }
            }
            out.kept.push(kept);
            (Event::Accepted, None)
        }
        Err(refusal) => {
            let reason = refusal.to_string();
            out.refused.push(Refused { configuration: issued.configuration_id.clone(), reason: reason.clone() });
            (Event::Failure, Some(reason))
        }
    };
    if let Some(id) = &issued.notification_id
        && let Err(e) = flow::notify(metadata, access, id, event, description.as_deref(), run.fetcher)
    {
        out.notices.push(format!("the issuer could not be told ({}): {e}", event.name()));
    }
}

/// What removing a credential did.
#[derive(Debug)]
pub struct Removed {
    pub summary: Summary,
    /// The issuer was told (`credential_deleted`): the credential was claimed, its issuer takes
    /// notifications, and the claim's access token was still good.
    pub issuer_told: bool,
    /// Telling the issuer failed: said, never a reason to keep the credential.
    pub notice: Option<String>,
}

/// Removes a credential from the wallet (as [`Wallet::remove`]) and, when it came by a claim
/// whose issuer takes notifications, tells the issuer (`credential_deleted`, §11.1) while the
/// claim's access token is good. The removal comes first and stands whatever the issuer
/// answers. A part taken off the list while a CLR still carries it is not deleted, so the
/// issuer is not told.
pub fn remove_credential(
    wallet: &mut Wallet,
    id_or_prefix: &str,
    fetcher: &dyn Fetcher,
    now: DateTime<Utc>,
) -> Result<Removed, StoreError> {
    let id = wallet.resolve(id_or_prefix)?;
    let notice = wallet.claim_notice(&id, now)?;
    let summary = wallet.remove(&id)?;
    let still_held = wallet.resolve(&id).is_ok();
    let mut removed = Removed { summary, issuer_told: false, notice: None };
    if let Some(n) = notice.filter(|_| !still_held) {
        let told = Access::restore(&n.access_token, n.dpop_key.as_deref().map(String::as_str), now)
            .map_err(|reason| ClaimError::Protocol { issuer: n.issuer.clone(), step: "telling the issuer", reason })
            .and_then(|access| {
                flow::notify_at(&n.endpoint, &n.issuer, &access, &n.notification_id, Event::Deleted, None, fetcher)
            });
        match told {
            Ok(()) => removed.issuer_told = true,
            Err(e) => removed.notice = Some(format!("the issuer could not be told (credential_deleted): {e}")),
        }
    }
    Ok(removed)
}

/// The wallet's pending claims, named in `language`.
pub fn pending(wallet: &Wallet, language: &str) -> Result<Vec<Pending>, StoreError> {
    Ok(wallet.pending_claims()?.iter().map(|p| Pending::of(p, language)).collect())
}

/// Forgets a pending claim (OpenID4VCI has no way to tell the issuer; it lets the transaction
/// lapse).
pub fn cancel_pending(wallet: &mut Wallet, id_or_prefix: &str, language: &str) -> Result<Pending, StoreError> {
    Ok(Pending::of(&wallet.remove_pending(id_or_prefix)?, language))
}

/// Asks the issuer for each pending claim that is due (its `next_poll` at or before
/// `run.fetched_at`, never sooner than the interval the issuer set): a credential that arrived
/// is kept as a claimed one is; a claim the issuer no longer knows ends, refused; one still
/// pending, or that met a network fault, is asked for again later.
pub fn poll_pending(
    wallet: &mut Wallet,
    holder: &dyn ProofSigner,
    run: &Run<'_>,
    language: &str,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> Result<KeptClaim, StoreError> {
    let mut out = KeptClaim::default();
    let claims = wallet.pending_claims()?;
    let total = claims.len();
    for (i, p) in claims.iter().enumerate() {
        progress(i, total, &p.configuration_id);
        let due =
            DateTime::parse_from_rfc3339(&p.next_poll).map(|t| t.with_timezone(&Utc) <= run.fetched_at).unwrap_or(true);
        if !due {
            out.pending.push(Pending::of(p, language));
            continue;
        }
        let metadata = serde_json::from_str::<Value>(&p.metadata_json).map_err(|e| e.to_string()).and_then(|raw| {
            crate::claim::metadata::read_issuer_metadata(raw, &p.issuer, &p.issuer).map_err(|e| e.to_string())
        });
        let metadata = match metadata {
            Ok(m) => m,
            Err(e) => {
                wallet.remove_pending(&p.id)?;
                out.refused.push(Refused { configuration: p.configuration_id.clone(), reason: e });
                continue;
            }
        };
        let access = match Access::restore(&p.access_token, p.dpop_key.as_deref().map(String::as_str), run.fetched_at) {
            Ok(a) => a,
            Err(reason) => {
                wallet.remove_pending(&p.id)?;
                out.refused.push(Refused { configuration: p.configuration_id.clone(), reason });
                continue;
            }
        };
        match flow::deferred_request(&metadata, &access, &p.transaction_id, run.fetcher) {
            Ok(CredentialAnswer::Issued { credentials, notification_id, .. }) => {
                let logo = issuer_logo(&metadata, language, run.fetcher);
                for bytes in credentials {
                    let issued = IssuedCredential {
                        configuration_id: p.configuration_id.clone(),
                        format: metadata
                            .configuration(&p.configuration_id)
                            .map(|c| c.format.clone())
                            .unwrap_or_default(),
                        bytes,
                        notification_id: notification_id.clone(),
                    };
                    let token = Token { access: &access, expires_at: expiry(None, run) };
                    keep_and_tell(wallet, &metadata, &issued, holder, run, logo.as_ref(), &token, &mut out);
                }
                wallet.remove_pending(&p.id)?;
            }
            Ok(CredentialAnswer::Deferred { interval, .. }) => {
                let interval = if interval == 0 { p.interval_seconds } else { interval.clamp(1, 24 * 3600) };
                wallet.reschedule_pending(
                    &p.id,
                    interval,
                    run.fetched_at + chrono::Duration::seconds(interval as i64),
                    None,
                )?;
                out.pending.push(pending_by_id(wallet, &p.id, language)?);
            }
            Err(e @ ClaimError::Network { .. }) => {
                let interval = (p.interval_seconds * 2).min(3600);
                let next = run.fetched_at + chrono::Duration::seconds(interval as i64);
                wallet.reschedule_pending(&p.id, interval, next, Some(&e.to_string()))?;
                out.pending.push(pending_by_id(wallet, &p.id, language)?);
            }
            Err(e) => {
                wallet.remove_pending(&p.id)?;
                out.refused.push(Refused { configuration: p.configuration_id.clone(), reason: e.to_string() });
            }
        }
    }
    progress(total, total, "");
    Ok(out)
}

fn keep_one(
    wallet: &mut Wallet,
    metadata: &IssuerMetadata,
    issued: &IssuedCredential,
    holder: &dyn ProofSigner,
    run: &Run<'_>,
    logo: Option<&Logo>,
) -> Result<Kept, Refusal> {
    let parsed = formats::read(&issued.bytes, run.fetcher)?;
    let holder_ids = holder.identities();
    if let Some(subject) = parsed.credential.recipient.as_ref().and_then(|r| r.subject_id.as_deref())
        && !holder_ids.iter().any(|id| crate::verify::did::same_key(id, subject))
    {
        return Err(Refusal::OtherHolder {
            subject: subject.to_string(),
            holder: holder_ids.first().cloned().unwrap_or_default(),
        });
    }
    let mut identities = check::identities(wallet)?;
    identities.extend(holder_ids);
    let (report, fetched) = check::verify_with_copies(&issued.bytes, Some(wallet), &identities, run)?;
    if report.result == Verdict::Invalid {
        return Err(Refusal::Invalid(failures(&report)));
    }
    let issuer = metadata.credential_issuer.clone();
    let title = parsed.credential.title.clone();
    let issuer_name = parsed.credential.issuer.name.clone().unwrap_or_else(|| {
        crate::claim::display_for(&metadata.display, "en")
            .and_then(|d| d.name.clone())
            .unwrap_or_else(|| issuer.clone())
    });
    let media_type = sniff_media_type(&issued.bytes).unwrap_or(if issued.bytes.starts_with(b"{") {
        "application/json"
    } else {
        "application/jwt"
    });
    let mut new = to_new_credential(
        parsed,
        NewOriginal {
            role: "credential".into(),
            media_type: media_type.to_string(),
            source: format!("openid4vci:{issuer}"),
            bytes: issued.bytes.clone(),
        },
    );
    new.originals.push(NewOriginal {
        role: "issuer-metadata".into(),
        media_type: "application/json".into(),
        source: metadata.url.clone(),
        bytes: serde_json::to_vec(&metadata.raw).unwrap_or_default(),
    });
    if let Some(logo) = logo {
        new.originals.push(NewOriginal {
            role: "issuer-logo".into(),
            media_type: logo.media_type.to_string(),
            source: logo.url.clone(),
            bytes: logo.bytes.clone(),
        });
    }
    let inserted = wallet.insert(&new, run.fetched_at)?;
    for doc in &fetched {
        wallet.cache_document(&doc.url, doc.media_type.as_deref(), &doc.bytes, run.fetched_at)?;
    }
    wallet.record_verification(&inserted.id, &report, run.now, run.offline)?;
    Ok(Kept {
        id: inserted.id,
        title,
        issuer: issuer_name,
        configuration: issued.configuration_id.clone(),
        result: report.result,
        already_present: inserted.already_present,
    })
}

/// The failed checks' messages, joined.
fn failures(report: &Report) -> String {
    let failed: Vec<&str> =
        report.checks.iter().filter(|c| c.outcome == Outcome::Failed).map(|c| c.message.as_str()).collect();
    if failed.is_empty() { "a check failed".into() } else { failed.join("; ") }
}

/// An issuer's logo, kept as data.
#[derive(Debug, Clone)]
pub struct Logo {
    pub url: String,
    /// From the picture's first bytes, never from what the server claims.
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

impl Logo {
    /// The logo as a `data:` URL, for a page to show without fetching anything.
    pub fn data_url(&self) -> String {
        format!("data:{};base64,{}", self.media_type, base64::engine::general_purpose::STANDARD.encode(&self.bytes))
    }
}

/// The issuer's logo from its display metadata in `language`, fetched once under the net policy
/// and kept as data: a PNG, JPEG, GIF, WebP or SVG picture (by its first bytes) no larger than
/// [`MAX_LOGO_BYTES`]. Nothing when there is none, or it cannot be had (the claim does not
/// depend on a picture). The Claim screen shows the same logo before anything is claimed.
pub fn issuer_logo(metadata: &IssuerMetadata, language: &str, fetcher: &dyn Fetcher) -> Option<Logo> {
    let url = crate::claim::display_for(&metadata.display, language)?.logo_uri.clone()?;
    let fetched = fetcher.fetch(&url).ok()?;
    if fetched.body.len() > MAX_LOGO_BYTES {
        return None;
    }
    Some(Logo { url, media_type: picture_type(&fetched.body)?, bytes: fetched.body })
}

/// The kind of picture, from its first bytes.
fn picture_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
        (head.trim_start().starts_with("<svg") || (head.contains("<?xml") && head.contains("<svg")))
            .then_some("image/svg+xml")
    }
}

/// The run for a claim: verify now, keep what is fetched with the same time.
pub fn run_for_claim(fetcher: &dyn Fetcher, now: DateTime<Utc>) -> Run<'_> {
    Run { now, fetched_at: now, fetcher, offline: false }
}
