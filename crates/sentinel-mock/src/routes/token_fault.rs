//! How the token faults spoil the tokens a handler issues.

use crate::keys::Named;
use crate::state::Shared;

/// Per-request token faults, set by the fault layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenFault {
    UnknownKey,
    Expired,
}

/// `iat` and `exp` of a token living `life` seconds from `now`, or of one that
/// expired an hour ago.
pub(super) fn times(now: u64, life: u64, fault: Option<TokenFault>) -> (u64, u64) {
    if fault == Some(TokenFault::Expired) {
        (now.saturating_sub(7200), now.saturating_sub(3600))
    } else {
        (now, now + life)
    }
}

/// `key`, or the key the JWKS does not have.
pub(super) fn signer<'a>(s: &'a Shared, key: Named<'a>, fault: Option<TokenFault>) -> Named<'a> {
    if fault == Some(TokenFault::UnknownKey) {
        s.keys.unknown()
    } else {
        key
    }
}
