//! Discovery as LivePerson's own clients do it (protocol reference §1): one
//! all-services list per account, every service read from it, cached per
//! account, served stale for a bounded time while the Domain API is down; and
//! ConsumerJWS tokens cached per consumer (§3.4).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use http::Request;
use sentinel_client::{Client, ClientConfig, DomainCache};
use sentinel_proto::error::{BodyError, TransportError};
use sentinel_proto::{AccountId, ClientId, ClientSecret, Error, Host, policy::RetryPolicy};
use sentinel_testkit::fake::{Fake, json};

const ALL: &str = "/service/baseURI.json";

fn config(account: &str) -> ClientConfig {
    ClientConfig::new(
        AccountId::new(account).unwrap(),
        ClientId::new("cid").unwrap(),
        ClientSecret::new("SECRET-MARKER"),
    )
    .with_retry(RetryPolicy::never())
}

/// The all-services list of `account`: every host carries the account's
/// number, so that a host served to the wrong account shows.
fn all_services(account: &str) -> String {
    let entry = |service: &str, prefix: &str| {
        format!(
            r#"{{"service":"{service}","account":"{account}","baseURI":"{prefix}-{account}.liveperson.net"}}"#
        )
    };
    format!(
        r#"{{"baseURIs":[{},{},{},{},{}]}}"#,
        entry("sentinel", "sentinel"),
        entry("idp", "idp"),
        entry("asyncMessagingEnt", "msg"),
        entry("agentVep", "vep"),
        entry("leDataReporting", "data"),
    )
}

/// A LivePerson of any number of accounts: the Domain API lists, AppJWTs, and
/// ConsumerJWS tokens (answered 201, as LivePerson does), each new one distinct.
fn liveperson(req: &Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
    static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SERIAL.fetch_add(1, Ordering::SeqCst);
    let path = req.uri().path();
    let account = path.split('/').nth(3).unwrap_or_default().to_owned();
    if path.ends_with(ALL) {
        return json(200, &all_services(&account));
    }
    if path.ends_with("/app/token") {
        assert!(req.uri().host().unwrap().starts_with("sentinel-"));
        return json(
            200,
            &format!(r#"{{"access_token":"app.{n}.x","token_type":"Bearer","expires_in":3600}}"#),
        );
    }
    if path.ends_with("/consumer") {
        assert_eq!(
            req.uri().host().unwrap(),
            format!("idp-{account}.liveperson.net")
        );
        return json(201, &format!(r#"{{"token":"jws.{n}.x"}}"#));
    }
    panic!("unexpected request to {path}")
}

#[test]
fn app_jwt_consumer_jws_and_three_other_look_ups_cost_one_domain_api_request() {
    let fake = Fake::new(liveperson);
    let c = Client::new(config("123456"), fake.clone(), fake.clone());
    pollster::block_on(async {
        c.app_token().await.unwrap();
        c.consumer_jws("consumer-1").await.unwrap();
        for (service, host) in [
            ("asyncMessagingEnt", "msg-123456.liveperson.net"),
            ("agentVep", "vep-123456.liveperson.net"),
            ("leDataReporting", "data-123456.liveperson.net"),
        ] {
            assert_eq!(c.service(service).await.unwrap().authority(), host);
        }
    });
    assert_eq!(fake.count(ALL), 1, "{:?}", fake.paths());
    assert_eq!(fake.paths()[0], "/api/account/123456/service/baseURI.json");
    // A service the account does not have is a typed error, not a request.
    let err = pollster::block_on(c.service("noSuchService")).unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidBody { reason: BodyError::ServiceNotFound(ref s), .. } if s == "noSuchService"
    ));
    assert_eq!(fake.count(ALL), 1);
}

#[test]
fn two_accounts_interleaved_are_never_mixed() {
    let fake = Fake::new(liveperson);
    let shared = DomainCache::default();
    let a = Client::with_domain_cache(config("111"), fake.clone(), fake.clone(), &shared);
    let b = Client::with_domain_cache(config("222"), fake.clone(), fake.clone(), &shared);
    pollster::block_on(async {
        for _ in 0..3 {
            for (c, account) in [(&a, "111"), (&b, "222"), (&b, "222"), (&a, "111")] {
                for service in ["sentinel", "idp", "agentVep"] {
                    let host = c.service(service).await.unwrap();
                    assert!(
                        host.authority()
                            .ends_with(&format!("-{account}.liveperson.net")),
                        "{account} got {}",
                        host.authority()
                    );
                }
                c.app_token().await.unwrap();
            }
        }
    });
    assert_eq!(shared.len(), 2);
    // One list per account, however the calls interleave.
    assert_eq!(fake.count("/111/service/baseURI.json"), 1);
    assert_eq!(fake.count("/222/service/baseURI.json"), 1);
    shared.forget(&AccountId::new("111").unwrap());
    assert_eq!(shared.len(), 1);
}

#[test]
fn a_second_client_of_the_account_reuses_the_shared_list() {
    let fake = Fake::new(liveperson);
    let shared = DomainCache::default();
    let first = Client::with_domain_cache(config("123456"), fake.clone(), fake.clone(), &shared);
    pollster::block_on(first.sentinel()).unwrap();
    let second = Client::with_domain_cache(config("123456"), fake.clone(), fake.clone(), &shared);
    pollster::block_on(second.idp_host()).unwrap();
    assert_eq!(fake.count(ALL), 1);
    // A client of its own keeps a list of its own.
    let alone = Client::new(config("123456"), fake.clone(), fake.clone());
    pollster::block_on(alone.idp_host()).unwrap();
    assert_eq!(fake.count(ALL), 2);
}

#[test]
fn the_list_is_renewed_after_its_ttl_and_served_stale_up_to_the_bound() {
    let down = Arc::new(AtomicBool::new(false));
    let d = Arc::clone(&down);
    let fake = Fake::new(move |req| {
        if d.load(Ordering::SeqCst) && req.uri().path().ends_with(ALL) {
            return json(503, "down");
        }
        liveperson(req)
    });
    let c = Client::new(
        config("123456")
            .with_domain_ttl(Duration::from_secs(600))
            .with_domain_max_stale(Duration::from_secs(1800)),
        fake.clone(),
        fake.clone(),
    );
    let host = || pollster::block_on(c.service("agentVep"));
    host().unwrap();
    fake.advance(599);
    host().unwrap();
    assert_eq!(fake.count(ALL), 1, "fresh for the TTL");
    fake.advance(1);
    host().unwrap();
    assert_eq!(fake.count(ALL), 2, "renewed once the TTL is over");

    // The Domain API goes down: the list obtained at t=600 is served, while
    // renewals fail, until t = 600 + 600 + 1800.
    down.store(true, Ordering::SeqCst);
    fake.advance(600);
    for _ in 0..29 {
        assert_eq!(host().unwrap().authority(), "vep-123456.liveperson.net");
        fake.advance(60);
    }
    assert!(fake.count(ALL) > 2, "renewals were tried");
    fake.advance(60); // t = 3000: past the bound
    let err = host().unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");

    // Back up: served again.
    down.store(false, Ordering::SeqCst);
    fake.advance(120); // past the failure cool-down
    host().unwrap();
}

#[test]
fn configured_hosts_win_and_spare_the_domain_api() {
    let fake = Fake::new(liveperson);
    let own = Host::parse("sentinel.corp.example").unwrap();
    let msg = Host::parse("messaging.corp.example").unwrap();
    let c = Client::new(
        config("123456")
            .with_sentinel_host(own.clone())
            .with_service_host("asyncMessagingEnt", msg.clone()),
        fake.clone(),
        fake.clone(),
    );
    pollster::block_on(async {
        assert_eq!(c.service("sentinel").await.unwrap(), own);
        assert_eq!(c.service("asyncMessagingEnt").await.unwrap(), msg);
    });
    assert!(fake.paths().is_empty());
    // The others still come from the list.
    assert_eq!(
        pollster::block_on(c.service("agentVep"))
            .unwrap()
            .authority(),
        "vep-123456.liveperson.net"
    );
}

#[test]
fn an_explicit_domain_api_host_is_asked() {
    let hosts = Arc::new(std::sync::Mutex::new(Vec::new()));
    let h = Arc::clone(&hosts);
    let fake = Fake::new(move |req| {
        h.lock().unwrap().push(req.uri().host().unwrap().to_owned());
        let body =
            r#"{"baseURIs":[{"service":"sentinel","baseURI":"sentinel.csds.corp.example"}]}"#;
        json(200, body)
    });
    let c = Client::new(
        config("123456").with_csds(Host::parse("csds.corp.example").unwrap()),
        fake.clone(),
        fake,
    );
    let s = pollster::block_on(c.service("sentinel")).unwrap();
    // Under the Domain API's own domain: allowed without widening the list.
    assert_eq!(s.authority(), "sentinel.csds.corp.example");
    assert_eq!(*hosts.lock().unwrap(), ["csds.corp.example"]);
}

// ---- ConsumerJWS --------------------------------------------------------------

fn consumer_requests(fake: &Fake) -> usize {
    fake.count("/consumer")
}

#[test]
fn consumer_jws_is_accepted_with_200_and_201() {
    for status in [200, 201] {
        let fake = Fake::new(move |req| {
            if req.uri().path().ends_with("/consumer") {
                return json(status, r#"{"token":"jws.body.sig"}"#);
            }
            liveperson(req)
        });
        let c = Client::new(config("123456"), fake.clone(), fake);
        let jws = pollster::block_on(c.consumer_jws("consumer-1")).unwrap();
        assert_eq!(jws.value().secret(), "jws.body.sig", "HTTP {status}");
    }
}

#[test]
fn consumer_jws_is_cached_per_consumer_for_its_ttl() {
    let fake = Fake::new(liveperson);
    let c = Client::new(
        config("123456").with_consumer_jws_ttl(Duration::from_secs(600)),
        fake.clone(),
        fake.clone(),
    );
    let get = |id: &str| pollster::block_on(c.consumer_jws(id)).unwrap();
    let a1 = get("a");
    let b1 = get("b");
    assert_ne!(a1.value().secret(), b1.value().secret());
    assert!(Arc::ptr_eq(&a1, &get("a")), "second call from the cache");
    assert_eq!(consumer_requests(&fake), 2);
    // Renewed ahead, at half the TTL, the old one served meanwhile.
    fake.advance(301);
    get("a");
    assert_eq!(consumer_requests(&fake), 3);
    assert_ne!(get("a").value().secret(), a1.value().secret());
    // Invalidated: fetched again.
    c.invalidate_consumer_jws("b");
    assert!(!Arc::ptr_eq(&b1, &get("b")));
    assert_eq!(consumer_requests(&fake), 4);
}

#[test]
fn consumer_jws_outlives_an_app_jwt_renewal() {
    let fake = Fake::new(liveperson);
    let c = Client::new(
        config("123456").with_consumer_jws_ttl(Duration::from_secs(7200)),
        fake.clone(),
        fake.clone(),
    );
    let jws = pollster::block_on(c.consumer_jws("a")).unwrap();
    let app = pollster::block_on(c.app_token()).unwrap();
    fake.advance(1801); // the AppJWT is renewed at half its hour, in the background
    pollster::block_on(c.app_token()).unwrap();
    let renewed = pollster::block_on(c.app_token()).unwrap();
    assert!(!Arc::ptr_eq(&app, &renewed));
    assert_eq!(fake.count("/app/token"), 2);
    assert!(Arc::ptr_eq(
        &jws,
        &pollster::block_on(c.consumer_jws("a")).unwrap()
    ));
    assert_eq!(consumer_requests(&fake), 1);
}

#[test]
fn consumer_jws_with_an_earlier_exp_lives_to_it() {
    let fake = Fake::new(|req| {
        if req.uri().path().ends_with("/consumer") {
            // exp = 1_700_000_120: two minutes after the fake's start.
            let header = base64_url(r#"{"alg":"RS256","typ":"JWT"}"#);
            let claims = base64_url(r#"{"sub":"a","exp":1700000120}"#);
            return json(201, &format!(r#"{{"token":"{header}.{claims}.c2ln"}}"#));
        }
        liveperson(req)
    });
    let c = Client::new(config("123456"), fake.clone(), fake.clone());
    let jws = pollster::block_on(c.consumer_jws("a")).unwrap();
    assert_eq!(jws.expires_at().as_secs(), 1_700_000_120);
}

#[test]
fn consumer_jws_cache_is_bounded_least_recently_used_first() {
    let fake = Fake::new(liveperson);
    let c = Client::new(
        config("123456").with_consumer_jws_capacity(NonZeroUsize::new(2).unwrap()),
        fake.clone(),
        fake.clone(),
    );
    let get = |id: &str| pollster::block_on(c.consumer_jws(id)).unwrap();
    get("a");
    get("b");
    get("a"); // a is the most recent
    get("c"); // b goes
    assert_eq!(consumer_requests(&fake), 3);
    get("a");
    get("c");
    assert_eq!(consumer_requests(&fake), 3, "a and c kept");
    get("b");
    assert_eq!(consumer_requests(&fake), 4, "b was dropped");
}

fn base64_url(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// The AppJWT request is prepared once per host: when the Domain API names
/// another Sentinel host, the next fetch goes there, with the same form.
#[test]
fn a_moved_sentinel_host_gets_the_next_app_jwt_request() {
    let moved = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (m, log) = (Arc::clone(&moved), Arc::clone(&sent));
    let fake = Fake::new(move |req| {
        let path = req.uri().path();
        if path.ends_with(ALL) {
            let list = all_services("123456");
            let list = if m.load(Ordering::SeqCst) {
                list.replace("sentinel-123456", "sentinel-moved-123456")
            } else {
                list
            };
            return json(200, &list);
        }
        log.lock().unwrap().push((
            req.uri().authority().unwrap().to_string(),
            req.body().clone(),
        ));
        liveperson(req)
    });
    let c = Client::new(
        config("123456").with_domain_ttl(Duration::from_secs(600)),
        fake.clone(),
        fake.clone(),
    );
    let fetch = || pollster::block_on(c.fetch_app_token()).unwrap();
    fetch();
    fetch();
    moved.store(true, Ordering::SeqCst);
    fake.advance(600);
    // The first read past the TTL may still be served the old list while it
    // renews (the list renews in the background): fetch until it has moved.
    for _ in 0..3 {
        fetch();
    }
    let sent = sent.lock().unwrap();
    let hosts: Vec<&str> = sent.iter().map(|(h, _)| h.as_str()).collect();
    assert_eq!(&hosts[..2], ["sentinel-123456.liveperson.net"; 2]);
    assert_eq!(hosts.last(), Some(&"sentinel-moved-123456.liveperson.net"));
    let form = b"grant_type=client_credentials&client_id=cid&client_secret=SECRET-MARKER";
    assert!(
        sent.iter().all(|(_, body)| body == form),
        "the same form everywhere"
    );
}
