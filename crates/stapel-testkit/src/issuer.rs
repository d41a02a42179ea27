//! A loopback OpenID4VCI issuer for the wallet's tests: it serves 1.0 final or draft 13, the
//! pre-authorized code grant (with or without a transaction code), nonces, deferred issuance
//! and notifications, and misbehaves on request ([`Fault`]). It checks the wallet's key proofs
//! as an issuer must (typ, audience, nonce, an offered algorithm, an Ed25519 or P-256 signature
//! by the key in `kid`/`jwk`), and DPoP proofs where it offers DPoP,
//! and records every request, so a test can assert what the wallet sent.
//!
//! The credential itself is made by the test (`Options::make`), which signs it with the
//! core's own code: this crate knows the protocol, not credentials.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde_json::{Value, json};

use super::{Reply, Request, Server};

/// Which version of the specification the issuer speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// 1.0 final: metadata inserted before the path, a nonce endpoint, `proofs`,
    /// `credentials: [{credential}]`, 202 for deferred.
    Final,
    /// Draft 13: metadata appended after the path, `c_nonce` in the token response, a singular
    /// `proof`, `format` in the request, `{credential}` back.
    Draft13,
}

/// Ways the issuer misbehaves, one or several per test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The metadata names another `credential_issuer`.
    WrongCredentialIssuer,
    /// The pre-authorized code has expired: the token endpoint answers `invalid_grant`.
    ExpiredCode,
    /// The first credential request is answered `invalid_nonce` (1.0) or `invalid_proof` with a
    /// fresh `c_nonce` (draft 13).
    InvalidNonceOnce,
    /// Every credential request is answered `invalid_nonce`.
    InvalidNonceAlways,
    /// The credential response is 10 MB.
    HugeResponse,
    /// The credential endpoint redirects to itself.
    RedirectLoop,
    /// The token endpoint never answers.
    Hang,
    /// The credential is deferred: a transaction id first, the credential at the second poll.
    Deferred,
    /// The notification endpoint answers 500.
    NotificationFails,
    /// The metadata requires encrypted responses.
    RequiresEncryption,
    /// The credential offer names a configuration the metadata lacks.
    UnknownConfiguration,
    /// The issuer's authorization server metadata is served only as `openid-configuration`.
    OpenIdConfigurationOnly,
    /// The sign-in comes back with another `state`.
    WrongState,
    /// The learner declines at the sign-in: `error=access_denied` comes back.
    AccessDenied,
    /// The sign-in page never sends the learner back (an abandoned sign-in).
    NeverSignsIn,
    /// With DPoP: the token endpoint wants a nonce of its own in the proof, and says so
    /// (`use_dpop_nonce`, RFC 9449 §8) to a proof without it.
    DpopNonceAtToken,
    /// With DPoP: the credential endpoint wants a nonce of its own in the proof, and says so
    /// (401 with `use_dpop_nonce`, RFC 9449 §9).
    DpopNonceAtCredential,
    /// With DPoP: the token endpoint gives a DPoP token to a request without a DPoP proof.
    DpopTokenWithoutProof,
    /// The token endpoint admits only attested wallets (`attest_jwt_client_auth`).
    RequiresWalletAttestation,
    /// The configuration's jwt proofs require a key attestation (`key_attestations_required`).
    RequiresKeyAttestation,
    /// The issuer offers batch issuance (`batch_size` 5) and answers one request with three
    /// credentials, more than the one proof asked for.
    MoreCredentialsThanProofs,
}

/// How the offer lets the wallet in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    PreAuthorized,
    /// The learner signs in (the authorization code flow); `par` offers pushed requests.
    AuthorizationCode {
        par: bool,
    },
}

pub const AUTHORIZATION_CODE: &str = "authz-code-42";
pub const ISSUER_STATE: &str = "issuer-state-7";

/// What the test's credential maker is asked to make.
#[derive(Debug, Clone)]
pub struct Order {
    /// The holder's DID, from the key proof's `kid` (without the fragment); `None` when the
    /// proof named its key with `jwk`, or no proof was asked for.
    pub holder: Option<String>,
    pub configuration_id: String,
    pub format: String,
}

type Maker = dyn Fn(&Order) -> Value + Send + Sync;

/// How the issuer is set up.
pub struct Options {
    pub dialect: Dialect,
    /// The transaction code the learner must type, if any.
    pub tx_code: Option<String>,
    pub grant: Grant,
    pub faults: Vec<Fault>,
    /// A path for the issuer identifier (`/tenant`), to test where metadata is looked for.
    pub path: String,
    /// Configuration id → format; the first is offered.
    pub configurations: Vec<(String, String)>,
    /// Proof algorithms the issuer accepts (`proof_signing_alg_values_supported`).
    pub proof_algorithms: Vec<String>,
    /// Binding methods (`cryptographic_binding_methods_supported`).
    pub binding_methods: Vec<String>,
    /// DPoP algorithms the authorization server offers (`dpop_signing_alg_values_supported`);
    /// when any are, it requires a DPoP proof at the token endpoint and binds its tokens to
    /// the proof's key, and the credential, deferred and notification endpoints take only
    /// those tokens with a proof by the same key (RFC 9449).
    pub dpop_algorithms: Vec<String>,
    /// Makes the credential for an order: a JSON string (a JWT) or a JSON object.
    pub make: Box<Maker>,
}

impl Options {
    /// A 1.0 issuer of one `jwt_vc_json` credential, no transaction code, no faults.
    pub fn new(make: impl Fn(&Order) -> Value + Send + Sync + 'static) -> Options {
        Options {
            dialect: Dialect::Final,
            tx_code: None,
            grant: Grant::PreAuthorized,
            faults: vec![],
            path: String::new(),
            configurations: vec![("OpenBadge_JWT".into(), "jwt_vc_json".into())],
            proof_algorithms: vec!["EdDSA".into(), "ES256".into()],
            binding_methods: vec!["did:key".into(), "did:jwk".into()],
            dpop_algorithms: vec![],
            make: Box::new(make),
        }
    }
}

/// What the issuer saw, for the test's assertions.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    pub requests: Vec<Request>,
    /// Notification bodies received.
    pub notifications: Vec<Value>,
    /// Credentials handed out.
    pub issued: usize,
}

struct State {
    nonces: HashSet<String>,
    counter: u64,
    nonce_faults_left: u32,
    deferred_polls: u32,
    /// The authorization request's fields (from the query or the pushed request).
    authorization: Option<Vec<(String, String)>>,
    pushed: Option<Vec<(String, String)>>,
    /// The public key (JWK) the access token is bound to, with DPoP.
    dpop_key: Option<Value>,
    seen: Seen,
}

pub const PRE_AUTHORIZED_CODE: &str = "pre-auth-code-0123456789";
pub const ACCESS_TOKEN: &str = "access-token-abcdef";
const PRE_AUTHORIZED_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

/// A running loopback issuer.
pub struct Issuer {
    pub server: Server,
    /// The Credential Issuer Identifier (`http://127.0.0.1:PORT` and the path).
    pub id: String,
    state: Arc<Mutex<State>>,
    offer: Value,
}

impl Issuer {
    pub fn start(options: Options) -> Issuer {
        let options = Arc::new(options);
        let state = Arc::new(Mutex::new(State {
            nonces: HashSet::new(),
            counter: 0,
            nonce_faults_left: if options.faults.contains(&Fault::InvalidNonceOnce) { 1 } else { 0 },
            deferred_polls: 0,
            authorization: None,
            pushed: None,
            dpop_key: None,
            seen: Seen::default(),
        }));
        let base = Arc::new(Mutex::new(String::new()));
        let server = {
            let (options, state, base) = (options.clone(), state.clone(), base.clone());
            Server::start_requests(move |request| {
                let id = base.lock().unwrap().clone();
                let mut s = state.lock().unwrap();
                s.seen.requests.push(request.clone());
                route(&options, &mut s, &id, request)
            })
        };
        let id = format!("{}{}", server.base, options.path);
        *base.lock().unwrap() = id.clone();
        let mut configuration_ids: Vec<String> = vec![options.configurations[0].0.clone()];
        if options.faults.contains(&Fault::UnknownConfiguration) {
            configuration_ids = vec!["NoSuchCredential".into()];
        }
        let mut grant = json!({"pre-authorized_code": PRE_AUTHORIZED_CODE});
        if let Some(code) = &options.tx_code {
            grant["tx_code"] = json!({
                "input_mode": if code.chars().all(|c| c.is_ascii_digit()) { "numeric" } else { "text" },
                "length": code.chars().count(),
                "description": "Typ de code uit de e-mail van de hogeschool"
            });
        }
        let grants = match options.grant {
            Grant::PreAuthorized => json!({PRE_AUTHORIZED_GRANT: grant}),
            Grant::AuthorizationCode { .. } => json!({"authorization_code": {"issuer_state": ISSUER_STATE}}),
        };
        let offer = json!({
            "credential_issuer": id,
            "credential_configuration_ids": configuration_ids,
            "grants": grants
        });
        Issuer { server, id, state, offer }
    }

    /// The offer's JSON.
    pub fn offer(&self) -> Value {
        self.offer.clone()
    }

    /// `openid-credential-offer://?credential_offer=…` (by value).
    pub fn offer_uri(&self) -> String {
        format!("openid-credential-offer://?credential_offer={}", encode(&self.offer.to_string()))
    }

    /// `openid-credential-offer://?credential_offer_uri=…` (by reference, served at `/offer`).
    pub fn offer_by_reference(&self) -> String {
        format!("openid-credential-offer://?credential_offer_uri={}", encode(&self.server.url("/offer")))
    }

    pub fn seen(&self) -> Seen {
        self.state.lock().unwrap().seen.clone()
    }

    /// The routes (method and path) the wallet asked for, in order.
    pub fn routes(&self) -> Vec<String> {
        self.seen().requests.iter().map(|r| format!("{} {}", r.method, r.route())).collect()
    }
}

/// Percent-encodes everything but the unreserved characters (RFC 3986 §2.3).
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn answer(status: u16, body: Value) -> Reply {
    Reply::Headers(
        status,
        "application/json",
        vec![("Cache-Control".into(), "no-store".into())],
        body.to_string().into_bytes(),
    )
}

fn oauth_error(status: u16, error: &str, description: &str) -> Reply {
    answer(status, json!({"error": error, "error_description": description}))
}

fn route(options: &Options, s: &mut State, id: &str, request: &Request) -> Reply {
    let path = options.path.as_str();
    let has = |f: Fault| options.faults.contains(&f);
    let route = request.route().to_string();
    let metadata_path = match options.dialect {
        Dialect::Final => format!("/.well-known/openid-credential-issuer{path}"),
        Dialect::Draft13 => format!("{path}/.well-known/openid-credential-issuer"),
    };
    let base = id.strip_suffix(path).unwrap_or(id).to_string();
    if route == metadata_path {
        return answer(200, metadata(options, id, &base));
    }
    if route == "/offer" {
        let offer = json!({
            "credential_issuer": id,
            "credential_configuration_ids": [options.configurations[0].0],
            "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": PRE_AUTHORIZED_CODE}}
        });
        return answer(200, offer);
    }
    let as_path = if has(Fault::OpenIdConfigurationOnly) {
        "/.well-known/openid-configuration".to_string()
    } else {
        "/.well-known/oauth-authorization-server".to_string()
    };
    if route == format!("{as_path}{path}") || route == format!("{path}{as_path}") {
        let mut m = json!({
            "issuer": id,
            "token_endpoint": format!("{base}/token"),
            "pre-authorized_grant_anonymous_access_supported": true,
            "response_types_supported": ["code"]
        });
        if let Grant::AuthorizationCode { par } = options.grant {
            m["authorization_endpoint"] = json!(format!("{base}/authorize"));
            m["code_challenge_methods_supported"] = json!(["S256"]);
            m["authorization_details_types_supported"] = json!(["openid_credential"]);
            if par {
                m["pushed_authorization_request_endpoint"] = json!(format!("{base}/par"));
                m["require_pushed_authorization_requests"] = json!(true);
            }
        }
        if has(Fault::RequiresWalletAttestation) {
            m["token_endpoint_auth_methods_supported"] = json!(["attest_jwt_client_auth"]);
        }
        if !options.dpop_algorithms.is_empty() && !has(Fault::DpopTokenWithoutProof) {
            m["dpop_signing_alg_values_supported"] = json!(options.dpop_algorithms);
        }
        return answer(200, m);
    }
    let htu = format!("{base}{route}");
    match (request.method.as_str(), route.as_str()) {
        ("POST", "/token") => match token_dpop(options, request, &htu) {
            Ok(key) => {
                let reply = token(options, s, request);
                s.dpop_key = key.or(s.dpop_key.take());
                reply
            }
            Err(reply) => reply,
        },
        ("POST", "/par") => {
            s.pushed = Some(request.form());
            answer(201, json!({"request_uri": "urn:ietf:params:oauth:request_uri:stapel-1", "expires_in": 60}))
        }
        ("GET", "/authorize") => authorize(options, s, id, request),
        ("POST", "/nonce") if options.dialect == Dialect::Final => {
            let nonce = fresh_nonce(s);
            answer(200, json!({"c_nonce": nonce}))
        }
        ("POST", "/credential") if has(Fault::RedirectLoop) => Reply::Redirect("/credential".into()),
        ("POST", "/credential") => match authorized(options, s, request, &htu) {
            Ok(()) => credential(options, s, id, request),
            Err(reply) => reply,
        },
        ("POST", "/deferred") => match authorized(options, s, request, &htu) {
            Ok(()) => deferred(options, s, request),
            Err(reply) => reply,
        },
        ("POST", "/notification") => {
            if let Err(reply) = authorized(options, s, request, &htu) {
                return reply;
            }
            if has(Fault::NotificationFails) {
                return Reply::Body(500, "text/plain", b"down".to_vec());
            }
            let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            s.seen.notifications.push(body);
            Reply::Body(204, "application/json", Vec::new())
        }
        ("GET", "/logo.png") => Reply::Body(200, "image/png", tiny_png()),
        _ => Reply::Body(404, "text/plain", b"not found".to_vec()),
    }
}

fn metadata(options: &Options, id: &str, base: &str) -> Value {
    let mut configs = serde_json::Map::new();
    for (config_id, format) in &options.configurations {
        let display = json!([
            {"name": "Datageletterdheid", "locale": "nl-NL", "background_color": "#12107c", "text_color": "#FFFFFF"},
            {"name": "Data literacy", "locale": "en-US", "background_color": "#12107c", "text_color": "#FFFFFF"}
        ]);
        let mut c = json!({
            "format": format,
            "scope": config_id,
            "cryptographic_binding_methods_supported": options.binding_methods,
            "credential_signing_alg_values_supported": ["EdDSA"],
            "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": options.proof_algorithms}},
            "credential_definition": {"type": ["VerifiableCredential", "OpenBadgeCredential"]}
        });
        if options.faults.contains(&Fault::RequiresKeyAttestation) {
            c["proof_types_supported"]["jwt"]["key_attestations_required"] = json!({"key_storage": ["iso_18045_high"]});
        }
        match options.dialect {
            Dialect::Final => c["credential_metadata"] = json!({"display": display}),
            Dialect::Draft13 => c["display"] = display,
        }
        configs.insert(config_id.clone(), c);
    }
    let stated = if options.faults.contains(&Fault::WrongCredentialIssuer) {
        "https://someone-else.example".to_string()
    } else {
        id.to_string()
    };
    let mut m = json!({
        "credential_issuer": stated,
        "credential_endpoint": format!("{base}/credential"),
        "deferred_credential_endpoint": format!("{base}/deferred"),
        "notification_endpoint": format!("{base}/notification"),
        "display": [
            {"name": "Hogeschool Lusback", "locale": "nl", "logo": {"uri": format!("{base}/logo.png"), "alt_text": "logo"}},
            {"name": "Loopback University of Applied Sciences", "locale": "en", "logo": {"uri": format!("{base}/logo.png")}}
        ],
        "credential_configurations_supported": configs
    });
    if options.dialect == Dialect::Final {
        m["nonce_endpoint"] = json!(format!("{base}/nonce"));
    }
    if options.faults.contains(&Fault::RequiresEncryption) {
        m["credential_response_encryption"] = json!({"alg_values_supported": ["ECDH-ES"], "enc_values_supported": ["A128GCM"], "encryption_required": true});
    }
    if options.faults.contains(&Fault::MoreCredentialsThanProofs) {
        m["batch_credential_issuance"] = json!({"batch_size": 5});
    }
    m
}

fn fresh_nonce(s: &mut State) -> String {
    s.counter += 1;
    let nonce = format!("nonce-{}", s.counter);
    s.nonces.insert(nonce.clone());
    nonce
}

fn token(options: &Options, s: &mut State, request: &Request) -> Reply {
    if options.faults.contains(&Fault::Hang) {
        return Reply::Hang;
    }
    if request.field("grant_type").as_deref() == Some("authorization_code") {
        return token_for_code(options, s, request);
    }
    if request.field("grant_type").as_deref() != Some(PRE_AUTHORIZED_GRANT) {
        return oauth_error(400, "unsupported_grant_type", "only the pre-authorized code");
    }
    if options.faults.contains(&Fault::ExpiredCode)
        || request.field("pre-authorized_code").as_deref() != Some(PRE_AUTHORIZED_CODE)
    {
        return oauth_error(400, "invalid_grant", "the code has expired");
    }
    match (&options.tx_code, request.field("tx_code")) {
        (Some(_), None) => return oauth_error(400, "invalid_request", "tx_code missing"),
        (None, Some(_)) => return oauth_error(400, "invalid_request", "no tx_code expected"),
        (Some(want), Some(got)) if *want != got => return oauth_error(400, "invalid_grant", "wrong transaction code"),
        _ => {}
    }
    let mut body = json!({"access_token": ACCESS_TOKEN, "token_type": token_type(options), "expires_in": 300});
    if options.dialect == Dialect::Draft13 {
        body["c_nonce"] = json!(fresh_nonce(s));
        body["c_nonce_expires_in"] = json!(300);
    }
    answer(200, body)
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The sign-in page: as a learner who signs in and consents, it sends the browser straight
/// back to the wallet's redirect with a code (or, on request, misbehaves).
fn authorize(options: &Options, s: &mut State, id: &str, request: &Request) -> Reply {
    let query = request.query();
    let fields = match field(&query, "request_uri") {
        Some(uri) => {
            if uri != "urn:ietf:params:oauth:request_uri:stapel-1" {
                return Reply::Body(400, "text/plain", b"unknown request_uri".to_vec());
            }
            match s.pushed.clone() {
                Some(f) if field(&f, "client_id") == field(&query, "client_id") => f,
                _ => return Reply::Body(400, "text/plain", b"no pushed request for this client".to_vec()),
            }
        }
        None if matches!(options.grant, Grant::AuthorizationCode { par: true }) => {
            return Reply::Body(400, "text/plain", b"pushed requests are required".to_vec());
        }
        None => query,
    };
    let ok = field(&fields, "response_type") == Some("code")
        && field(&fields, "code_challenge_method") == Some("S256")
        && field(&fields, "code_challenge").is_some_and(|c| c.len() == 43)
        && field(&fields, "issuer_state") == Some(ISSUER_STATE)
        && field(&fields, "redirect_uri").is_some_and(|r| r.starts_with("http://127.0.0.1:"));
    if !ok {
        return Reply::Body(400, "text/plain", b"a malformed authorization request".to_vec());
    }
    s.authorization = Some(fields.clone());
    if options.faults.contains(&Fault::NeverSignsIn) {
        return Reply::Body(200, "text/html", b"<p>Sign in</p>".to_vec());
    }
    let redirect = field(&fields, "redirect_uri").unwrap_or_default();
    let state =
        if options.faults.contains(&Fault::WrongState) { "forged" } else { field(&fields, "state").unwrap_or("") };
    let answer = if options.faults.contains(&Fault::AccessDenied) {
        format!("error=access_denied&error_description={}&state={}", encode("the learner said no"), encode(state))
    } else {
        format!("code={AUTHORIZATION_CODE}&state={}&iss={}", encode(state), encode(id))
    };
    Reply::Redirect(format!("{redirect}?{answer}"))
}

/// The token request of the authorization code flow: the code, the same redirect, and the
/// PKCE verifier whose SHA-256 is the challenge sent at sign-in.
fn token_for_code(options: &Options, s: &mut State, request: &Request) -> Reply {
    let Some(asked) = s.authorization.clone() else {
        return oauth_error(400, "invalid_grant", "no sign-in happened");
    };
    if request.field("code").as_deref() != Some(AUTHORIZATION_CODE)
        || request.field("redirect_uri").as_deref() != field(&asked, "redirect_uri")
    {
        return oauth_error(400, "invalid_grant", "wrong code or redirect");
    }
    let verifier = request.field("code_verifier").unwrap_or_default();
    use sha2::Digest as _;
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    if Some(challenge.as_str()) != field(&asked, "code_challenge") {
        return oauth_error(400, "invalid_grant", "PKCE verification failed");
    }
    let mut body = json!({"access_token": ACCESS_TOKEN, "token_type": token_type(options), "expires_in": 300});
    if let Some(details) = field(&asked, "authorization_details").and_then(|d| serde_json::from_str::<Value>(d).ok()) {
        let granted: Vec<Value> = details
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d.get("credential_configuration_id").and_then(Value::as_str))
            .map(|c| json!({"type": "openid_credential", "credential_configuration_id": c, "credential_identifiers": [format!("{c}-2026")]}))
            .collect();
        body["authorization_details"] = Value::Array(granted);
    }
    answer(200, body)
}

fn token_type(options: &Options) -> &'static str {
    if options.dpop_algorithms.is_empty() { "Bearer" } else { "DPoP" }
}

const AS_DPOP_NONCE: &str = "as-nonce-1";
const RS_DPOP_NONCE: &str = "rs-nonce-1";

/// An error that asks for the request again with a DPoP nonce (RFC 9449 §8, §9).
fn use_dpop_nonce(status: u16, nonce: &str) -> Reply {
    let mut headers = vec![("DPoP-Nonce".into(), nonce.to_string()), ("Cache-Control".into(), "no-store".into())];
    if status == 401 {
        headers.push((
            "WWW-Authenticate".into(),
            "DPoP error=\"use_dpop_nonce\", error_description=\"a nonce is required\"".into(),
        ));
    }
    let body = json!({"error": "use_dpop_nonce", "error_description": "the DPoP proof needs the server's nonce"});
    Reply::Headers(status, "application/json", headers, body.to_string().into_bytes())
}

/// The token endpoint's DPoP check: with DPoP offered, a valid proof for this request (and
/// its nonce where the server wants one); returns the key the token is to be bound to.
fn token_dpop(options: &Options, request: &Request, htu: &str) -> Result<Option<Value>, Reply> {
    if options.dpop_algorithms.is_empty() || options.faults.contains(&Fault::DpopTokenWithoutProof) {
        return Ok(None);
    }
    let Some(proof) = request.header("dpop") else {
        return Err(oauth_error(400, "invalid_dpop_proof", "a DPoP proof is required"));
    };
    let nonce = options.faults.contains(&Fault::DpopNonceAtToken).then_some(AS_DPOP_NONCE);
    match check_dpop(options, proof, "POST", htu, None, nonce) {
        Ok(key) => Ok(Some(key)),
        Err(DpopFault::Nonce) => Err(use_dpop_nonce(400, AS_DPOP_NONCE)),
        Err(DpopFault::Invalid(why)) => Err(oauth_error(400, "invalid_dpop_proof", &why)),
    }
}

/// The resource endpoints' check of the access token: `Bearer`, or with DPoP `DPoP` and a
/// proof by the key the token is bound to, for this request and this token.
fn authorized(options: &Options, s: &State, request: &Request, htu: &str) -> Result<(), Reply> {
    let unauthorized = |scheme: &str, error: &str| {
        Reply::Headers(
            401,
            "application/json",
            vec![("WWW-Authenticate".into(), format!("{scheme} error=\"{error}\""))],
            json!({"error": error}).to_string().into_bytes(),
        )
    };
    let Some(bound) = &s.dpop_key else {
        return if request.header("authorization") == Some(&format!("Bearer {ACCESS_TOKEN}")) {
            Ok(())
        } else {
            Err(unauthorized("Bearer", "invalid_token"))
        };
    };
    if request.header("authorization") != Some(&format!("DPoP {ACCESS_TOKEN}")) {
        return Err(unauthorized("DPoP", "invalid_token"));
    }
    let Some(proof) = request.header("dpop") else { return Err(unauthorized("DPoP", "invalid_dpop_proof")) };
    let nonce = options.faults.contains(&Fault::DpopNonceAtCredential).then_some(RS_DPOP_NONCE);
    match check_dpop(options, proof, &request.method, htu, Some(ACCESS_TOKEN), nonce) {
        Ok(key) if key == *bound => Ok(()),
        Ok(_) => Err(unauthorized("DPoP", "invalid_dpop_proof")),
        Err(DpopFault::Nonce) => Err(use_dpop_nonce(401, RS_DPOP_NONCE)),
        Err(DpopFault::Invalid(_)) => Err(unauthorized("DPoP", "invalid_dpop_proof")),
    }
}

enum DpopFault {
    Nonce,
    Invalid(String),
}

/// Checks a DPoP proof as RFC 9449 §4.3 asks: `typ`, an offered `alg`, a public `jwk` whose
/// signature verifies, `htm`, `htu`, `iat`, `jti`, `ath` for a token, the nonce if one is
/// wanted. Returns the proof's key.
fn check_dpop(
    options: &Options,
    proof: &str,
    method: &str,
    htu: &str,
    token: Option<&str>,
    nonce: Option<&str>,
) -> Result<Value, DpopFault> {
    let invalid = |why: &str| DpopFault::Invalid(why.to_string());
    let header = decode_part(proof, 0).map_err(|e| invalid(&e))?;
    let claims = decode_part(proof, 1).map_err(|e| invalid(&e))?;
    if header.get("typ").and_then(Value::as_str) != Some("dpop+jwt") {
        return Err(invalid("typ is not dpop+jwt"));
    }
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or_default();
    if !options.dpop_algorithms.iter().any(|a| a == alg) {
        return Err(invalid("an algorithm not offered"));
    }
    let jwk = header.get("jwk").cloned().ok_or_else(|| invalid("no jwk"))?;
    if jwk.get("d").is_some() {
        return Err(invalid("a private key in the header"));
    }
    let (input, signature) = proof.rsplit_once('.').ok_or_else(|| invalid("not a JWT"))?;
    let signature =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signature).map_err(|_| invalid("bad signature"))?;
    verify_with_jwk(alg, &jwk, input.as_bytes(), &signature).map_err(|e| invalid(&e))?;
    if claims.get("htm").and_then(Value::as_str) != Some(method) {
        return Err(invalid("htm is not the request's method"));
    }
    if claims.get("htu").and_then(Value::as_str) != Some(htu) {
        return Err(invalid(&format!("htu is not {htu}")));
    }
    if claims.get("iat").and_then(Value::as_i64).is_none() || claims.get("jti").and_then(Value::as_str).is_none() {
        return Err(invalid("no iat or jti"));
    }
    if let Some(token) = token {
        use sha2::Digest as _;
        let ath = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(token.as_bytes()));
        if claims.get("ath").and_then(Value::as_str) != Some(ath.as_str()) {
            return Err(invalid("ath is not the token's hash"));
        }
    }
    if let Some(want) = nonce
        && claims.get("nonce").and_then(Value::as_str) != Some(want)
    {
        return Err(DpopFault::Nonce);
    }
    Ok(jwk)
}

/// Verifies a JWS signature with a public JWK: Ed25519 (`EdDSA`) or P-256 (`ES256`).
fn verify_with_jwk(alg: &str, jwk: &Value, input: &[u8], signature: &[u8]) -> Result<(), String> {
    let b64 = |name: &str| {
        jwk.get(name)
            .and_then(Value::as_str)
            .and_then(|v| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(v).ok())
            .ok_or(format!("the jwk has no {name}"))
    };
    match alg {
        "EdDSA" | "Ed25519" => {
            let key = key_of_jwk(jwk)?;
            let signature = ed25519_dalek::Signature::from_slice(signature).map_err(|_| "not an Ed25519 signature")?;
            key.verify_strict(input, &signature).map_err(|_| "the signature does not verify".to_string())
        }
        "ES256" => {
            use p256::ecdsa::signature::Verifier as _;
            if jwk.get("kty").and_then(Value::as_str) != Some("EC")
                || jwk.get("crv").and_then(Value::as_str) != Some("P-256")
            {
                return Err("not a P-256 JWK".into());
            }
            let (x, y) = (b64("x")?, b64("y")?);
            let point = p256::EncodedPoint::from_affine_coordinates(x.as_slice().into(), y.as_slice().into(), false);
            let key = p256::ecdsa::VerifyingKey::from_encoded_point(&point).map_err(|_| "not a P-256 point")?;
            let signature = p256::ecdsa::Signature::from_slice(signature).map_err(|_| "not an ES256 signature")?;
            key.verify(input, &signature).map_err(|_| "the signature does not verify".to_string())
        }
        other => Err(format!("{other} is not checked here")),
    }
}

fn credential(options: &Options, s: &mut State, id: &str, request: &Request) -> Reply {
    let has = |f: Fault| options.faults.contains(&f);
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
        return oauth_error(400, "invalid_credential_request", "not JSON");
    };
    let (config_id, format) = match options.dialect {
        Dialect::Final => {
            let by_identifier =
                body.get("credential_identifier").and_then(Value::as_str).and_then(|i| i.strip_suffix("-2026"));
            let Some(cid) = by_identifier.or_else(|| body.get("credential_configuration_id").and_then(Value::as_str))
            else {
                return oauth_error(400, "invalid_credential_request", "credential_configuration_id missing");
            };
            match options.configurations.iter().find(|(c, _)| c == cid) {
                Some((c, f)) => (c.clone(), f.clone()),
                None => return oauth_error(400, "unknown_credential_configuration", cid),
            }
        }
        Dialect::Draft13 => {
            let Some(f) = body.get("format").and_then(Value::as_str) else {
                return oauth_error(400, "invalid_request", "format missing");
            };
            match options.configurations.iter().find(|(_, cf)| cf == f) {
                Some((c, f)) => (c.clone(), f.clone()),
                None => return oauth_error(400, "unsupported_credential_format", f),
            }
        }
    };
    let jwt = match options.dialect {
        Dialect::Final => body.get("proofs").and_then(|p| p.get("jwt")).and_then(|j| j.get(0)).and_then(Value::as_str),
        Dialect::Draft13 => body.get("proof").and_then(|p| p.get("jwt")).and_then(Value::as_str),
    };
    let Some(jwt) = jwt else {
        return oauth_error(400, "invalid_proof", "no jwt proof");
    };
    let holder = match check_proof(jwt, id, &s.nonces, &options.proof_algorithms) {
        Ok(holder) => holder,
        Err(why) => return nonce_or_proof_error(options, s, "invalid_proof", &why),
    };
    if has(Fault::InvalidNonceAlways) || s.nonce_faults_left > 0 {
        s.nonce_faults_left = s.nonce_faults_left.saturating_sub(1);
        return nonce_or_proof_error(options, s, "invalid_nonce", "the nonce is stale");
    }
    // A nonce is good for one proof.
    s.nonces.clear();
    let order = Order { holder, configuration_id: config_id, format };
    if has(Fault::HugeResponse) {
        let filler = "A".repeat(10 * 1024 * 1024);
        return answer(200, json!({"credentials": [{"credential": filler}]}));
    }
    if has(Fault::Deferred) {
        return answer(
            202,
            json!({"transaction_id": "tx-1", "interval": 1, "order": order.configuration_id, "holder": order.holder}),
        );
    }
    let credential = (options.make)(&order);
    s.seen.issued += 1;
    if has(Fault::MoreCredentialsThanProofs) {
        let three = vec![json!({"credential": credential}); 3];
        return answer(200, json!({"credentials": three, "notification_id": "n-1"}));
    }
    match options.dialect {
        Dialect::Final => answer(200, json!({"credentials": [{"credential": credential}], "notification_id": "n-1"})),
        Dialect::Draft13 => {
            let nonce = fresh_nonce(s);
            answer(200, json!({"credential": credential, "c_nonce": nonce, "notification_id": "n-1"}))
        }
    }
}

fn nonce_or_proof_error(options: &Options, s: &mut State, error: &str, why: &str) -> Reply {
    match options.dialect {
        Dialect::Final => oauth_error(400, error, why),
        // Draft 13 has no invalid_nonce: invalid_proof with a fresh c_nonce.
        Dialect::Draft13 => {
            let nonce = fresh_nonce(s);
            answer(400, json!({"error": "invalid_proof", "error_description": why, "c_nonce": nonce}))
        }
    }
}

fn deferred(options: &Options, s: &mut State, request: &Request) -> Reply {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    if body.get("transaction_id").and_then(Value::as_str) != Some("tx-1") {
        return oauth_error(400, "invalid_transaction_id", "unknown transaction");
    }
    s.deferred_polls += 1;
    if s.deferred_polls < 2 {
        return oauth_error(400, "issuance_pending", "not ready");
    }
    let holder = s.seen.requests.iter().rev().find_map(|r| {
        let b: Value = serde_json::from_slice(&r.body).ok()?;
        let jwt = b.get("proofs").and_then(|p| p.get("jwt")).and_then(|j| j.get(0)).and_then(Value::as_str)?;
        decode_part(jwt, 0).ok()?.get("kid")?.as_str().map(|k| k.split('#').next().unwrap_or(k).to_string())
    });
    let (config_id, format) = options.configurations[0].clone();
    let credential = (options.make)(&Order { holder, configuration_id: config_id, format });
    s.seen.issued += 1;
    answer(200, json!({"credentials": [{"credential": credential}], "notification_id": "n-2"}))
}

fn decode_part(jwt: &str, n: usize) -> Result<Value, String> {
    let part = jwt.split('.').nth(n).ok_or("not a JWT")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).map_err(|_| "not base64url")?;
    serde_json::from_slice(&bytes).map_err(|_| "not JSON".to_string())
}

/// Checks a key proof as an issuer does (OpenID4VCI 1.0 Appendix F.4: an offered `alg`, an
/// Ed25519 or P-256 signature by the key in `kid` or `jwk`) and returns the holder DID from
/// its `kid`.
fn check_proof(
    jwt: &str,
    audience: &str,
    nonces: &HashSet<String>,
    algorithms: &[String],
) -> Result<Option<String>, String> {
    let header = decode_part(jwt, 0)?;
    let claims = decode_part(jwt, 1)?;
    if !header.get("alg").and_then(Value::as_str).is_some_and(|a| algorithms.iter().any(|x| x == a)) {
        return Err("the proof's alg is not one this issuer takes".into());
    }
    if header.get("typ").and_then(Value::as_str) != Some("openid4vci-proof+jwt") {
        return Err("typ is not openid4vci-proof+jwt".into());
    }
    if claims.get("aud").and_then(Value::as_str) != Some(audience) {
        return Err(format!("aud is not {audience}"));
    }
    if claims.get("iat").and_then(Value::as_i64).is_none() {
        return Err("no iat".into());
    }
    if claims.get("iss").is_some() {
        return Err("iss in an anonymous proof".into());
    }
    if !nonces.is_empty() && !claims.get("nonce").and_then(Value::as_str).is_some_and(|n| nonces.contains(n)) {
        return Err("the nonce is not one this issuer gave".into());
    }
    let (jwk, holder) = match (header.get("kid").and_then(Value::as_str), header.get("jwk")) {
        (Some(kid), None) => {
            let did = kid.split('#').next().unwrap_or(kid).to_string();
            (jwk_of_did(&did)?, Some(did))
        }
        (None, Some(jwk)) => (jwk.clone(), None),
        _ => return Err("exactly one of kid and jwk".into()),
    };
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or_default();
    let (input, signature) = jwt.rsplit_once('.').ok_or("not a JWT")?;
    let signature =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signature).map_err(|_| "signature not base64url")?;
    verify_with_jwk(alg, &jwk, input.as_bytes(), &signature).map_err(|e| format!("the proof: {e}"))?;
    Ok(holder)
}

/// The public key of a did:key (Ed25519 or P-256) or did:jwk, as a JWK.
fn jwk_of_did(did: &str) -> Result<Value, String> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    if let Some(mb) = did.strip_prefix("did:key:") {
        let (_, bytes) = multibase::decode(mb).map_err(|_| "bad did:key")?;
        return match bytes.as_slice() {
            [0xed, 0x01, key @ ..] if key.len() == 32 => {
                Ok(json!({"kty": "OKP", "crv": "Ed25519", "x": b64.encode(key)}))
            }
            [0x80, 0x24, point @ ..] => {
                let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| "bad P-256 key")?;
                let point = key.to_encoded_point(false);
                Ok(
                    json!({"kty": "EC", "crv": "P-256", "x": b64.encode(point.x().unwrap()), "y": b64.encode(point.y().unwrap())}),
                )
            }
            _ => Err("a did:key of a kind not checked here".into()),
        };
    }
    if let Some(encoded) = did.strip_prefix("did:jwk:") {
        let bytes = b64.decode(encoded).map_err(|_| "bad did:jwk")?;
        return serde_json::from_slice(&bytes).map_err(|_| "bad did:jwk".into());
    }
    Err(format!("cannot resolve {did}"))
}

fn key_of_jwk(jwk: &Value) -> Result<ed25519_dalek::VerifyingKey, String> {
    if jwk.get("kty").and_then(Value::as_str) != Some("OKP")
        || jwk.get("crv").and_then(Value::as_str) != Some("Ed25519")
    {
        return Err("not an Ed25519 JWK".into());
    }
    let x = jwk.get("x").and_then(Value::as_str).ok_or("no x")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(x).map_err(|_| "bad x")?;
    let raw: [u8; 32] = bytes.try_into().map_err(|_| "bad length")?;
    ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(|_| "bad key".into())
}

/// A 1×1 PNG for the issuer's logo.
fn tiny_png() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
        .unwrap()
}

/// A compact JWS of `header` and `payload`, signed by `sign` over the signing input: how the
/// tests' credential makers issue VC-JWTs with the core's own keys.
pub fn compact_jws(header: &Value, payload: &Value, sign: &dyn Fn(&[u8]) -> Vec<u8>) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let input = format!("{}.{}", b64.encode(header.to_string()), b64.encode(payload.to_string()));
    let signature = sign(input.as_bytes());
    format!("{input}.{}", b64.encode(signature))
}
