//! The Claim screen: an offer read and shown (who offers what), claimed with the transaction
//! code or a sign-in in the system browser with progress over a channel, and the pending claims
//! listed, asked for again and cancelled. The offer is kept in the shell between showing and
//! claiming it (`Held::keep_offer`), never in the page.

use std::sync::Arc;

use chrono::Utc;
use stapel_core::claim::SystemBrowser;
use stapel_core::wallet::claim::{KeptClaim, Pending};
use tauri::State;
use tauri::ipc::Channel;

use super::{Shared, blocking};
use crate::claiming::{self, ClaimProgress, Links, OfferView, SignIn};
use crate::error::CommandError;
use crate::importing;

/// Reads the offer in `text` (a link, a pasted URI or what a scanned QR code held) and the
/// issuer's metadata, keeps it, and says who offers what in `lang`.
#[tauri::command]
pub async fn prepare_offer(held: State<'_, Shared>, text: String, lang: String) -> Result<OfferView, CommandError> {
    blocking(&held, move |h| {
        let fetcher = importing::http_fetcher()?;
        claiming::prepare(h, &text, &lang, fetcher.as_ref())
    })
    .await
}

/// Claims the offer numbered `offer` (with `txCode` when it asks for one; else by signing in
/// in the system browser, `$BROWSER` when set, waiting at most 300 s), sending each step.
#[tauri::command]
pub async fn claim_offer(
    held: State<'_, Shared>,
    offer: u64,
    tx_code: Option<String>,
    on_progress: Channel<ClaimProgress>,
) -> Result<KeptClaim, CommandError> {
    blocking(&held, move |h| {
        let fetcher = importing::http_fetcher()?;
        let sign_in = SignIn {
            browser: &SystemBrowser,
            client_id: stapel_core::claim::client_id_from_environment(),
            wait: claiming::SIGN_IN_WAIT,
        };
        // A page that went away cannot take progress; the claim goes on regardless.
        let progress = |p: ClaimProgress| {
            let _ = on_progress.send(p);
        };
        claiming::claim(h, offer, tx_code.as_deref(), &sign_in, fetcher.as_ref(), Utc::now(), &progress)
    })
    .await
}

/// Forgets the offer shown (the learner left the Claim screen without claiming).
#[tauri::command]
pub async fn forget_offer(held: State<'_, Shared>) -> Result<(), CommandError> {
    blocking(&held, |h| {
        h.forget_offer();
        Ok(())
    })
    .await
}

/// The wallet's pending claims, named in `lang`.
#[tauri::command]
pub async fn pending_claims(held: State<'_, Shared>, lang: String) -> Result<Vec<Pending>, CommandError> {
    blocking(&held, move |h| claiming::pending(h, &lang)).await
}

/// Asks the issuers of the pending claims that are due again; what arrived is kept.
#[tauri::command]
pub async fn poll_pending_claims(held: State<'_, Shared>, lang: String) -> Result<KeptClaim, CommandError> {
    blocking(&held, move |h| {
        let fetcher = importing::http_fetcher()?;
        claiming::poll(h, &lang, fetcher.as_ref(), Utc::now())
    })
    .await
}

/// Forgets the pending claim `id`.
#[tauri::command]
pub async fn cancel_pending_claim(held: State<'_, Shared>, id: String, lang: String) -> Result<Pending, CommandError> {
    blocking(&held, move |h| claiming::cancel(h, &id, &lang)).await
}

/// The offer link the system handed to Stapel, taken once, while the wallet is open (locked, it
/// waits for the unlock).
#[tauri::command]
pub async fn take_offer_link(
    held: State<'_, Shared>,
    links: State<'_, Arc<Links>>,
) -> Result<Option<String>, CommandError> {
    let links = Arc::clone(links.inner());
    blocking(&held, move |h| Ok(links.take(h))).await
}
