//! The signature algorithms this verifier implements, and the caller's allow-list.

use std::fmt;

use super::error::{JwtError, echo};

/// An RSASSA-PKCS1-v1_5 JWS algorithm (RFC 7518 §3.3). Nothing else is implemented:
/// `none` and the HMAC family are rejected by design (RFC 8725 §3.1-3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// `RS256`: RSASSA-PKCS1-v1_5 with SHA-256. What Sentinel uses; the default.
    Rs256,
    /// `RS384`: RSASSA-PKCS1-v1_5 with SHA-384. Only if allowed explicitly.
    Rs384,
    /// `RS512`: RSASSA-PKCS1-v1_5 with SHA-512. Only if allowed explicitly.
    Rs512,
}

impl Algorithm {
    /// The JOSE name (`"RS256"`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Algorithm::Rs256 => "RS256",
            Algorithm::Rs384 => "RS384",
            Algorithm::Rs512 => "RS512",
        }
    }

    /// The algorithm named `alg`, case-sensitively (RFC 7515 §4.1.1); `None` for
    /// any other name.
    pub fn from_name(alg: &str) -> Option<Self> {
        match alg {
            "RS256" => Some(Algorithm::Rs256),
            "RS384" => Some(Algorithm::Rs384),
            "RS512" => Some(Algorithm::Rs512),
            _ => None,
        }
    }

    /// Classifies a header's `alg` for verification: the algorithm, or the error
    /// that names why it can never be accepted.
    pub(crate) fn from_header(alg: &str) -> Result<Self, JwtError> {
        if let Some(a) = Self::from_name(alg) {
            return Ok(a);
        }
        if alg.eq_ignore_ascii_case("none") {
            return Err(JwtError::AlgNone);
        }
        if alg.len() >= 2 && alg.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("HS")) {
            return Err(JwtError::Hmac { alg: echo(alg) });
        }
        Err(JwtError::AlgNotAllowed { alg: echo(alg) })
    }

    const fn bit(self) -> u8 {
        match self {
            Algorithm::Rs256 => 1,
            Algorithm::Rs384 => 2,
            Algorithm::Rs512 => 4,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of allowed [`Algorithm`]s. The default holds `RS256` only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AlgorithmSet(u8);

impl AlgorithmSet {
    /// No algorithm: every token is rejected.
    pub const EMPTY: Self = Self(0);

    /// `RS256` only (the default).
    pub const RS256: Self = Self(1);

    /// The set holding exactly `algs`.
    pub fn from_slice(algs: &[Algorithm]) -> Self {
        algs.iter().fold(Self::EMPTY, |s, a| s.with(*a))
    }

    /// This set plus `alg`.
    #[must_use]
    pub const fn with(self, alg: Algorithm) -> Self {
        Self(self.0 | alg.bit())
    }

    /// Whether `alg` is in the set.
    pub const fn contains(self, alg: Algorithm) -> bool {
        self.0 & alg.bit() != 0
    }
}

impl Default for AlgorithmSet {
    fn default() -> Self {
        Self::RS256
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_header_alg() {
        assert_eq!(Algorithm::from_header("RS256"), Ok(Algorithm::Rs256));
        assert_eq!(Algorithm::from_header("none"), Err(JwtError::AlgNone));
        assert_eq!(Algorithm::from_header("nOnE"), Err(JwtError::AlgNone));
        assert!(matches!(
            Algorithm::from_header("HS256"),
            Err(JwtError::Hmac { .. })
        ));
        assert!(matches!(
            Algorithm::from_header("hs512"),
            Err(JwtError::Hmac { .. })
        ));
        assert!(matches!(
            Algorithm::from_header("rs256"),
            Err(JwtError::AlgNotAllowed { .. })
        ));
        assert!(matches!(
            Algorithm::from_header("H"),
            Err(JwtError::AlgNotAllowed { .. })
        ));
        assert!(matches!(
            Algorithm::from_header("é"),
            Err(JwtError::AlgNotAllowed { .. })
        ));
    }

    #[test]
    fn set_membership() {
        let s = AlgorithmSet::default();
        assert!(s.contains(Algorithm::Rs256));
        assert!(!s.contains(Algorithm::Rs512));
        let s = AlgorithmSet::from_slice(&[Algorithm::Rs384, Algorithm::Rs512]);
        assert!(!s.contains(Algorithm::Rs256));
        assert!(s.contains(Algorithm::Rs384) && s.contains(Algorithm::Rs512));
        assert!(!AlgorithmSet::EMPTY.contains(Algorithm::Rs256));
    }
}
