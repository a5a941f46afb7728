//! Typed claims of Sentinel's tokens (protocol reference §2.3 and §3.3).

use serde::{Deserialize, Serialize};

use super::jose_json::{numeric_date, opt_numeric_date};
use crate::UnixTime;

/// Every claim of a token, as JSON: `verify::<Claims>(..)` gives raw access.
pub type Claims = serde_json::Map<String, serde_json::Value>;

/// The `aud` claim: one string or an array of strings (RFC 7519 §4.1.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `aud` is one of the audiences.
    pub fn contains(&self, aud: &str) -> bool {
        self.iter().any(|a| a == aud)
    }

    /// The audiences.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let (one, many): (Option<&str>, &[String]) = match self {
            Audience::One(a) => (Some(a), &[]),
            Audience::Many(m) => (None, m),
        };
        one.into_iter().chain(many.iter().map(String::as_str))
    }
}

/// Claims of a Sentinel AppJWT (client-credentials token, reference §3.3), e.g.
/// `{"aud":"le81823118","azp":"<client_id>","scope":"msg.consumer","iss":"Sentinel",
/// "iat":..,"exp":..}`. Verify with [`Validation::app_jwt`](super::Validation::app_jwt).
///
/// `iss` and `exp` are required; the others are optional so that a token missing
/// one still verifies (check what you rely on).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AppJwtClaims {
    /// `aud`: the audience (a LivePerson identifier such as `le81823118`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// `azp`: the authorized party, the client_id the token was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// `scope`: space-separated scopes (e.g. `msg.consumer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// `iss`: `"Sentinel"`.
    pub iss: String,
    /// `iat`: issued at, seconds since the epoch.
    #[serde(
        default,
        deserialize_with = "opt_numeric_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub iat: Option<u64>,
    /// `exp`: expiry, seconds since the epoch.
    #[serde(deserialize_with = "numeric_date")]
    pub exp: u64,
}

impl AppJwtClaims {
    /// The scopes in `scope`.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or("").split_ascii_whitespace()
    }

    /// `exp` as a [`UnixTime`] (e.g. to schedule renewal).
    pub fn expires_at(&self) -> UnixTime {
        UnixTime::from_secs(self.exp)
    }

    /// `iat` as a [`UnixTime`].
    pub fn issued_at(&self) -> Option<UnixTime> {
        self.iat.map(UnixTime::from_secs)
    }
}

/// Claims of a Sentinel ID token (authorization-code flow, reference §2.3), e.g.
/// `{"sub":"<user id>","aud":"<client_id>","iss":"sentinel","iat":..,"exp":..,
/// "is_admin":false,"is_lpa":false}`. Verify with
/// [`Validation::id_token`](super::Validation::id_token).
///
/// `sub`, `aud`, `iss` and `exp` are required; `is_admin` and `is_lpa` default to
/// `false` when absent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdTokenClaims {
    /// `sub`: the user id.
    pub sub: String,
    /// `aud`: the client_id.
    pub aud: Audience,
    /// `iss`: `"sentinel"`.
    pub iss: String,
    /// `iat`: issued at, seconds since the epoch.
    #[serde(
        default,
        deserialize_with = "opt_numeric_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub iat: Option<u64>,
    /// `exp`: expiry, seconds since the epoch.
    #[serde(deserialize_with = "numeric_date")]
    pub exp: u64,
    /// `is_admin`: the user is an account administrator.
    #[serde(default)]
    pub is_admin: bool,
    /// `is_lpa`: the user is a LivePerson agent (LPA).
    #[serde(default)]
    pub is_lpa: bool,
}

impl IdTokenClaims {
    /// `exp` as a [`UnixTime`].
    pub fn expires_at(&self) -> UnixTime {
        UnixTime::from_secs(self.exp)
    }

    /// `iat` as a [`UnixTime`].
    pub fn issued_at(&self) -> Option<UnixTime> {
        self.iat.map(UnixTime::from_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audience_forms() {
        let one: Audience = serde_json::from_str(r#""a""#).unwrap();
        let many: Audience = serde_json::from_str(r#"["a","b"]"#).unwrap();
        assert!(one.contains("a") && !one.contains("b"));
        assert!(many.contains("b"));
        assert_eq!(many.iter().collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn app_jwt_claims_roundtrip_and_helpers() {
        let c: AppJwtClaims = serde_json::from_str(
            r#"{"aud":"le81823118","azp":"cid","scope":"msg.consumer other","iss":"Sentinel","iat":1.5e9,"exp":1500003600}"#,
        )
        .unwrap();
        assert_eq!(c.iat, Some(1_500_000_000));
        assert_eq!(c.scopes().collect::<Vec<_>>(), ["msg.consumer", "other"]);
        assert_eq!(c.expires_at().as_secs(), 1_500_003_600);
        let back: AppJwtClaims = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
        assert!(serde_json::from_str::<AppJwtClaims>(r#"{"iss":"Sentinel","exp":"1"}"#).is_err());
        assert!(
            serde_json::from_str::<AppJwtClaims>(r#"{"iss":"Sentinel","exp":1,"iat":null}"#)
                .is_err()
        );
    }
}
