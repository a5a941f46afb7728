//! The endpoints of the emulator: what counters, the request log and faults are
//! kept per.

use std::str::FromStr;

/// The endpoints of the emulator: requests are counted, logged and faulted per
/// endpoint. A request whose path no route of the emulator matches is
/// [`Endpoint::Other`].
///
/// ```
/// use sentinel_mock::Endpoint;
///
/// // The names `--fault` takes.
/// assert_eq!("app-token-v2".parse(), Ok(Endpoint::AppTokenV2));
/// for e in Endpoint::ALL {
///     assert_eq!(e.as_str().parse(), Ok(e));
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// Domain API, both forms.
    DomainApi,
    /// `.../authorize`
    Authorize,
    /// `.../login`, where the login page posts ([`LoginMode::Form`](crate::LoginMode::Form))
    Login,
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
    /// `.../app/protected`: a stand-in for a LivePerson API that takes an AppJWT.
    Protected,
    /// `.../messaging/consumer/conversation/send`: a stand-in for the Messaging
    /// Send API (an AppJWT and a ConsumerJWS).
    SendApi,
    /// Any other path.
    Other,
}

impl Endpoint {
    /// Every endpoint, in a fixed order.
    pub const ALL: [Endpoint; 12] = [
        Endpoint::DomainApi,
        Endpoint::Authorize,
        Endpoint::Login,
        Endpoint::Token,
        Endpoint::Revoke,
        Endpoint::AppTokenV1,
        Endpoint::AppTokenV2,
        Endpoint::Jwks,
        Endpoint::Consumer,
        Endpoint::Protected,
        Endpoint::SendApi,
        Endpoint::Other,
    ];

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::DomainApi => "domain",
            Endpoint::Authorize => "authorize",
            Endpoint::Login => "login",
            Endpoint::Token => "token",
            Endpoint::Revoke => "revoke",
            Endpoint::AppTokenV1 => "app-token-v1",
            Endpoint::AppTokenV2 => "app-token-v2",
            Endpoint::Jwks => "jwks",
            Endpoint::Consumer => "consumer",
            Endpoint::Protected => "protected",
            Endpoint::SendApi => "send",
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
