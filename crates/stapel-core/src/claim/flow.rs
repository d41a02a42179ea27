//! The steps after the metadata: the token (§6), the nonce (§7), the key proof (Appendix F.1),
//! the credential (§8) and the notification (§11). Each step sends one request through the
//! fetcher and reads the answer; an OAuth error in the answer becomes a [`ClaimError`] naming
//! the step and the issuer.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::dpop::{Algorithm, Dpop, DpopKey};
use super::metadata::{AuthServerMetadata, Configuration, IssuerMetadata};
use super::{ClaimError, Dialect, ProofKey};
use crate::net::{Fetcher, Request, Response};

/// How many credentials one request asks for: one proof, one credential, also where the issuer
/// offers batch issuance (decision 0090). A response with more is refused, not read.
pub const CREDENTIALS_PER_REQUEST: usize = 1;

/// An access token, and the DPoP key it is bound to when the server gave a DPoP token. The
/// token is a secret: Debug leaves it out, and its memory is wiped when dropped.
#[derive(Clone)]
pub struct Access {
    token: Zeroizing<String>,
    dpop: Option<Dpop>,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access").field("dpop", &self.dpop).finish_non_exhaustive()
    }
}

impl Access {
    /// An access token kept by the wallet, with the DPoP key kept beside it, if any; its DPoP
    /// proofs are dated from `now` on.
    pub fn restore(token: &str, dpop_key: Option<&str>, now: DateTime<Utc>) -> Result<Access, String> {
        let dpop = dpop_key.map(DpopKey::from_stored).transpose()?.map(|key| Dpop::new(key, now));
        Ok(Access { token: Zeroizing::new(token.to_string()), dpop })
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// The DPoP key to keep with the token, when the token is bound to one.
    pub fn stored_dpop_key(&self) -> Option<Zeroizing<String>> {
        self.dpop.as_ref().map(|d| d.key().to_stored())
    }

    /// Whether the token is bound to a DPoP key.
    pub fn is_dpop(&self) -> bool {
        self.dpop.is_some()
    }
}

/// An access token and what came with it.
pub struct Token {
    pub(super) access: Access,
    /// Draft 13: the nonce for the first proof.
    pub(super) c_nonce: Option<String>,
    /// From `authorization_details`: credential identifiers per configuration.
    pub(super) credential_identifiers: Vec<(String, Vec<String>)>,
    /// `expires_in`: how many seconds the token is good for, where the server said.
    pub(super) expires_in: Option<u64>,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token").field("access", &self.access).finish_non_exhaustive()
    }
}

impl Token {
    /// The identifiers the token response gave for a configuration, if any.
    fn identifiers_for(&self, configuration_id: &str) -> Option<&[String]> {
        self.credential_identifiers.iter().find(|(c, _)| c == configuration_id).map(|(_, ids)| ids.as_slice())
    }
}

/// A compact JWS (RFC 7515 §7.1) of a JSON header and claims, signed by `sign`.
pub fn compact_jws(header: &Value, claims: &Value, sign: &dyn Fn(&[u8]) -> Vec<u8>) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let signing_input = format!("{}.{}", b64.encode(header.to_string()), b64.encode(claims.to_string()));
    let signature = sign(signing_input.as_bytes());
    format!("{signing_input}.{}", b64.encode(signature))
}

/// An OAuth error answer (RFC 6749 §5.2; OpenID4VCI §6.3, §8.3.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorAnswer {
    pub error: String,
    pub description: Option<String>,
    /// Draft 13 sends a fresh nonce with `invalid_proof`.
    pub c_nonce: Option<String>,
}

/// Reads an OAuth error from an answer, if it carries one.
fn error_answer(response: &Response) -> Option<ErrorAnswer> {
    let json: Value = serde_json::from_slice(&response.body).ok()?;
    let error = json.get("error")?.as_str()?.to_string();
    Some(ErrorAnswer {
        // The issuer's words are shown as text, shortened: they come from the network.
        description: json.get("error_description").and_then(Value::as_str).map(|d| shorten(d, 300)),
        c_nonce: json.get("c_nonce").and_then(Value::as_str).map(str::to_string),
        error: shorten(&error, 80),
    })
}

pub(crate) fn shorten(text: &str, max: usize) -> String {
    let clean: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if clean.chars().count() <= max { clean } else { format!("{}…", clean.chars().take(max).collect::<String>()) }
}

/// The answer's JSON object, or the error the step ends with.
pub(super) fn json_answer(response: &Response, issuer: &str, step: &'static str) -> Result<Value, ClaimError> {
    if !response.is_success() {
        return Err(match error_answer(response) {
            Some(answer) => ClaimError::Refused { issuer: issuer.to_string(), step, answer },
            None => ClaimError::Protocol {
                issuer: issuer.to_string(),
                step,
                reason: format!("the server answered {}", response.status),
            },
        });
    }
    match serde_json::from_slice::<Value>(&response.body) {
        Ok(v) if v.is_object() => Ok(v),
        _ => Err(ClaimError::Protocol {
            issuer: issuer.to_string(),
            step,
            reason: "the answer is not a JSON object".into(),
        }),
    }
}

fn send(fetcher: &dyn Fetcher, request: &Request, step: &'static str) -> Result<Response, ClaimError> {
    fetcher.exchange(request).map_err(|source| ClaimError::Network { step, source })
}

/// Sends a request with a DPoP proof when there is a DPoP key, and the access token when
/// there is one (`DPoP` or `Bearer`, RFC 9449 §7.1, RFC 6750 §2.1). A server that answers
/// that the proof needs its nonce is asked once more with it (RFC 9449 §8, §9).
pub(super) fn send_with(
    fetcher: &dyn Fetcher,
    request: &Request,
    dpop: Option<&Dpop>,
    access_token: Option<&str>,
    step: &'static str,
) -> Result<Response, ClaimError> {
    let once = || {
        let mut r = request.clone();
        match (dpop, access_token) {
            (Some(d), token) => {
                if let Some(t) = token {
                    r = r.with_header("Authorization", &format!("DPoP {t}"));
                }
                let proof = d.proof(r.method, &r.url, token).map_err(ClaimError::Offer)?;
                r = r.with_header("DPoP", &proof);
            }
            (None, Some(t)) => r = r.with_header("Authorization", &format!("Bearer {t}")),
            (None, None) => {}
        }
        send(fetcher, &r, step)
    };
    let response = once()?;
    match dpop {
        Some(d) if d.take_nonce(&response) => {
            let again = once()?;
            d.take_nonce(&again);
            Ok(again)
        }
        _ => Ok(response),
    }
}

/// Sends a request that carries the access token.
fn send_authorized(
    fetcher: &dyn Fetcher,
    request: &Request,
    access: &Access,
    step: &'static str,
) -> Result<Response, ClaimError> {
    send_with(fetcher, request, access.dpop.as_ref(), Some(&access.token), step)
}

/// The DPoP key for a claim: made fresh when the authorization server offers DPoP in an
/// algorithm Stapel signs with, else none (the tokens are then Bearer tokens).
pub fn dpop_for(server: &AuthServerMetadata, now: DateTime<Utc>) -> Result<Option<Dpop>, ClaimError> {
    let Some(algorithm) = Algorithm::choose(&server.dpop_algorithms) else { return Ok(None) };
    let key = DpopKey::generate(algorithm).map_err(ClaimError::Offer)?;
    Ok(Some(Dpop::new(key, now)))
}

/// The token request of the pre-authorized code flow (§6.1): the code, and the transaction
/// code whenever the offer had a `tx_code` object.
pub fn token_pre_authorized(
    issuer: &str,
    server: &AuthServerMetadata,
    code: &str,
    tx_code: Option<&str>,
    dpop: Option<Dpop>,
    fetcher: &dyn Fetcher,
) -> Result<Token, ClaimError> {
    let step = "getting an access token";
    let mut fields = vec![("grant_type", super::offer::PRE_AUTHORIZED_GRANT), ("pre-authorized_code", code)];
    if let Some(tx) = tx_code {
        fields.push(("tx_code", tx));
    }
    let request = Request::post_form(&server.token_endpoint, &fields);
    let response = send_with(fetcher, &request, dpop.as_ref(), None, step)?;
    if !response.is_success()
        && let Some(answer) = error_answer(&response)
        && answer.error == "invalid_grant"
        && tx_code.is_some()
    {
        return Err(ClaimError::WrongTxCode { issuer: issuer.to_string(), answer });
    }
    let json = json_answer(&response, issuer, step)?;
    read_token(&json, issuer, step, dpop)
}

/// Reads a token response. A `DPoP` token is bound to the key its request was proven with; a
/// server that gives a `Bearer` token to a request with a DPoP proof does not bind it (RFC 9449
/// §5), and the key is dropped.
pub(super) fn read_token(
    json: &Value,
    issuer: &str,
    step: &'static str,
    dpop: Option<Dpop>,
) -> Result<Token, ClaimError> {
    let access_token = json.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty()).ok_or_else(|| {
        ClaimError::Protocol {
            issuer: issuer.to_string(),
            step,
            reason: "the token response has no access_token".into(),
        }
    })?;
    let token_type = json.get("token_type").and_then(Value::as_str).unwrap_or("Bearer");
    let dpop = match (token_type.to_ascii_lowercase().as_str(), dpop) {
        ("bearer", _) => None,
        ("dpop", Some(d)) => Some(d),
        ("dpop", None) => {
            return Err(ClaimError::Protocol {
                issuer: issuer.to_string(),
                step,
                reason: "it gave a DPoP access token to a request without a DPoP proof (RFC 9449 §5)".into(),
            });
        }
        (other, _) => {
            return Err(ClaimError::Unsupported {
                issuer: issuer.to_string(),
                reason: format!(
                    "the server gives {} access tokens, and Stapel sends Bearer and DPoP tokens only",
                    shorten(other, 40)
                ),
            });
        }
    };
    let mut credential_identifiers = Vec::new();
    for detail in json.get("authorization_details").and_then(Value::as_array).into_iter().flatten() {
        if detail.get("type").and_then(Value::as_str) != Some("openid_credential") {
            continue;
        }
        let (Some(config), Some(ids)) = (
            detail.get("credential_configuration_id").and_then(Value::as_str),
            detail.get("credential_identifiers").and_then(Value::as_array),
        ) else {
            continue;
        };
        let ids: Vec<String> = ids.iter().filter_map(Value::as_str).map(str::to_string).take(64).collect();
        if !ids.is_empty() {
            credential_identifiers.push((config.to_string(), ids));
        }
    }
    Ok(Token {
        access: Access { token: Zeroizing::new(access_token.to_string()), dpop },
        c_nonce: json.get("c_nonce").and_then(Value::as_str).map(str::to_string),
        credential_identifiers,
        expires_in: json.get("expires_in").and_then(Value::as_u64),
    })
}

/// A fresh nonce from the nonce endpoint (§7).
pub fn nonce(metadata: &IssuerMetadata, fetcher: &dyn Fetcher) -> Result<Option<String>, ClaimError> {
    let Some(endpoint) = &metadata.nonce_endpoint else { return Ok(None) };
    let step = "getting a nonce";
    let request = Request {
        method: crate::net::Method::Post,
        url: endpoint.clone(),
        headers: vec![("Accept".into(), "application/json".into())],
        body: Some(Vec::new()),
    };
    let json = json_answer(&send(fetcher, &request, step)?, &metadata.credential_issuer, step)?;
    match json.get("c_nonce").and_then(Value::as_str) {
        Some(n) if !n.is_empty() => Ok(Some(n.to_string())),
        _ => Err(ClaimError::Protocol {
            issuer: metadata.credential_issuer.clone(),
            step,
            reason: "the nonce response has no c_nonce".into(),
        }),
    }
}

/// How the proof names the holder's key, from the configuration's binding methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyNaming {
    /// `kid`: the holder's did:key verification method.
    DidKey,
    /// `kid`: the same key as a did:jwk (`did:jwk:…#0`).
    DidJwk,
    /// `jwk`: the public key itself in the header.
    Jwk,
}

/// Chooses how to name the key (and refuses a configuration that binds to nothing Stapel has).
pub fn key_naming(configuration: &Configuration) -> Result<KeyNaming, String> {
    let methods = &configuration.binding_methods;
    if methods.is_empty() || methods.iter().any(|m| m == "did:key") {
        Ok(KeyNaming::DidKey)
    } else if methods.iter().any(|m| m == "did:jwk") {
        Ok(KeyNaming::DidJwk)
    } else if methods.iter().any(|m| m == "jwk") {
        Ok(KeyNaming::Jwk)
    } else {
        Err(format!(
            "{} binds credentials only to {}, and Stapel's holder key is a did:key, a did:jwk or a JWK",
            configuration.id,
            methods.join(", ")
        ))
    }
}

/// The JWT key proof (Appendix F.1): `typ` `openid4vci-proof+jwt`, the issuer as `aud`, `iat`,
/// the nonce when there is one, and no `iss` (the wallet makes anonymous requests).
pub fn proof_jwt(
    signer: &dyn ProofKey,
    naming: KeyNaming,
    algorithm: &str,
    audience: &str,
    nonce: Option<&str>,
    now: DateTime<Utc>,
) -> String {
    let mut header = json!({"typ": "openid4vci-proof+jwt", "alg": algorithm});
    match naming {
        KeyNaming::DidKey => header["kid"] = json!(signer.did_key_method()),
        KeyNaming::DidJwk => header["kid"] = json!(format!("{}#0", signer.did_jwk())),
        KeyNaming::Jwk => header["jwk"] = signer.public_jwk(),
    }
    let mut claims = json!({"aud": audience, "iat": now.timestamp()});
    if let Some(n) = nonce {
        claims["nonce"] = json!(n);
    }
    compact_jws(&header, &claims, &|m| signer.sign(m))
}

/// What the credential endpoint gave for one request.
#[derive(Debug)]
pub enum CredentialAnswer {
    /// The credentials, each as its bytes (a JWT's text, or the JSON of a Data Integrity
    /// credential exactly as the issuer wrote it), and the notification id.
    Issued { credentials: Vec<Vec<u8>>, notification_id: Option<String>, c_nonce: Option<String> },
    /// Deferred: ask again at the deferred endpoint with this id, no sooner than `interval`.
    Deferred { transaction_id: String, interval: u64 },
}

/// One credential request (§8.2; draft 13 §7.2): the identifier or configuration, and the proof.
#[allow(clippy::too_many_arguments)]
pub fn credential_request(
    metadata: &IssuerMetadata,
    configuration: &Configuration,
    token: &Token,
    dialect: Dialect,
    proof: Option<&str>,
    fetcher: &dyn Fetcher,
) -> Result<CredentialAnswer, ClaimErrorOrNonce> {
    let step = "getting the credential";
    let mut body = serde_json::Map::new();
    match token.identifiers_for(&configuration.id).and_then(|ids| ids.first()) {
        Some(identifier) => {
            body.insert("credential_identifier".into(), json!(identifier));
        }
        None if dialect == Dialect::Draft13 => {
            body.insert("format".into(), json!(configuration.format));
            if let Some(definition) = &configuration.credential_definition {
                body.insert("credential_definition".into(), definition.clone());
            }
        }
        None => {
            body.insert("credential_configuration_id".into(), json!(configuration.id));
        }
    }
    if let Some(jwt) = proof {
        match dialect {
            Dialect::Final => body.insert("proofs".into(), json!({"jwt": [jwt]})),
            Dialect::Draft13 => body.insert("proof".into(), json!({"proof_type": "jwt", "jwt": jwt})),
        };
    }
    let request = Request::post_json(&metadata.credential_endpoint, &Value::Object(body));
    let response = send_authorized(fetcher, &request, &token.access, step).map_err(ClaimErrorOrNonce::Error)?;
    let issuer = &metadata.credential_issuer;
    if !response.is_success()
        && let Some(answer) = error_answer(&response)
        && (answer.error == "invalid_nonce" || answer.error == "invalid_proof" && answer.c_nonce.is_some())
    {
        return Err(ClaimErrorOrNonce::Nonce(answer));
    }
    let json = json_answer(&response, issuer, step).map_err(ClaimErrorOrNonce::Error)?;
    read_credential_answer(&json, &response.body, issuer, step).map_err(ClaimErrorOrNonce::Error)
}

/// The credential step's failure, or the issuer asking for a proof over a fresh nonce.
#[derive(Debug)]
pub enum ClaimErrorOrNonce {
    Error(ClaimError),
    Nonce(ErrorAnswer),
}

/// Reads `credentials: [{credential}]` (1.0) or `credential` (draft 13), or a transaction id.
fn read_credential_answer(
    json: &Value,
    body: &[u8],
    issuer: &str,
    step: &'static str,
) -> Result<CredentialAnswer, ClaimError> {
    let protocol = |reason: &str| ClaimError::Protocol { issuer: issuer.to_string(), step, reason: reason.to_string() };
    if let Some(id) = json.get("transaction_id").and_then(Value::as_str) {
        let interval = json.get("interval").and_then(Value::as_u64).unwrap_or(5).clamp(1, 24 * 3600);
        return Ok(CredentialAnswer::Deferred { transaction_id: id.to_string(), interval });
    }
    // The credentials exactly as the issuer wrote them: re-read the body keeping raw values.
    #[derive(serde::Deserialize)]
    struct Raw<'a> {
        #[serde(borrow, default)]
        credentials: Option<Vec<RawEntry<'a>>>,
        #[serde(borrow, default)]
        credential: Option<&'a serde_json::value::RawValue>,
    }
    #[derive(serde::Deserialize)]
    struct RawEntry<'a> {
        #[serde(borrow)]
        credential: &'a serde_json::value::RawValue,
    }
    let raw: Raw<'_> = serde_json::from_slice(body).map_err(|_| protocol("the credential response cannot be read"))?;
    let values: Vec<&serde_json::value::RawValue> = match (raw.credentials, raw.credential) {
        (Some(list), _) => list.into_iter().map(|e| e.credential).collect(),
        (None, Some(one)) => vec![one],
        (None, None) => return Err(protocol("the credential response holds no credential")),
    };
    if values.is_empty() {
        return Err(protocol("the credential response's list of credentials is empty"));
    }
    if values.len() > CREDENTIALS_PER_REQUEST {
        return Err(protocol(&format!(
            "the credential response holds {} credentials, and one was asked for",
            values.len()
        )));
    }
    let mut credentials = Vec::new();
    for raw in values {
        let text = raw.get();
        if text.starts_with('"') {
            let s: String = serde_json::from_str(text).map_err(|_| protocol("a credential is not a string"))?;
            credentials.push(s.into_bytes());
        } else if text.starts_with('{') {
            credentials.push(text.as_bytes().to_vec());
        } else {
            return Err(protocol("a credential is neither a string nor a JSON object"));
        }
    }
    Ok(CredentialAnswer::Issued {
        credentials,
        notification_id: json.get("notification_id").and_then(Value::as_str).map(str::to_string),
        c_nonce: json.get("c_nonce").and_then(Value::as_str).map(str::to_string),
    })
}

/// The deferred credential request (§9): the transaction id, with the same access token.
pub fn deferred_request(
    metadata: &IssuerMetadata,
    access: &Access,
    transaction_id: &str,
    fetcher: &dyn Fetcher,
) -> Result<CredentialAnswer, ClaimError> {
    let step = "asking for the deferred credential";
    let issuer = &metadata.credential_issuer;
    let endpoint = metadata.deferred_credential_endpoint.as_ref().ok_or_else(|| ClaimError::Protocol {
        issuer: issuer.clone(),
        step,
        reason: "the issuer deferred the credential but has no deferred_credential_endpoint".into(),
    })?;
    let request = Request::post_json(endpoint, &json!({"transaction_id": transaction_id}));
    let response = send_authorized(fetcher, &request, access, step)?;
    if !response.is_success()
        && let Some(answer) = error_answer(&response)
        && answer.error == "issuance_pending"
    {
        let interval = serde_json::from_slice::<Value>(&response.body)
            .ok()
            .and_then(|v| v.get("interval").and_then(Value::as_u64))
            // Not said: the interval the issuer set before stands (0 means "unchanged").
            .unwrap_or(0);
        return Ok(CredentialAnswer::Deferred { transaction_id: transaction_id.to_string(), interval });
    }
    let json = json_answer(&response, issuer, step)?;
    read_credential_answer(&json, &response.body, issuer, step)
}

/// The event of a notification (§11.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Accepted,
    Failure,
    Deleted,
}

impl Event {
    pub fn name(self) -> &'static str {
        match self {
            Event::Accepted => "credential_accepted",
            Event::Failure => "credential_failure",
            Event::Deleted => "credential_deleted",
        }
    }
}

/// Tells the issuer what became of a credential (§11). Its failure is reported, never fatal.
pub fn notify(
    metadata: &IssuerMetadata,
    access: &Access,
    notification_id: &str,
    event: Event,
    description: Option<&str>,
    fetcher: &dyn Fetcher,
) -> Result<(), ClaimError> {
    let Some(endpoint) = &metadata.notification_endpoint else { return Ok(()) };
    notify_at(endpoint, &metadata.credential_issuer, access, notification_id, event, description, fetcher)
}

/// [`notify`] at a notification endpoint kept from an earlier claim (`credential_deleted`).
pub fn notify_at(
    endpoint: &str,
    issuer: &str,
    access: &Access,
    notification_id: &str,
    event: Event,
    description: Option<&str>,
    fetcher: &dyn Fetcher,
) -> Result<(), ClaimError> {
    let step = "telling the issuer";
    let mut body = json!({"notification_id": notification_id, "event": event.name()});
    if let Some(d) = description {
        body["event_description"] =
            json!(shorten(d, 200).replace(|c: char| !c.is_ascii() || c == '"' || c == '\\', " "));
    }
    let request = Request::post_json(endpoint, &body);
    let response = send_authorized(fetcher, &request, access, step)?;
    if response.is_success() {
        Ok(())
    } else {
        Err(match error_answer(&response) {
            Some(answer) => ClaimError::Refused { issuer: issuer.to_string(), step, answer },
            None => ClaimError::Protocol {
                issuer: issuer.to_string(),
                step,
                reason: format!("the server answered {}", response.status),
            },
        })
    }
}
