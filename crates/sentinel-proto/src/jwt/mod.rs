//! JWT decoding and RS256 verification for Sentinel's ID tokens and AppJWTs.
//!
//! Sans-IO like the rest of the crate: the caller passes the token, the keys and
//! the time. Signatures are checked with `aws-lc-rs` or `ring` (feature of the
//! same name; [`CRYPTO_BACKEND`] says which one this build uses); nothing here is
//! hand-written crypto.
//!
//! - [`verify`] checks a compact JWS against the caller's [`KeySet`] and a
//!   [`Validation`], and deserializes the claims ([`AppJwtClaims`],
//!   [`IdTokenClaims`], raw [`Claims`] or your own type).
//! - Keys: [`KeySet::liveperson_v1`] (the published V1 AppJWT key),
//!   [`KeySet::from_jwks`] (V2 rotating keys), [`RsaPublicKey::from_pem`] / DER.
//! - [`JwksCache`] is the one JWKS policy (stale-while-revalidate, single flight,
//!   rate-limited refetch on unknown `kid`s, back-off, max-stale bound); adapters
//!   and `sentinel_client::Client` fetch when it says so.
//! - [`decode_header`] reads the `kid`; [`decode_unverified`] is for display only;
//!   [`decode_unverified_exp`] reads the `exp` to schedule a renewal, never to trust.
//!
//! Policy (RFC 8725): `alg` must be in the caller's allow-list (RS256 by default,
//! RS384/RS512 on request); `none` and HMAC are always rejected; the key comes
//! from the caller's set by `kid`, never from the token (`jwk`, `jku`, `x5u`, `x5c`
//! are rejected); `crit` is rejected; `exp` is required; tokens are capped at
//! [`DEFAULT_MAX_TOKEN_LEN`] bytes; base64url must be strict.
//!
//! ```
//! use sentinel_proto::UnixTime;
//! use sentinel_proto::jwt::{AppJwtClaims, JwtError, KeySet, Validation, verify};
//!
//! let keys = KeySet::liveperson_v1();
//! let now = UnixTime::from_secs(1_700_000_000);
//! // A token not signed by LivePerson's key is rejected.
//! let forged = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJTZW50aW5lbCIsImV4cCI6MX0.";
//! let err = verify::<AppJwtClaims>(forged, &keys, &Validation::app_jwt(), now).unwrap_err();
//! assert_eq!(err, JwtError::AlgNone);
//! ```

mod alg;
mod backend;
mod cache;
mod claims;
mod decode;
mod error;
mod fetch;
mod flat;
mod jose_json;
mod jwks;
mod keys;
mod members;
mod validation;
mod verify;

pub use alg::{Algorithm, AlgorithmSet};
pub use backend::CRYPTO_BACKEND;
pub use cache::{
    DEFAULT_JWKS_MAX_BACKOFF, DEFAULT_JWKS_MAX_STALE, DEFAULT_JWKS_TTL,
    DEFAULT_MIN_REFETCH_INTERVAL, JwksCache, Lookup,
};
pub use claims::{AppJwtClaims, Audience, Claims, IdTokenClaims};
pub use decode::{
    DEFAULT_MAX_TOKEN_LEN, Header, Unverified, decode_header, decode_unverified,
    decode_unverified_claims, decode_unverified_exp,
};
pub use error::{JwtError, Part};
pub use fetch::parse_jwks_response;
pub use jwks::{DEFAULT_MAX_JWKS_KEYS, DEFAULT_MAX_JWKS_LEN, JwksLimits};
pub use keys::{KeySet, LIVEPERSON_V1_KID, LIVEPERSON_V1_SPKI_BASE64, RsaPublicKey};
pub use validation::{
    APP_JWT_AUDIENCE_PREFIX, APP_JWT_ISSUER, DEFAULT_LEEWAY, ID_TOKEN_ISSUER, ID_TOKEN_ISSUERS,
    Validation, app_jwt_audience,
};
pub use verify::verify;
