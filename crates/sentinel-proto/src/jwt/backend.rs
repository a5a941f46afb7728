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

/// What the backend keeps of a key between verifications.
///
/// With aws-lc-rs: the key parsed (`ParsedPublicKey`) for the algorithm it is
/// used with (its own `alg`, or RS256, Sentinel's), once per [`STRIPES`] slot,
/// on the first verification in that slot. Verifying from the components
/// rebuilt aws-lc's `EVP_PKEY` and its Montgomery context on every call. One
/// shared copy is not enough on many cores: each verification writes its
/// key's lock and reference count, lines every other core's verification
/// reads (1–3 % of two threads' throughput here, more with more cores). So each
/// thread verifies with the copy of its slot, parsed when it first needs it: a
/// key no thread verifies with costs no parse. Clones of a key share the slots;
/// only keys of the same components ever share them. ring has no parsed
/// public key: nothing is kept.
#[derive(Clone)]
pub(crate) struct Prepared {
    #[cfg(feature = "aws-lc-rs")]
    stripes: std::sync::Arc<Stripes>,
}

/// Copies of a parsed key: enough that the threads of a busy verifier rarely share one.
#[cfg(feature = "aws-lc-rs")]
const STRIPES: usize = 8;

#[cfg(feature = "aws-lc-rs")]
struct Stripes {
    alg: Algorithm,
    /// `None` in a slot: aws-lc would not parse the components, which are then
    /// verified as they are (and give the verdict).
    copies: [std::sync::OnceLock<Option<crypto::signature::ParsedPublicKey>>; STRIPES],
}

#[cfg(feature = "aws-lc-rs")]
impl Prepared {
    /// Empty slots for a key verified with `alg`.
    pub(crate) fn new(alg: Algorithm) -> Self {
        Self {
            stripes: std::sync::Arc::new(Stripes {
                alg,
                copies: Default::default(),
            }),
        }
    }

    /// The copy of this thread's slot, parsed from (`n`, `e`) on first use, when
    /// the key is prepared for `alg`.
    fn for_this_thread(
        &self,
        alg: Algorithm,
        n: &[u8],
        e: &[u8],
    ) -> Option<&crypto::signature::ParsedPublicKey> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            // Threads take slots in turn: the first STRIPES threads never share.
            static STRIPE: usize = NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES;
        }
        if self.stripes.alg != alg {
            return None;
        }
        let slot = self.stripes.copies.get(STRIPE.with(|s| *s))?;
        slot.get_or_init(|| {
            crypto::signature::RsaPublicKeyComponents { n, e }
                .to_parsed_public_key(params(alg))
                .ok()
        })
        .as_ref()
    }
}

#[cfg(not(feature = "aws-lc-rs"))]
impl Prepared {
    pub(crate) fn new(_: Algorithm) -> Self {
        Self {}
    }
}

/// Derived from the components it sits beside, so it never makes two keys differ.
impl PartialEq for Prepared {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Prepared {}

#[cfg(any(feature = "aws-lc-rs", feature = "ring"))]
fn params(alg: Algorithm) -> &'static crypto::signature::RsaParameters {
    use crypto::signature as sig;
    match alg {
        Algorithm::Rs256 => &sig::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::Rs384 => &sig::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::Rs512 => &sig::RSA_PKCS1_2048_8192_SHA512,
    }
}

/// Whether `signature` is a valid `alg` signature of `message` by the key (`n`, `e`),
/// with its parsed copy when the backend keeps one.
#[cfg(any(feature = "aws-lc-rs", feature = "ring"))]
pub(crate) fn verify_rsa(
    alg: Algorithm,
    n: &[u8],
    e: &[u8],
    prepared: &Prepared,
    message: &[u8],
    signature: &[u8],
) -> bool {
    #[cfg(feature = "aws-lc-rs")]
    if let Some(parsed) = prepared.for_this_thread(alg, n, e) {
        return parsed.verify_sig(message, signature).is_ok();
    }
    #[cfg(not(feature = "aws-lc-rs"))]
    let _ = prepared;
    crypto::signature::RsaPublicKeyComponents { n, e }
        .verify(params(alg), message, signature)
        .is_ok()
}

/// Without a backend: never reached (the `compile_error!` above stops the build),
/// only there so that the error is the one message.
#[cfg(not(any(feature = "aws-lc-rs", feature = "ring")))]
pub(crate) fn verify_rsa(
    _: Algorithm,
    _: &[u8],
    _: &[u8],
    _: &Prepared,
    _: &[u8],
    _: &[u8],
) -> bool {
    false
}
