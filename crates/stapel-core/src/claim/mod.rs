//! Claiming: the wallet's side of OpenID4VCI (1.0 final, and draft 13 where it differs), as
//! steps over [`crate::net`]. It owns reading an offer ([`offer`]), the issuer's and the
//! authorization server's metadata ([`metadata`]), and the token, nonce, key proof, credential,
//! deferred and notification steps ([`flow`]). It stores nothing: what it gets is handed to
//! the wallet layer (`wallet::claim`), which verifies it before it is kept.
//!
//! Every request goes through the [`Fetcher`] the caller hands in, so the net policy (https
//! only, no private addresses, time and size limits) holds for every step, and an offer or a
//! server answer can make Stapel fetch nothing the policy would refuse. Secrets (the
//! pre-authorized code, the transaction code, the access token) are never logged, never in a
//! `Debug` output, and never stored, except the access token (with its DPoP key) that a deferred
//! claim or a removal notice needs, inside the encrypted wallet.
//! Written over `reqwest`, `serde_json`, `ed25519-dalek` and `p256` (the holder keys and the DPoP
//! keys sign): decision 0090.

pub mod authorize;
pub mod dpop;
pub mod flow;
pub mod metadata;
pub mod offer;

use chrono::{DateTime, Utc};
use serde_json::Value;

pub use authorize::{Browser, DEFAULT_CLIENT_ID, SystemBrowser, client_id_from_environment};
pub use flow::{Access, ErrorAnswer, Event, KeyNaming};
pub use metadata::{AuthServerMetadata, Configuration, Display, IssuerMetadata, display_for};
pub use offer::{AuthorizationCode, Offer, PreAuthorized, TxCode, read_offer};

use crate::net::{FetchError, Fetcher};
use flow::{ClaimErrorOrNonce, CredentialAnswer};

/// Why a claim did not go through. Every message is one sentence naming the step, and the
/// issuer where one is known.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error("the credential offer cannot be used: {0}")]
    Offer(String),
    #[error("{step}: {source}")]
    Network { step: &'static str, source: FetchError },
    #[error("{step}: {reason}")]
    Metadata { step: &'static str, reason: String },
    #[error("{issuer} refused while {step}: {}", explain(answer))]
    Refused { issuer: String, step: &'static str, answer: ErrorAnswer },
    #[error("{issuer} did not accept the transaction code: it is wrong or has expired; try again{}", said(answer))]
    WrongTxCode { issuer: String, answer: ErrorAnswer },
    #[error(
        "the offer from {issuer} needs a transaction code (the issuer sent it to you apart from the offer), and none was given"
    )]
    TxCodeNeeded { issuer: String },
    #[error("{issuer}: {reason}")]
    Unsupported { issuer: String, reason: String },
    #[error("{issuer} answered in a way Stapel cannot use while {step}: {reason}")]
    Protocol { issuer: String, step: &'static str, reason: String },
    #[error("the sign-in at {issuer} was not finished within {seconds} seconds; claim again to sign in anew")]
    SignInTimedOut { issuer: String, seconds: u64 },
}

impl ClaimError {
    /// A stable code for the fronts, one per kind.
    pub fn code(&self) -> &'static str {
        match self {
            ClaimError::Offer(_) => "offer_invalid",
            ClaimError::Network { source, .. } => source.code(),
            ClaimError::Metadata { .. } => "issuer_metadata",
            ClaimError::Refused { .. } => "issuer_refused",
            ClaimError::WrongTxCode { .. } => "wrong_tx_code",
            ClaimError::TxCodeNeeded { .. } => "tx_code_needed",
            ClaimError::Unsupported { .. } => "claim_unsupported",
            ClaimError::Protocol { .. } => "issuer_protocol",
            ClaimError::SignInTimedOut { .. } => "sign_in_timed_out",
        }
    }
}

/// An OAuth or OpenID4VCI error code in plain words, with the issuer's own words after it.
fn explain(answer: &ErrorAnswer) -> String {
    let plain = match answer.error.as_str() {
        "invalid_request" => "it found the request incomplete or malformed",
        "invalid_grant" => "the code in the offer is wrong, already used or expired; ask the issuer for a new offer",
        "invalid_client" => "it does not hand out credentials to a wallet it does not know",
        "unauthorized_client" | "unsupported_grant_type" => "it does not allow this way of claiming",
        "invalid_scope" => "it does not know the credential asked for",
        "access_denied" => "the sign-in was declined",
        "invalid_token" => "the access token was not accepted (it may have expired); claim again",
        "insufficient_scope" => "the access token does not cover this credential",
        "invalid_proof" => "it did not accept the proof of the wallet's key",
        "invalid_nonce" => "it did not accept the nonce in the key proof, even after a fresh one",
        "unknown_credential_configuration" | "unsupported_credential_type" | "unsupported_credential_format" => {
            "it does not issue the credential asked for"
        }
        "unknown_credential_identifier" => "it does not know the credential identifier asked for",
        "credential_request_denied" => "it declined to issue the credential",
        "invalid_transaction_id" => "it no longer knows this deferred claim; it may have been cancelled",
        "issuance_pending" => "the credential is not ready yet",
        "expired_token" => "the time to claim has run out",
        "invalid_encryption_parameters" | "invalid_credential_request" => "it found the credential request malformed",
        _ => "it answered with an error",
    };
    format!("{plain} ({}){}", answer.error, said(answer))
}

fn said(answer: &ErrorAnswer) -> String {
    match &answer.description {
        Some(d) if !d.trim().is_empty() => format!("; the issuer says: \"{d}\""),
        _ => String::new(),
    }
}

/// Which draft's request shapes an issuer takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Dialect {
    /// OpenID4VCI 1.0: `credential_configuration_id`, `proofs`, a nonce endpoint.
    Final,
    /// Draft 13: `format` and `credential_definition`, a singular `proof`, `c_nonce` in the
    /// token response.
    Draft13,
}

/// Decides the dialect: 1.0 when the issuer has a nonce endpoint or 1.0-only metadata; draft 13
/// when it has neither and the token response carries a `c_nonce` (draft 13's way), or its
/// configurations keep `display` at their top (draft 13's place for it).
fn dialect(metadata: &IssuerMetadata, token_nonce: bool) -> Dialect {
    let raw_configs = metadata.raw.get("credential_configurations_supported").and_then(Value::as_object);
    let final_only = metadata.nonce_endpoint.is_some()
        || raw_configs.is_some_and(|c| c.values().any(|c| c.get("credential_metadata").is_some()));
    let draft_only = raw_configs.is_some_and(|c| c.values().any(|c| c.get("display").is_some()));
    if final_only {
        Dialect::Final
    } else if token_nonce || draft_only {
        Dialect::Draft13
    } else {
        Dialect::Final
    }
}

/// One key the wallet proves possession of in key proofs.
pub trait ProofKey {
    /// Its JOSE algorithm: `EdDSA` or `ES256`.
    fn algorithm(&self) -> &'static str;
    /// The verification method in `kid` (`did:key:z…#z…`).
    fn did_key_method(&self) -> String;
    /// The key as a did:key.
    fn did_key(&self) -> String;
    /// The public key as a JWK.
    fn public_jwk(&self) -> Value;
    /// A JWS signature of the key's algorithm over `message`.
    fn sign(&self, message: &[u8]) -> Vec<u8>;
    /// The same key as a did:jwk: the JWK's members in RFC 7638 order, which is JCS order.
    fn did_jwk(&self) -> String {
        use base64::Engine as _;
        let text = serde_jcs::to_string(&self.public_jwk()).unwrap_or_default();
        format!("did:jwk:{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text))
    }
}

/// The holder's keys for key proofs, the preferred first: the pure `claim` module knows them
/// only by this trait, so it needs no key store.
pub trait ProofSigner {
    fn keys(&self) -> Vec<&dyn ProofKey>;
    /// The DIDs a credential bound to one of these keys may name as its subject.
    fn identities(&self) -> Vec<String> {
        self.keys().iter().flat_map(|k| [k.did_key(), k.did_jwk()]).collect()
    }
}

/// An offer with the issuer's metadata read: what the learner is shown before claiming.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub offer: Offer,
    pub metadata: IssuerMetadata,
    pub server: AuthServerMetadata,
    /// The offered credentials, in the offer's order, each with why Stapel cannot take it.
    pub offered: Vec<Offered>,
}

#[derive(Debug, Clone)]
pub struct Offered {
    pub configuration: Configuration,
    pub refused: Option<String>,
}

impl Prepared {
    /// The transaction code the offer asks for, if any.
    pub fn tx_code(&self) -> Option<&TxCode> {
        self.offer.pre_authorized.as_ref().and_then(|p| p.tx_code.as_ref())
    }

    /// The issuer's name in a language (its display metadata), else its identifier.
    pub fn issuer_name(&self, language: &str) -> String {
        display_for(&self.metadata.display, language)
            .and_then(|d| d.name.clone())
            .map(|n| flow::shorten(&n, 120))
            .unwrap_or_else(|| self.metadata.credential_issuer.clone())
    }
}

/// Reads the issuer's metadata for an offer and checks the offer against it: every offered
/// configuration must be one the issuer describes, and at least one must be in a format Stapel
/// reads.
pub fn prepare(offer: Offer, fetcher: &dyn Fetcher) -> Result<Prepared, ClaimError> {
    let metadata = metadata::issuer_metadata(&offer, fetcher)?;
    let mut offered = Vec::new();
    for id in &offer.configuration_ids {
        let configuration = metadata.configuration(id).ok_or_else(|| {
            ClaimError::Offer(format!(
                "it offers the credential {id:?}, which the issuer's metadata ({}) does not describe",
                metadata.url
            ))
        })?;
        offered.push(Offered { refused: configuration.refusal(), configuration: configuration.clone() });
    }
    if offered.iter().all(|o| o.refused.is_some()) {
        let reasons: Vec<String> = offered.iter().filter_map(|o| o.refused.clone()).collect();
        return Err(ClaimError::Unsupported { issuer: offer.credential_issuer.clone(), reason: reasons.join("; ") });
    }
    let named_server = match (&offer.pre_authorized, &offer.authorization_code) {
        (Some(p), _) => p.authorization_server.clone(),
        (None, Some(a)) => a.authorization_server.clone(),
        (None, None) => None,
    };
    let server = metadata::auth_server_metadata(&metadata, named_server.as_deref(), fetcher)?;
    if offer.pre_authorized.is_none() && server.authorization_endpoint.is_none() {
        return Err(ClaimError::Offer(format!(
            "it asks you to sign in at {}, but that server has no authorization endpoint",
            server.issuer
        )));
    }
    Ok(Prepared { offer, metadata, server, offered })
}

/// One credential as the issuer gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCredential {
    pub configuration_id: String,
    pub format: String,
    /// A JWT's text, or the JSON of a Data Integrity credential as the issuer wrote it.
    pub bytes: Vec<u8>,
    pub notification_id: Option<String>,
}

/// A credential the issuer will give later (§9).
pub struct DeferredClaim {
    pub configuration_id: String,
    pub transaction_id: String,
    /// Seconds to wait before asking again.
    pub interval: u64,
    /// The access token the deferred request needs (and its DPoP key); a secret.
    pub access: Access,
}

impl std::fmt::Debug for DeferredClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeferredClaim")
            .field("configuration_id", &self.configuration_id)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// What a claim brought: credentials, deferred ones, and the offered ones that failed.
#[derive(Debug)]
pub struct Claimed {
    pub issued: Vec<IssuedCredential>,
    pub deferred: Vec<DeferredClaim>,
    /// Offered credentials not had, each with why (a format Stapel does not read, a refusal).
    pub failed: Vec<(String, String)>,
    pub dialect: Dialect,
    token: flow::Token,
}

impl Claimed {
    /// The access token the claim was made with (for notifications).
    pub fn access(&self) -> &Access {
        &self.token.access
    }

    /// How many seconds the access token is good for, where the server said (`expires_in`).
    pub fn access_token_expires_in(&self) -> Option<u64> {
        self.token.expires_in
    }

    /// Tells the issuer what became of an issued credential; a failure is returned for the
    /// caller to report, and never undoes anything.
    pub fn notify(
        &self,
        prepared: &Prepared,
        notification_id: &str,
        event: Event,
        description: Option<&str>,
        fetcher: &dyn Fetcher,
    ) -> Result<(), ClaimError> {
        flow::notify(&prepared.metadata, &self.token.access, notification_id, event, description, fetcher)
    }
}

/// Claims the offered credentials with the pre-authorized code (§3.5): token, nonce, a key
/// proof per credential, the credential. On `invalid_nonce` the proof is made once more over a
/// fresh nonce. A credential that fails is listed in `failed`; the claim is an error only when
/// none was had or deferred.
pub fn claim_pre_authorized(
    prepared: &Prepared,
    tx_code: Option<&str>,
    signer: &dyn ProofSigner,
    fetcher: &dyn Fetcher,
    now: DateTime<Utc>,
) -> Result<Claimed, ClaimError> {
    let issuer = prepared.metadata.credential_issuer.clone();
    let grant = prepared.offer.pre_authorized.as_ref().ok_or_else(|| ClaimError::Unsupported {
        issuer: issuer.clone(),
        reason: "the offer asks you to sign in at the issuer (authorization code), which Stapel does not do yet".into(),
    })?;
    let tx_code = match (&grant.tx_code, tx_code) {
        (Some(_), None) => return Err(ClaimError::TxCodeNeeded { issuer }),
        (Some(_), Some(code)) => Some(code.trim()),
        // An offer without tx_code gets none, even if one was typed (§6.1: invalid_request).
        (None, _) => None,
    };
    refuse_what_stapel_cannot_do(prepared)?;
    let dpop = flow::dpop_for(&prepared.server, now)?;
    let token = flow::token_pre_authorized(&issuer, &prepared.server, &grant.code, tx_code, dpop, fetcher)?;
    let dialect = dialect(&prepared.metadata, token.c_nonce.is_some());
    claim_with_token(prepared, token, dialect, signer, fetcher, now)
}

/// Claims the offered credentials after the learner signs in at the issuer in `browser`
/// (the authorization code flow, §3.4): at most `wait` for the sign-in, then as the
/// pre-authorized flow from the token on.
pub fn claim_authorization_code(
    prepared: &Prepared,
    browser: &dyn Browser,
    client_id: &str,
    wait: std::time::Duration,
    signer: &dyn ProofSigner,
    fetcher: &dyn Fetcher,
    now: DateTime<Utc>,
) -> Result<Claimed, ClaimError> {
    refuse_what_stapel_cannot_do(prepared)?;
    let started = std::time::Instant::now();
    let dpop = flow::dpop_for(&prepared.server, now)?;
    let token = authorize::authorize(prepared, browser, client_id, wait, dpop, fetcher)?;
    let dialect = dialect(&prepared.metadata, token.c_nonce.is_some());
    // The key proofs are dated when they are made, after the sign-in took its time.
    let now = now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
    claim_with_token(prepared, token, dialect, signer, fetcher, now)
}

/// An issuer that requires encrypted responses, a wallet attestation, or key attestations for
/// every credential offered, is refused before any code is spent.
fn refuse_what_stapel_cannot_do(prepared: &Prepared) -> Result<(), ClaimError> {
    let key_attestations = || {
        let reasons: Vec<String> = prepared
            .offered
            .iter()
            .filter(|o| o.refused.is_none())
            .map(|o| o.configuration.key_attestation_refusal())
            .collect::<Option<Vec<_>>>()?;
        (!reasons.is_empty()).then(|| reasons.join("; "))
    };
    let reason = prepared
        .metadata
        .requires_encryption
        .clone()
        .or_else(|| prepared.server.requires_wallet_attestation())
        .or_else(key_attestations);
    match reason {
        Some(reason) => Err(ClaimError::Unsupported { issuer: prepared.metadata.credential_issuer.clone(), reason }),
        None => Ok(()),
    }
}

impl Prepared {
    /// Whether the offer is claimed by signing in (it has no pre-authorized code).
    pub fn needs_sign_in(&self) -> bool {
        self.offer.pre_authorized.is_none()
    }
}

fn claim_with_token(
    prepared: &Prepared,
    token: flow::Token,
    dialect: Dialect,
    signer: &dyn ProofSigner,
    fetcher: &dyn Fetcher,
    now: DateTime<Utc>,
) -> Result<Claimed, ClaimError> {
    let metadata = &prepared.metadata;
    let issuer = &metadata.credential_issuer;
    let mut nonce = token.c_nonce.clone();
    let mut issued = Vec::new();
    let mut deferred = Vec::new();
    let mut failed = Vec::new();
    let mut first_error = None;
    for offered in &prepared.offered {
        let configuration = &offered.configuration;
        if let Some(reason) = &offered.refused {
            failed.push((configuration.id.clone(), reason.clone()));
            continue;
        }
        let proof_spec = match proof_spec(configuration, signer) {
            Ok(spec) => spec,
            Err(reason) => {
                failed.push((configuration.id.clone(), reason.clone()));
                first_error.get_or_insert(ClaimError::Unsupported { issuer: issuer.clone(), reason });
                continue;
            }
        };
        if proof_spec.is_some() && metadata.nonce_endpoint.is_some() {
            nonce = flow::nonce(metadata, fetcher)?;
        }
        let mut answer = None;
        for attempt in 0..2 {
            let proof = proof_spec
                .as_ref()
                .map(|(naming, key, alg)| flow::proof_jwt(*key, *naming, alg, issuer, nonce.as_deref(), now));
            match flow::credential_request(metadata, configuration, &token, dialect, proof.as_deref(), fetcher) {
                Ok(a) => {
                    answer = Some(Ok(a));
                    break;
                }
                Err(ClaimErrorOrNonce::Nonce(e)) if attempt == 0 => {
                    nonce = match e.c_nonce {
                        Some(fresh) => Some(fresh),
                        None => flow::nonce(metadata, fetcher)?,
                    };
                }
                Err(ClaimErrorOrNonce::Nonce(e)) => {
                    answer = Some(Err(ClaimError::Refused {
                        issuer: issuer.clone(),
                        step: "getting the credential",
                        answer: e,
                    }))
                }
                Err(ClaimErrorOrNonce::Error(e)) => {
                    answer = Some(Err(e));
                    break;
                }
            }
        }
        match answer {
            Some(Ok(CredentialAnswer::Issued { credentials, notification_id, c_nonce })) => {
                if c_nonce.is_some() {
                    nonce = c_nonce;
                }
                for bytes in credentials {
                    issued.push(IssuedCredential {
                        configuration_id: configuration.id.clone(),
                        format: configuration.format.clone(),
                        bytes,
                        notification_id: notification_id.clone(),
                    });
                }
            }
            Some(Ok(CredentialAnswer::Deferred { transaction_id, interval })) => deferred.push(DeferredClaim {
                configuration_id: configuration.id.clone(),
                transaction_id,
                interval,
                access: token.access.clone(),
            }),
            Some(Err(e)) => {
                failed.push((configuration.id.clone(), e.to_string()));
                first_error.get_or_insert(e);
            }
            None => {}
        }
    }
    if issued.is_empty() && deferred.is_empty() {
        return Err(first_error.unwrap_or_else(|| ClaimError::Unsupported {
            issuer: issuer.clone(),
            reason: failed.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>().join("; "),
        }));
    }
    Ok(Claimed { issued, deferred, failed, dialect, token })
}

/// How to prove the key for a configuration (how the key is named, which of the holder's keys,
/// the algorithm as the issuer spells it), or `None` when it wants no proof. The issuer's
/// `proof_signing_alg_values_supported` decides; without it, the holder's first key.
fn proof_spec<'k>(
    configuration: &Configuration,
    signer: &'k dyn ProofSigner,
) -> Result<Option<(KeyNaming, &'k dyn ProofKey, String)>, String> {
    if !configuration.needs_proof() {
        return Ok(None);
    }
    if let Some(reason) = configuration.key_attestation_refusal() {
        return Err(reason);
    }
    let naming = flow::key_naming(configuration)?;
    let keys = signer.keys();
    let names = |key: &dyn ProofKey| -> &'static [&'static str] {
        match key.algorithm() {
            // RFC 9864's fully specified name for EdDSA with Ed25519.
            "EdDSA" => &["EdDSA", "Ed25519"],
            "ES256" => &["ES256"],
            _ => &[],
        }
    };
    let offered = configuration.jwt_proof_algorithms()?;
    let chosen = match &offered {
        None => keys.first().map(|k| (*k, k.algorithm().to_string())),
        Some(algs) => keys
            .iter()
            .find_map(|k| names(*k).iter().find(|n| algs.iter().any(|a| a == *n)).map(|n| (*k, n.to_string()))),
    };
    match chosen {
        Some((key, alg)) => Ok(Some((naming, key, alg))),
        None => Err(format!(
            "{} accepts key proofs signed with {} only, and Stapel's holder keys are Ed25519 (EdDSA) and P-256 (ES256)",
            configuration.id,
            offered.unwrap_or_default().join(", ")
        )),
    }
}
