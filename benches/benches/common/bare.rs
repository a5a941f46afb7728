//! The bare POSTs the request-path benches compare the adapters with (the
//! `e2e` bench and `examples/fetch_n.rs`, which `benches/insns-e2e.sh` counts):
//! the same form to the same URL, the body read to the end, no parsing.
//! Included by path: isahc is a dev-dependency, not one of the library's.
use std::io::Read as _;

use sentinel_proto::request::FORM_CONTENT_TYPE;

/// reqwest's fastest configuration for it: a reused client, no redirects.
pub async fn reqwest_post(
    http: &reqwest::Client,
    url: &str,
    form: &str,
) -> impl AsRef<[u8]> + use<> {
    let resp = http
        .post(url)
        .header(http::header::CONTENT_TYPE, FORM_CONTENT_TYPE)
        .body(form.to_owned())
        .send()
        .await
        .expect("bare reqwest POST");
    assert!(resp.status().is_success());
    resp.bytes().await.expect("bare reqwest body")
}

/// The same with isahc (blocking).
pub fn isahc_post(http: &isahc::HttpClient, url: &str, form: &str) -> Vec<u8> {
    let req = http::Request::post(url)
        .header(http::header::CONTENT_TYPE, FORM_CONTENT_TYPE)
        .body(form.to_owned())
        .expect("bare isahc request");
    let resp = http.send(req).expect("bare isahc POST");
    assert!(resp.status().is_success());
    let mut body = Vec::new();
    resp.into_body()
        .read_to_end(&mut body)
        .expect("bare isahc body");
    body
}
