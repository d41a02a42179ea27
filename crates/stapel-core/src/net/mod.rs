//! Getting documents from the web, always through a [`Fetcher`] that the caller hands in.
//!
//! The core never reaches the network on its own: import, claim and verification take a
//! `&dyn Fetcher`. [`HttpFetcher`] is the real one (reqwest, with timeouts, a size cap, a
//! redirect limit and an HTTPS-only policy); [`MapFetcher`] answers URLs from local files, for
//! `--documents MAP.json`, for offline work and for tests; [`Offline`] refuses everything.
//! [`CachingFetcher`] (in `cache`) wraps any of them: it remembers one run's answers and lets
//! kept copies stand in when the network cannot be had. `net` uses nothing else of the crate.
//!
//! Besides fetching documents, a fetcher can [`Fetcher::exchange`] a [`Request`] (a POST of a
//! form or of JSON, with headers): the OAuth and OpenID4VCI steps of claiming. An exchange
//! answers with whatever status the server gave (an OAuth error comes as a 400 with a JSON
//! body the caller reads), never follows a redirect (a token must not travel on), and is
//! held to the same policy, time limit and size cap as a fetch.

use std::collections::HashMap;
use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod cache;

pub use cache::{CachingFetcher, CopyUsed, FetchedDocument, KeptCopy};

/// A document fetched from a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The URL that was asked for.
    pub url: String,
    /// The URL that finally answered, after redirects.
    pub final_url: String,
    /// The media type the server declared, lowercased and without parameters.
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// Why a document could not be fetched. Every message names the URL.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum FetchError {
    #[error("{url}: not a valid URL ({reason})")]
    BadUrl { url: String, reason: String },
    #[error("{url}: only https URLs are fetched")]
    NotHttps { url: String },
    #[error("{url}: refusing to fetch from a local or private network address")]
    PrivateAddress { url: String },
    #[error("{url}: the server answered {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: the answer is larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: too many redirects (more than {limit})")]
    TooManyRedirects { url: String, limit: usize },
    #[error("{url}: no answer within {seconds} seconds")]
    Timeout { url: String, seconds: u64 },
    #[error("{url}: {reason}")]
    Network { url: String, reason: String },
    #[error("{url}: not fetched, working offline")]
    Offline { url: String },
    #[error("{url}: cannot read the local copy {path}: {reason}")]
    LocalCopy { url: String, path: PathBuf, reason: String },
    #[error("{url}: not sent, this source of documents cannot send requests")]
    CannotSend { url: String },
}

impl FetchError {
    /// A stable code for the fronts (the app's error codes, `--json`), one per kind.
    pub fn code(&self) -> &'static str {
        match self {
            FetchError::BadUrl { .. } => "bad_url",
            FetchError::NotHttps { .. } => "not_https",
            FetchError::PrivateAddress { .. } => "private_address",
            FetchError::Offline { .. } => "offline",
            FetchError::Timeout { .. } | FetchError::Network { .. } => "unreachable",
            FetchError::Status { .. }
            | FetchError::TooLarge { .. }
            | FetchError::TooManyRedirects { .. }
            | FetchError::LocalCopy { .. } => "fetch_failed",
            FetchError::CannotSend { .. } => "cannot_send",
        }
    }

    /// True where the document could not be had at all for reasons outside the document
    /// (offline, unreachable, timed out), as opposed to a server that answered with something.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, FetchError::Offline { .. } | FetchError::Timeout { .. } | FetchError::Network { .. })
    }
}

/// Something that turns a URL into a document.
pub trait Fetcher: Send + Sync {
    fn fetch(&self, url: &str) -> Result<Fetched, FetchError>;

    /// Sends a request and returns the server's answer, whatever its status. Sources that only
    /// hold documents (a documents map, offline) refuse.
    fn exchange(&self, request: &Request) -> Result<Response, FetchError> {
        Err(FetchError::CannotSend { url: request.url.clone() })
    }

    /// Whether the policy allows the URL at all: for an address the learner's browser is sent
    /// to (a sign-in page), which the wallet does not fetch itself.
    fn allows(&self, _url: &str) -> Result<(), FetchError> {
        Ok(())
    }
}

/// The method of a [`Request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// A request of the OAuth and OpenID4VCI kind: a method, headers and a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub url: String,
    /// Header names and values, sent as given (`Authorization`, `DPoP`, `Accept`, ...).
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Request {
    /// A GET with `Accept: application/json`.
    pub fn get_json(url: &str) -> Request {
        Request {
            method: Method::Get,
            url: url.to_string(),
            headers: vec![("Accept".into(), "application/json".into())],
            body: None,
        }
    }

    /// A POST of `application/x-www-form-urlencoded` fields (RFC 6749 §4.1.3, §4.5).
    pub fn post_form(url: &str, fields: &[(&str, &str)]) -> Request {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in fields {
            form.append_pair(name, value);
        }
        Request {
            method: Method::Post,
            url: url.to_string(),
            headers: vec![
                ("Content-Type".into(), "application/x-www-form-urlencoded".into()),
                ("Accept".into(), "application/json".into()),
            ],
            body: Some(form.finish().into_bytes()),
        }
    }

    /// A POST of a JSON body.
    pub fn post_json(url: &str, body: &serde_json::Value) -> Request {
        Request {
            method: Method::Post,
            url: url.to_string(),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("Accept".into(), "application/json".into()),
            ],
            body: Some(body.to_string().into_bytes()),
        }
    }

    /// The same request with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// The server's answer to a [`Request`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub url: String,
    pub status: u16,
    /// The media type the server declared, lowercased and without parameters.
    pub content_type: Option<String>,
    /// Response headers, names lowercased; values that are not visible ASCII are left out.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of a header, by its name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Limits and policy of the real HTTP fetcher.
#[derive(Debug, Clone)]
pub struct HttpPolicy {
    /// Whole-request time limit (connect, send, wait, read).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Largest body accepted, in bytes.
    pub max_bytes: u64,
    pub max_redirects: usize,
    /// Allow plain `http://` and loopback addresses. Off for users: badges come from the web,
    /// and a badge file must not make the wallet talk to the learner's own machine or network.
    /// On only for tests and local development, whose servers run on loopback.
    pub allow_loopback_http: bool,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        HttpPolicy {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_bytes: 5 * 1024 * 1024,
            max_redirects: 5,
            allow_loopback_http: false,
        }
    }
}

impl HttpPolicy {
    /// The policy the CLI and the app use: the defaults, with the two overrides that tests and
    /// local development set in the environment. `STAPEL_ALLOW_LOOPBACK_HTTP` (any value)
    /// allows plain http to loopback; `STAPEL_HTTP_TIMEOUT` (seconds, at least 1) shortens the
    /// time limit. The core's functions still take a fetcher: only the fronts call this.
    pub fn from_environment() -> HttpPolicy {
        let mut policy = HttpPolicy {
            allow_loopback_http: std::env::var_os("STAPEL_ALLOW_LOOPBACK_HTTP").is_some(),
            ..HttpPolicy::default()
        };
        if let Some(secs) = std::env::var("STAPEL_HTTP_TIMEOUT").ok().and_then(|s| s.parse::<u64>().ok()) {
            policy.timeout = Duration::from_secs(secs.max(1));
            policy.connect_timeout = policy.connect_timeout.min(policy.timeout);
        }
        policy
    }
}

/// The real fetcher: reqwest's blocking client under an [`HttpPolicy`].
///
/// Blocking on purpose: the core has no async runtime. Callers inside an async runtime (the
/// desktop shell) run core calls on a blocking thread.
pub struct HttpFetcher {
    client: reqwest::blocking::Client,
    /// The same limits, but redirects are never followed: for [`Fetcher::exchange`].
    exchange_client: reqwest::blocking::Client,
    policy: HttpPolicy,
}

impl HttpFetcher {
    pub fn new(policy: HttpPolicy) -> Result<Self, FetchError> {
        let redirect_policy = {
            let policy = policy.clone();
            reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > policy.max_redirects {
                    attempt.error(RedirectRefused::TooMany)
                } else if let Err(e) = check_url(attempt.url(), &policy) {
                    attempt.error(RedirectRefused::Target(e.to_string()))
                } else {
                    attempt.follow()
                }
            })
        };
        let builder = || {
            reqwest::blocking::Client::builder()
                .timeout(policy.timeout)
                .connect_timeout(policy.connect_timeout)
                .user_agent(concat!("Stapel/", env!("CARGO_PKG_VERSION"), " (learner wallet)"))
        };
        let cannot = |e: reqwest::Error| FetchError::Network {
            url: String::new(),
            reason: format!("cannot set up the HTTP client: {e}"),
        };
        let client = builder().redirect(redirect_policy).build().map_err(cannot)?;
        let exchange_client = builder().redirect(reqwest::redirect::Policy::none()).build().map_err(cannot)?;
        Ok(HttpFetcher { client, exchange_client, policy })
    }

    pub fn policy(&self) -> &HttpPolicy {
        &self.policy
    }
}

#[derive(Debug)]
enum RedirectRefused {
    TooMany,
    Target(String),
}

impl std::fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RedirectRefused::TooMany => write!(f, "too many redirects"),
            RedirectRefused::Target(why) => write!(f, "redirect refused: {why}"),
        }
    }
}

impl std::error::Error for RedirectRefused {}

/// Checks a URL against the policy before anything is sent.
fn check_url(url: &url::Url, policy: &HttpPolicy) -> Result<(), FetchError> {
    let shown = url.as_str().to_string();
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_loopback_http => {}
        _ => return Err(FetchError::NotHttps { url: shown }),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FetchError::BadUrl { url: shown, reason: "it carries a user name or password".into() });
    }
    let host = url.host().ok_or_else(|| FetchError::BadUrl { url: shown.clone(), reason: "no host".into() })?;
    let private = match host {
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        url::Host::Ipv4(ip) => is_private(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => is_private(IpAddr::V6(ip)),
    };
    if private && !policy.allow_loopback_http {
        return Err(FetchError::PrivateAddress { url: shown });
    }
    Ok(())
}

fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast()
                // 100.64.0.0/10, carrier-grade NAT
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

impl Fetcher for HttpFetcher {
    fn fetch(&self, url: &str) -> Result<Fetched, FetchError> {
        let parsed =
            url::Url::parse(url).map_err(|e| FetchError::BadUrl { url: url.to_string(), reason: e.to_string() })?;
        check_url(&parsed, &self.policy)?;
        let response = self.client.get(parsed).send().map_err(|e| self.classify(url, e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status { url: url.to_string(), status: status.as_u16() });
        }
        let final_url = response.url().to_string();
        let content_type =
            response.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(media_type);
        let body = self.read_body(url, response)?;
        Ok(Fetched { url: url.to_string(), final_url, content_type, body })
    }

    fn allows(&self, url: &str) -> Result<(), FetchError> {
        let parsed =
            url::Url::parse(url).map_err(|e| FetchError::BadUrl { url: url.to_string(), reason: e.to_string() })?;
        check_url(&parsed, &self.policy)
    }

    fn exchange(&self, request: &Request) -> Result<Response, FetchError> {
        let url = request.url.as_str();
        let parsed =
            url::Url::parse(url).map_err(|e| FetchError::BadUrl { url: url.to_string(), reason: e.to_string() })?;
        check_url(&parsed, &self.policy)?;
        let mut builder = match request.method {
            Method::Get => self.exchange_client.get(parsed),
            Method::Post => self.exchange_client.post(parsed),
        };
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let response = builder.send().map_err(|e| self.classify(url, e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_string())))
            .collect();
        let content_type =
            response.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(media_type);
        let body = self.read_body(url, response)?;
        Ok(Response { url: url.to_string(), status, content_type, headers, body })
    }
}

impl HttpFetcher {
    /// Reads a body up to the size cap, refusing it past the cap before it is all in memory.
    fn read_body(&self, url: &str, response: reqwest::blocking::Response) -> Result<Vec<u8>, FetchError> {
        if let Some(len) = response.content_length()
            && len > self.policy.max_bytes
        {
            return Err(FetchError::TooLarge { url: url.to_string(), limit: self.policy.max_bytes });
        }
        let mut body = Vec::new();
        response.take(self.policy.max_bytes + 1).read_to_end(&mut body).map_err(|e| self.classify_io(url, e))?;
        if body.len() as u64 > self.policy.max_bytes {
            return Err(FetchError::TooLarge { url: url.to_string(), limit: self.policy.max_bytes });
        }
        Ok(body)
    }

    fn classify(&self, url: &str, e: reqwest::Error) -> FetchError {
        let url = url.to_string();
        if e.is_timeout() {
            return FetchError::Timeout { url, seconds: self.policy.timeout.as_secs().max(1) };
        }
        if e.is_redirect() {
            // Our policy's own refusal is the error's source; say which one it was.
            let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&e);
            while let Some(s) = source {
                if let Some(refused) = s.downcast_ref::<RedirectRefused>() {
                    return match refused {
                        RedirectRefused::TooMany => {
                            FetchError::TooManyRedirects { url, limit: self.policy.max_redirects }
                        }
                        RedirectRefused::Target(why) => FetchError::Network { url, reason: why.clone() },
                    };
                }
                source = s.source();
            }
            return FetchError::TooManyRedirects { url, limit: self.policy.max_redirects };
        }
        let reason = if e.is_connect() { "cannot connect to the server".to_string() } else { innermost(&e) };
        FetchError::Network { url, reason }
    }

    fn classify_io(&self, url: &str, e: std::io::Error) -> FetchError {
        let timed_out = e.kind() == std::io::ErrorKind::TimedOut
            || std::error::Error::source(&e)
                .and_then(|s| s.downcast_ref::<reqwest::Error>())
                .is_some_and(|r| r.is_timeout());
        if timed_out {
            FetchError::Timeout { url: url.to_string(), seconds: self.policy.timeout.as_secs().max(1) }
        } else {
            FetchError::Network { url: url.to_string(), reason: format!("the answer broke off: {e}") }
        }
    }
}

fn innermost(e: &dyn std::error::Error) -> String {
    let mut last = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    last
}

/// `text/html; charset=utf-8` → `text/html`.
fn media_type(header: &str) -> String {
    header.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// Refuses every URL: the answer of a wallet that must not go online.
pub struct Offline;

impl Fetcher for Offline {
    fn fetch(&self, url: &str) -> Result<Fetched, FetchError> {
        Err(FetchError::Offline { url: url.to_string() })
    }

    fn exchange(&self, request: &Request) -> Result<Response, FetchError> {
        Err(FetchError::Offline { url: request.url.clone() })
    }
}

/// Answers URLs from local files (`--documents MAP.json`); other URLs go to the fallback, or
/// are refused as offline when there is none.
pub struct MapFetcher {
    map: HashMap<String, PathBuf>,
    fallback: Option<Box<dyn Fetcher>>,
}

impl MapFetcher {
    pub fn new(map: HashMap<String, PathBuf>, fallback: Option<Box<dyn Fetcher>>) -> Self {
        MapFetcher { map, fallback }
    }

    /// Reads a documents map: a JSON object from URL to file path. Relative paths are taken
    /// from the map file's own folder.
    pub fn read_map(path: &Path) -> Result<HashMap<String, PathBuf>, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let raw: HashMap<String, String> = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a JSON object of URL to file path: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Ok(raw.into_iter().map(|(url, file)| (url, base.join(file))).collect())
    }
}

impl Fetcher for MapFetcher {
    fn fetch(&self, url: &str) -> Result<Fetched, FetchError> {
        // A URL and its form without a fragment name the same document.
        let key = url.split('#').next().unwrap_or(url);
        let path = self.map.get(url).or_else(|| self.map.get(key));
        match (path, &self.fallback) {
            (Some(path), _) => {
                let body = std::fs::read(path).map_err(|e| FetchError::LocalCopy {
                    url: url.to_string(),
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
                Ok(Fetched {
                    url: url.to_string(),
                    final_url: url.to_string(),
                    content_type: media_type_for_path(path).map(str::to_string),
                    body,
                })
            }
            (None, Some(fallback)) => fallback.fetch(url),
            (None, None) => Err(FetchError::Offline { url: url.to_string() }),
        }
    }

    /// A GET of a mapped URL is answered from its file, as a fetch is; anything else goes to
    /// the fallback.
    fn exchange(&self, request: &Request) -> Result<Response, FetchError> {
        let key = request.url.split('#').next().unwrap_or(&request.url);
        if request.method == Method::Get && (self.map.contains_key(&request.url) || self.map.contains_key(key)) {
            let fetched = self.fetch(&request.url)?;
            return Ok(Response {
                url: fetched.url,
                status: 200,
                content_type: fetched.content_type,
                headers: Vec::new(),
                body: fetched.body,
            });
        }
        match (&self.fallback, request.method) {
            (Some(fallback), _) => fallback.exchange(request),
            (None, Method::Get) => Err(FetchError::Offline { url: request.url.clone() }),
            (None, Method::Post) => Err(FetchError::CannotSend { url: request.url.clone() }),
        }
    }
}

fn media_type_for_path(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "json" => "application/json",
        "jsonld" => "application/ld+json",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "jwt" | "jws" => "application/jwt",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> HttpPolicy {
        HttpPolicy::default()
    }

    #[test]
    fn plain_http_and_private_hosts_are_refused_for_users() {
        let check = |u: &str| check_url(&url::Url::parse(u).unwrap(), &policy());
        assert!(matches!(check("http://example.org/a"), Err(FetchError::NotHttps { .. })));
        assert!(matches!(check("ftp://example.org/a"), Err(FetchError::NotHttps { .. })));
        assert!(matches!(check("https://127.0.0.1/a"), Err(FetchError::PrivateAddress { .. })));
        assert!(matches!(check("https://localhost/a"), Err(FetchError::PrivateAddress { .. })));
        assert!(matches!(check("https://192.168.1.1/a"), Err(FetchError::PrivateAddress { .. })));
        assert!(matches!(check("https://[::1]/a"), Err(FetchError::PrivateAddress { .. })));
        assert!(matches!(check("https://[::ffff:10.0.0.1]/a"), Err(FetchError::PrivateAddress { .. })));
        assert!(matches!(check("https://user:pw@example.org/a"), Err(FetchError::BadUrl { .. })));
        assert!(check("https://example.org/badge.json").is_ok());
    }

    #[test]
    fn media_type_drops_parameters() {
        assert_eq!(media_type("Application/JSON; charset=utf-8"), "application/json");
    }
}
