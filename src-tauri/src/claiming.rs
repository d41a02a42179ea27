//! The Claim screen's answers, over `stapel_core::claim` (OpenID4VCI) and
//! `stapel_core::wallet::claim` (keeping what arrives, verified first), as `stapel claim` uses
//! them: an offer read and checked against the issuer's metadata is shown as who offers what
//! (in the learner's language), kept in [`Held`] until it is claimed with the transaction code
//! or a sign-in in the system browser; progress goes to the page step by step; what the claim
//! left is the kept cards, the pending claims and the refusals. The wallet's lock is held only
//! to read the holder key and to keep what arrived, never while the issuer or the learner's
//! sign-in is waited for. The transaction code is a secret: never logged, never in an error.

use chrono::{DateTime, Utc};
use serde::Serialize;
use stapel_core::claim::{self, Browser, ClaimError, TxCode};
use stapel_core::net::Fetcher;
use stapel_core::store::Secret;
use stapel_core::wallet::claim::{self as keep, KeptClaim, Pending, Shown};

use crate::error::CommandError;
use crate::wallet::Held;

/// How long the learner has to sign in at the issuer (as the CLI's default).
pub const SIGN_IN_WAIT: std::time::Duration = std::time::Duration::from_secs(300);

/// The languages the page speaks; anything else reads as English.
fn language(lang: &str) -> &'static str {
    if lang.trim().to_ascii_lowercase().starts_with("nl") { "nl" } else { "en" }
}

/// Who offers what, before anything is claimed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferView {
    /// The number the claim names this offer by.
    pub offer: u64,
    /// The issuer's name in the learner's language, else its identifier.
    pub issuer: String,
    /// The Credential Issuer Identifier (an https URL).
    pub issuer_id: String,
    /// The issuer's logo as a `data:` URL, when its metadata names one that could be had.
    pub logo: Option<String>,
    pub logo_alt: Option<String>,
    pub credentials: Vec<OfferedView>,
    /// The transaction code asked for, if any.
    pub tx_code: Option<TxCodeView>,
    /// The learner signs in at the issuer in the browser (no pre-authorized code).
    pub sign_in: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferedView {
    pub configuration: String,
    pub name: String,
    pub description: Option<String>,
    /// Why Stapel cannot take this one (the others are still claimed).
    pub refused: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TxCodeView {
    /// `numeric` or `text`.
    pub input_mode: String,
    pub length: Option<u32>,
    /// The issuer's words (shown as text).
    pub description: Option<String>,
}

/// Sent to the page as the claim goes: `signing_in` (with the address, for opening by hand),
/// `claiming`, then `keeping` (`done` of `total`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimProgress {
    pub step: &'static str,
    pub done: usize,
    pub total: usize,
    pub url: Option<String>,
}

impl ClaimProgress {
    fn step(step: &'static str) -> ClaimProgress {
        ClaimProgress { step, done: 0, total: 0, url: None }
    }
}

impl From<ClaimError> for CommandError {
    fn from(e: ClaimError) -> CommandError {
        CommandError::new(e.code(), e.to_string())
    }
}

/// Reads the offer in `text` (a link, a pasted URI, or what a QR code held), reads the issuer's
/// metadata, keeps the offer in `held` and says who offers what in `lang`.
pub fn prepare(held: &Held, text: &str, lang: &str, fetcher: &dyn Fetcher) -> Result<OfferView, CommandError> {
    let lang = language(lang);
    let text = text.trim();
    if text.is_empty() {
        return Err(CommandError::new("offer_missing", "no credential offer was given"));
    }
    let offer = claim::read_offer(text, fetcher)?;
    let shown = keep::show_offer(offer, lang, fetcher)?;
    let prepared = &shown.prepared;
    let view = OfferView {
        offer: 0,
        issuer: prepared.issuer_name(lang),
        issuer_id: prepared.metadata.credential_issuer.clone(),
        logo: shown.logo.as_ref().map(keep::Logo::data_url),
        logo_alt: claim::display_for(&prepared.metadata.display, lang).and_then(|d| d.logo_alt_text.clone()),
        credentials: prepared
            .offered
            .iter()
            .map(|o| {
                let display = claim::display_for(&o.configuration.display, lang);
                OfferedView {
                    configuration: o.configuration.id.clone(),
                    name: display.and_then(|d| d.name.clone()).unwrap_or_else(|| o.configuration.id.clone()),
                    description: display.and_then(|d| d.description.clone()),
                    refused: o.refused.clone(),
                }
            })
            .collect(),
        tx_code: prepared.tx_code().map(|tx| TxCodeView {
            input_mode: tx.input_mode.clone(),
            length: tx.length,
            description: tx.description.clone(),
        }),
        sign_in: prepared.needs_sign_in(),
    };
    let number = held.keep_offer(shown);
    Ok(OfferView { offer: number, ..view })
}

/// The transaction code as typed, checked against what the issuer asked for before anything
/// is sent (so a slip of the keyboard spends nothing).
fn checked_tx_code(tx: &TxCode, code: Option<&str>) -> Result<Secret, CommandError> {
    let code = code.map(str::trim).unwrap_or("");
    if code.is_empty() {
        return Err(CommandError::new("tx_code_needed", "the offer needs the transaction code the issuer sent you"));
    }
    if tx.input_mode == "numeric" && !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(CommandError::new("tx_code_digits", "the issuer asks for a code of digits only"));
    }
    if let Some(n) = tx.length
        && code.chars().count() != n as usize
    {
        return Err(CommandError::new(
            "tx_code_length",
            format!("the issuer's code has {n} characters, and {} were given", code.chars().count()),
        ));
    }
    Ok(Secret::new(code.to_string()))
}

/// The system browser, with the sign-in address told to the page first, so the learner can
/// open it by hand where no browser starts.
struct TellingBrowser<'a> {
    browser: &'a dyn Browser,
    progress: &'a dyn Fn(ClaimProgress),
}

impl Browser for TellingBrowser<'_> {
    fn open(&self, url: &str) -> Result<(), String> {
        (self.progress)(ClaimProgress { url: Some(url.to_string()), ..ClaimProgress::step("signing_in") });
        // A browser that does not start is not the end: the address is on the screen.
        let _ = self.browser.open(url);
        Ok(())
    }
}

/// How a claim signs in and names itself.
pub struct SignIn<'a> {
    pub browser: &'a dyn Browser,
    pub client_id: String,
    pub wait: std::time::Duration,
}

/// Claims the offer numbered `number`: with the transaction code, or by signing in; then keeps
/// what arrived (each credential verified first). A claim that fails as a whole keeps nothing;
/// one that failed before the issuer gave anything (a wrong or mistyped code, the network) puts
/// the offer back, so the learner can try again.
#[allow(clippy::too_many_arguments)]
pub fn claim(
    held: &Held,
    number: u64,
    tx_code: Option<&str>,
    sign_in: &SignIn<'_>,
    fetcher: &dyn Fetcher,
    now: DateTime<Utc>,
    progress: &dyn Fn(ClaimProgress),
) -> Result<KeptClaim, CommandError> {
    let shown = held.take_offer(number)?;
    let give_back = |shown: Shown, e: CommandError| -> Result<KeptClaim, CommandError> {
        held.return_offer(number, shown);
        Err(e)
    };
    let prepared = &shown.prepared;
    let code = match prepared.tx_code() {
        Some(tx) => match checked_tx_code(tx, tx_code) {
            Ok(code) => Some(code),
            Err(e) => return give_back(shown, e),
        },
        None => None,
    };
    let key = match held.with(|w| Ok(w.claim_keys()?)) {
        Ok(key) => key,
        Err(e) => return give_back(shown, e),
    };
    let claimed = if prepared.needs_sign_in() {
        let browser = TellingBrowser { browser: sign_in.browser, progress };
        claim::claim_authorization_code(prepared, &browser, &sign_in.client_id, sign_in.wait, &key, fetcher, now)
    } else {
        progress(ClaimProgress::step("claiming"));
        claim::claim_pre_authorized(prepared, code.as_ref().map(Secret::expose), &key, fetcher, now)
    };
    drop(code);
    let claimed = match claimed {
        Ok(claimed) => claimed,
        // Nothing was given: the same offer can be claimed again (a code typed anew).
        Err(e) => return give_back(shown, e.into()),
    };
    if prepared.needs_sign_in() {
        progress(ClaimProgress::step("claiming"));
    }
    let total = claimed.issued.len();
    progress(ClaimProgress { total, ..ClaimProgress::step("keeping") });
    let run = keep::run_for_claim(fetcher, now);
    held.with(|w| {
        Ok(keep::keep_claimed(w, &shown, &claimed, &key, &run, &mut |done, total, _| {
            progress(ClaimProgress { done, total, ..ClaimProgress::step("keeping") });
        }))
    })
}

/// The wallet's pending claims (the issuer deferred them), named in `lang`.
pub fn pending(held: &Held, lang: &str) -> Result<Vec<Pending>, CommandError> {
    let lang = language(lang);
    held.with(|w| Ok(keep::pending(w, lang)?))
}

/// Asks the issuers of the pending claims that are due again (never sooner than the interval
/// they set); what arrived is kept, verified first.
pub fn poll(held: &Held, lang: &str, fetcher: &dyn Fetcher, now: DateTime<Utc>) -> Result<KeptClaim, CommandError> {
    let lang = language(lang);
    held.with(|w| {
        let key = w.claim_keys()?;
        let run = keep::run_for_claim(fetcher, now);
        Ok(keep::poll_pending(w, &key, &run, lang, &mut |_, _, _| {})?)
    })
}

/// Forgets a pending claim (named in `lang` for the page to say which).
pub fn cancel(held: &Held, id: &str, lang: &str) -> Result<Pending, CommandError> {
    let lang = language(lang);
    held.with(|w| Ok(keep::cancel_pending(w, id, lang)?))
}

/// The schemes an offer link opened while Stapel runs (or that started it) comes by: OpenID4VCI
/// §4.1.3 and HAIP's.
pub const LINK_SCHEMES: [&str; 2] = ["openid-credential-offer", "haip"];

/// Offer links the system handed to Stapel (a deep link, a second launch with a link, or the
/// first launch's command line), the newest kept until the page takes it. The page is told one
/// arrived; it takes it only while the wallet is open, so a link that comes while the wallet
/// is locked waits for the unlock.
#[derive(Default)]
pub struct Links {
    newest: std::sync::Mutex<Option<String>>,
}

impl Links {
    /// Keeps the newest of `urls` that is an offer link; whether one was.
    pub fn arrive<'a>(&self, urls: impl IntoIterator<Item = &'a str>) -> bool {
        let offer = urls.into_iter().filter(|u| is_offer_link(u)).last();
        match offer {
            Some(url) => {
                *self.newest.lock().unwrap_or_else(|p| p.into_inner()) = Some(url.to_string());
                true
            }
            None => false,
        }
    }

    /// The link waiting, taken, when the wallet is open; else nothing (it goes on waiting).
    pub fn take(&self, held: &Held) -> Option<String> {
        if !held.status().open {
            return None;
        }
        self.newest.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Whether `url` is a link by one of [`LINK_SCHEMES`] (any case, as URL schemes are).
pub fn is_offer_link(url: &str) -> bool {
    let Some((scheme, _)) = url.trim().split_once(':') else { return false };
    LINK_SCHEMES.iter().any(|s| scheme.eq_ignore_ascii_case(s))
}
