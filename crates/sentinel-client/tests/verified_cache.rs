//! The verified-token cache never returns claims for a token that a fresh
//! verification would reject: a client with the cache and one without, on the
//! same network and clock, answer every step of a random run alike — tokens
//! tampered with, clocks past `exp` or before `nbf`, keys rotated out of the JWKS.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use proptest::prelude::*;
use sentinel_client::{Client, ClientConfig};
use sentinel_proto::app_token::AppJwtVersion;
use sentinel_proto::policy::RetryPolicy;
use sentinel_proto::{AccountId, AppJwt, ClientId, ClientSecret, Host};
use sentinel_testkit::fake::{Fake, json};
use sentinel_testkit::jwt::{Hash, KEY_A_PK8, KEY_B_PK8, NOW, jwks_json, key_a, key_b, sign_json};

/// Which of keys A and B the JWKS publishes.
type Published = Arc<Mutex<(bool, bool)>>;

fn sentinel(published: &Published) -> Fake {
    let published = Arc::clone(published);
    Fake::new(move |req| {
        assert_eq!(req.uri().path(), "/sentinel/well-known/jwks");
        let (a, b) = *published.lock().unwrap();
        let keys = [(a, key_a()), (b, key_b())];
        let published = keys.iter().filter(|(on, _)| *on).map(|(_, k)| k);
        json(200, &jwks_json(published))
    })
}

fn config() -> ClientConfig {
    ClientConfig::new(
        AccountId::new("123456").unwrap(),
        ClientId::new("cid").unwrap(),
        ClientSecret::new("s"),
    )
    .with_sentinel_host(Host::parse("va.sentinel.liveperson.net").unwrap())
    .with_app_jwt_version(AppJwtVersion::V2)
    .with_retry(RetryPolicy::never())
    .with_jwks_ttl(Duration::from_secs(300))
    .with_min_jwks_refetch(Duration::ZERO)
}

/// Tokens of this client with different keys and windows (relative to the
/// fake clock's start, `NOW`).
fn tokens() -> Vec<String> {
    let claims = |iat: u64, nbf: Option<u64>, exp: u64| {
        let nbf = nbf.map_or(String::new(), |n| format!(r#","nbf":{n}"#));
        format!(r#"{{"aud":"le123456","azp":"cid","iss":"Sentinel","iat":{iat}{nbf},"exp":{exp}}}"#)
    };
    let a = |c: String| {
        sign_json(
            KEY_A_PK8,
            Hash::Sha256,
            r#"{"alg":"RS256","kid":"test-a"}"#,
            &c,
        )
    };
    let b = |c: String| {
        sign_json(
            KEY_B_PK8,
            Hash::Sha256,
            r#"{"alg":"RS256","kid":"test-b"}"#,
            &c,
        )
    };
    vec![
        a(claims(NOW, None, NOW + 600)),
        a(claims(NOW, None, NOW + 5_000)),
        b(claims(NOW, None, NOW + 5_000)),
        a(claims(NOW, Some(NOW + 900), NOW + 5_000)),
        b(claims(NOW + 1_200, None, NOW + 3_000)),
        // Signed by B, but naming A's kid.
        sign_json(
            KEY_B_PK8,
            Hash::Sha256,
            r#"{"alg":"RS256","kid":"test-a"}"#,
            &claims(NOW, None, NOW + 5_000),
        ),
    ]
}

#[derive(Clone, Debug)]
enum Op {
    Verify { token: usize, tamper: Option<usize> },
    Advance(u64),
    Publish(bool, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..6usize, prop::option::of(0..2_000usize))
            .prop_map(|(token, tamper)| Op::Verify { token, tamper }),
        2 => (0..900u64).prop_map(Op::Advance),
        1 => (any::<bool>(), any::<bool>()).prop_map(|(a, b)| Op::Publish(a, b)),
    ]
}

/// `token` with one character changed, at a position taken modulo its length.
fn tampered(token: &str, at: usize) -> String {
    let mut bytes = token.as_bytes().to_vec();
    let i = at % bytes.len();
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_cache_answers_as_a_fresh_verification(ops in prop::collection::vec(op(), 1..40)) {
        let tokens = tokens();
        let published: Published = Arc::new(Mutex::new((true, true)));
        let fake = sentinel(&published);
        let cached = Client::new(
            config().with_verified_token_cache(NonZeroUsize::new(4).unwrap()),
            fake.clone(),
            fake.clone(),
        );
        let fresh = Client::new(config(), fake.clone(), fake.clone());
        for op in ops {
            match op {
                Op::Advance(s) => fake.advance(s),
                Op::Publish(a, b) => *published.lock().unwrap() = (a, b),
                Op::Verify { token, tamper } => {
                    let t = match tamper {
                        Some(at) => tampered(&tokens[token], at),
                        None => tokens[token].clone(),
                    };
                    let t = AppJwt::new(t);
                    let want = pollster::block_on(fresh.verify_app_token(&t));
                    let got = pollster::block_on(cached.verify_app_token(&t));
                    match (&want, &got) {
                        (Ok(w), Ok(g)) => prop_assert_eq!(w, g),
                        (Err(_), Err(_)) => {}
                        _ => prop_assert!(false, "fresh {:?}, cached {:?}", want, got),
                    }
                }
            }
        }
    }
}

#[test]
fn a_key_rotated_out_of_the_jwks_takes_its_cached_tokens_with_it() {
    let published: Published = Arc::new(Mutex::new((true, false)));
    let fake = sentinel(&published);
    let c = Client::new(
        config().with_verified_token_cache(NonZeroUsize::new(16).unwrap()),
        fake.clone(),
        fake.clone(),
    );
    let t = AppJwt::new(tokens()[1].clone());
    let first = pollster::block_on(c.verify_app_token(&t)).unwrap();
    assert_eq!(pollster::block_on(c.verify_app_token(&t)).unwrap(), first);
    *published.lock().unwrap() = (false, true);
    fake.advance(301); // past the JWKS TTL: this verification refreshes it, in the
    // background, with the old set still in use (as a fresh verification would)
    pollster::block_on(c.verify_app_token(&t)).unwrap();
    // Once refreshed, the key is gone for the cache too.
    let err = pollster::block_on(c.verify_app_token(&t)).unwrap_err();
    assert!(format!("{err:?}").contains("Kid"), "{err:?}");
}

#[test]
fn a_cached_token_expires_with_its_exp_and_leeway() {
    let published: Published = Arc::new(Mutex::new((true, true)));
    let fake = sentinel(&published);
    let c = Client::new(
        config().with_verified_token_cache(NonZeroUsize::new(16).unwrap()),
        fake.clone(),
        fake.clone(),
    );
    let t = AppJwt::new(tokens()[0].clone()); // exp = NOW + 600
    pollster::block_on(c.verify_app_token(&t)).unwrap();
    fake.advance(600 + 59);
    pollster::block_on(c.verify_app_token(&t)).unwrap();
    fake.advance(1);
    let err = pollster::block_on(c.verify_app_token(&t)).unwrap_err();
    assert!(format!("{err:?}").contains("Expired"), "{err:?}");
}
