//! The checks of the tokens a LivePerson API takes: the AppJWT in
//! `Authorization` (the IdP and the protected endpoints check it the same way,
//! here) and the ConsumerJWS in `X-LP-ON-BEHALF` (the Send API).
//!
//! A rejection says what was wrong, never what the token was: its reason goes
//! into the 401 and the log as one of a few fixed phrases.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::keys::verify;
use crate::state::{KidKey, Shared};

/// The issuer of the IdP's ConsumerJWS ([`super::idp`]).
pub(super) const CONSUMER_JWS_ISSUER: &str = "https://idp.liveperson.net";

/// The header the Send API takes the ConsumerJWS in.
pub(super) const ON_BEHALF: &str = "x-lp-on-behalf";

/// Why a token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Rejected {
    /// No such header, or one that is not visible ASCII, or only a `Bearer `.
    Missing,
    /// Not a compact RS256 JWS signed by a key the emulator publishes (garbage,
    /// a bad signature, an unknown or retired kid, another alg).
    BadSignature,
    /// `exp` missing or not after the emulator clock.
    Expired,
    /// Another issuer: an ID token, a ConsumerJWS where an AppJWT belongs, ...
    WrongIssuer,
    /// Issued for another account.
    WrongAudience,
    /// A ConsumerJWS without a `sub`.
    NoSubject,
}

impl Rejected {
    /// A fixed phrase, for the 401 and the log.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Rejected::Missing => "missing",
            Rejected::BadSignature => "not signed by a published key",
            Rejected::Expired => "expired",
            Rejected::WrongIssuer => "wrong issuer",
            Rejected::WrongAudience => "wrong audience",
            Rejected::NoSubject => "no subject",
        }
    }
}

/// The value of `name`, without a `Bearer ` prefix (any case) if it has one:
/// LivePerson's examples send the raw token, RFC 6750 clients the prefixed one.
fn token(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    // HTTP drops the trailing space of a bare `Bearer `: the scheme alone is no
    // token either.
    let v = headers.get(name)?.to_str().ok()?.trim();
    if v.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let t = match v.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("bearer ") => v.get(7..).unwrap_or(""),
        _ => v,
    };
    Some(t.trim()).filter(|t| !t.is_empty())
}

/// The claims of the AppJWT in `Authorization`, raw or `Bearer`, if it is one
/// of `account`: signed by a published V2 key or the V1 key, `exp` after the
/// emulator clock, `iss` `Sentinel`, `aud` `le{account}`.
pub(super) fn app_jwt(s: &Shared, account: &str, headers: &HeaderMap) -> Result<Value, Rejected> {
    let jwt = token(headers, header::AUTHORIZATION).ok_or(Rejected::Missing)?;
    let v2 = s.published_v2();
    let keys = v2.iter().map(KidKey::named).chain([s.keys.v1()]);
    let claims = verify(jwt, keys).ok_or(Rejected::BadSignature)?;
    check_exp(s, &claims)?;
    if claims["iss"] != "Sentinel" {
        return Err(Rejected::WrongIssuer);
    }
    if claims["aud"] != format!("le{account}").as_str() {
        return Err(Rejected::WrongAudience);
    }
    Ok(claims)
}

/// The claims of the ConsumerJWS in `X-LP-ON-BEHALF` (raw or `Bearer`), if
/// this emulator's IdP issued it for `account`: signed by a published V2 key,
/// `exp` after the emulator clock, `iss` [`CONSUMER_JWS_ISSUER`], `aud` the
/// account, a non-empty `sub`.
pub(super) fn consumer_jws(
    s: &Shared,
    account: &str,
    headers: &HeaderMap,
) -> Result<Value, Rejected> {
    let jws = token(headers, ON_BEHALF).ok_or(Rejected::Missing)?;
    let v2 = s.published_v2();
    let claims = verify(jws, v2.iter().map(KidKey::named)).ok_or(Rejected::BadSignature)?;
    check_exp(s, &claims)?;
    if claims["iss"] != CONSUMER_JWS_ISSUER {
        return Err(Rejected::WrongIssuer);
    }
    if claims["aud"] != account {
        return Err(Rejected::WrongAudience);
    }
    if claims["sub"].as_str().is_none_or(str::is_empty) {
        return Err(Rejected::NoSubject);
    }
    Ok(claims)
}

fn check_exp(s: &Shared, claims: &Value) -> Result<(), Rejected> {
    let now = s.now();
    match claims["exp"].as_u64() {
        Some(exp) if exp > now => Ok(()),
        _ => Err(Rejected::Expired),
    }
}

/// The 401 of a protected endpoint: RFC 6750's `WWW-Authenticate: Bearer`
/// (with `error="invalid_token"` unless the token was missing) and a short JSON
/// body naming what was refused (`what`: a fixed name such as `AppJWT`) and why,
/// never the token.
pub(super) fn unauthorized(what: &'static str, why: Rejected) -> Response {
    tracing::debug!(token = what, reason = why.as_str(), "refused");
    let challenge = if why == Rejected::Missing {
        HeaderValue::from_static("Bearer realm=\"liveperson\"")
    } else {
        HeaderValue::from_static("Bearer realm=\"liveperson\", error=\"invalid_token\"")
    };
    let body = json!({
        "error": "unauthorized",
        "error_description": format!("{what} {}", why.as_str()),
    });
    (
        StatusCode::UNAUTHORIZED,
        [
            (header::WWW_AUTHENTICATE, challenge),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body.to_string(),
    )
        .into_response()
}
