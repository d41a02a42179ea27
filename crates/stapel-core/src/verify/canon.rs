//! Canonical forms of a credential for signature checks: RDF Dataset Canonicalization
//! (RDFC-1.0) of its JSON-LD, and the JSON Canonicalization Scheme (JCS).
//!
//! JSON-LD is expanded to RDF by the `json-ld` crate with the carried contexts only and in
//! safe mode (a term the contexts do not define is an error, never silently dropped); the
//! dataset is canonicalized by `rdf-canon` with its work limit on, so a graph built to make
//! canonicalization explode is refused quickly.

use json_ld::JsonLdProcessor;
use oxrdf::{BlankNode, Dataset, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use rdf_canon::{CanonicalizationError, CanonicalizationOptions};
use sha2::Sha256;

use super::VerifyError;
use super::contexts::PinnedLoader;

/// Most calls to the Hash N-Degree Quads algorithm one canonicalization may make. Real
/// credentials need a handful; the RDFC-1.0 "poison graph" needs tens of thousands.
pub const HNDQ_CALL_LIMIT: usize = 1000;

/// The hash function RDFC-1.0 runs with (SHA-256 unless a suite says otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RdfcHash {
    #[default]
    Sha256,
    Sha384,
}

fn canon_options() -> CanonicalizationOptions {
    CanonicalizationOptions { hndq_call_limit: Some(HNDQ_CALL_LIMIT) }
}

/// Canonicalizes an RDF dataset with RDFC-1.0 under the work limit and returns the canonical
/// N-Quads.
pub fn rdfc_dataset(dataset: &Dataset, hash: RdfcHash) -> Result<String, VerifyError> {
    match hash {
        RdfcHash::Sha256 => rdf_canon::canonicalize_with::<Sha256>(dataset, &canon_options()),
        RdfcHash::Sha384 => rdf_canon::canonicalize_with::<sha2::Sha384>(dataset, &canon_options()),
    }
    .map_err(canon_error)
}

/// The issued-identifier map of RDFC-1.0 (input blank node label → canonical label).
pub fn rdfc_issued_map(
    dataset: &Dataset,
    hash: RdfcHash,
) -> Result<std::collections::HashMap<String, String>, VerifyError> {
    match hash {
        RdfcHash::Sha256 => rdf_canon::issue_with::<Sha256>(dataset, &canon_options()),
        RdfcHash::Sha384 => rdf_canon::issue_with::<sha2::Sha384>(dataset, &canon_options()),
    }
    .map_err(canon_error)
}

fn canon_error(e: CanonicalizationError) -> VerifyError {
    match e {
        CanonicalizationError::HndqCallLimitExceeded(limit) => VerifyError::CanonTooComplex { limit },
        other => VerifyError::Canon { reason: plain(&other.to_string()) },
    }
}

/// A library's error message in our style: lowercase start, no trailing period, term names
/// left as they are.
fn plain(message: &str) -> String {
    let message = message.trim().trim_end_matches('.');
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn safe_options() -> json_ld::Options {
    json_ld::Options {
        expansion_policy: json_ld::expansion::Policy {
            invalid: json_ld::expansion::Action::Reject,
            vocab: json_ld::expansion::Action::Keep,
            allow_undefined: false,
        },
        ..Default::default()
    }
}

/// Expands a JSON-LD document to RDF with the carried contexts, in safe mode.
///
/// A document whose top-level `@context` is a list of carried context URLs (nearly every
/// credential) starts from that list's processed context, taken from [`processed_context`],
/// and is expanded without the entry; anything else is expanded as it stands. Both give the
/// same dataset (test: `the_processed_context_memo_gives_the_same_dataset_as_plain_expansion`).
pub(crate) fn to_dataset(doc: &serde_json::Value, loader: &PinnedLoader) -> Result<Dataset, VerifyError> {
    to_dataset_with(doc, loader, true)
}

fn to_dataset_with(doc: &serde_json::Value, loader: &PinnedLoader, memo: bool) -> Result<Dataset, VerifyError> {
    use json_ld::Expand;
    use json_ld::rdf::RdfQuads;

    let mut doc = doc.clone();
    unwrap_nested_contexts(&mut doc);
    let options = safe_options().unordered();
    let urls = if memo { context_urls(&doc) } else { None };
    let mut expanded = match urls {
        Some(urls) => {
            let context = processed_context(&urls, loader, &options)?;
            if let serde_json::Value::Object(map) = &mut doc {
                map.remove("@context");
            }
            let body = json_ld::syntax::Value::from_serde_json(doc);
            pollster::block_on(body.expand_full(&mut (), context, None, loader, options.expansion_options(), ()))
                .map_err(|e| expansion_error(loader, &e))?
        }
        None => {
            let input = json_ld::RemoteDocument::new(None, None, json_ld::syntax::Value::from_serde_json(doc));
            pollster::block_on(JsonLdProcessor::expand_full(&input, &mut (), loader, options, ())).map_err(|e| {
                // The step that failed says what was wrong; the wrapper adds only its own name.
                match &e {
                    json_ld::ExpandError::Expansion(inner) => expansion_error(loader, inner),
                    json_ld::ExpandError::ContextProcessing(inner) => expansion_error(loader, inner),
                    json_ld::ExpandError::ContextLoading(inner) => expansion_error(loader, inner),
                    json_ld::ExpandError::Loading(inner) => expansion_error(loader, inner),
                }
            })?
        }
    };
    let mut generator = json_ld::rdf_types::generator::Blank::new_with_prefix("b".to_string());
    expanded.relabel_and_canonicalize_with(&mut (), &mut generator);
    let mut dataset = Dataset::new();
    for json_ld::rdf_types::Quad(s, p, o, g) in expanded.rdf_quads_full(&mut (), &mut generator, None, false).cloned() {
        let quad = Quad::new(subject(&s)?, predicate(&p)?, object(&o)?, graph(g.as_ref())?);
        dataset.insert(&quad);
    }
    Ok(dataset)
}

/// The loader's own account of a failure (an unknown or damaged context) comes first; else
/// the processor's message.
fn expansion_error(loader: &PinnedLoader, e: &dyn std::fmt::Display) -> VerifyError {
    loader.take_problem().unwrap_or_else(|| VerifyError::JsonLd { reason: plain(&e.to_string()) })
}

/// The top-level `@context` when it is a carried context URL or a list of them.
fn context_urls(doc: &serde_json::Value) -> Option<Vec<String>> {
    match doc.get("@context")? {
        serde_json::Value::String(url) => Some(vec![url.clone()]),
        serde_json::Value::Array(list) if !list.is_empty() => {
            list.iter().map(|v| v.as_str().map(str::to_string)).collect()
        }
        _ => None,
    }
}

/// Most processed contexts one thread keeps; real credentials use a handful of lists.
const PROCESSED_MEMO_LIMIT: usize = 64;

/// What one processed context list needs to be reused: the context, and the URLs that loading
/// it asked for (replayed into the loader, which the proof check consults for versions).
struct Processed {
    context: json_ld::Context,
    asked: Vec<String>,
}

thread_local! {
    /// Processed contexts by (URL, carried version) list. Every carried context is a constant
    /// pinned by its hash, so a processed list is a pure function of its key: the memo only
    /// saves time. Per thread because a processed context is not `Sync`; bounded, and
    /// emptied when full.
    static PROCESSED: std::cell::RefCell<std::collections::HashMap<Vec<(String, usize)>, Processed>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// The active context after processing `urls` (each one carried) from an empty context.
fn processed_context(
    urls: &[String],
    loader: &PinnedLoader,
    options: &json_ld::Options,
) -> Result<json_ld::Context, VerifyError> {
    let key: Option<Vec<(String, usize)>> =
        urls.iter().map(|u| loader.version_in_use(u).map(|n| (u.clone(), n))).collect();
    // A URL the wallet does not carry: process as usual, so the loader names it.
    let Some(key) = key else {
        return process_list(urls, loader, options);
    };
    let hit = PROCESSED.with(|memo| {
        memo.borrow().get(&key).map(|p| {
            p.asked.iter().for_each(|u| loader.note_asked(u));
            p.context.clone()
        })
    });
    if let Some(context) = hit {
        return Ok(context);
    }
    let before = loader.asked().len();
    let context = process_list(urls, loader, options)?;
    let asked = loader.asked().split_off(before);
    PROCESSED.with(|memo| {
        let mut memo = memo.borrow_mut();
        if memo.len() >= PROCESSED_MEMO_LIMIT {
            memo.clear();
        }
        memo.insert(key, Processed { context: context.clone(), asked });
    });
    Ok(context)
}

fn process_list(
    urls: &[String],
    loader: &PinnedLoader,
    options: &json_ld::Options,
) -> Result<json_ld::Context, VerifyError> {
    use json_ld::Process;
    use json_ld::syntax::TryFromJson;

    let list = serde_json::Value::Array(urls.iter().cloned().map(serde_json::Value::String).collect());
    let local = json_ld::syntax::context::Context::try_from_json(json_ld::syntax::Value::from_serde_json(list))
        .map_err(|e| VerifyError::JsonLd { reason: plain(&e.to_string()) })?;
    let empty = json_ld::Context::new(None);
    let processed =
        pollster::block_on(local.process_full(&mut (), &empty, loader, None, options.context_processing_options(), ()))
            // Worded as the expansion algorithm words the same failure of an inline context.
            .map_err(|e| expansion_error(loader, &format!("context processing failed: {e}")))?;
    Ok(processed.into_processed())
}

/// Reads an embedded context written as `{"@context": {...}}` as the context it wraps.
///
/// JSON-LD 1.1 has no such form, but jsonld.js (which most issuers sign with) unwraps it, and
/// credentials in the wild are signed over that reading (the Data Integrity test suite's
/// previousProof inputs among them). Unwrapping only ever reads the issuer's own wrapper.
fn unwrap_nested_contexts(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if let Some(ctx) = map.get_mut("@context") {
                let unwrap = |c: &mut Value| {
                    while let Value::Object(inner) = c {
                        if inner.len() != 1 {
                            break;
                        }
                        let Some(wrapped) = inner.remove("@context") else { break };
                        *c = wrapped;
                    }
                };
                match ctx {
                    Value::Array(list) => list.iter_mut().for_each(unwrap),
                    other => unwrap(other),
                }
            }
            map.values_mut().for_each(unwrap_nested_contexts);
        }
        Value::Array(list) => list.iter_mut().for_each(unwrap_nested_contexts),
        _ => {}
    }
}

/// RDFC-1.0 canonical N-Quads of a JSON-LD document.
pub(crate) fn rdfc_jsonld(doc: &serde_json::Value, loader: &PinnedLoader) -> Result<String, VerifyError> {
    rdfc_dataset(&to_dataset(doc, loader)?, RdfcHash::Sha256)
}

/// The JSON Canonicalization Scheme (RFC 8785) form of a JSON value.
pub fn jcs(value: &serde_json::Value) -> Result<String, VerifyError> {
    serde_jcs::to_string(value).map_err(|e| VerifyError::Canon { reason: e.to_string() })
}

type LdId = json_ld::rdf_types::Id<json_ld::IriBuf, json_ld::BlankIdBuf>;

fn bad_term(what: &str, e: impl std::fmt::Display) -> VerifyError {
    VerifyError::JsonLd { reason: format!("{what} is not a valid RDF term: {e}") }
}

fn named(iri: &json_ld::IriBuf) -> Result<NamedNode, VerifyError> {
    NamedNode::new(iri.as_str()).map_err(|e| bad_term(iri.as_str(), e))
}

fn blank(b: &json_ld::BlankIdBuf) -> Result<BlankNode, VerifyError> {
    let label = b.as_str().trim_start_matches("_:");
    BlankNode::new(label).map_err(|e| bad_term(b.as_str(), e))
}

fn subject(id: &LdId) -> Result<NamedOrBlankNode, VerifyError> {
    Ok(match id {
        LdId::Iri(i) => named(i)?.into(),
        LdId::Blank(b) => blank(b)?.into(),
    })
}

fn predicate(id: &LdId) -> Result<NamedNode, VerifyError> {
    match id {
        LdId::Iri(i) => named(i),
        LdId::Blank(b) => Err(bad_term(b.as_str(), "a blank node cannot be a predicate")),
    }
}

fn graph(id: Option<&LdId>) -> Result<GraphName, VerifyError> {
    Ok(match id {
        None => GraphName::DefaultGraph,
        Some(LdId::Iri(i)) => named(i)?.into(),
        Some(LdId::Blank(b)) => blank(b)?.into(),
    })
}

fn object(o: &json_ld::rdf_types::Term<LdId, json_ld::rdf_types::Literal>) -> Result<Term, VerifyError> {
    use json_ld::rdf_types::{LiteralType, Term as T};
    Ok(match o {
        T::Id(id) => subject(id)?.into(),
        T::Literal(l) => match &l.type_ {
            LiteralType::Any(ty) => Literal::new_typed_literal(l.value.as_str(), named(ty)?).into(),
            LiteralType::LangString(tag) => Literal::new_language_tagged_literal(l.value.as_str(), tag.as_str())
                .map_err(|e| bad_term(tag.as_str(), e))?
                .into(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every JSON file under the vectors' folder whose top-level `@context` is a list of URLs.
    fn credentials_with_url_contexts() -> Vec<(std::path::PathBuf, serde_json::Value)> {
        let mut found = Vec::new();
        let mut dirs = vec![stapel_testkit::vectors()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "json" || e == "jsonld")
                    && let Ok(value) =
                        serde_json::from_slice::<serde_json::Value>(&std::fs::read(&path).unwrap_or_default())
                    && context_urls(&value).is_some()
                {
                    found.push((path, value));
                }
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found
    }

    #[test]
    fn the_processed_context_memo_gives_the_same_dataset_as_plain_expansion() {
        let docs = credentials_with_url_contexts();
        assert!(docs.len() > 100, "the vectors hold many credentials with URL contexts, found {}", docs.len());
        let (mut same, mut both_refused) = (0, 0);
        for round in 0..2 {
            // The second round takes every processed context from the memo.
            for (path, doc) in &docs {
                let plain = to_dataset_with(doc, &PinnedLoader::new(), false);
                let memo = to_dataset_with(doc, &PinnedLoader::new(), true);
                match (plain, memo) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(
                            rdfc_dataset(&a, RdfcHash::Sha256).ok(),
                            rdfc_dataset(&b, RdfcHash::Sha256).ok(),
                            "{} (round {round})",
                            path.display()
                        );
                        same += 1;
                    }
                    (Err(a), Err(b)) => {
                        assert_eq!(a.to_string(), b.to_string(), "{} (round {round})", path.display());
                        both_refused += 1;
                    }
                    (a, b) => panic!("{} (round {round}): plain {:?}, memo {:?}", path.display(), a.err(), b.err()),
                }
            }
        }
        assert!(same > 100, "{same} expanded alike, {both_refused} refused alike");
    }

    #[test]
    fn a_memo_hit_still_tells_the_loader_which_contexts_were_asked_for() {
        let doc = serde_json::json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": "VerifiableCredential",
            "issuer": "did:example:1"
        });
        for _ in 0..2 {
            let loader = PinnedLoader::new();
            to_dataset(&doc, &loader).unwrap();
            assert_eq!(loader.asked(), vec!["https://www.w3.org/ns/credentials/v2".to_string()]);
        }
    }
}
