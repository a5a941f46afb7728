//! Heap allocations per operation, counted by a counting global allocator
//! (`stats_alloc`), for the same contenders and inputs as `parse`, `verify` and
//! `cache`. Prints a Markdown table; `cargo bench -p sentinel-benches --bench alloc`.
//!
//! Each operation runs once to warm up (lazy statics, thread-locals), then
//! `ROUNDS` times inside a counting region; the table shows the mean per call.
//! Allocation counts are deterministic, so the numbers do not depend on the
//! machine's load.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::System;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth2::basic::BasicTokenResponse;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents, UnparsedPublicKey};
use sentinel_benches::peers::{OAuth2WithIdToken, PlainAllServices};
use sentinel_benches::{
    ACCOUNT, APP_JWT_KID, TEST_KEY_SPKI, all_services_body, app_jwt, app_token_response_body,
    key_pair, now_secs, token_response_body,
};
use sentinel_proto::jwt::{AppJwtClaims, KeySet, RsaPublicKey, Validation, verify};
use sentinel_proto::{
    AccountId, AppJwt, DomainApi, Expiry, Host, Poll, RefreshPolicy, RenewingCache, UnixTime,
    parse_app_token_response, parse_token_response,
};
use serde::de::IgnoredAny;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const ROUNDS: usize = 1000;

struct Table {
    rows: Vec<String>,
}

impl Table {
    fn new() -> Self {
        Self {
            rows: vec![
                "| operation | contender | allocs/call | reallocs/call | bytes allocated/call |"
                    .to_owned(),
                "|---|---|---:|---:|---:|".to_owned(),
            ],
        }
    }

    /// Counts what `op` allocates per call.
    fn measure<R>(&mut self, operation: &str, contender: &str, mut op: impl FnMut() -> R) {
        black_box(op());
        let region = Region::new(GLOBAL);
        for _ in 0..ROUNDS {
            black_box(op());
        }
        let s = region.change();
        let per = |n: usize| n as f64 / ROUNDS as f64;
        self.rows.push(format!(
            "| {operation} | {contender} | {:.1} | {:.1} | {:.0} |",
            per(s.allocations),
            per(s.reallocations),
            per(s.bytes_allocated + s.bytes_reallocated.max(0) as usize),
        ));
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter or `--list` means another runner is
    // asking: there is nothing to list.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let iat = now_secs();
    let mut t = Table::new();

    let body = token_response_body(iat);
    let resp = http::Response::new(body.clone());
    t.measure("parse token response", "sentinel_proto", || {
        parse_token_response(&resp).unwrap()
    });
    t.measure("parse token response", "oauth2_basic", || {
        serde_json::from_slice::<BasicTokenResponse>(&body).unwrap()
    });
    t.measure("parse token response", "oauth2_with_id_token", || {
        serde_json::from_slice::<OAuth2WithIdToken>(&body).unwrap()
    });
    t.measure("parse token response", "floor_ignored_any", || {
        serde_json::from_slice::<IgnoredAny>(&body).unwrap()
    });

    let body = app_token_response_body(iat);
    let resp = http::Response::new(body.clone());
    t.measure("parse AppJWT response", "sentinel_proto", || {
        parse_app_token_response(&resp).unwrap()
    });
    t.measure("parse AppJWT response", "oauth2_basic", || {
        serde_json::from_slice::<BasicTokenResponse>(&body).unwrap()
    });
    t.measure("parse AppJWT response", "floor_ignored_any", || {
        serde_json::from_slice::<IgnoredAny>(&body).unwrap()
    });

    let body = all_services_body();
    let resp = http::Response::new(body.clone());
    let api = DomainApi::new(Host::csds(), AccountId::new(ACCOUNT).unwrap());
    t.measure("parse all services (30)", "sentinel_proto", || {
        api.parse_all_services(&resp).unwrap()
    });
    t.measure("parse all services (30)", "serde_derive_owned", || {
        serde_json::from_slice::<PlainAllServices>(&body).unwrap()
    });
    t.measure("parse all services (30)", "floor_ignored_any", || {
        serde_json::from_slice::<IgnoredAny>(&body).unwrap()
    });

    let token = app_jwt(iat);
    let now = UnixTime::from_secs(iat + 10);
    let key = RsaPublicKey::from_spki_der(TEST_KEY_SPKI)
        .unwrap()
        .with_kid(APP_JWT_KID);
    let (n, e) = (key.modulus().to_vec(), key.exponent().to_vec());
    let keys = KeySet::new().with(key);
    let validation = Validation::app_jwt();
    let jwt_key = jsonwebtoken::DecodingKey::from_rsa_raw_components(&n, &e);
    let mut jv = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    jv.leeway = 60;
    jv.validate_nbf = true;
    jv.validate_aud = false;
    jv.set_issuer(&["Sentinel"]);
    jv.set_required_spec_claims(&["exp", "iss"]);
    let (signing_input, sig_b64) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(sig_b64).unwrap();
    let components = RsaPublicKeyComponents {
        n: n.as_slice(),
        e: e.as_slice(),
    };
    let kp = key_pair();
    let unparsed = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, kp.public().as_ref());
    t.measure("verify AppJWT (RS256)", "sentinel_proto", || {
        verify::<AppJwtClaims>(&token, &keys, &validation, now).unwrap()
    });
    t.measure("verify AppJWT (RS256)", "jsonwebtoken", || {
        jsonwebtoken::decode::<AppJwtClaims>(&token, &jwt_key, &jv).unwrap()
    });
    t.measure("verify AppJWT (RS256)", "floor_ring_components", || {
        components
            .verify(
                &RSA_PKCS1_2048_8192_SHA256,
                signing_input.as_bytes(),
                &signature,
            )
            .unwrap()
    });
    t.measure("verify AppJWT (RS256)", "floor_ring_unparsed_key", || {
        unparsed
            .verify(signing_input.as_bytes(), &signature)
            .unwrap()
    });

    let now = UnixTime::from_secs(iat);
    let cache: RenewingCache<AppJwt, String> = RenewingCache::new(RefreshPolicy::default());
    let Poll::Renew(ticket) = cache.poll(now) else {
        panic!("an empty cache hands out the ticket")
    };
    let value = ticket
        .complete(Ok((
            AppJwt::new(token.clone()),
            Expiry::after(Duration::from_secs(3600)),
        )))
        .unwrap();
    t.measure("cached token read", "sentinel_get", || {
        cache.get(now).unwrap()
    });
    t.measure("cached token read", "sentinel_poll", || {
        matches!(cache.poll(now), Poll::Ready(_))
    });
    t.measure("cached token read", "arc_clone", || Arc::clone(&value));

    println!("{}", t.rows.join("\n"));
}
