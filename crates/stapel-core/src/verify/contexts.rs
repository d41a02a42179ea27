//! The JSON-LD contexts the wallet carries, and the loader that hands them to the JSON-LD
//! processor.
//!
//! Every context comes from a registry package (the `ssi-contexts` crate, or npm packages
//! embedded by `build.rs`) and is listed in `contexts/INDEX.json` with its URL and the sha256
//! of the document as the package ships it. The loader gives out a document only when its hash
//! is listed; any other URL is an unknown context, recorded so the proof check can name it.
//! Nothing is ever fetched to interpret a credential. Where one URL has several published
//! versions, each one is carried and the proof check tries them in turn.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use json_ld::syntax::Parse;
use sha2::{Digest, Sha256};

use super::VerifyError;

include!(concat!(env!("OUT_DIR"), "/npm_contexts.rs"));

const INDEX: &str = include_str!("../../contexts/INDEX.json");

/// One context document the wallet carries.
#[derive(Debug, Clone)]
pub struct CarriedContext {
    /// The URL credentials name it by.
    pub url: String,
    /// The registry package that supplies it (`crates.io ssi-contexts 0.1.10`, `npm ... 3.0.0`).
    pub package: String,
    /// The constant (crate) or file (npm package) inside the package.
    pub item: String,
    /// The pinned sha256 of the document as the package ships it, in hex.
    pub sha256: String,
    text: Option<&'static str>,
}

impl CarriedContext {
    /// The document as shipped, if this build has it.
    pub fn text(&self) -> Option<&'static str> {
        self.text
    }

    /// True when the document is present and its hash is the pinned one.
    pub fn is_intact(&self) -> bool {
        self.text.is_some_and(|t| hex::encode(Sha256::digest(t.as_bytes())) == self.sha256)
    }

    /// The context as JSON. npm packages that ship a JavaScript module
    /// (`module.exports = {...}`) have their object literal read as JSON5.
    pub fn json(&self) -> Result<serde_json::Value, VerifyError> {
        let damaged = || VerifyError::ContextDamaged { url: self.url.clone() };
        let text = self.text.filter(|_| self.is_intact()).ok_or_else(damaged)?;
        if self.item.ends_with(".js") {
            // A JavaScript object literal (unquoted keys and the like): JSON5 reads it.
            let literal = module_object(text).ok_or_else(damaged)?;
            json5::from_str(literal).map_err(|_| damaged())
        } else {
            serde_json::from_str(text).map_err(|_| damaged())
        }
    }
}

/// The object literal of a `module.exports = {...};` JavaScript module.
fn module_object(text: &str) -> Option<&str> {
    let after = &text[text.find("module.exports")?..];
    let start = after.find('{')?;
    let end = after.rfind('}')?;
    (end > start).then(|| &after[start..=end])
}

fn crate_constant(name: &str) -> Option<&'static str> {
    Some(match name {
        "CREDENTIALS_V1" => ssi_contexts::CREDENTIALS_V1,
        "CREDENTIALS_V2" => ssi_contexts::CREDENTIALS_V2,
        "CREDENTIALS_EXAMPLES_V1" => ssi_contexts::CREDENTIALS_EXAMPLES_V1,
        "CREDENTIALS_EXAMPLES_V2" => ssi_contexts::CREDENTIALS_EXAMPLES_V2,
        "SECURITY_V1" => ssi_contexts::SECURITY_V1,
        "SECURITY_V2" => ssi_contexts::SECURITY_V2,
        "DID_V1" => ssi_contexts::DID_V1,
        "W3ID_JWS2020_V1" => ssi_contexts::W3ID_JWS2020_V1,
        "W3ID_ED2020_V1" => ssi_contexts::W3ID_ED2020_V1,
        "W3ID_MULTIKEY_V1" => ssi_contexts::W3ID_MULTIKEY_V1,
        "W3ID_DATA_INTEGRITY_V1" => ssi_contexts::W3ID_DATA_INTEGRITY_V1,
        "W3ID_DATA_INTEGRITY_V2" => ssi_contexts::W3ID_DATA_INTEGRITY_V2,
        "STATUS_LIST_2021_V1" => ssi_contexts::STATUS_LIST_2021_V1,
        "REVOCATION_LIST_2020_V1" => ssi_contexts::REVOCATION_LIST_2020_V1,
        "JFF_VC_EDU_PLUGFEST_2022" => ssi_contexts::JFF_VC_EDU_PLUGFEST_2022,
        "JFF_VC_EDU_PLUGFEST_2022_2" => ssi_contexts::JFF_VC_EDU_PLUGFEST_2022_2,
        _ => return None,
    })
}

fn npm_file(package: &str, item: &str) -> Option<&'static str> {
    let name = package.strip_prefix("npm ")?;
    let name = name.rsplit_once(' ').map_or(name, |(n, _)| n);
    NPM_FILES.iter().find(|(p, i, _)| *p == name && *i == item).map(|(_, _, t)| *t)
}

/// Every context the wallet carries, in index order (several entries may share a URL).
pub fn carried() -> Vec<CarriedContext> {
    table().iter().map(|t| t.context.clone()).collect()
}

/// One carried context with its document read once: the documents are constants compiled
/// into the wallet, so reading them once per process changes nothing but the time it takes.
struct Entry {
    context: CarriedContext,
    document: OnceLock<Option<json_ld::syntax::Value>>,
}

impl Entry {
    /// The document as the JSON-LD processor reads it; `None` when it is missing, its hash is
    /// not the pinned one, or it does not parse.
    fn document(&self) -> Option<&json_ld::syntax::Value> {
        self.document
            .get_or_init(|| {
                let json = self.context.json().ok()?;
                let text = serde_json::to_string(&json).ok()?;
                json_ld::syntax::Value::parse_str(&text).ok().map(|(v, _)| v)
            })
            .as_ref()
    }
}

fn table() -> &'static [Entry] {
    static TABLE: OnceLock<Vec<Entry>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let index: serde_json::Value = serde_json::from_str(INDEX).unwrap_or_default();
        let entries = index["contexts"].as_array().cloned().unwrap_or_default();
        entries
            .iter()
            .filter_map(|e| {
                let s = |k: &str| e[k].as_str().map(str::to_string);
                let (url, package, item, sha256) = (s("url")?, s("package")?, s("item")?, s("sha256")?);
                let text =
                    if package.starts_with("crates.io ") { crate_constant(&item) } else { npm_file(&package, &item) };
                let context = CarriedContext { url, package, item, sha256, text };
                Some(Entry { context, document: OnceLock::new() })
            })
            .collect()
    })
}

/// The loader handed to the JSON-LD processor: carried contexts only, one chosen version per
/// URL, with a record of what was asked for.
pub(crate) struct PinnedLoader {
    versions: HashMap<&'static str, Vec<&'static Entry>>,
    choice: HashMap<String, usize>,
    asked: Mutex<Vec<String>>,
    unknown: Mutex<Vec<String>>,
    damaged: Mutex<Vec<String>>,
}

impl PinnedLoader {
    pub(crate) fn new() -> Self {
        let mut versions: HashMap<&'static str, Vec<&'static Entry>> = HashMap::new();
        for entry in table() {
            versions.entry(entry.context.url.as_str()).or_default().push(entry);
        }
        PinnedLoader {
            versions,
            choice: HashMap::new(),
            asked: Mutex::new(Vec::new()),
            unknown: Mutex::new(Vec::new()),
            damaged: Mutex::new(Vec::new()),
        }
    }

    /// How many versions of a URL the wallet carries.
    pub(crate) fn version_count(&self, url: &str) -> usize {
        self.versions.get(url).map_or(0, Vec::len)
    }

    /// Use version `n` of `url` from now on.
    pub(crate) fn choose(&mut self, url: &str, n: usize) {
        self.choice.insert(url.to_string(), n);
    }

    /// Forget the versions chosen: every URL back to its first version.
    pub(crate) fn reset_choices(&mut self) {
        self.choice.clear();
    }

    /// Describes the version in use for `url`, for messages.
    pub(crate) fn describe(&self, url: &str) -> Option<String> {
        let n = self.choice.get(url).copied().unwrap_or(0);
        self.versions.get(url)?.get(n).map(|e| format!("{} ({} {})", e.context.url, e.context.package, e.context.item))
    }

    /// The URLs asked for so far, in order, without repeats.
    pub(crate) fn asked(&self) -> Vec<String> {
        self.asked.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Takes the first problem met while loading: an unknown or a damaged context.
    pub(crate) fn take_problem(&self) -> Option<VerifyError> {
        if let Some(url) = self.unknown.lock().ok().and_then(|mut v| v.drain(..).next()) {
            return Some(VerifyError::UnknownContext { url });
        }
        self.damaged.lock().ok().and_then(|mut v| v.drain(..).next()).map(|url| VerifyError::ContextDamaged { url })
    }

    fn note(list: &Mutex<Vec<String>>, url: &str) {
        if let Ok(mut v) = list.lock()
            && !v.iter().any(|u| u == url)
        {
            v.push(url.to_string());
        }
    }

    fn document(&self, url: &str) -> Result<json_ld::syntax::Value, VerifyError> {
        PinnedLoader::note(&self.asked, url);
        let versions = self.versions.get(url).ok_or_else(|| VerifyError::UnknownContext { url: url.to_string() })?;
        let n = self.choice.get(url).copied().unwrap_or(0);
        let entry = versions.get(n).ok_or_else(|| VerifyError::UnknownContext { url: url.to_string() })?;
        entry.document().cloned().ok_or_else(|| VerifyError::ContextDamaged { url: url.to_string() })
    }

    /// The version of `url` in use (0 unless another was chosen), for keys of processed
    /// contexts; `None` when the wallet does not carry `url`.
    pub(crate) fn version_in_use(&self, url: &str) -> Option<usize> {
        self.versions.contains_key(url).then(|| self.choice.get(url).copied().unwrap_or(0))
    }

    /// Records `url` as asked for, as loading it would have (a processed context taken from
    /// the memo stands for the loads that made it).
    pub(crate) fn note_asked(&self, url: &str) {
        PinnedLoader::note(&self.asked, url);
    }
}

impl json_ld::Loader for PinnedLoader {
    async fn load(&self, url: &json_ld::Iri) -> Result<json_ld::RemoteDocument<json_ld::IriBuf>, json_ld::LoadError> {
        match self.document(url.as_str()) {
            Ok(document) => {
                Ok(json_ld::RemoteDocument::new(Some(url.to_owned()), "application/ld+json".parse().ok(), document))
            }
            Err(e) => {
                match &e {
                    VerifyError::UnknownContext { .. } => PinnedLoader::note(&self.unknown, url.as_str()),
                    _ => PinnedLoader::note(&self.damaged, url.as_str()),
                }
                Err(json_ld::LoadError::new(url.to_owned(), e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_carried_context_is_present_intact_and_valid_json() {
        let all = carried();
        assert!(all.len() >= 20, "the index lists {} contexts", all.len());
        for c in &all {
            assert!(c.is_intact(), "{} from {} {} does not match its pinned hash", c.url, c.package, c.item);
            let json = c.json().unwrap_or_else(|e| panic!("{}: {e}", c.url));
            assert!(json.get("@context").is_some(), "{} has no @context", c.url);
        }
    }

    #[test]
    fn a_module_wrapper_is_read_as_its_object_literal() {
        let js = "'use strict';\nmodule.exports = {\n  \"@context\": {\"a\": \"b\"}\n};\n";
        assert_eq!(module_object(js), Some("{\n  \"@context\": {\"a\": \"b\"}\n}"));
        assert_eq!(module_object("no module here"), None);
    }
}
