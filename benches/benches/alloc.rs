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
use sentinel_benches::peers::{
    OAuth2WithIdToken, PlainAllServices, PlainTokenBorrowed, PlainTokenBytes, PlainTokenOwned,
};
use sentinel_benches::{
    ACCOUNT, APP_JWT_KID, TEST_KEY_SPKI, all_services_body, app_jwt, app_token_response_body,
    key_pair, now_secs, sentinel_verify_contender, token_response_body,
};
use sentinel_client::{Client, ClientConfig, RenewingCache, ThreadRuntime, cache::Poll};
use sentinel_proto::error::TransportError;
use sentinel_proto::jwt::{AppJwtClaims, KeySet, RsaPublicKey, Validation, verify};
use sentinel_proto::{
    AccountId, AppJwt, ClientId, ClientSecret, Host, Sentinel, UnixTime,
    app_token::{AppJwtVersion, parse_app_token_response},
    domain::DomainApi,
    policy::{Expiry, RefreshPolicy},
    user::parse_token_response,
};
use serde::de::IgnoredAny;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const ROUNDS: usize = 1000;

/// One call of one contender.
type Op<'a> = Box<dyn FnMut() + 'a>;

/// The operations to count: (operation, contender, one call).
struct Table<'a> {
    ops: Vec<(&'static str, &'static str, Op<'a>)>,
}

impl<'a> Table<'a> {
    fn new() -> Self {
        Self { ops: Vec::new() }
    }

    fn measure<R>(
        &mut self,
        operation: &'static str,
        contender: &'static str,
        mut op: impl FnMut() -> R + 'a,
    ) {
        self.ops.push((
            operation,
            contender,
            Box::new(move || {
                black_box(op());
            }),
        ));
    }

    /// Counts what each operation allocates per call and prints the table.
    fn print(&mut self) {
        println!("| operation | contender | allocs/call | reallocs/call | bytes allocated/call |");
        println!("|---|---|---:|---:|---:|");
        for (operation, contender, op) in &mut self.ops {
            op();
            let region = Region::new(GLOBAL);
            for _ in 0..ROUNDS {
                op();
            }
            let s = region.change();
            let per = |n: usize| n as f64 / ROUNDS as f64;
            println!(
                "| {operation} | {contender} | {:.1} | {:.1} | {:.0} |",
                per(s.allocations),
                per(s.reallocations),
                per(s.bytes_allocated),
            );
        }
    }

    /// Runs only `operation/contender`, `rounds` times: for instruction counting
    /// under `valgrind --tool=cachegrind` (see `benches/insns.sh`), which is
    /// immune to the noise of a shared machine.
    fn run_only(&mut self, name: &str, rounds: usize) {
        let (_, _, op) = self
            .ops
            .iter_mut()
            .find(|(o, c, _)| format!("{o}/{c}") == name)
            .unwrap_or_else(|| panic!("no operation {name}"));
        for _ in 0..rounds {
            op();
        }
    }

    fn names(&self) -> Vec<String> {
        self.ops
            .iter()
            .map(|(o, c, _)| format!("{o}/{c}"))
            .collect()
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter or `--list` means another runner is
    // asking: there is nothing to list.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let only = std::env::var("SENTINEL_BENCH_ONLY").ok();
    let rounds: usize = std::env::var("SENTINEL_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(ROUNDS);
    let iat = now_secs();
    let mut t = Table::new();
    // The closures outlive this frame's locals in `t`: leak the fixtures.
    fn keep<T>(v: T) -> &'static T {
        Box::leak(Box::new(v))
    }

    let body = keep(token_response_body(iat));
    let resp = keep(http::Response::new(body.clone()));
    t.measure("parse token response", "sentinel_proto", move || {
        parse_token_response(resp).unwrap()
    });
    t.measure("parse token response", "oauth2_basic", move || {
        serde_json::from_slice::<BasicTokenResponse>(body).unwrap()
    });
    t.measure("parse token response", "oauth2_with_id_token", move || {
        serde_json::from_slice::<OAuth2WithIdToken>(body).unwrap()
    });
    t.measure("parse token response", "serde_derive_owned", move || {
        serde_json::from_slice::<PlainTokenOwned>(body).unwrap()
    });
    t.measure("parse token response", "serde_derive_borrowed", move || {
        serde_json::from_slice::<PlainTokenBorrowed>(body).unwrap()
    });
    t.measure(
        "parse token response",
        "serde_derive_borrowed_bytes",
        move || serde_json::from_slice::<PlainTokenBytes>(body).unwrap(),
    );
    // The same without dropping the result (leaked: only for instruction
    // counts, where the difference is the cost of the drop, zeroization included).
    t.measure("parse token response", "sentinel_proto_leaked", move || {
        std::mem::forget(parse_token_response(resp).unwrap())
    });
    t.measure("parse token response", "oauth2_basic_leaked", move || {
        std::mem::forget(serde_json::from_slice::<BasicTokenResponse>(body).unwrap())
    });
    t.measure(
        "parse token response",
        "oauth2_with_id_token_leaked",
        move || std::mem::forget(serde_json::from_slice::<OAuth2WithIdToken>(body).unwrap()),
    );
    t.measure("parse token response", "floor_ignored_any", move || {
        serde_json::from_slice::<IgnoredAny>(body).unwrap()
    });

    let body = keep(app_token_response_body(iat));
    let resp = keep(http::Response::new(body.clone()));
    t.measure("parse AppJWT response", "sentinel_proto", move || {
        parse_app_token_response(resp).unwrap()
    });
    t.measure("parse AppJWT response", "oauth2_basic", move || {
        serde_json::from_slice::<BasicTokenResponse>(body).unwrap()
    });
    t.measure("parse AppJWT response", "floor_ignored_any", move || {
        serde_json::from_slice::<IgnoredAny>(body).unwrap()
    });

    let body = keep(all_services_body());
    let resp = keep(http::Response::new(body.clone()));
    let api = keep(DomainApi::new(
        Host::csds(),
        AccountId::new(ACCOUNT).unwrap(),
    ));
    t.measure("parse all services (30)", "sentinel_proto", move || {
        api.parse_all_services(resp).unwrap()
    });
    t.measure("parse all services (30)", "serde_derive_owned", move || {
        serde_json::from_slice::<PlainAllServices>(body).unwrap()
    });
    t.measure("parse all services (30)", "floor_ignored_any", move || {
        serde_json::from_slice::<IgnoredAny>(body).unwrap()
    });

    let token = keep(app_jwt(iat));
    let now = UnixTime::from_secs(iat + 10);
    let key = RsaPublicKey::from_spki_der(TEST_KEY_SPKI)
        .unwrap()
        .with_kid(APP_JWT_KID);
    let (n, e) = keep((key.modulus().to_vec(), key.exponent().to_vec()));
    let keys = keep(KeySet::new().with(key));
    let validation = keep(Validation::app_jwt());
    let jwt_key = keep(jsonwebtoken::DecodingKey::from_rsa_raw_components(n, e));
    let mut jv = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    jv.leeway = 60;
    jv.validate_nbf = true;
    jv.validate_aud = false;
    jv.set_issuer(&["Sentinel"]);
    jv.set_required_spec_claims(&["exp", "iss"]);
    let jv = keep(jv);
    let (signing_input, sig_b64) = token.rsplit_once('.').unwrap();
    let signature = keep(URL_SAFE_NO_PAD.decode(sig_b64).unwrap());
    let components = keep(RsaPublicKeyComponents {
        n: n.as_slice(),
        e: e.as_slice(),
    });
    let kp = keep(key_pair());
    let unparsed = keep(UnparsedPublicKey::new(
        &RSA_PKCS1_2048_8192_SHA256,
        kp.public().as_ref(),
    ));
    let lc_components = keep(aws_lc_rs::signature::RsaPublicKeyComponents {
        n: n.as_slice(),
        e: e.as_slice(),
    });
    let lc_params = &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256;
    let lc_unparsed = keep(aws_lc_rs::signature::UnparsedPublicKey::new(
        lc_params,
        kp.public().as_ref(),
    ));
    t.measure(
        "verify AppJWT (RS256)",
        sentinel_verify_contender(),
        move || verify::<AppJwtClaims>(token, keys, validation, now).unwrap(),
    );
    t.measure("verify AppJWT (RS256)", "jsonwebtoken", move || {
        jsonwebtoken::decode::<AppJwtClaims>(token, jwt_key, jv).unwrap()
    });
    t.measure(
        "verify AppJWT (RS256)",
        "floor_ring_components",
        move || {
            components
                .verify(
                    &RSA_PKCS1_2048_8192_SHA256,
                    signing_input.as_bytes(),
                    signature,
                )
                .unwrap()
        },
    );
    t.measure(
        "verify AppJWT (RS256)",
        "floor_ring_unparsed_key",
        move || {
            unparsed
                .verify(signing_input.as_bytes(), signature)
                .unwrap()
        },
    );
    t.measure(
        "verify AppJWT (RS256)",
        "floor_aws_lc_rs_components",
        move || {
            lc_components
                .verify(lc_params, signing_input.as_bytes(), signature)
                .unwrap()
        },
    );
    let lc_parsed = keep(lc_unparsed.parse().unwrap());
    t.measure(
        "verify AppJWT (RS256)",
        "floor_aws_lc_rs_parsed_key",
        move || {
            lc_parsed
                .verify_sig(signing_input.as_bytes(), signature)
                .unwrap()
        },
    );
    t.measure(
        "verify AppJWT (RS256)",
        "floor_aws_lc_rs_unparsed_key",
        move || {
            lc_unparsed
                .verify(signing_input.as_bytes(), signature)
                .unwrap()
        },
    );

    // The client's verified-token cache: a hit against the RSA floors above.
    let v1_key = RsaPublicKey::from_spki_der(sentinel_benches::TEST_KEY_SPKI)
        .unwrap()
        .with_kid(APP_JWT_KID);
    let verifying = |cache: bool| {
        let config = ClientConfig::new(
            AccountId::new(ACCOUNT).unwrap(),
            ClientId::new("bench-client").unwrap(),
            ClientSecret::new("bench-secret"),
        )
        .with_sentinel_host(Host::americas())
        .with_v1_keys(KeySet::new().with(v1_key.clone()))
        .with_app_jwt_tenant_check(false);
        let config = if cache {
            config.with_verified_token_cache(std::num::NonZeroUsize::new(1024).unwrap())
        } else {
            config
        };
        let never = |_: http::Request<Vec<u8>>| async {
            Err::<http::Response<Vec<u8>>, _>(TransportError::new(
                sentinel_proto::error::TransportErrorKind::Connect,
                "no network in this bench",
            ))
        };
        Client::new(config, never, ThreadRuntime)
    };
    let app = keep(AppJwt::new(token.clone()));
    let cached_client = keep(verifying(true));
    let plain_client = keep(verifying(false));
    pollster::block_on(cached_client.verify_app_token(app)).unwrap();
    t.measure(
        "verify AppJWT (RS256)",
        "sentinel_client_cache_hit",
        move || pollster::block_on(cached_client.verify_app_token(app)).unwrap(),
    );
    t.measure(
        "verify AppJWT (RS256)",
        "sentinel_client_no_cache",
        move || pollster::block_on(plain_client.verify_app_token(app)).unwrap(),
    );

    let now = UnixTime::from_secs(iat);
    let cache: &RenewingCache<AppJwt, String> = keep(RenewingCache::new(RefreshPolicy::default()));
    let Poll::Renew(ticket) = cache.poll(now) else {
        panic!("an empty cache hands out the ticket")
    };
    let value = keep(
        ticket
            .complete(Ok((
                AppJwt::new(token.clone()),
                Expiry::after(Duration::from_secs(3600)),
            )))
            .unwrap(),
    );
    t.measure("cached token read", "sentinel_get", move || {
        cache.get(now).unwrap()
    });
    t.measure("cached token read", "sentinel_poll", move || {
        matches!(cache.poll(now), Poll::Ready(_))
    });
    t.measure("cached token read", "arc_clone", move || Arc::clone(value));

    // The request path of the client, in memory: build, send through a closure
    // that answers at once, parse, with the spans and the retry loop around it;
    // the floor is the pure build and parse of the same request and answer.
    let answer = keep(app_token_response_body(iat));
    let http = move |_: http::Request<Vec<u8>>| {
        let body = answer.clone();
        async move { Ok::<_, TransportError>(http::Response::new(body)) }
    };
    let config = ClientConfig::new(
        AccountId::new(ACCOUNT).unwrap(),
        ClientId::new("bench-client").unwrap(),
        ClientSecret::new("bench-secret"),
    )
    .with_sentinel_host(Host::americas());
    let client = keep(Client::new(config, http, ThreadRuntime));
    // The client's own cached read, as a middleware makes it on every
    // request: the coarse clock and the cache's fast path.
    pollster::block_on(client.app_token()).unwrap();
    t.measure("cached token read", "client_cached_app_token", move || {
        client.cached_app_token().unwrap()
    });
    t.measure("cached token read", "client_app_token", move || {
        pollster::block_on(client.app_token()).unwrap()
    });
    t.measure("fetch AppJWT (in memory)", "sentinel_client", move || {
        pollster::block_on(client.fetch_app_token()).unwrap()
    });
    let sentinel = keep(Sentinel::new(
        Host::americas(),
        AccountId::new(ACCOUNT).unwrap(),
        ClientId::new("bench-client").unwrap(),
        ClientSecret::new("bench-secret"),
    ));
    t.measure("fetch AppJWT (in memory)", "floor_build_parse", move || {
        let request = sentinel.app_token_request(AppJwtVersion::V1).unwrap();
        drop(request);
        parse_app_token_response(&http::Response::new(answer.clone())).unwrap()
    });

    match only.as_deref() {
        Some("list") => println!("{}", t.names().join("\n")),
        Some(name) => t.run_only(name, rounds),
        None => t.print(),
    }
}
