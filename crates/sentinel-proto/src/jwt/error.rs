//! The one error type of the `jwt` module.

use std::fmt;

/// Which part of a compact JWS a failure is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Part {
    /// The protected header (first segment).
    Header,
    /// The claims set / payload (second segment).
    Claims,
    /// The signature (third segment).
    Signature,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Header => "header",
            Part::Claims => "claims",
            Part::Signature => "signature",
        })
    }
}

/// Why a JWT, a key or a JWKS was rejected.
///
/// One variant per failure, so callers (and tests) can tell them apart. No variant
/// carries the token, its signature or a claim value that could be secret: only
/// header parameters (`alg`, `kid`), issuer and audience values, and times. Strings
/// taken from a token are truncated and printed with escapes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// The token is not a compact JWS (`header.payload.signature`), or a part is
    /// structurally wrong (e.g. the header or claims are not a JSON object).
    #[error("malformed token: {what}")]
    Malformed {
        /// What is wrong, in a few words.
        what: &'static str,
    },
    /// The token is longer than the configured cap (see
    /// [`DEFAULT_MAX_TOKEN_LEN`](super::DEFAULT_MAX_TOKEN_LEN)).
    #[error("token is {len} bytes, over the {max}-byte limit")]
    TooLarge {
        /// Length of the token in bytes.
        len: usize,
        /// The cap in force.
        max: usize,
    },
    /// A segment is not strict base64url (unpadded, canonical, no whitespace).
    #[error("token {part} is not valid unpadded base64url")]
    BadBase64 {
        /// The offending segment.
        part: Part,
    },
    /// A decoded segment is not UTF-8.
    #[error("token {part} is not UTF-8")]
    NotUtf8 {
        /// The offending segment.
        part: Part,
    },
    /// A decoded segment is not a JSON object of the expected shape.
    #[error("token {part} is not valid JSON (line {line}, column {column})")]
    BadJson {
        /// The offending segment.
        part: Part,
        /// Line of the first error (1-based).
        line: usize,
        /// Column of the first error (1-based).
        column: usize,
    },
    /// `alg` is none of the algorithms the caller allowed.
    #[error("algorithm {alg:?} is not allowed")]
    AlgNotAllowed {
        /// The `alg` header value (truncated).
        alg: String,
    },
    /// `alg` is `none` (in any letter case): unsigned tokens are never accepted.
    #[error("unsigned token (alg \"none\") rejected")]
    AlgNone,
    /// `alg` is an HMAC algorithm (`HS256`...): never accepted, as a public key
    /// would be usable as the shared secret.
    #[error("HMAC algorithm {alg:?} rejected: only RSA signatures are accepted")]
    Hmac {
        /// The `alg` header value (truncated).
        alg: String,
    },
    /// The key for this `kid` restricts itself to another algorithm.
    #[error("key is for {key_alg}, token says {alg}")]
    KeyAlgMismatch {
        /// The token's algorithm.
        alg: super::Algorithm,
        /// The algorithm named by the key (JWK `alg`).
        key_alg: super::Algorithm,
    },
    /// No key in the caller's key set has this `kid`.
    #[error("no key with kid {kid:?}")]
    UnknownKid {
        /// The `kid` header value (truncated).
        kid: String,
    },
    /// The token has no `kid` and the key set does not have exactly one key.
    #[error("token has no kid and the key set has {keys} keys")]
    NoKid {
        /// Number of keys in the set.
        keys: usize,
    },
    /// The header names a key or certificate source (`jwk`, `jku`, `x5u`, `x5c`).
    /// Such tokens are rejected: keys come from the caller only.
    #[error("header parameter {name:?} is not trusted; token rejected")]
    UntrustedHeader {
        /// The parameter name.
        name: &'static str,
    },
    /// The header has a `crit` parameter naming an extension this verifier does not
    /// implement (it implements none), or `crit` is malformed.
    #[error("critical header extension {name:?} not supported")]
    UnsupportedCrit {
        /// The first unsupported name (truncated).
        name: String,
    },
    /// The signature does not verify with the selected key.
    #[error("signature verification failed")]
    BadSignature,
    /// `exp` is past (beyond the leeway).
    #[error("token expired at {exp} (now {now})")]
    Expired {
        /// The `exp` claim.
        exp: u64,
        /// The time of verification.
        now: u64,
    },
    /// `nbf`, or `iat`, is in the future (beyond the leeway).
    #[error("token not valid before {at} per {claim} (now {now})")]
    NotYetValid {
        /// `"nbf"` or `"iat"`.
        claim: &'static str,
        /// The claim's value.
        at: u64,
        /// The time of verification.
        now: u64,
    },
    /// `iss` is not the expected issuer.
    #[error("wrong issuer: expected {expected:?}, found {found:?}")]
    WrongIssuer {
        /// The issuer the caller expects.
        expected: String,
        /// The token's issuer (truncated).
        found: String,
    },
    /// `aud` contains none of the expected audiences.
    #[error("wrong audience: expected one of {expected:?}, found {found:?}")]
    WrongAudience {
        /// The audiences the caller accepts.
        expected: Vec<String>,
        /// The token's audiences (at most a few, truncated).
        found: Vec<String>,
    },
    /// `azp` (authorized party: the client id an AppJWT was issued to) is not the
    /// expected one.
    #[error("wrong authorized party: expected {expected:?}, found {found:?}")]
    WrongAuthorizedParty {
        /// The `azp` the caller expects.
        expected: String,
        /// The token's `azp` (truncated).
        found: String,
    },
    /// No usable JWKS to verify with: none was ever fetched, or the last good one
    /// is older than the max-stale bound (see
    /// [`JwksCache`](super::JwksCache)), and it could not be refreshed.
    #[error("no usable JWKS ({})", describe_fetched(*fetched_at, *now))]
    JwksUnavailable {
        /// When the last good JWKS was fetched (seconds since the epoch), if ever.
        fetched_at: Option<u64>,
        /// The time of verification.
        now: u64,
    },
    /// A required claim is absent.
    #[error("required claim {name:?} missing")]
    MissingClaim {
        /// The claim's name.
        name: String,
    },
    /// A claim has the wrong type (e.g. a non-numeric `exp`).
    #[error("claim {name:?} has an invalid value")]
    InvalidClaim {
        /// The claim's name.
        name: String,
    },
    /// The claims do not deserialize into the requested type. The serde message is
    /// withheld because it may quote a claim value.
    #[error("claims do not match the expected type (line {line}, column {column})")]
    ClaimsType {
        /// Line of the first error (1-based).
        line: usize,
        /// Column of the first error (1-based).
        column: usize,
    },
    /// A public key could not be used (bad encoding, unsupported size or exponent).
    #[error("unusable key: {reason}")]
    BadKey {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A JWKS document is not valid (not JSON, no `keys` array, bad RSA key).
    #[error("invalid JWKS: {reason}")]
    BadJwks {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A JWKS document is larger than the cap.
    #[error("JWKS is {len} bytes, over the {max}-byte limit")]
    JwksTooLarge {
        /// Its length in bytes.
        len: usize,
        /// The cap in force.
        max: usize,
    },
    /// A JWKS has more entries than the cap.
    #[error("JWKS has {count} keys, over the limit of {max}")]
    TooManyKeys {
        /// Number of entries in `keys`.
        count: usize,
        /// The cap in force.
        max: usize,
    },
}

fn describe_fetched(fetched_at: Option<u64>, now: u64) -> String {
    match fetched_at {
        Some(t) => format!("last fetched at {t}, past its max-stale bound at {now}"),
        None => format!("none fetched yet at {now}"),
    }
}

/// Longest string copied from untrusted input into an error.
const MAX_ECHO: usize = 64;

/// Copies at most [`MAX_ECHO`] characters of untrusted `s` for an error message.
/// (`Display` prints it with `{:?}`, which escapes control characters.)
pub(crate) fn echo(s: &str) -> String {
    // Bidi and format characters would reorder or hide what a reader sees.
    let clean: String;
    let s = if s.chars().any(crate::redact::is_unsafe_char) {
        clean = s
            .chars()
            .filter(|&c| !crate::redact::is_unsafe_char(c))
            .collect();
        clean.as_str()
    } else {
        s
    };
    match s.char_indices().nth(MAX_ECHO) {
        Some((i, _)) => {
            let mut out = String::with_capacity(i + 3);
            out.push_str(s.get(..i).unwrap_or_default());
            out.push_str("...");
            out
        }
        None => s.to_owned(),
    }
}

impl JwtError {
    /// Cuts every secret `redactor` knows out of the values copied from the token
    /// (a hostile server may issue a token whose `aud` is the secret it was sent).
    pub(crate) fn redact(self, redactor: &crate::redact::Redactor) -> Self {
        let r = |s: String| match s.strip_suffix("...") {
            // Cut by `echo`: a secret may straddle the cut.
            Some(cut) => redactor.scrub_truncated(cut) + "...",
            None => redactor.scrub(&s).into_owned(),
        };
        match self {
            JwtError::AlgNotAllowed { alg } => JwtError::AlgNotAllowed { alg: r(alg) },
            JwtError::Hmac { alg } => JwtError::Hmac { alg: r(alg) },
            JwtError::UnknownKid { kid } => JwtError::UnknownKid { kid: r(kid) },
            JwtError::UnsupportedCrit { name } => JwtError::UnsupportedCrit { name: r(name) },
            JwtError::WrongIssuer { expected, found } => JwtError::WrongIssuer {
                expected,
                found: r(found),
            },
            JwtError::WrongAudience { expected, found } => JwtError::WrongAudience {
                expected,
                found: found.into_iter().map(r).collect(),
            },
            JwtError::WrongAuthorizedParty { expected, found } => JwtError::WrongAuthorizedParty {
                expected,
                found: r(found),
            },
            JwtError::MissingClaim { name } => JwtError::MissingClaim { name: r(name) },
            JwtError::InvalidClaim { name } => JwtError::InvalidClaim { name: r(name) },
            other => other,
        }
    }

    /// `BadJson` for `part` from a serde_json error, keeping only its position.
    pub(crate) fn json(part: Part, e: &serde_json::Error) -> Self {
        JwtError::BadJson {
            part,
            line: e.line(),
            column: e.column(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_truncates_on_char_boundary() {
        let long = "é".repeat(100);
        let e = echo(&long);
        assert_eq!(e.chars().count(), MAX_ECHO + 3);
        assert!(e.ends_with("..."));
        assert_eq!(echo("short"), "short");
    }

    #[test]
    fn display_escapes_control_characters() {
        let e = JwtError::UnknownKid {
            kid: echo("a\nb\u{1b}[31m"),
        };
        let s = e.to_string();
        assert!(!s.contains('\n'));
        assert!(!s.contains('\u{1b}'));
    }
}
