//! Constant-time comparison, for secrets and the CSRF state.

use subtle::ConstantTimeEq;

/// Equal in time that depends only on the lengths.
pub(crate) fn eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}
