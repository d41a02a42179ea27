//! Test support shared by Stapel's test suites (never shipped): where the published test
//! vectors are, and a tiny HTTP server on loopback whose behaviour each test chooses,
//! including misbehaviour a real server would never show on purpose (hanging, redirect loops).
//! Tests only ever talk to servers they start here, on 127.0.0.1.

#![forbid(unsafe_code)]
// Test support: a panic here is a failed test, with its line.
#![allow(clippy::unwrap_used)]

pub mod issuer;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

/// `../shared/vectors` beside the workspace. The workspace is found at run time, from the
/// directory `cargo test` runs the test in (the tested package's own), up to the folder with
/// `Cargo.lock`: a path baked in at compile time would go stale when a build directory is
/// reused by another clone, since cargo does not rebuild a dependency for a moved workspace.
pub fn vectors() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    let root = start.ancestors().find(|d| d.join("Cargo.lock").is_file()).unwrap_or(&start).to_path_buf();
    let p = root.join("../shared/vectors");
    assert!(p.is_dir(), "the published test vectors are missing: expected {}", p.display());
    p
}

/// One published vector by its path under `../shared/vectors`.
pub fn vector(rel: &str) -> PathBuf {
    let p = vectors().join(rel);
    assert!(p.exists(), "missing published test vector {}", p.display());
    p
}

/// What the test server does with one request.
pub enum Reply {
    /// A complete response: status, content type, body.
    Body(u16, &'static str, Vec<u8>),
    /// A complete response with extra headers (name, value).
    Headers(u16, &'static str, Vec<(String, String)>, Vec<u8>),
    /// A redirect to the given location.
    Redirect(String),
    /// Accept the connection, read the request, never answer (until the server is dropped).
    Hang,
}

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path with its query, as sent.
    pub path: String,
    /// Header names lowercased, values trimmed.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of a header, by its lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The path without its query.
    pub fn route(&self) -> &str {
        self.path.split('?').next().unwrap_or("")
    }

    /// The fields of a form body or of the query (`name=value&...`), decoded.
    pub fn form(&self) -> Vec<(String, String)> {
        decode_form(std::str::from_utf8(&self.body).unwrap_or(""))
    }

    pub fn query(&self) -> Vec<(String, String)> {
        decode_form(self.path.split_once('?').map(|(_, q)| q).unwrap_or(""))
    }

    /// One field of the form body.
    pub fn field(&self, name: &str) -> Option<String> {
        self.form().into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// Decodes `application/x-www-form-urlencoded` (`+` is a space, `%XX` a byte).
pub fn decode_form(text: &str) -> Vec<(String, String)> {
    fn decode(part: &str) -> String {
        let bytes = part.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                        Ok(b) => {
                            out.push(b);
                            i += 2;
                        }
                        Err(_) => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((n, v)) => (decode(n), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

pub struct Server {
    pub base: String,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Starts a server on 127.0.0.1 with a random port; `route` sees the request path.
    pub fn start(route: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Server {
        Server::start_requests(move |request: &Request| route(&request.path))
    }

    /// Starts a server whose `route` sees the whole request: method, headers and body.
    pub fn start_requests(route: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let route = Arc::new(route);
        let flag = stop.clone();
        listener.set_nonblocking(true).unwrap();
        thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let route = route.clone();
                        let flag = flag.clone();
                        thread::spawn(move || serve(stream, &*route, &flag));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server { base, stop }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(stream: TcpStream, route: &(dyn Fn(&Request) -> Reply + Send + Sync), stop: &AtomicBool) {
    stream.set_nonblocking(false).ok();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {
                if let Some((name, value)) = line.split_once(':') {
                    headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
                }
            }
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(16 * 1024 * 1024);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let mut words = request_line.split_whitespace();
    let method = words.next().unwrap_or("GET").to_string();
    let path = words.next().unwrap_or("/").to_string();
    let request = Request { method, path, headers, body };
    let mut stream = stream;
    match route(&request) {
        Reply::Body(status, content_type, body) => {
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
        Reply::Headers(status, content_type, extra, body) => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in extra {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
        Reply::Redirect(location) => {
            let head =
                format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = stream.write_all(head.as_bytes());
        }
        Reply::Hang => {
            while !stop.load(Ordering::Relaxed) {
                thread::sleep(Duration::from_millis(20));
            }
        }
    }
}
