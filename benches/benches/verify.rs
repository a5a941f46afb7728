//! RS256 verification of a Sentinel AppJWT (decode, signature, claims):
//! `sentinel_proto::jwt::verify` against `jsonwebtoken` (rust_crypto backend) with
//! an equivalent validation, and against bare `aws-lc-rs` and `ring` signature
//! checks of the same bytes (the floors: no base64, no JSON, no claims).
//!
//! `sentinel_proto` verifies with the backend of this build: aws-lc-rs by default,
//! ring with `cargo bench -p sentinel-benches --no-default-features --features ring
//! --bench verify`; the contender's name says which.
//!
//! The token is signed in setup with the committed TEST-ONLY key
//! `crates/sentinel-proto/testdata/jwt/test-only-rsa2048-a.pk8.der`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents, UnparsedPublicKey};
use sentinel_benches::{APP_JWT_KID, app_jwt, key_pair, now_secs, sentinel_verify_contender};
use sentinel_proto::UnixTime;
use sentinel_proto::jwt::{AppJwtClaims, KeySet, RsaPublicKey, Validation, verify};

fn verify_app_jwt(c: &mut Criterion) {
    let iat = now_secs();
    let token = app_jwt(iat);
    let now = UnixTime::from_secs(iat + 10);

    // Ours: a key set of one key, the AppJWT preset (RS256, iss "Sentinel", exp).
    let key = RsaPublicKey::from_spki_der(sentinel_benches::TEST_KEY_SPKI)
        .unwrap()
        .with_kid(APP_JWT_KID);
    let (n, e) = (key.modulus().to_vec(), key.exponent().to_vec());
    let keys = KeySet::new().with(key);
    let validation = Validation::app_jwt();

    // jsonwebtoken: the same key components, the same rules (RS256 only, exp
    // required, iss "Sentinel", leeway 60 s, aud not checked).
    let jwt_key = jsonwebtoken::DecodingKey::from_rsa_raw_components(&n, &e);
    let mut jwt_validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    jwt_validation.leeway = 60;
    jwt_validation.validate_nbf = true;
    jwt_validation.validate_aud = false;
    jwt_validation.set_issuer(&["Sentinel"]);
    jwt_validation.set_required_spec_claims(&["exp", "iss"]);

    // The floor: the signature over the signing input, decoded once in setup.
    let (signing_input, sig_b64) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(sig_b64).unwrap();
    let components = RsaPublicKeyComponents {
        n: n.as_slice(),
        e: e.as_slice(),
    };
    let kp = key_pair();
    let unparsed = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, kp.public().as_ref());
    let lc_components = aws_lc_rs::signature::RsaPublicKeyComponents {
        n: n.as_slice(),
        e: e.as_slice(),
    };
    let lc_params = &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256;
    let lc_unparsed = aws_lc_rs::signature::UnparsedPublicKey::new(lc_params, kp.public().as_ref());

    // Everyone accepts the token.
    let ours: AppJwtClaims = verify(&token, &keys, &validation, now).unwrap();
    let theirs = jsonwebtoken::decode::<AppJwtClaims>(&token, &jwt_key, &jwt_validation)
        .unwrap()
        .claims;
    assert_eq!(ours, theirs);
    components
        .verify(
            &RSA_PKCS1_2048_8192_SHA256,
            signing_input.as_bytes(),
            &signature,
        )
        .unwrap();
    unparsed
        .verify(signing_input.as_bytes(), &signature)
        .unwrap();
    lc_components
        .verify(lc_params, signing_input.as_bytes(), &signature)
        .unwrap();
    lc_unparsed
        .verify(signing_input.as_bytes(), &signature)
        .unwrap();

    let mut g = c.benchmark_group("verify/app_jwt_rs256");
    g.bench_function(sentinel_verify_contender(), |b| {
        b.iter(|| verify::<AppJwtClaims>(black_box(&token), &keys, &validation, now))
    });
    g.bench_function("jsonwebtoken", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<AppJwtClaims>(black_box(&token), &jwt_key, &jwt_validation)
        })
    });
    g.bench_function("floor_ring_components", |b| {
        b.iter(|| {
            components.verify(
                &RSA_PKCS1_2048_8192_SHA256,
                black_box(signing_input.as_bytes()),
                black_box(&signature),
            )
        })
    });
    g.bench_function("floor_ring_unparsed_key", |b| {
        b.iter(|| unparsed.verify(black_box(signing_input.as_bytes()), black_box(&signature)))
    });
    g.bench_function("floor_aws_lc_rs_components", |b| {
        b.iter(|| {
            lc_components.verify(
                lc_params,
                black_box(signing_input.as_bytes()),
                black_box(&signature),
            )
        })
    });
    g.bench_function("floor_aws_lc_rs_unparsed_key", |b| {
        b.iter(|| lc_unparsed.verify(black_box(signing_input.as_bytes()), black_box(&signature)))
    });
    g.finish();
}

criterion_group!(benches, verify_app_jwt);
criterion_main!(benches);
