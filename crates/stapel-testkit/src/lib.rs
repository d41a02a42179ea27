//! Test support shared by Stapel's test suites (never shipped): where the published test
//! vectors are, and a tiny HTTP server on loopback whose behaviour each test chooses,
//! including misbehaviour a real server would never show on purpose (hanging, redirect loops).
//! Tests only ever talk to servers they start here, on 127.0.0.1.

#![forbid(unsafe_code)]
// Test support: a panic here is a failed test, with its line.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
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
    /// A redirect to the given location.
    Redirect(String),
    /// Accept the connection, read the request, never answer (until the server is dropped).
    Hang,
}

pub struct Server {
    pub base: String,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Starts a server on 127.0.0.1 with a random port; `route` sees the request path.
    pub fn start(route: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Server {
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

fn serve(stream: TcpStream, route: &(dyn Fn(&str) -> Reply + Send + Sync), stop: &AtomicBool) {
    stream.set_nonblocking(false).ok();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut stream = stream;
    match route(&path) {
        Reply::Body(status, content_type, body) => {
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
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
