//! The one place that calls a crypto library: RSASSA-PKCS1-v1_5 verification with
//! `aws-lc-rs` or `ring`, whose `signature` modules have the same API.
//!
//! Features are additive: with both on (as `--all-features` does) aws-lc-rs wins,
//! the provider rustls and reqwest 0.13 build by default, and `ring` is compiled
//! but unused. With `jwt` on but neither, the build stops here with one message.

use super::alg::Algorithm;

#[cfg(feature = "aws-lc-rs")]
use aws_lc_rs as crypto;
#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
use ring as crypto;

#[cfg(not(any(feature = "aws-lc-rs", feature = "ring")))]
compile_error!(
    "sentinel-proto's `jwt` feature needs a crypto backend: enable `aws-lc-rs` (the default) or \
     `ring` (on sentinel-proto, sentinel-client, sentinel-reqwest or sentinel-isahc)"
);

/// The crypto library that verifies signatures in this build: `"aws-lc-rs"` or
/// `"ring"` (aws-lc-rs when both features are on).
pub const CRYPTO_BACKEND: &str = if cfg!(feature = "aws-lc-rs") {
    "aws-lc-rs"
} else {
    "ring"
};

/// Whether `signature` is a valid `alg` signature of `message` by the key (`n`, `e`).
#[cfg(any(feature = "aws-lc-rs", feature = "ring"))]
pub(crate) fn verify_rsa(
    alg: Algorithm,
    n: &[u8],
    e: &[u8],
    message: &[u8],
    signature: &[u8],
) -> bool {
    use crypto::signature as sig;
    let params = match alg {
        Algorithm::Rs256 => &sig::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::Rs384 => &sig::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::Rs512 => &sig::RSA_PKCS1_2048_8192_SHA512,
    };
    sig::RsaPublicKeyComponents { n, e }
        .verify(params, message, signature)
        .is_ok()
}

/// Without a backend: never reached (the `compile_error!` above stops the build),
/// only there so that the error is the one message.
#[cfg(not(any(feature = "aws-lc-rs", feature = "ring")))]
pub(crate) fn verify_rsa(_: Algorithm, _: &[u8], _: &[u8], _: &[u8], _: &[u8]) -> bool {
    false
}
