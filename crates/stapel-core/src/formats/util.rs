//! Small helpers shared by the format readers: lenient access to JSON values as issuers write
//! them (a string or an array of strings, an object or its id, numbers written as strings),
//! dates normalized to RFC 3339 UTC, and the duplicate-detection key.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub(crate) type Obj = Map<String, Value>;

/// A string field, trimmed; empty strings count as absent.
pub(crate) fn str_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(crate) fn get_str(o: &Obj, key: &str) -> Option<String> {
    str_of(o.get(key))
}

/// A field that is a string, or an object whose `id` (or `@id`) is the string.
pub(crate) fn id_or_str(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Object(o) => get_str(o, "id").or_else(|| get_str(o, "@id")),
        other => str_of(Some(other)),
    }
}

/// A field that may be one value or an array of values, as a list.
pub(crate) fn list(v: Option<&Value>) -> Vec<&Value> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(other) => vec![other],
    }
}

/// The strings of a field that may be one string or an array of strings.
pub(crate) fn strings(v: Option<&Value>) -> Vec<String> {
    list(v).into_iter().filter_map(|x| str_of(Some(x))).collect()
}

/// The objects of a field that may be one object or an array of objects.
pub(crate) fn objects(v: Option<&Value>) -> Vec<&Obj> {
    list(v).into_iter().filter_map(Value::as_object).collect()
}

/// `type` (or `@type`) as a list of strings.
pub(crate) fn types_of(o: &Obj) -> Vec<String> {
    let t = strings(o.get("type"));
    if t.is_empty() { strings(o.get("@type")) } else { t }
}

pub(crate) fn has_type(o: &Obj, name: &str) -> bool {
    types_of(o).iter().any(|t| t == name || t.rsplit([':', '#', '/']).next() == Some(name))
}

/// A number written as a JSON number or as a string (`"2.5"`, `"2,5"`).
pub(crate) fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().replace(',', ".").parse::<f64>().ok().filter(|f| f.is_finite()),
        Value::Array(a) if a.len() == 1 => number(a.first()),
        _ => None,
    }
}

/// A boolean written as a JSON boolean or as `"true"` / `"false"`.
pub(crate) fn boolean(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" => Some(true),
            "false" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A display form of a number: `2.5`, `3` (not `3.0`).
pub(crate) fn show_number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", f as i64) } else { format!("{f}") }
}

/// Normalizes a date as issuers write it to RFC 3339 in UTC: full RFC 3339 timestamps, dates
/// and times without an offset (taken as UTC), bare dates (midnight UTC) and Unix timestamps
/// (OB 1.0 allowed them). `None` when it cannot be read.
pub(crate) fn date(v: Option<&Value>) -> Option<String> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
    let fmt = |d: DateTime<Utc>| d.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    match v? {
        Value::Number(n) => n.as_i64().and_then(|s| DateTime::from_timestamp(s, 0)).map(fmt),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(d) = DateTime::parse_from_rfc3339(s) {
                return Some(fmt(d.with_timezone(&Utc)));
            }
            for pattern in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
                if let Ok(d) = NaiveDateTime::parse_from_str(s, pattern) {
                    return Some(fmt(d.and_utc()));
                }
            }
            if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                return d.and_hms_opt(0, 0, 0).map(|d| fmt(d.and_utc()));
            }
            if !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()) {
                return s.parse::<i64>().ok().and_then(|n| DateTime::from_timestamp(n, 0)).map(fmt);
            }
            None
        }
        _ => None,
    }
}

/// Reads a date field; where it is present but unreadable, says so in `warnings`.
pub(crate) fn date_field(o: &Obj, key: &str, warnings: &mut Vec<String>) -> Option<String> {
    let v = o.get(key)?;
    let d = date(Some(v));
    if d.is_none() && !v.is_null() {
        warnings.push(format!("the date in `{key}` ({v}) cannot be read"));
    }
    d
}

/// The duplicate-detection key: a hash of the credential's content as issued, without its
/// proofs: `sha256:<hex of SHA-256 over the JCS (RFC 8785) form of the document less `proof`>`
/// (an OB2 hosted assertion is keyed by its URL instead: `id:<url>`).
///
/// The same credential baked into an image, signed as a JWT or imported twice gives the same
/// key; a second proof added to it does too. Two documents that merely share an `id` but say
/// different things (a re-issued version, a tampered copy) are two credentials: merging them
/// would let one show the other's content.
///
/// The registered JWT claims (`iss`, `sub`, `jti`, ...) that a VCDM 2.0 JOSE payload carries
/// beside the credential's own properties are left out too: they restate the credential, and
/// are no VC property names.
pub(crate) fn key_for(document: &Value) -> String {
    const WRAPPING: [&str; 9] = ["proof", "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "cnf"];
    let bytes = match document {
        Value::Object(o) if WRAPPING.iter().any(|k| o.contains_key(*k)) => {
            let mut o = o.clone();
            for k in WRAPPING {
                o.remove(k);
            }
            serde_jcs::to_vec(&Value::Object(o))
        }
        other => serde_jcs::to_vec(other),
    }
    .unwrap_or_else(|_| document.to_string().into_bytes());
    format!("sha256:{}", hex::encode(Sha256::digest(&bytes)))
}

/// A language tag as BCP 47 writes it (`nl_NL` → `nl-NL`).
pub(crate) fn bcp47(s: &str) -> String {
    s.trim().replace('_', "-")
}

/// An image given as a URL string or an `Image` object (`id`, `caption`).
pub(crate) fn image(v: Option<&Value>) -> Option<super::Image> {
    match v? {
        Value::Object(o) => {
            Some(super::Image { url: get_str(o, "id").or_else(|| get_str(o, "url"))?, caption: get_str(o, "caption") })
        }
        other => Some(super::Image { url: str_of(Some(other))?, caption: None }),
    }
}

pub(crate) fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// Evidence as OB2 and OB3 both give it: objects (`id`, `name`, `description`, `narrative`),
/// or bare URLs.
pub(crate) fn evidence(v: Option<&Value>) -> Vec<super::Evidence> {
    list(v)
        .into_iter()
        .filter_map(|e| match e {
            Value::Object(e) => Some(super::Evidence {
                id: get_str(e, "id"),
                name: get_str(e, "name"),
                description: get_str(e, "description"),
                narrative: get_str(e, "narrative"),
            }),
            other => str_of(Some(other)).map(|id| super::Evidence { id: Some(id), ..super::Evidence::default() }),
        })
        .collect()
}
