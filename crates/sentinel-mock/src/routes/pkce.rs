//! PKCE (RFC 7636), S256 only: the challenge authorize accepts, and its check at
//! the code exchange.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::request::ring_eq;

/// The PKCE challenge of an authorize request (RFC 7636 §4.3), if any. Only S256
/// is supported: `plain`, an absent method (which means `plain`) or any other is
/// refused (§4.4.1), and so is a challenge that is not 43 base64url characters.
pub(super) fn challenge<'a>(
    challenge: Option<&'a str>,
    method: Option<&str>,
) -> Result<Option<&'a str>, &'static str> {
    match (challenge, method) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err("code_challenge_method without code_challenge"),
        (Some(_), m) if m != Some("S256") => {
            Err("code_challenge_method must be S256 (plain is not supported)")
        }
        (Some(c), _)
            if c.len() == 43
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(Some(c))
        }
        (Some(_), _) => Err("code_challenge must be 43 base64url characters"),
    }
}

/// Checks the code exchange's `code_verifier` against the authorize challenge
/// (RFC 7636 §4.6). A verifier sent for a code issued without a challenge is
/// refused too (RFC 9700 §2.1.1: no PKCE downgrade).
pub(super) fn verify(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), &'static str> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err("code_verifier sent but authorize had no code_challenge"),
        (Some(_), None) => Err("missing code_verifier"),
        (Some(c), Some(v)) => {
            let shape = (43..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
            let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, v.as_bytes());
            let computed = URL_SAFE_NO_PAD.encode(digest.as_ref());
            if shape && ring_eq(computed.as_bytes(), c.as_bytes()) {
                Ok(())
            } else {
                Err("code_verifier does not match code_challenge")
            }
        }
    }
}
