//! The client's PKCE calls: the challenge goes into the authorize URL, the
//! verifier once into the exchange body, never retried, never shown.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::{Arc, Mutex};

use http::{Request, Response};
use sentinel_client::{Client, ClientConfig, HttpClient, ThreadRuntime};
use sentinel_proto::error::TransportError;
use sentinel_proto::user::State;
use sentinel_proto::{
    AccountId, AuthorizationCode, ClientId, ClientSecret, CodeVerifier, Error, Host, Sentinel,
};

const B_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const STATE: &str = "0123456789abcdef-STATE";

fn sentinel() -> Sentinel {
    Sentinel::new(
        Host::parse("va.sentinel.liveperson.net").unwrap(),
        AccountId::new("123456").unwrap(),
        ClientId::new("cid").unwrap(),
        ClientSecret::new("sec"),
    )
}

type Seen = Arc<Mutex<Vec<Request<Vec<u8>>>>>;

/// Records every request; answers tokens.
struct Recorder(Seen);

impl HttpClient for Recorder {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.0.lock().unwrap().push(request);
        Ok(Response::builder()
            .status(400)
            .body(br#"{"error":"invalid_grant"}"#.to_vec())
            .unwrap())
    }
}

#[test]
fn client_sends_the_verifier_once_and_puts_the_challenge_in_the_url() {
    let seen = Seen::default();
    let config = ClientConfig::new(
        AccountId::new("123456").unwrap(),
        ClientId::new("cid").unwrap(),
        ClientSecret::new("sec"),
    )
    .with_sentinel_host(Host::americas());
    let client = Client::new(config, Recorder(seen.clone()), ThreadRuntime);
    let v = CodeVerifier::new(B_VERIFIER).unwrap();
    let state = State::new(STATE).unwrap();
    let url = pollster::block_on(client.authorize_url_pkce(None, &state, &v.challenge())).unwrap();
    assert_eq!(
        url,
        sentinel()
            .authorize_url_pkce(None, &state, &v.challenge())
            .unwrap()
    );
    assert!(seen.lock().unwrap().is_empty());

    let code = AuthorizationCode::new("c0de");
    let err = pollster::block_on(client.exchange_code_pkce(&code, None, &v)).unwrap_err();
    assert!(matches!(err, Error::OAuth { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains(B_VERIFIER));
    let seen = seen.lock().unwrap();
    // Never retried, and the body is the builder's.
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].body(),
        sentinel()
            .exchange_code_request_pkce(&code, None, &v)
            .unwrap()
            .body()
    );
}
