//! The issuer's metadata (OpenID4VCI 1.0 §12.2) and its authorization server's (RFC 8414,
//! §12.3): where they are, and what Stapel needs of them. Unknown members are ignored.

use serde_json::{Map, Value};

use super::ClaimError;
use super::offer::{Offer, is_json_media_type};
use crate::net::{FetchError, Fetcher, Request};

/// The formats Stapel reads, by their OpenID4VCI format identifiers (Appendix A).
pub const FORMATS_READ: [&str; 3] = ["jwt_vc_json", "jwt_vc_json-ld", "ldp_vc"];

/// Formats refused by name: Stapel holds W3C credentials and Open Badges, not these.
const FORMATS_NAMED: [(&str, &str); 3] = [
    ("dc+sd-jwt", "an SD-JWT VC (dc+sd-jwt)"),
    ("vc+sd-jwt", "an SD-JWT VC (vc+sd-jwt)"),
    ("mso_mdoc", "an ISO mdoc (mso_mdoc)"),
];

/// The most credential configurations read from metadata.
pub const MAX_CONFIGURATIONS: usize = 256;

/// How one display entry reads (§12.2.4 `display`, Appendix A `credential_metadata.display`).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Display {
    pub name: Option<String>,
    pub locale: Option<String>,
    pub description: Option<String>,
    pub logo_uri: Option<String>,
    pub logo_alt_text: Option<String>,
    pub background_color: Option<String>,
    pub text_color: Option<String>,
}

/// One credential configuration the issuer supports.
#[derive(Debug, Clone, PartialEq)]
pub struct Configuration {
    pub id: String,
    pub format: String,
    pub scope: Option<String>,
    /// `did:key`, `did:jwk`, `jwk`, ... ; empty when the issuer binds to no key.
    pub binding_methods: Vec<String>,
    /// The `jwt` proof type's algorithms, when the configuration names proof types.
    pub proof_types: Option<Map<String, Value>>,
    /// Draft 13 sends it back in the request; kept as the issuer wrote it.
    pub credential_definition: Option<Value>,
    pub display: Vec<Display>,
}

impl Configuration {
    /// Why Stapel cannot take this configuration, if it cannot.
    pub fn refusal(&self) -> Option<String> {
        if FORMATS_READ.contains(&self.format.as_str()) {
            return None;
        }
        Some(match FORMATS_NAMED.iter().find(|(f, _)| *f == self.format) {
            Some((_, named)) => {
                format!(
                    "{} is {named}, a format Stapel does not hold (it holds W3C credentials and Open Badges)",
                    self.id
                )
            }
            None => format!("{} is in the format {:?}, which Stapel does not read", self.id, self.format),
        })
    }

    /// Why the configuration's key proofs cannot be made, if it requires a key attestation
    /// (`key_attestations_required`, §12.2.4, Appendix D): a statement by certified hardware
    /// about the wallet's key, which a desktop wallet whose keys live in its encrypted file
    /// cannot honestly give. Its offer can still be read and shown; claiming it is refused.
    pub fn key_attestation_refusal(&self) -> Option<String> {
        let jwt = self.proof_types.as_ref()?.get("jwt")?;
        jwt.get("key_attestations_required").is_some().then(|| {
            format!(
                "{} requires a key attestation (a statement by certified hardware about the wallet's key), which Stapel cannot give",
                self.id
            )
        })
    }

    /// Whether the request must carry a key proof: 1.0 requires one when proof types are named;
    /// draft 13 issuers that bind to a key name binding methods.
    pub fn needs_proof(&self) -> bool {
        self.proof_types.is_some() || !self.binding_methods.is_empty()
    }

    /// The `jwt` proof type's algorithms, or `None` when any is accepted (no list given).
    pub fn jwt_proof_algorithms(&self) -> Result<Option<Vec<String>>, String> {
        let Some(types) = &self.proof_types else { return Ok(None) };
        match types.get("jwt") {
            None => Err(format!(
                "{} accepts key proofs only of the types {}, and Stapel signs jwt proofs",
                self.id,
                types.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
            Some(jwt) => Ok(jwt
                .get("proof_signing_alg_values_supported")
                .and_then(Value::as_array)
                .map(|algs| algs.iter().filter_map(Value::as_str).map(str::to_string).collect())),
        }
    }
}

/// The issuer's metadata, as far as the wallet uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuerMetadata {
    pub credential_issuer: String,
    /// Where the metadata was found.
    pub url: String,
    pub authorization_servers: Vec<String>,
    pub credential_endpoint: String,
    pub nonce_endpoint: Option<String>,
    pub deferred_credential_endpoint: Option<String>,
    pub notification_endpoint: Option<String>,
    pub batch_size: Option<u64>,
    /// Set when the issuer requires an encrypted request or response, which Stapel does not do.
    pub requires_encryption: Option<String>,
    pub display: Vec<Display>,
    pub configurations: Vec<Configuration>,
    /// The metadata's JSON as the issuer served it, kept with claimed credentials.
    pub raw: Value,
}

impl IssuerMetadata {
    pub fn configuration(&self, id: &str) -> Option<&Configuration> {
        self.configurations.iter().find(|c| c.id == id)
    }
}

/// The authorization server's metadata, as far as the wallet uses it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AuthServerMetadata {
    pub issuer: String,
    pub token_endpoint: String,
    pub authorization_endpoint: Option<String>,
    pub pushed_authorization_request_endpoint: Option<String>,
    pub require_pushed_authorization_requests: bool,
    pub code_challenge_methods: Vec<String>,
    /// `pre-authorized_grant_anonymous_access_supported` (§12.3); absent means false.
    pub anonymous_pre_authorized: bool,
    pub dpop_algorithms: Vec<String>,
    /// `authorization_details_types_supported` (RFC 9396).
    pub authorization_details_types: Vec<String>,
    /// `token_endpoint_auth_methods_supported` (RFC 8414 §2).
    pub token_endpoint_auth_methods: Vec<String>,
}

impl AuthServerMetadata {
    /// Why the server cannot be used by Stapel, if every way it lets a client in at the token
    /// endpoint is a wallet attestation (`attest_jwt_client_auth`): a statement by a wallet
    /// provider that vouches for the wallet, which an independent wallet does not have.
    pub fn requires_wallet_attestation(&self) -> Option<String> {
        let methods = &self.token_endpoint_auth_methods;
        (!methods.is_empty() && methods.iter().all(|m| m == "attest_jwt_client_auth")).then(|| {
            "its authorization server admits only wallets that a wallet provider vouches for (a wallet \
             attestation, attest_jwt_client_auth), and Stapel is a wallet of its own"
                .to_string()
        })
    }
}

/// The two places a document under `.well-known` may be for an identifier with a path: the
/// suffix inserted before the path (RFC 8414 §3.1, OpenID4VCI 1.0 §12.2.2), then appended
/// after it (draft 13 and OpenID Connect Discovery). For an identifier without a path both
/// are the same URL, given once.
pub fn well_known_urls(identifier: &str, suffix: &str) -> Result<Vec<String>, String> {
    let url = url::Url::parse(identifier).map_err(|e| format!("{identifier} is not a URL ({e})"))?;
    let origin = url.origin().ascii_serialization();
    let path = url.path().trim_end_matches('/');
    let inserted = format!("{origin}/.well-known/{suffix}{path}");
    let appended = format!("{origin}{path}/.well-known/{suffix}");
    Ok(if inserted == appended { vec![inserted] } else { vec![inserted, appended] })
}

/// Fetches the first of `urls` that answers 200 with a JSON object.
fn fetch_json_object(
    urls: &[String],
    fetcher: &dyn Fetcher,
    step: &'static str,
) -> Result<(String, Value), ClaimError> {
    let mut last = None;
    let mut last_fault = None;
    for url in urls {
        let response = match fetcher.exchange(&Request::get_json(url)) {
            Ok(response) => response,
            // A documents map without this URL: look at the next place. Any other fault (the
            // host cannot be reached, a time-out) would be the same at every place.
            Err(e @ FetchError::Offline { .. }) if url != urls.last().unwrap_or(url) => {
                last_fault = Some(e);
                continue;
            }
            Err(e) => return Err(ClaimError::Network { step, source: e }),
        };
        if response.status == 404 || response.status == 410 || !response.is_success() {
            last = Some(format!("{url} answered {}", response.status));
            continue;
        }
        if let Some(ct) = &response.content_type
            && !is_json_media_type(ct)
        {
            last = Some(format!("{url} answered {ct}, not JSON"));
            continue;
        }
        match serde_json::from_slice::<Value>(&response.body) {
            Ok(v) if v.is_object() => return Ok((url.clone(), v)),
            Ok(_) => last = Some(format!("{url} answered JSON that is not an object")),
            Err(e) => last = Some(format!("{url} did not answer JSON ({e})")),
        }
    }
    match (last, last_fault) {
        (Some(reason), _) => Err(ClaimError::Metadata { step, reason }),
        (None, Some(fault)) => Err(ClaimError::Network { step, source: fault }),
        (None, None) => Err(ClaimError::Metadata { step, reason: "no place to look".into() }),
    }
}

/// Fetches and checks the issuer's metadata for an offer (§12.2.2, §12.2.4).
pub fn issuer_metadata(offer: &Offer, fetcher: &dyn Fetcher) -> Result<IssuerMetadata, ClaimError> {
    let step = "reading the issuer's metadata";
    let issuer = &offer.credential_issuer;
    let urls =
        well_known_urls(issuer, "openid-credential-issuer").map_err(|reason| ClaimError::Metadata { step, reason })?;
    let (url, raw) = fetch_json_object(&urls, fetcher, step)?;
    read_issuer_metadata(raw, &url, issuer)
}

/// Checks the issuer's metadata as served at `url` for the issuer identifier `issuer`.
pub fn read_issuer_metadata(raw: Value, url: &str, issuer: &str) -> Result<IssuerMetadata, ClaimError> {
    let step = "reading the issuer's metadata";
    let bad = |reason: String| ClaimError::Metadata { step, reason: format!("{url}: {reason}") };
    let obj = raw.as_object().ok_or_else(|| bad("not a JSON object".into()))?;
    let stated = obj.get("credential_issuer").and_then(Value::as_str).unwrap_or_default();
    if stated != issuer {
        return Err(bad(format!(
            "the metadata is for the issuer {stated:?}, not for {issuer:?} that made the offer; it is refused (§12.2.2)"
        )));
    }
    let credential_endpoint = required_url(obj, "credential_endpoint").map_err(bad)?;
    let authorization_servers = match obj.get("authorization_servers") {
        None => vec![],
        Some(Value::Array(a)) => {
            a.iter().filter_map(Value::as_str).filter(|s| !s.trim().is_empty()).map(str::to_string).collect()
        }
        Some(_) => return Err(bad("authorization_servers is not an array".into())),
    };
    let mut requires_encryption = None;
    for (member, what) in [
        ("credential_request_encryption", "encrypted requests"),
        ("credential_response_encryption", "encrypted responses"),
    ] {
        if obj.get(member).and_then(|e| e.get("encryption_required")).and_then(Value::as_bool) == Some(true) {
            requires_encryption =
                Some(format!("the issuer requires {what} ({member}), which Stapel does not send yet"));
        }
    }
    let configs = obj
        .get("credential_configurations_supported")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("credential_configurations_supported is missing or not an object".into()))?;
    if configs.len() > MAX_CONFIGURATIONS {
        return Err(bad(format!("it lists more than {MAX_CONFIGURATIONS} credential configurations")));
    }
    let configurations = configs.iter().filter_map(|(id, c)| configuration(id, c)).collect();
    Ok(IssuerMetadata {
        credential_issuer: issuer.to_string(),
        url: url.to_string(),
        authorization_servers,
        credential_endpoint,
        nonce_endpoint: optional_url(obj, "nonce_endpoint"),
        deferred_credential_endpoint: optional_url(obj, "deferred_credential_endpoint"),
        notification_endpoint: optional_url(obj, "notification_endpoint"),
        batch_size: obj.get("batch_credential_issuance").and_then(|b| b.get("batch_size")).and_then(Value::as_u64),
        requires_encryption,
        display: displays(obj.get("display")),
        configurations,
        raw,
    })
}

fn configuration(id: &str, c: &Value) -> Option<Configuration> {
    let c = c.as_object()?;
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    // 1.0 keeps display under credential_metadata; draft 13 at the configuration's top.
    let display = c.get("credential_metadata").and_then(|m| m.get("display")).or_else(|| c.get("display"));
    Some(Configuration {
        id: id.to_string(),
        format: c.get("format").and_then(Value::as_str).unwrap_or_default().to_string(),
        scope: c.get("scope").and_then(Value::as_str).map(str::to_string),
        binding_methods: strings(c.get("cryptographic_binding_methods_supported")),
        proof_types: c.get("proof_types_supported").and_then(Value::as_object).cloned(),
        credential_definition: c.get("credential_definition").cloned(),
        display: displays(display),
    })
}

fn displays(v: Option<&Value>) -> Vec<Display> {
    let text = |d: &Value, k: &str| d.get(k).and_then(Value::as_str).map(str::to_string);
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|d| d.is_object())
                .take(32)
                .map(|d| Display {
                    name: text(d, "name"),
                    locale: text(d, "locale"),
                    description: text(d, "description"),
                    logo_uri: d.get("logo").and_then(|l| text(l, "uri")),
                    logo_alt_text: d.get("logo").and_then(|l| text(l, "alt_text")),
                    background_color: text(d, "background_color"),
                    text_color: text(d, "text_color"),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The display entry for a language (`en`, `nl`): its own locale, then one without a locale,
/// then English, then the first.
pub fn display_for<'a>(displays: &'a [Display], language: &str) -> Option<&'a Display> {
    let lang_of =
        |d: &Display| d.locale.as_deref().map(|l| l.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase());
    displays
        .iter()
        .find(|d| lang_of(d).as_deref() == Some(language))
        .or_else(|| displays.iter().find(|d| d.locale.is_none()))
        .or_else(|| displays.iter().find(|d| lang_of(d).as_deref() == Some("en")))
        .or_else(|| displays.first())
}

fn required_url(obj: &Map<String, Value>, name: &str) -> Result<String, String> {
    optional_url(obj, name).ok_or_else(|| format!("{name} is missing or not a URL"))
}

fn optional_url(obj: &Map<String, Value>, name: &str) -> Option<String> {
    obj.get(name).and_then(Value::as_str).filter(|s| url::Url::parse(s).is_ok()).map(str::to_string)
}

/// Finds the authorization server for a grant and reads its metadata. The server named in the
/// offer's grant must be one the issuer lists; without one, the issuer's first, or the issuer
/// itself when it lists none (§12.2.4 `authorization_servers`).
pub fn auth_server_metadata(
    metadata: &IssuerMetadata,
    named: Option<&str>,
    fetcher: &dyn Fetcher,
) -> Result<AuthServerMetadata, ClaimError> {
    let step = "reading the authorization server's metadata";
    let server = match named {
        Some(named) if !metadata.authorization_servers.iter().any(|s| s == named) => {
            return Err(ClaimError::Metadata {
                step,
                reason: format!(
                    "the offer names the authorization server {named}, which the issuer {} does not list; it is refused",
                    metadata.credential_issuer
                ),
            });
        }
        Some(named) => named.to_string(),
        None => metadata.authorization_servers.first().cloned().unwrap_or_else(|| metadata.credential_issuer.clone()),
    };
    let mut urls = well_known_urls(&server, "oauth-authorization-server")
        .map_err(|reason| ClaimError::Metadata { step, reason })?;
    urls.extend(
        well_known_urls(&server, "openid-configuration").map_err(|reason| ClaimError::Metadata { step, reason })?,
    );
    let (url, raw) = fetch_json_object(&urls, fetcher, step)?;
    let obj = raw.as_object().ok_or_else(|| ClaimError::Metadata { step, reason: format!("{url}: not an object") })?;
    let bad = |reason: String| ClaimError::Metadata { step, reason: format!("{url}: {reason}") };
    let stated = obj.get("issuer").and_then(Value::as_str).unwrap_or_default();
    // RFC 8414 §3.3: the issuer in the metadata must be the one it was looked up for.
    if stated.trim_end_matches('/') != server.trim_end_matches('/') {
        return Err(bad(format!("the metadata is for the server {stated:?}, not for {server:?}; it is refused")));
    }
    let strings = |name: &str| -> Vec<String> {
        obj.get(name)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    Ok(AuthServerMetadata {
        issuer: server.clone(),
        token_endpoint: required_url(obj, "token_endpoint").map_err(bad)?,
        authorization_endpoint: optional_url(obj, "authorization_endpoint"),
        pushed_authorization_request_endpoint: optional_url(obj, "pushed_authorization_request_endpoint"),
        require_pushed_authorization_requests: obj
            .get("require_pushed_authorization_requests")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        code_challenge_methods: strings("code_challenge_methods_supported"),
        anonymous_pre_authorized: obj
            .get("pre-authorized_grant_anonymous_access_supported")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        dpop_algorithms: strings("dpop_signing_alg_values_supported"),
        authorization_details_types: strings("authorization_details_types_supported"),
        token_endpoint_auth_methods: strings("token_endpoint_auth_methods_supported"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_goes_before_the_path_then_after_it() {
        assert_eq!(
            well_known_urls("https://issuer.example.com", "openid-credential-issuer").unwrap(),
            vec!["https://issuer.example.com/.well-known/openid-credential-issuer"]
        );
        assert_eq!(
            well_known_urls("https://issuer.example.com/tenant/1/", "openid-credential-issuer").unwrap(),
            vec![
                "https://issuer.example.com/.well-known/openid-credential-issuer/tenant/1",
                "https://issuer.example.com/tenant/1/.well-known/openid-credential-issuer"
            ]
        );
    }

    #[test]
    fn display_prefers_the_language_then_no_locale_then_english() {
        let d = |locale: Option<&str>, name: &str| Display {
            locale: locale.map(str::to_string),
            name: Some(name.into()),
            ..Display::default()
        };
        let all = vec![d(Some("en-US"), "en"), d(Some("nl-NL"), "nl"), d(None, "plain")];
        assert_eq!(display_for(&all, "nl").unwrap().name.as_deref(), Some("nl"));
        assert_eq!(display_for(&all, "de").unwrap().name.as_deref(), Some("plain"));
        assert_eq!(display_for(&all[..1], "de").unwrap().name.as_deref(), Some("en"));
        assert!(display_for(&[], "en").is_none());
    }
}
