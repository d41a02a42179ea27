//! The credential offer (OpenID4VCI 1.0 §4.1): read from a URI, a link, or JSON, by value or by
//! reference, and checked before anything else is asked of the issuer.

use serde_json::Value;

use super::ClaimError;
use crate::net::{Fetcher, Request};

/// The grant type of a pre-authorized code (§4.1.1, RFC 6749 extension grant).
pub const PRE_AUTHORIZED_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

/// A `tx_code.description` longer than this is refused (§4.1.1: "MUST NOT exceed 300 characters").
pub const MAX_TX_CODE_DESCRIPTION: usize = 300;

/// The largest offer URI or offer JSON read, in bytes: an offer is a few hundred bytes; a QR
/// code holds at most about 3 KB.
pub const MAX_OFFER_BYTES: usize = 64 * 1024;

/// A credential offer, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// The Credential Issuer Identifier: an https URL (http only on loopback under the opt-in).
    pub credential_issuer: String,
    /// Which credentials are offered, by their ids in the issuer's metadata.
    pub configuration_ids: Vec<String>,
    pub pre_authorized: Option<PreAuthorized>,
    pub authorization_code: Option<AuthorizationCode>,
    /// Where the offer came from: `by value`, or the `credential_offer_uri` it was fetched from.
    pub fetched_from: Option<String>,
}

/// The pre-authorized code grant of an offer.
#[derive(Clone, PartialEq, Eq)]
pub struct PreAuthorized {
    /// The code. Secret: never logged, never stored (Debug leaves it out).
    pub code: String,
    /// Present when the issuer asks for a transaction code (even `{}`).
    pub tx_code: Option<TxCode>,
    pub authorization_server: Option<String>,
}

impl std::fmt::Debug for PreAuthorized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreAuthorized")
            .field("tx_code", &self.tx_code)
            .field("authorization_server", &self.authorization_server)
            .finish_non_exhaustive()
    }
}

/// How the transaction code is to be entered (§4.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct TxCode {
    /// `numeric` (the default) or `text`.
    pub input_mode: String,
    pub length: Option<u32>,
    /// The issuer's words, shown as text; at most 300 characters.
    pub description: Option<String>,
}

/// The authorization code grant of an offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    pub issuer_state: Option<String>,
    pub authorization_server: Option<String>,
}

/// The schemes an offer URI may have: the OpenID4VCI one and HAIP's.
const OFFER_SCHEMES: [&str; 2] = ["openid-credential-offer", "haip"];

/// Reads an offer from what the learner gave: an `openid-credential-offer://` or `haip://` URI,
/// an `https://` link carrying the same query, or the offer's JSON itself. An offer given by
/// reference is fetched with GET through the fetcher (so under the net policy: https only,
/// loopback http only under the opt-in).
pub fn read_offer(text: &str, fetcher: &dyn Fetcher) -> Result<Offer, ClaimError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ClaimError::Offer("the offer is empty".into()));
    }
    if text.len() > MAX_OFFER_BYTES {
        return Err(ClaimError::Offer(format!("the offer is longer than {MAX_OFFER_BYTES} bytes")));
    }
    if text.starts_with('{') {
        let json: Value =
            serde_json::from_str(text).map_err(|e| ClaimError::Offer(format!("the offer is not valid JSON ({e})")))?;
        return parse_offer_json(&json, None);
    }
    let url = url::Url::parse(text).map_err(|e| ClaimError::Offer(format!("not a credential offer link ({e})")))?;
    let scheme = url.scheme();
    if !OFFER_SCHEMES.contains(&scheme) && scheme != "https" && scheme != "http" {
        return Err(ClaimError::Offer(format!(
            "a link of the kind {scheme}: is not a credential offer (expected openid-credential-offer://, haip:// or https://)"
        )));
    }
    let mut by_value = None;
    let mut by_reference = None;
    for (name, value) in url.query_pairs() {
        match name.as_ref() {
            "credential_offer" => set_once(&mut by_value, value.into_owned(), "credential_offer")?,
            "credential_offer_uri" => set_once(&mut by_reference, value.into_owned(), "credential_offer_uri")?,
            _ => {}
        }
    }
    match (by_value, by_reference) {
        (Some(_), Some(_)) => Err(ClaimError::Offer(
            "the link carries both credential_offer and credential_offer_uri; an offer has exactly one".into(),
        )),
        (None, None) => Err(ClaimError::Offer(
            "the link carries neither credential_offer nor credential_offer_uri, so it is no credential offer".into(),
        )),
        (Some(json), None) => {
            let json: Value = serde_json::from_str(&json)
                .map_err(|e| ClaimError::Offer(format!("the offer in the link is not valid JSON ({e})")))?;
            parse_offer_json(&json, None)
        }
        (None, Some(reference)) => fetch_offer(&reference, fetcher),
    }
}

fn set_once(slot: &mut Option<String>, value: String, name: &str) -> Result<(), ClaimError> {
    if slot.is_some() {
        return Err(ClaimError::Offer(format!("the link carries {name} twice")));
    }
    *slot = Some(value);
    Ok(())
}

/// GETs an offer by reference (§4.1.3): JSON only.
fn fetch_offer(reference: &str, fetcher: &dyn Fetcher) -> Result<Offer, ClaimError> {
    let parsed = url::Url::parse(reference)
        .map_err(|e| ClaimError::Offer(format!("credential_offer_uri is not a URL ({e})")))?;
    if parsed.scheme() != "https" && parsed.scheme() != "http" {
        return Err(ClaimError::Offer(format!("credential_offer_uri must be an https URL, not {reference}")));
    }
    let response = fetcher
        .exchange(&Request::get_json(reference))
        .map_err(|e| ClaimError::Network { step: "fetching the offer", source: e })?;
    if !response.is_success() {
        return Err(ClaimError::Offer(format!("{reference} answered {} instead of the offer", response.status)));
    }
    if let Some(ct) = &response.content_type
        && !is_json_media_type(ct)
    {
        return Err(ClaimError::Offer(format!("{reference} answered {ct}, not the offer's JSON")));
    }
    let json: Value = serde_json::from_slice(&response.body)
        .map_err(|e| ClaimError::Offer(format!("{reference} did not answer JSON ({e})")))?;
    parse_offer_json(&json, Some(reference.to_string()))
}

/// `application/json` and `+json` types.
pub(crate) fn is_json_media_type(media_type: &str) -> bool {
    media_type == "application/json" || media_type.ends_with("+json")
}

/// Checks an offer's JSON (§4.1.1).
pub fn parse_offer_json(json: &Value, fetched_from: Option<String>) -> Result<Offer, ClaimError> {
    let obj = json.as_object().ok_or_else(|| ClaimError::Offer("the offer is not a JSON object".into()))?;
    if obj.contains_key("credentials") && !obj.contains_key("credential_configuration_ids") {
        return Err(ClaimError::Offer(
            "the offer is in the shape of an OpenID4VCI draft before 13 (\"credentials\"), which Stapel does not \
             take; the issuer's offers follow draft 13 or 1.0"
                .into(),
        ));
    }
    let credential_issuer = non_blank_string(obj.get("credential_issuer"), "credential_issuer")?;
    let issuer_url = url::Url::parse(&credential_issuer)
        .map_err(|e| ClaimError::Offer(format!("credential_issuer {credential_issuer} is not a URL ({e})")))?;
    if issuer_url.scheme() != "https" && issuer_url.scheme() != "http" {
        return Err(ClaimError::Offer(format!("credential_issuer {credential_issuer} is not an https URL")));
    }
    if issuer_url.query().is_some() || issuer_url.fragment().is_some() {
        return Err(ClaimError::Offer(format!(
            "credential_issuer {credential_issuer} has a query or fragment, which an issuer identifier must not"
        )));
    }
    let ids = obj
        .get("credential_configuration_ids")
        .and_then(Value::as_array)
        .ok_or_else(|| ClaimError::Offer("the offer names no credential_configuration_ids".into()))?;
    let mut configuration_ids = Vec::new();
    for id in ids {
        let id = id.as_str().filter(|s| !s.trim().is_empty()).ok_or_else(|| {
            ClaimError::Offer("a credential_configuration_ids entry is not a non-empty string".into())
        })?;
        if !configuration_ids.iter().any(|c| c == id) {
            configuration_ids.push(id.to_string());
        }
    }
    if configuration_ids.is_empty() {
        return Err(ClaimError::Offer("the offer's credential_configuration_ids is empty".into()));
    }
    let grants = match obj.get("grants") {
        None => None,
        Some(Value::Object(g)) => Some(g),
        Some(_) => return Err(ClaimError::Offer("the offer's grants is not an object".into())),
    };
    let pre_authorized = match grants.and_then(|g| g.get(PRE_AUTHORIZED_GRANT)) {
        None => None,
        Some(g) => Some(pre_authorized_grant(g)?),
    };
    let authorization_code = match grants.and_then(|g| g.get("authorization_code")) {
        None => None,
        Some(g) => {
            let g = g
                .as_object()
                .ok_or_else(|| ClaimError::Offer("the authorization_code grant is not an object".into()))?;
            Some(AuthorizationCode {
                issuer_state: optional_non_blank(g.get("issuer_state"), "issuer_state")?,
                authorization_server: optional_non_blank(g.get("authorization_server"), "authorization_server")?,
            })
        }
    };
    Ok(Offer { credential_issuer, configuration_ids, pre_authorized, authorization_code, fetched_from })
}

fn pre_authorized_grant(g: &Value) -> Result<PreAuthorized, ClaimError> {
    let g = g.as_object().ok_or_else(|| ClaimError::Offer("the pre-authorized code grant is not an object".into()))?;
    let code = non_blank_string(g.get("pre-authorized_code"), "pre-authorized_code")?;
    let tx_code = match g.get("tx_code") {
        None => None,
        Some(Value::Object(t)) => {
            let input_mode = match t.get("input_mode") {
                None => "numeric".to_string(),
                Some(Value::String(m)) if m == "numeric" || m == "text" => m.clone(),
                Some(other) => {
                    return Err(ClaimError::Offer(format!(
                        "tx_code.input_mode is {other}, where only \"numeric\" and \"text\" are defined"
                    )));
                }
            };
            let length = match t.get("length") {
                None => None,
                Some(v) => Some(
                    v.as_u64()
                        .filter(|n| (1..=64).contains(n))
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| ClaimError::Offer(format!("tx_code.length {v} is not a length from 1 to 64")))?,
                ),
            };
            let description = match t.get("description") {
                None => None,
                Some(Value::String(d)) if d.chars().count() > MAX_TX_CODE_DESCRIPTION => {
                    return Err(ClaimError::Offer(format!(
                        "tx_code.description is {} characters long, over the {MAX_TX_CODE_DESCRIPTION} the \
                         specification allows",
                        d.chars().count()
                    )));
                }
                Some(Value::String(d)) => Some(d.clone()),
                Some(_) => return Err(ClaimError::Offer("tx_code.description is not a string".into())),
            };
            Some(TxCode { input_mode, length, description })
        }
        Some(_) => return Err(ClaimError::Offer("tx_code is not an object".into())),
    };
    Ok(PreAuthorized {
        code,
        tx_code,
        authorization_server: optional_non_blank(g.get("authorization_server"), "authorization_server")?,
    })
}

fn non_blank_string(v: Option<&Value>, name: &str) -> Result<String, ClaimError> {
    match v {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err(ClaimError::Offer(format!("the offer's {name} is blank"))),
        Some(_) => Err(ClaimError::Offer(format!("the offer's {name} is not a string"))),
        None => Err(ClaimError::Offer(format!("the offer has no {name}"))),
    }
}

fn optional_non_blank(v: Option<&Value>, name: &str) -> Result<Option<String>, ClaimError> {
    match v {
        None => Ok(None),
        some => non_blank_string(some, name).map(Some),
    }
}
