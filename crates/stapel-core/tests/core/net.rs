//! The real HTTP fetcher against servers these tests start on loopback.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use stapel_core::net::{FetchError, Fetcher, HttpFetcher, HttpPolicy, MapFetcher, Offline};

use stapel_testkit::{Reply, Server};

fn loopback_fetcher() -> HttpFetcher {
    HttpFetcher::new(HttpPolicy {
        timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(2),
        allow_loopback_http: true,
        ..HttpPolicy::default()
    })
    .unwrap()
}

#[test]
fn a_document_is_fetched_with_its_media_type_and_final_url() {
    let server = Server::start(|path| match path {
        "/old" => Reply::Redirect("/badge.json".into()),
        "/badge.json" => Reply::Body(200, "application/json; charset=utf-8", b"{\"type\":\"Assertion\"}".to_vec()),
        _ => Reply::Body(404, "text/plain", b"no".to_vec()),
    });
    let got = loopback_fetcher().fetch(&server.url("/old")).unwrap();
    assert_eq!(got.body, b"{\"type\":\"Assertion\"}");
    assert_eq!(got.content_type.as_deref(), Some("application/json"));
    assert_eq!(got.final_url, server.url("/badge.json"));
}

#[test]
fn a_404_names_the_url_and_the_status() {
    let server = Server::start(|_| Reply::Body(404, "text/html", b"<h1>gone</h1>".to_vec()));
    let url = server.url("/missing.json");
    let err = loopback_fetcher().fetch(&url).unwrap_err();
    assert_eq!(err, FetchError::Status { url: url.clone(), status: 404 });
    assert_eq!(err.to_string(), format!("{url}: the server answered 404"));
}

#[test]
fn a_redirect_loop_stops_at_the_limit() {
    let server = Server::start(|path| match path {
        "/a" => Reply::Redirect("/b".into()),
        _ => Reply::Redirect("/a".into()),
    });
    let err = loopback_fetcher().fetch(&server.url("/a")).unwrap_err();
    assert!(matches!(err, FetchError::TooManyRedirects { limit: 5, .. }), "{err:?}");
}

#[test]
fn a_server_that_never_answers_times_out_within_the_limit() {
    let server = Server::start(|_| Reply::Hang);
    let started = Instant::now();
    let err = loopback_fetcher().fetch(&server.url("/slow")).unwrap_err();
    assert!(matches!(err, FetchError::Timeout { seconds: 2, .. }), "{err:?}");
    assert!(err.is_unreachable());
    // The limit is the policy's; this bound only guards against hanging forever.
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn an_answer_over_the_size_cap_is_refused() {
    let server = Server::start(|_| Reply::Body(200, "application/json", vec![b' '; 6 * 1024 * 1024]));
    let err = loopback_fetcher().fetch(&server.url("/huge.json")).unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { limit: 5_242_880, .. }), "{err:?}");
}

#[test]
fn a_redirect_to_plain_http_elsewhere_is_refused_for_users() {
    // Users' policy: https only, no loopback. The first URL is already refused before sending.
    let fetcher = HttpFetcher::new(HttpPolicy::default()).unwrap();
    let err = fetcher.fetch("http://example.org/badge.json").unwrap_err();
    assert!(matches!(err, FetchError::NotHttps { .. }));
    let err = fetcher.fetch("https://127.0.0.1:9/badge.json").unwrap_err();
    assert!(matches!(err, FetchError::PrivateAddress { .. }));
}

#[test]
fn nothing_listening_is_a_network_error_that_names_the_url() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/x");
    let err = loopback_fetcher().fetch(&url).unwrap_err();
    assert!(matches!(err, FetchError::Network { .. }), "{err:?}");
    assert!(err.to_string().starts_with(&url));
}

#[test]
fn the_documents_map_answers_from_local_files_and_refuses_the_rest_offline() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("issuer.json");
    std::fs::write(&file, b"{\"id\":\"https://example.org/issuer\"}").unwrap();
    let map_file = dir.path().join("map.json");
    std::fs::write(&map_file, br#"{"https://example.org/issuer": "issuer.json"}"#).unwrap();
    let map = MapFetcher::read_map(&map_file).unwrap();
    let fetcher = MapFetcher::new(map, None);
    let got = fetcher.fetch("https://example.org/issuer#key-1").unwrap();
    assert_eq!(got.body, std::fs::read(&file).unwrap());
    assert_eq!(got.content_type.as_deref(), Some("application/json"));
    assert!(matches!(fetcher.fetch("https://example.org/other"), Err(FetchError::Offline { .. })));
    assert!(matches!(Offline.fetch("https://example.org/"), Err(FetchError::Offline { .. })));
}

#[test]
fn the_documents_map_falls_back_to_the_network_when_not_offline() {
    let server = Server::start(|_| Reply::Body(200, "application/ld+json", b"{}".to_vec()));
    let fetcher = MapFetcher::new(HashMap::new(), Some(Box::new(loopback_fetcher())));
    assert_eq!(fetcher.fetch(&server.url("/ctx")).unwrap().body, b"{}");
}
