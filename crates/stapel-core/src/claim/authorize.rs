//! The authorization code flow (OpenID4VCI 1.0 §3.4, §5; RFC 6749 §4.1): the learner signs in
//! at the issuer in the **system browser** (RFC 8252: never an embedded webview), and the
//! wallet receives the code on a one-time loopback redirect `http://127.0.0.1:<port>/callback`
//! (RFC 8252 §7.3), checks `state` (and `iss`, RFC 9207, when the server sends it), and closes
//! the listener. PKCE S256 (RFC 7636) always; the request pushed first (PAR, RFC 9126) when the
//! server offers it; `authorization_details` of type `openid_credential` (§5.1.1) or the
//! configuration's `scope` (§5.1.2); `issuer_state` when the offer carries one.
//!
//! PKCE and `state` are random bytes from the OS (`getrandom`) and SHA-256 (`sha2`): the
//! `oauth2` crate was looked at and not used, since it wants to own the HTTP client and every
//! request here must go through the wallet's [`Fetcher`] and its policy (decision 0090).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::dpop::Dpop;
use super::flow::{self, Token};
use super::{ClaimError, Prepared};
use crate::net::{Fetcher, Request};

/// The client id the wallet names itself by at authorization servers that do not register
/// wallets (a public client, RFC 6749 §2.1). `STAPEL_OAUTH_CLIENT_ID` overrides it in the fronts.
pub const DEFAULT_CLIENT_ID: &str = "stapel-wallet";

/// The client id both fronts name Stapel by: `STAPEL_OAUTH_CLIENT_ID` when set and not blank
/// (for a server that registered Stapel under another id), else [`DEFAULT_CLIENT_ID`].
pub fn client_id_from_environment() -> String {
    std::env::var("STAPEL_OAUTH_CLIENT_ID")
        .ok()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| DEFAULT_CLIENT_ID.to_string())
}

/// The longest request line read from the browser on the loopback redirect.
const MAX_REQUEST_LINE: usize = 16 * 1024;

/// Opens a URL where the learner can sign in.
pub trait Browser {
    fn open(&self, url: &str) -> Result<(), String>;
}

/// The learner's own browser: `$BROWSER` when set (the first of its `:`-separated commands, with
/// `%s` replaced by the URL or the URL appended), else the platform's opener (`xdg-open`,
/// `open`, or Windows' URL handler). The URL is one argument, never passed through a shell.
pub struct SystemBrowser;

impl Browser for SystemBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        let (program, args): (String, Vec<String>) =
            match std::env::var("BROWSER").ok().filter(|b| !b.trim().is_empty()) {
                Some(browser) => {
                    let first = browser.split(':').next().unwrap_or("").trim().to_string();
                    let mut words: Vec<String> = first.split_whitespace().map(str::to_string).collect();
                    if words.is_empty() {
                        return Err("$BROWSER is set but names no program".into());
                    }
                    let program = words.remove(0);
                    if words.iter().any(|w| w.contains("%s")) {
                        words = words.into_iter().map(|w| w.replace("%s", url)).collect();
                    } else {
                        words.push(url.to_string());
                    }
                    (program, words)
                }
                None if cfg!(target_os = "macos") => ("open".into(), vec![url.to_string()]),
                None if cfg!(target_os = "windows") => {
                    ("rundll32".into(), vec!["url.dll,FileProtocolHandler".into(), url.to_string()])
                }
                None => ("xdg-open".into(), vec![url.to_string()]),
            };
        std::process::Command::new(&program)
            .args(&args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map(|mut child| {
                // Collected when it ends (an opener ends at once, a browser when it closes), so
                // no finished process is left behind while Stapel runs.
                std::thread::spawn(move || {
                    let _ = child.wait();
                });
            })
            .map_err(|e| format!("cannot start the browser ({program}): {e}"))
    }
}

/// Random bytes as base64url: 32 bytes give a 43-character PKCE verifier (RFC 7636 §4.1).
fn random_b64(n: usize) -> Result<String, ClaimError> {
    let mut bytes = Zeroizing::new(vec![0u8; n]);
    getrandom::getrandom(&mut bytes)
        .map_err(|e| ClaimError::Offer(format!("the system's random source failed: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&*bytes))
}

/// The PKCE S256 challenge of a verifier (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// What is asked for at the authorization server.
fn authorization_fields(
    prepared: &Prepared,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    challenge: &str,
) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = vec![
        ("response_type".into(), "code".into()),
        ("client_id".into(), client_id.into()),
        ("redirect_uri".into(), redirect_uri.into()),
        ("state".into(), state.into()),
        ("code_challenge".into(), challenge.into()),
        ("code_challenge_method".into(), "S256".into()),
    ];
    let wanted: Vec<&super::Configuration> =
        prepared.offered.iter().filter(|o| o.refused.is_none()).map(|o| &o.configuration).collect();
    // authorization_details where the server takes them (or says nothing and a configuration
    // has no scope); the configurations' scopes where it does not (§5.1.1, §5.1.2).
    let types = &prepared.server.authorization_details_types;
    let use_scope =
        if types.iter().any(|t| t == "openid_credential") { false } else { wanted.iter().all(|c| c.scope.is_some()) };
    if use_scope {
        let scopes: Vec<&str> = wanted.iter().filter_map(|c| c.scope.as_deref()).collect();
        fields.push(("scope".into(), scopes.join(" ")));
        if !prepared.metadata.authorization_servers.is_empty() {
            fields.push(("resource".into(), prepared.metadata.credential_issuer.clone()));
        }
    } else {
        let details: Vec<Value> = wanted
            .iter()
            .map(|c| {
                let mut d = json!({"type": "openid_credential", "credential_configuration_id": c.id});
                if !prepared.metadata.authorization_servers.is_empty() {
                    d["locations"] = json!([prepared.metadata.credential_issuer]);
                }
                d
            })
            .collect();
        fields.push(("authorization_details".into(), Value::Array(details).to_string()));
    }
    if let Some(state) = prepared.offer.authorization_code.as_ref().and_then(|a| a.issuer_state.clone()) {
        fields.push(("issuer_state".into(), state));
    }
    fields
}

/// The authorization code flow, to the access token: PKCE, PAR when offered, the browser, the
/// loopback redirect (waiting at most `wait`), the token request.
pub fn authorize(
    prepared: &Prepared,
    browser: &dyn Browser,
    client_id: &str,
    wait: Duration,
    dpop: Option<Dpop>,
    fetcher: &dyn Fetcher,
) -> Result<Token, ClaimError> {
    let issuer = prepared.metadata.credential_issuer.clone();
    let server = &prepared.server;
    let endpoint = server.authorization_endpoint.clone().ok_or_else(|| {
        ClaimError::Offer(format!(
            "it asks you to sign in at {}, but that server has no authorization endpoint",
            server.issuer
        ))
    })?;
    if !server.code_challenge_methods.is_empty() && !server.code_challenge_methods.iter().any(|m| m == "S256") {
        return Err(ClaimError::Unsupported {
            issuer,
            reason: "its authorization server does not take PKCE with S256, which Stapel requires".into(),
        });
    }
    fetcher.allows(&endpoint).map_err(|source| ClaimError::Network { step: "signing in", source })?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| ClaimError::Offer(format!("cannot listen on this computer for the sign-in's answer: {e}")))?;
    let port = listener.local_addr().map_err(|e| ClaimError::Offer(format!("the sign-in listener: {e}")))?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let verifier = Zeroizing::new(random_b64(32)?);
    let state = random_b64(16)?;
    let fields = authorization_fields(prepared, client_id, &redirect_uri, &state, &pkce_challenge(&verifier));
    let mut url =
        url::Url::parse(&endpoint).map_err(|e| ClaimError::Offer(format!("the authorization endpoint: {e}")))?;
    match &server.pushed_authorization_request_endpoint {
        Some(par) => {
            let step = "sending the sign-in request (PAR)";
            let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let response = flow::send_with(fetcher, &Request::post_form(par, &borrowed), dpop.as_ref(), None, step)?;
            let json = flow::json_answer(&response, &issuer, step)?;
            let request_uri = json.get("request_uri").and_then(Value::as_str).ok_or_else(|| ClaimError::Protocol {
                issuer: issuer.clone(),
                step,
                reason: "the answer has no request_uri".into(),
            })?;
            url.query_pairs_mut().append_pair("client_id", client_id).append_pair("request_uri", request_uri);
        }
        None if server.require_pushed_authorization_requests => {
            return Err(ClaimError::Protocol {
                issuer,
                step: "signing in",
                reason: "the server requires pushed requests but names no endpoint for them".into(),
            });
        }
        None => {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &fields {
                pairs.append_pair(k, v);
            }
        }
    }
    browser.open(url.as_str()).map_err(|e| ClaimError::Offer(format!("cannot open the browser to sign in: {e}")))?;
    let code = receive_code(&listener, &state, &server.issuer, wait, &issuer)?;
    drop(listener);
    let step = "getting an access token";
    let request = Request::post_form(
        &server.token_endpoint,
        &[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri.as_str()),
            ("code_verifier", verifier.as_str()),
            ("client_id", client_id),
        ],
    );
    let response = flow::send_with(fetcher, &request, dpop.as_ref(), None, step)?;
    let json = flow::json_answer(&response, &issuer, step)?;
    flow::read_token(&json, &issuer, step, dpop)
}

/// Waits for the browser to come back to the loopback redirect with the code. Requests for
/// other paths (a favicon) are answered 404 and waited past; an answer with another `state` is
/// refused, as is an `iss` naming another server.
fn receive_code(
    listener: &TcpListener,
    state: &str,
    server: &str,
    wait: Duration,
    issuer: &str,
) -> Result<Zeroizing<String>, ClaimError> {
    let deadline = Instant::now() + wait;
    listener.set_nonblocking(true).map_err(|e| ClaimError::Offer(format!("the sign-in listener: {e}")))?;
    loop {
        if Instant::now() >= deadline {
            return Err(ClaimError::SignInTimedOut { issuer: issuer.to_string(), seconds: wait.as_secs() });
        }
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            Err(e) => return Err(ClaimError::Offer(format!("the sign-in listener: {e}"))),
        };
        let Some(target) = request_target(&stream) else { continue };
        let Ok(url) = url::Url::parse(&format!("http://127.0.0.1{target}")) else {
            answer(stream, 400, "");
            continue;
        };
        if url.path() != "/callback" {
            answer(stream, 404, "");
            continue;
        }
        let get = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        if get("state").as_deref() != Some(state) {
            // Not this sign-in's answer (RFC 6749 §10.12): refuse, and keep the code unused.
            answer(stream, 400, page("This sign-in answer does not belong to the claim Stapel started."));
            return Err(ClaimError::Protocol {
                issuer: issuer.to_string(),
                step: "signing in",
                reason: "the sign-in came back with another state than Stapel sent, so it is not trusted".into(),
            });
        }
        if let Some(iss) = get("iss")
            && iss.trim_end_matches('/') != server.trim_end_matches('/')
        {
            answer(stream, 400, page("This sign-in answer comes from another server."));
            return Err(ClaimError::Protocol {
                issuer: issuer.to_string(),
                step: "signing in",
                reason: format!("the sign-in answer names the server {iss:?}, not {server:?}"),
            });
        }
        if let Some(error) = get("error") {
            answer(stream, 200, page("The sign-in did not go through. You can close this tab and return to Stapel."));
            return Err(ClaimError::Refused {
                issuer: issuer.to_string(),
                step: "signing in",
                answer: flow::ErrorAnswer {
                    error: flow::shorten(&error, 80),
                    description: get("error_description").map(|d| flow::shorten(&d, 300)),
                    c_nonce: None,
                },
            });
        }
        let Some(code) = get("code").filter(|c| !c.is_empty()) else {
            answer(stream, 400, page("The sign-in answer carries no code."));
            return Err(ClaimError::Protocol {
                issuer: issuer.to_string(),
                step: "signing in",
                reason: "the sign-in came back without a code".into(),
            });
        };
        answer(
            stream,
            200,
            page(
                "Stapel has your sign-in. You can close this tab and return to Stapel. / Stapel heeft je aanmelding. Je kunt dit tabblad sluiten en teruggaan naar Stapel.",
            ),
        );
        return Ok(Zeroizing::new(code));
    }
}

/// The request target of one HTTP request (`/callback?code=…`), read with a size limit.
fn request_target(stream: &TcpStream) -> Option<String> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?.take(MAX_REQUEST_LINE as u64));
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut words = line.split_whitespace();
    (words.next()? == "GET").then_some(())?;
    let target = words.next()?;
    target.starts_with('/').then(|| target.to_string())
}

fn page(text: &str) -> String {
    format!("<!doctype html><meta charset=utf-8><title>Stapel</title><p>{text}</p>")
}

fn answer(mut stream: TcpStream, status: u16, body: impl AsRef<str>) {
    let body = body.as_ref();
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        match status {
            200 => "OK",
            404 => "Not Found",
            _ => "Bad Request",
        },
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}
