//! The endpoints of the emulator: what counters, the request log and faults are
//! kept per.

use std::str::FromStr;

/// The endpoints of the emulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// Domain API, both forms.
    DomainApi,
    /// `.../authorize`
    Authorize,
    /// `.../token` (code exchange and refresh)
    Token,
    /// `.../token/revoke`
    Revoke,
    /// AppJWT V1
    AppTokenV1,
    /// AppJWT V2
    AppTokenV2,
    /// `/sentinel/well-known/jwks`
    Jwks,
    /// IdP ConsumerJWS
    Consumer,
    /// Any other path.
    Other,
}

impl Endpoint {
    /// Every endpoint, in a fixed order.
    pub const ALL: [Endpoint; 9] = [
        Endpoint::DomainApi,
        Endpoint::Authorize,
        Endpoint::Token,
        Endpoint::Revoke,
        Endpoint::AppTokenV1,
        Endpoint::AppTokenV2,
        Endpoint::Jwks,
        Endpoint::Consumer,
        Endpoint::Other,
    ];

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Which endpoint a request belongs to: by path, and for the V1 AppJWT path
    /// by its `v` query parameter too (`?v=2.0` asks for a V2 token).
    pub(crate) fn classify(path: &str, query: Option<&str>) -> Endpoint {
        let endpoint = Self::classify_path(path);
        let v2 = || {
            url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
                .any(|(k, v)| k == "v" && v == "2.0")
        };
        if endpoint == Endpoint::AppTokenV1 && v2() {
            Endpoint::AppTokenV2
        } else {
            endpoint
        }
    }

    fn classify_path(path: &str) -> Endpoint {
        // One leading slash only: `//sentinel/...` is routed nowhere, so it is
        // counted (and faulted) as `Other`, not as the endpoint it resembles.
        let seg: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
        match seg.as_slice() {
            ["api", "account", _, "service", "baseURI.json"]
            | ["api", "account", _, "service", _, "baseURI.json"] => Endpoint::DomainApi,
            ["api", "account", _, "consumer"] => Endpoint::Consumer,
            ["sentinel", "api", "account", _, "authorize"] => Endpoint::Authorize,
            ["sentinel", "api", "account", _, "token"] => Endpoint::Token,
            ["sentinel", "api", "account", _, "token", "revoke"] => Endpoint::Revoke,
            ["sentinel", "api", "account", _, "app", "token"] => Endpoint::AppTokenV1,
            ["sentinel", "api", "v2", "account", _, "app", "token"] => Endpoint::AppTokenV2,
            ["sentinel", "well-known", "jwks"] => Endpoint::Jwks,
            _ => Endpoint::Other,
        }
    }

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::DomainApi => "domain",
            Endpoint::Authorize => "authorize",
            Endpoint::Token => "token",
            Endpoint::Revoke => "revoke",
            Endpoint::AppTokenV1 => "app-token-v1",
            Endpoint::AppTokenV2 => "app-token-v2",
            Endpoint::Jwks => "jwks",
            Endpoint::Consumer => "consumer",
            Endpoint::Other => "other",
        }
    }
}

impl FromStr for Endpoint {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Endpoint::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| format!("unknown endpoint {s:?}"))
    }
}
