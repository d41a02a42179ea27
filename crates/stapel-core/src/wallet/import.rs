//! Import: turns files, folders, standard input and URLs into stored credentials.
//!
//! This module owns the walk over inputs and the rule that each input is its own transaction:
//! it reads the bytes (refusing oversized inputs before reading them), hands them to
//! [`crate::formats::read`] (which detects, unwraps and parses, following references through
//! the fetcher), turns the result into a [`NewCredential`] with every original kept verbatim,
//! and inserts it. One bad input never stops or spoils the others.
//!
//! Every credential is verified as it lands ([`import_all`]): the learner's cards and progress
//! are right the moment the import ends, without a "check again" per credential. The
//! verification is its own write after the input's transaction: a verification that cannot
//! run leaves the credential in, marked not checked, with the reason in the outcome.

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::formats::{self, FormatError, MAX_INPUT_BYTES, Parsed};
use crate::net::{FetchError, Fetcher};
use crate::store::{Inserted, NewCredential, NewOriginal, StoreError, Wallet};
use crate::verify::Report;

use super::check::{self, CheckError, Run};

/// One thing to import, as the learner named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Url(String),
    /// Bytes already read from standard input.
    Stdin(Vec<u8>),
}

impl Input {
    /// How the input is named in messages and recorded as the original's source.
    pub fn name(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Url(u) => u.clone(),
            Input::Stdin(_) => "standard input".to_string(),
        }
    }
}

/// Why one input was not imported. Every message is meant to follow the input's name.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read the file: {0}")]
    Read(std::io::Error),
    #[error("the input is too large for a credential (more than {limit} bytes)", limit = MAX_INPUT_BYTES)]
    TooLarge,
    #[error("{0}")]
    Fetch(#[from] FetchError),
    #[error("{0}")]
    Format(#[from] FormatError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// The outcome of importing one input.
#[derive(Debug)]
pub struct Outcome {
    pub input: String,
    pub result: Result<Inserted, ImportError>,
    /// The credential's verification as it landed (a CLR's own; its parts are verified and
    /// recorded too); `None` when the input was not imported.
    pub verification: Option<Result<Report, CheckError>>,
}

/// The step an import is at, for the progress a front shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Reading the input and keeping it.
    Reading,
    /// Verifying what was kept.
    Verifying,
}

/// Where a bulk import stands: `done` inputs of `total` are finished, and `input` is at `step`.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub step: Step,
    pub done: usize,
    pub total: usize,
    pub input: &'a str,
}

/// Counts for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    pub imported: usize,
    pub already_present: usize,
    pub failed: usize,
}

impl Tally {
    pub fn of(outcomes: &[Outcome]) -> Tally {
        let mut t = Tally::default();
        for o in outcomes {
            match &o.result {
                Ok(i) if i.already_present => t.already_present += 1,
                Ok(_) => t.imported += 1,
                Err(_) => t.failed += 1,
            }
        }
        t
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} imported, {} already present, {} failed", self.imported, self.already_present, self.failed)
    }
}

/// Expands the learner's arguments into inputs: folders are walked recursively in a stable
/// (sorted) order, skipping hidden entries; anything that is not a folder is one input.
/// `https://` and `http://` arguments are URLs (the fetcher decides what it accepts).
pub fn expand(args: &[String], stdin: &mut dyn Read) -> Result<Vec<Input>, (String, ImportError)> {
    let mut inputs = Vec::new();
    for arg in args {
        if arg == "-" {
            inputs.push(Input::Stdin(read_capped(stdin).map_err(|e| ("standard input".to_string(), e))?));
        } else if arg.starts_with("https://") || arg.starts_with("http://") {
            inputs.push(Input::Url(arg.clone()));
        } else {
            let path = PathBuf::from(arg);
            if path.is_dir() {
                walk(&path, &mut inputs).map_err(|e| (arg.clone(), ImportError::Read(e)))?;
            } else {
                inputs.push(Input::File(path));
            }
        }
    }
    Ok(inputs)
}

fn walk(dir: &Path, out: &mut Vec<Input>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        // Symbolic links are not followed into folders: no loops, no escaping the tree.
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&entry.path(), out)?;
        } else if kind.is_file() || kind.is_symlink() && entry.path().is_file() {
            out.push(Input::File(entry.path()));
        }
    }
    Ok(())
}

fn read_capped(reader: &mut dyn Read) -> Result<Vec<u8>, ImportError> {
    let mut bytes = Vec::new();
    reader.take(MAX_INPUT_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(ImportError::Read)?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ImportError::TooLarge);
    }
    Ok(bytes)
}

/// Reads an input's bytes and the media type to record for them.
fn load(input: &Input, fetcher: &dyn Fetcher) -> Result<(Vec<u8>, Option<String>), ImportError> {
    match input {
        Input::File(path) => {
            let meta = std::fs::metadata(path).map_err(ImportError::Read)?;
            if meta.len() > MAX_INPUT_BYTES as u64 {
                return Err(ImportError::TooLarge);
            }
            let mut file = std::fs::File::open(path).map_err(ImportError::Read)?;
            Ok((read_capped(&mut file)?, None))
        }
        Input::Url(url) => {
            let fetched = fetcher.fetch(url)?;
            Ok((fetched.body, fetched.content_type))
        }
        Input::Stdin(bytes) => Ok((bytes.clone(), None)),
    }
}

/// Parses one input without storing it.
pub fn parse(input: &Input, fetcher: &dyn Fetcher) -> Result<(Parsed, Vec<u8>, Option<String>), ImportError> {
    let (bytes, declared) = load(input, fetcher)?;
    let parsed = formats::read(&bytes, fetcher)?;
    Ok((parsed, bytes, declared))
}

/// Imports one input in one transaction.
pub fn import_one(
    wallet: &mut Wallet,
    input: &Input,
    fetcher: &dyn Fetcher,
    now: DateTime<Utc>,
) -> Result<Inserted, ImportError> {
    let (parsed, bytes, declared) = parse(input, fetcher)?;
    let media_type =
        sniff_media_type(&bytes).map(str::to_string).or(declared).unwrap_or_else(|| "application/octet-stream".into());
    let new =
        to_new_credential(parsed, NewOriginal { role: "credential".into(), media_type, source: input.name(), bytes });
    Ok(wallet.insert(&new, now)?)
}

/// Imports every input, each in its own transaction, and verifies what each brought (under
/// `run`: the fetcher, the time, online or not), recording the report. `progress` is called
/// before each step of each input, and once more when everything is done (`done == total`).
pub fn import_all(
    wallet: &mut Wallet,
    inputs: &[Input],
    run: &Run<'_>,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Vec<Outcome> {
    let total = inputs.len();
    let mut outcomes = Vec::with_capacity(total);
    for (done, input) in inputs.iter().enumerate() {
        let name = input.name();
        progress(Progress { step: Step::Reading, done, total, input: &name });
        let result = import_one(wallet, input, run.fetcher, run.now);
        let verification = match &result {
            Ok(inserted) => {
                progress(Progress { step: Step::Verifying, done, total, input: &name });
                Some(verify_inserted(wallet, inserted, run))
            }
            Err(e) => {
                tracing::debug!(input = %name, error = %e, "import failed");
                None
            }
        };
        outcomes.push(Outcome { input: name, result, verification });
    }
    progress(Progress { step: Step::Verifying, done: total, total, input: "" });
    outcomes
}

/// Verifies an inserted credential and, depth first, its parts, recording each report; the
/// credential's own report is returned.
fn verify_inserted(wallet: &mut Wallet, inserted: &Inserted, run: &Run<'_>) -> Result<Report, CheckError> {
    for child in &inserted.children {
        if let Err(e) = verify_inserted(wallet, child, run) {
            tracing::debug!(id = %child.id, error = %e, "a part could not be verified");
        }
    }
    check::verify_stored(wallet, &inserted.id, run)
}

/// The stored form of a parsed credential: the input's own bytes first, then the documents
/// fetched on the way (an OB2 badge class and issuer, the assertion a baked image pointed at),
/// each verbatim as received. Documents embedded in the input are in its bytes already.
/// Nested credentials (CLR) become children whose original is their JSON as it stands inside
/// the parent.
pub fn to_new_credential(parsed: Parsed, original: NewOriginal) -> NewCredential {
    let mut originals = vec![original];
    for doc in parsed.related.into_iter().filter(|d| d.fetched) {
        let media_type = doc
            .media_type
            .or_else(|| sniff_media_type(&doc.bytes).map(str::to_string))
            .unwrap_or_else(|| "application/octet-stream".into());
        originals.push(NewOriginal {
            role: doc.role,
            media_type,
            source: doc.url.unwrap_or_default(),
            bytes: doc.bytes,
        });
    }
    let source = originals[0].source.clone();
    let children = parsed
        .children
        .into_iter()
        .map(|child| {
            let bytes = nested_bytes(&child);
            let media_type = sniff_media_type(&bytes).unwrap_or("application/json").to_string();
            to_new_credential(child, NewOriginal { role: "nested".into(), media_type, source: source.clone(), bytes })
        })
        .collect();
    NewCredential { key: parsed.key, format: parsed.format, credential: parsed.credential, originals, children }
}

fn nested_bytes(child: &Parsed) -> Vec<u8> {
    serde_json::to_vec(&child.document).unwrap_or_default()
}

/// The media type of a credential's bytes, from their content.
pub fn sniff_media_type(bytes: &[u8]) -> Option<&'static str> {
    let trimmed = trim_start(bytes);
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if trimmed.starts_with(b"<") {
        Some("image/svg+xml")
    } else if trimmed.starts_with(b"{") {
        Some("application/json")
    } else if trimmed.starts_with(b"ey") {
        Some("application/jwt")
    } else {
        None
    }
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf".as_slice()).unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    &bytes[start..]
}
