//! The client applies the Domain API allow-list (protocol reference §1): a
//! discovered host outside it is refused before anything is sent there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use http::{Request, Response};
use sentinel_client::{Client, ClientConfig, HttpClient, ThreadRuntime};
use sentinel_proto::error::{BodyError, TransportError};
use sentinel_proto::{AccountId, ClientId, ClientSecret, Error, Host};

fn ok(body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(200)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

// ---- the client -------------------------------------------------------------

/// Answers the Domain API's all-services list with `base_uri` for Sentinel and
/// tokens elsewhere; records hosts.
struct Fake {
    base_uri: &'static str,
    hosts: Arc<Mutex<Vec<String>>>,
}

impl HttpClient for Fake {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.hosts
            .lock()
            .unwrap()
            .push(request.uri().host().unwrap().to_owned());
        let body = if request.uri().path() == "/api/account/123456/service/baseURI.json" {
            format!(
                r#"{{"baseURIs":[{{"service":"sentinel","account":"123456","baseURI":"{}"}}]}}"#,
                self.base_uri
            )
        } else {
            r#"{"access_token":"at","token_type":"Bearer"}"#.to_owned()
        };
        Ok(ok(&body))
    }
}

fn config() -> ClientConfig {
    ClientConfig::new(
        AccountId::new("123456").unwrap(),
        ClientId::new("cid").unwrap(),
        ClientSecret::new("SECRET-MARKER"),
    )
}

#[test]
fn client_refuses_a_discovered_host_outside_the_list_and_sends_it_nothing() {
    let hosts = Arc::default();
    let client = Client::new(
        config(),
        Fake {
            base_uri: "sentinel.evil.example",
            hosts: Arc::clone(&hosts),
        },
        ThreadRuntime,
    );
    let err = pollster::block_on(client.fetch_app_token()).unwrap_err();
    match &err {
        Error::InvalidBody {
            reason: BodyError::HostNotAllowed { service, host },
            ..
        } => {
            assert_eq!(service, "sentinel");
            assert_eq!(host, "sentinel.evil.example");
        }
        other => panic!("{other:?}"),
    }
    assert!(!format!("{err} {err:?}").contains("SECRET-MARKER"));
    // Not retried, and the secret never went to the refused host.
    assert_eq!(*hosts.lock().unwrap(), ["api.liveperson.net"]);
    assert!(
        pollster::block_on(client.service("sentinel")).is_err(),
        "service applies it too"
    );
}

#[test]
fn client_with_allowed_domains_uses_the_host() {
    let hosts = Arc::default();
    let client = Client::new(
        config().with_allowed_domains(["corp.example"]),
        Fake {
            base_uri: "sentinel.corp.example",
            hosts: Arc::clone(&hosts),
        },
        ThreadRuntime,
    );
    assert_eq!(client.config().allowed_domains(), ["corp.example"]);
    let s = pollster::block_on(client.sentinel()).unwrap();
    assert_eq!(s.host().authority(), "sentinel.corp.example");
    pollster::block_on(client.fetch_app_token()).unwrap();
    assert_eq!(
        *hosts.lock().unwrap(),
        ["api.liveperson.net", "sentinel.corp.example"]
    );
}

#[test]
fn a_configured_host_is_the_callers_choice_and_not_checked() {
    let hosts = Arc::default();
    let client = Client::new(
        config().with_sentinel_host(Host::parse("sentinel.corp.example").unwrap()),
        Fake {
            base_uri: "unused.example",
            hosts: Arc::clone(&hosts),
        },
        ThreadRuntime,
    );
    pollster::block_on(client.fetch_app_token()).unwrap();
    assert_eq!(*hosts.lock().unwrap(), ["sentinel.corp.example"]);
}
