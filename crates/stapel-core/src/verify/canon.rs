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
    let message = message.trim().trim_end_matches('.').replace("Expansion failed: Expansion failed: ", "Expansion failed: ");
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Expands a JSON-LD document to RDF with the carried contexts, in safe mode.
pub(crate) fn to_dataset(doc: &serde_json::Value, loader: &PinnedLoader) -> Result<Dataset, VerifyError> {
    let mut doc = doc.clone();
    unwrap_nested_contexts(&mut doc);
    let input = json_ld::RemoteDocument::new(None, None, json_ld::syntax::Value::from_serde_json(doc));
    let options: json_ld::Options = json_ld::Options {
        expansion_policy: json_ld::expansion::Policy {
            invalid: json_ld::expansion::Action::Reject,
            vocab: json_ld::expansion::Action::Keep,
            allow_undefined: false,
        },
        ..Default::default()
    };
    let mut generator = json_ld::rdf_types::generator::Blank::new_with_prefix("b".to_string());
    let result = pollster::block_on(input.to_rdf_full(
        (),
        &mut generator,
        loader,
        options,
        (),
    ));
    let mut rdf = match result {
        Ok(rdf) => rdf,
        Err(e) => {
            if let Some(problem) = loader.take_problem() {
                return Err(problem);
            }
            return Err(VerifyError::JsonLd { reason: plain(&e.to_string()) });
        }
    };
    let mut dataset = Dataset::new();
    for json_ld::rdf_types::Quad(s, p, o, g) in rdf.cloned_quads() {
        let quad = Quad::new(subject(&s)?, predicate(&p)?, object(&o)?, graph(g.as_ref())?);
        dataset.insert(&quad);
    }
    Ok(dataset)
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
