//! [`CachingFetcher`]: one run's memory of what it fetched, and kept copies standing in where
//! the network cannot be had (never in place of an answer the server gave). Which documents
//! may be kept and stand in is the caller's choice; the wallet keeps status lists
//! (`wallet::check`).

use std::collections::HashMap;
use std::sync::Mutex;

use super::{FetchError, Fetched, Fetcher, Request, Response};

/// A copy of a document kept from an earlier fetch, to stand in for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptCopy {
    pub url: String,
    pub media_type: Option<String>,
    /// When it was fetched (RFC 3339, UTC).
    pub fetched_at: String,
    pub bytes: Vec<u8>,
}

/// A document fetched during a run, to be kept after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedDocument {
    pub url: String,
    pub media_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// A kept copy that stood in for a document the network could not give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyUsed {
    pub url: String,
    /// When the copy was fetched (RFC 3339, UTC).
    pub fetched_at: String,
}

#[derive(Default)]
struct Memory {
    /// Answers and failures of this run, so a second pass asks the network nothing again.
    answers: HashMap<String, Result<Fetched, FetchError>>,
    /// Successful fetches, in order.
    fetched: Vec<FetchedDocument>,
    /// URLs the network could not give and no kept copy stood in for.
    missed: Vec<String>,
    copies_used: Vec<CopyUsed>,
}

/// A fetcher around another that remembers what it fetched (so the caller can keep it after
/// the run: the wallet cannot be written while the verifier holds the fetcher) and, where the
/// network cannot be had, answers from kept copies handed to it.
pub struct CachingFetcher<'a> {
    inner: &'a dyn Fetcher,
    copies: HashMap<String, KeptCopy>,
    memory: Mutex<Memory>,
}

impl<'a> CachingFetcher<'a> {
    pub fn new(inner: &'a dyn Fetcher) -> CachingFetcher<'a> {
        CachingFetcher { inner, copies: HashMap::new(), memory: Mutex::new(Memory::default()) }
    }

    /// Lets a kept copy stand in for its URL when the network cannot give it.
    pub fn add_copy(&mut self, copy: KeptCopy) {
        self.copies.insert(copy.url.clone(), copy);
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        // A panic elsewhere cannot leave the memory half-written: every change is one push.
        self.memory.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Documents fetched from the network (or the documents map) in this run.
    pub fn fetched(&self) -> Vec<FetchedDocument> {
        self.memory().fetched.clone()
    }

    /// URLs the network could not give and no kept copy stood in for.
    pub fn missed(&self) -> Vec<String> {
        self.memory().missed.clone()
    }

    /// Kept copies that stood in for the network.
    pub fn copies_used(&self) -> Vec<CopyUsed> {
        self.memory().copies_used.clone()
    }

    /// Forgets which copies stood in and which URLs were missed (before a second pass), but
    /// keeps the answers already had.
    pub fn start_pass(&self) {
        let mut m = self.memory();
        m.missed.clear();
        m.copies_used.clear();
    }
}

impl Fetcher for CachingFetcher<'_> {
    fn fetch(&self, url: &str) -> Result<Fetched, FetchError> {
        let known = self.memory().answers.get(url).cloned();
        let answer = match known {
            Some(answer) => answer,
            None => {
                let answer = self.inner.fetch(url);
                let mut m = self.memory();
                if let Ok(f) = &answer {
                    m.fetched.push(FetchedDocument {
                        url: url.to_string(),
                        media_type: f.content_type.clone(),
                        bytes: f.body.clone(),
                    });
                }
                m.answers.insert(url.to_string(), answer.clone());
                answer
            }
        };
        match answer {
            Err(e) if e.is_unreachable() => {
                let mut m = self.memory();
                match self.copies.get(url) {
                    Some(copy) => {
                        if !m.copies_used.iter().any(|c| c.url == url) {
                            m.copies_used.push(CopyUsed { url: url.to_string(), fetched_at: copy.fetched_at.clone() });
                        }
                        Ok(Fetched {
                            url: url.to_string(),
                            final_url: url.to_string(),
                            content_type: copy.media_type.clone(),
                            body: copy.bytes.clone(),
                        })
                    }
                    None => {
                        if !m.missed.iter().any(|u| u == url) {
                            m.missed.push(url.to_string());
                        }
                        Err(e)
                    }
                }
            }
            other => other,
        }
    }

    /// Exchanges are never remembered nor answered from copies: each is a step of its own.
    fn exchange(&self, request: &Request) -> Result<Response, FetchError> {
        self.inner.exchange(request)
    }

    fn allows(&self, url: &str) -> Result<(), FetchError> {
        self.inner.allows(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Answers(HashMap<String, Result<Vec<u8>, FetchError>>);

    impl Fetcher for Answers {
        fn fetch(&self, url: &str) -> Result<Fetched, FetchError> {
            match self.0.get(url) {
                Some(Ok(body)) => {
                    Ok(Fetched { url: url.into(), final_url: url.into(), content_type: None, body: body.clone() })
                }
                Some(Err(e)) => Err(e.clone()),
                None => Err(FetchError::Offline { url: url.into() }),
            }
        }
    }

    #[test]
    fn a_kept_copy_stands_in_only_when_the_network_cannot_be_had() {
        let gone = FetchError::Status { url: "https://a.example/gone".into(), status: 410 };
        let inner = Answers(HashMap::from([
            ("https://a.example/fresh".to_string(), Ok(b"fresh".to_vec())),
            ("https://a.example/gone".to_string(), Err(gone.clone())),
        ]));
        let mut fetcher = CachingFetcher::new(&inner);
        for url in ["https://a.example/gone", "https://a.example/offline"] {
            fetcher.add_copy(KeptCopy {
                url: url.into(),
                media_type: None,
                fetched_at: "2026-01-01T00:00:00Z".into(),
                bytes: b"kept".to_vec(),
            });
        }
        assert_eq!(fetcher.fetch("https://a.example/fresh").unwrap().body, b"fresh");
        assert_eq!(fetcher.fetch("https://a.example/gone"), Err(gone), "the issuer's answer is never overruled");
        assert_eq!(fetcher.fetch("https://a.example/offline").unwrap().body, b"kept");
        assert!(fetcher.fetch("https://a.example/unknown").is_err());
        assert_eq!(fetcher.fetched().len(), 1);
        assert_eq!(fetcher.missed(), vec!["https://a.example/unknown".to_string()]);
        assert_eq!(fetcher.copies_used()[0].fetched_at, "2026-01-01T00:00:00Z");
    }
}
