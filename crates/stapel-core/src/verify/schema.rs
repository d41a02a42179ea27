//! The `schema` check: a credential is validated against the JSON Schemas it names in
//! `credentialSchema` (Open Badges 3.0 / CLR 2.0 `1EdTechJsonSchemaValidator2019`, VCDM 2.0
//! `JsonSchema`), with a list of the first violations.
//!
//! Schema documents come only through the [`Fetcher`] handed in (which answers from local
//! copies with `--documents`, or refuses when offline); the `jsonschema` crate is built
//! without its HTTP and file resolvers, and every `$ref` to another document is resolved only
//! from documents fetched the same way beforehand. A schema that cannot be had makes the check
//! `unverifiable` naming its URL; a credential that breaks a schema fails it.
//! See docs/decisions/0038-schema-check.md.

use std::collections::HashMap;

use serde_json::Value;

use super::report::{Check, CheckId};
use crate::net::Fetcher;

/// Schema types whose `id` is a JSON Schema the credential must conform to.
const JSON_SCHEMA_TYPES: [&str; 2] = ["1EdTechJsonSchemaValidator2019", "JsonSchema"];
/// How many violations the message lists.
const SHOWN_VIOLATIONS: usize = 3;
/// Most documents (the schema and the ones its `$ref`s name) fetched for one schema.
const MAX_DOCUMENTS: usize = 16;

/// Why a schema could not be used. Each message names the schema's URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("the schema {url} could not be obtained: {reason}")]
    Unobtainable { url: String, reason: String },
    #[error("the schema {url} is not JSON: {reason}")]
    NotJson { url: String, reason: String },
    #[error("the schema {url} is not a usable JSON Schema: {reason}")]
    Unusable { url: String, reason: String },
    #[error("the schema {url} refers to more than {limit} other documents")]
    TooManyDocuments { url: String, limit: usize },
    #[error("a credentialSchema entry of type {kind} is not supported")]
    UnsupportedType { kind: String },
    #[error("a credentialSchema entry has no id naming its schema")]
    NoId,
}

/// The `schema` check of one credential (the JSON object, or the credential carried by a JWT).
pub fn check(doc: &Value, fetcher: &dyn Fetcher) -> Check {
    let id = CheckId::Schema;
    let entries: Vec<&Value> = match doc.get("credentialSchema") {
        None | Some(Value::Null) => return Check::skipped(id, "the credential names no schema"),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(other) => vec![other],
    };
    if entries.is_empty() {
        return Check::skipped(id, "the credential names no schema");
    }
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    let mut unverifiable = Vec::new();
    for entry in entries {
        match check_entry(doc, entry, fetcher) {
            Ok(Ok(url)) => passed.push(url),
            Ok(Err((url, violations))) => failed.push(format!("{url}: {}", violations.join("; "))),
            Err(e) => unverifiable.push(e.to_string()),
        }
    }
    if !failed.is_empty() {
        return Check::failed(id, format!("the credential does not conform to its schema: {}", failed.join(" | ")));
    }
    if !unverifiable.is_empty() {
        return Check::unverifiable(id, unverifiable.join("; "));
    }
    Check::passed(id, format!("the credential conforms to {}", passed.join(", ")))
}

type EntryResult = Result<Result<String, (String, Vec<String>)>, SchemaError>;

fn check_entry(doc: &Value, entry: &Value, fetcher: &dyn Fetcher) -> EntryResult {
    let kinds: Vec<&str> = match entry.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !kinds.iter().any(|k| JSON_SCHEMA_TYPES.contains(k)) {
        let kind = if kinds.is_empty() { "(none)".to_string() } else { kinds.join(", ") };
        return Err(SchemaError::UnsupportedType { kind });
    }
    let url = entry.get("id").and_then(Value::as_str).ok_or(SchemaError::NoId)?.to_string();
    let schema = fetch_json(&url, fetcher)?;
    let documents = referenced_documents(&url, &schema, fetcher)?;
    let validator = jsonschema::options()
        .with_retriever(Documents(documents))
        .build(&schema)
        .map_err(|e| SchemaError::Unusable { url: url.clone(), reason: e.to_string() })?;
    let violations: Vec<String> = validator
        .iter_errors(doc)
        .take(SHOWN_VIOLATIONS)
        .map(|e| {
            let path = e.instance_path().as_str().to_string();
            let at = if path.is_empty() { "/".to_string() } else { path };
            format!("at {at}: {e}")
        })
        .collect();
    if violations.is_empty() { Ok(Ok(url)) } else { Ok(Err((url, violations))) }
}

fn fetch_json(url: &str, fetcher: &dyn Fetcher) -> Result<Value, SchemaError> {
    let fetched =
        fetcher.fetch(url).map_err(|e| SchemaError::Unobtainable { url: url.to_string(), reason: e.to_string() })?;
    serde_json::from_slice(&fetched.body)
        .map_err(|e| SchemaError::NotJson { url: url.to_string(), reason: e.to_string() })
}

/// Every other document the schema's `$ref`s name (transitively), fetched through the fetcher,
/// keyed by URL without fragment.
fn referenced_documents(
    url: &str,
    schema: &Value,
    fetcher: &dyn Fetcher,
) -> Result<HashMap<String, Value>, SchemaError> {
    let mut documents: HashMap<String, Value> = HashMap::new();
    let mut pending: Vec<(String, Value)> = vec![(base_of(url, schema), schema.clone())];
    let root = strip_fragment(url);
    while let Some((base, document)) = pending.pop() {
        let mut refs = Vec::new();
        collect_refs(&document, &mut refs);
        for r in refs {
            let Some(target) = resolve(&base, &r) else { continue };
            if target == root || documents.contains_key(&target) || target == base {
                continue;
            }
            if documents.len() >= MAX_DOCUMENTS {
                return Err(SchemaError::TooManyDocuments { url: url.to_string(), limit: MAX_DOCUMENTS });
            }
            let doc = fetch_json(&target, fetcher)?;
            documents.insert(target.clone(), doc.clone());
            pending.push((base_of(&target, &doc), doc));
        }
    }
    Ok(documents)
}

/// The base a document's relative `$ref`s resolve against: its `$id`, else its URL.
fn base_of(url: &str, doc: &Value) -> String {
    let own = doc.get("$id").and_then(Value::as_str).and_then(|id| resolve(url, id));
    own.unwrap_or_else(|| strip_fragment(url))
}

fn strip_fragment(url: &str) -> String {
    url.split('#').next().unwrap_or(url).to_string()
}

/// `reference` resolved against `base`, without fragment; `None` for a reference inside the
/// same document or one that is not a URL.
fn resolve(base: &str, reference: &str) -> Option<String> {
    if reference.starts_with('#') {
        return None;
    }
    let joined = match url::Url::parse(base) {
        Ok(b) => b.join(reference).ok()?,
        Err(_) => url::Url::parse(reference).ok()?,
    };
    let mut joined = joined;
    joined.set_fragment(None);
    Some(joined.to_string())
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref" | "$dynamicRef" | "$recursiveRef", Value::String(s)) => out.push(s.clone()),
                    // An `enum` or `const` holds data, not schemas.
                    ("enum" | "const" | "examples" | "default", _) => {}
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// The only way the validator gets another document: from those fetched beforehand.
struct Documents(HashMap<String, Value>);

#[derive(Debug)]
struct NotProvided(String);

impl std::fmt::Display for NotProvided {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: not among the documents fetched for this schema (schemas never fetch by themselves)", self.0)
    }
}

impl std::error::Error for NotProvided {}

impl jsonschema::Retrieve for Documents {
    fn retrieve(&self, uri: &jsonschema::Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let key = strip_fragment(uri.as_str());
        match self.0.get(&key).or_else(|| self.0.get(key.trim_end_matches('/'))) {
            Some(v) => Ok(v.clone()),
            None => Err(Box::new(NotProvided(key))),
        }
    }
}
