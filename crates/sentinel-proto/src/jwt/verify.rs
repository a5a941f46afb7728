//! Signature verification (RFC 7515 §5.2, RFC 8725) and claims deserialization.

use serde::de::DeserializeOwned;

use super::alg::Algorithm;
use super::decode::{Compact, DecodeBuf, RawHeader, utf8};
use super::error::{JwtError, Part};
use super::keys::KeySet;
use super::members::Members;
use super::validation::Validation;
use crate::UnixTime;

/// Decoded signatures are at most 1024 bytes (8192-bit RSA); the 1032-byte buffer
/// fits base64's conservative decoded-length estimate for them.
const SIG_BUF: usize = 1032;

/// Verifies `token` against the caller's `keys` and `validation` at time `now`, and
/// deserializes its claims into `C`.
///
/// Order of checks: size cap; three segments; header (`alg` must be allowed and
/// can never be `none` or HMAC; `jwk`/`jku`/`x5u`/`x5c` and `crit` are rejected);
/// key by `kid` (see [`KeySet`]); base64 of payload and signature; the RSA
/// signature; then the registered claims ([`Validation`]); then `C`. The payload
/// is decoded once; nothing in it is parsed before the signature has verified.
///
/// Cost: a Sentinel AppJWT verifies in about 1.02× the instructions of the bare
/// RSA check (`benches/RESULTS.md`). The header Sentinel writes for a key of
/// `keys` (`{"kid":..,"typ":"JWT","alg":..}`) is recognised by its text
/// without being decoded; a flat claims set (string keys; plain strings,
/// integers, booleans and `null` as values) is scanned once, for the
/// registered claims and for `C`; anything else is read by serde_json, with
/// the same result.
///
/// `C` may be [`AppJwtClaims`](super::AppJwtClaims),
/// [`IdTokenClaims`](super::IdTokenClaims), [`Claims`](super::Claims) (every claim,
/// as JSON) or any `DeserializeOwned` type of yours.
///
/// ```
/// use sentinel_proto::UnixTime;
/// use sentinel_proto::jwt::{Claims, KeySet, RsaPublicKey, Validation, verify};
///
/// // RFC 7515 Appendix A.2: an RS256 token and its key (2048-bit, e = 65537).
/// let token = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
/// let keys = KeySet::from_jwks(br#"{"keys":[{"kty":"RSA","e":"AQAB",
///   "n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"}]}"#)?;
///
/// // Its exp is 1300819380 (March 2011): verify as of a moment before that.
/// let now = UnixTime::from_secs(1_300_819_000);
/// let claims: Claims = verify(token, &keys, &Validation::new().with_issuer("joe"), now)?;
/// assert_eq!(claims["http://example.com/is_root"], true);
///
/// // A day later it has expired.
/// let later = UnixTime::from_secs(1_300_819_380 + 86_400);
/// assert!(verify::<Claims>(token, &keys, &Validation::new(), later).is_err());
/// # Ok::<(), sentinel_proto::jwt::JwtError>(())
/// ```
///
/// # Errors
/// The [`JwtError`] variant naming the first check that failed.
pub fn verify<C: DeserializeOwned>(
    token: &str,
    keys: &KeySet,
    validation: &Validation,
    now: UnixTime,
) -> Result<C, JwtError> {
    let parts = Compact::split(token, validation.max_token_len())?;

    // Sentinel's own header for a key of the set is recognised by its text;
    // any other is decoded and checked.
    let mut header_buf = DecodeBuf::<512>::new();
    let header;
    let (alg, kid) = match keys.known_header(parts.header) {
        Some((alg, kid)) => (alg, Some(kid)),
        None => {
            header = RawHeader::parse(header_buf.decode(parts.header, Part::Header)?)?;
            let alg = Algorithm::from_header(header.alg()?)?;
            header.check_trust()?;
            (alg, header.kid.as_ref().map(|k| &*k.0))
        }
    };
    if !validation.algorithms().contains(alg) {
        return Err(JwtError::AlgNotAllowed {
            alg: alg.as_str().to_owned(),
        });
    }
    let candidates = keys.candidates(kid)?;

    let mut payload_buf = DecodeBuf::<1024>::new();
    let payload = payload_buf.decode(parts.payload, Part::Claims)?;
    let mut sig_buf = DecodeBuf::<SIG_BUF>::new();
    let signature = sig_buf.decode(parts.signature, Part::Signature)?;

    let message = parts.signing_input.as_bytes();
    let mut tried = false;
    let mut mismatch = None;
    for key in candidates {
        match key.alg() {
            Some(key_alg) if key_alg != alg => {
                mismatch.get_or_insert(key_alg);
            }
            _ => {
                tried = true;
                if key.verify(alg, message, signature) {
                    let claims = utf8(payload, Part::Claims)?;
                    // Scanned once for the registered claims and for `C`.
                    let mut members = Members::new();
                    let members = members.scan(claims);
                    validation.check_claims(claims, members, now)?;
                    return read_claims(claims, members);
                }
            }
        }
    }
    Err(match (tried, mismatch) {
        (false, Some(key_alg)) => JwtError::KeyAlgMismatch { alg, key_alg },
        _ => JwtError::BadSignature,
    })
}

/// Deserializes claims into `C`: from `members` (the scanned `claims`) where
/// they give serde_json's answer, else with serde_json ([`claims_from_str`]).
pub(crate) fn read_claims<C: DeserializeOwned>(
    claims: &str,
    members: Option<&Members<'_>>,
) -> Result<C, JwtError> {
    match members.and_then(Members::deserialize) {
        Some(c) => Ok(c),
        None => claims_from_str(claims),
    }
}

/// Deserializes claims into `C`, keeping serde's message out of the error (it can
/// quote a claim value) except for the name of a missing field.
pub(crate) fn claims_from_str<C: DeserializeOwned>(claims: &str) -> Result<C, JwtError> {
    serde_json::from_str(claims).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            return JwtError::json(Part::Claims, &e);
        }
        let msg = e.to_string();
        if let Some(rest) = msg.strip_prefix("missing field `")
            && let Some((name, _)) = rest.split_once('`')
        {
            return JwtError::MissingClaim {
                name: name.to_owned(),
            };
        }
        JwtError::ClaimsType {
            line: e.line(),
            column: e.column(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Needs {
        sub: String,
        n: u8,
    }

    #[test]
    fn claims_errors_do_not_echo_values() {
        assert_eq!(
            claims_from_str::<Needs>(r#"{"n":1}"#).unwrap_err(),
            JwtError::MissingClaim { name: "sub".into() }
        );
        let e = claims_from_str::<Needs>(r#"{"sub":"s","n":"topsecret"}"#).unwrap_err();
        assert!(matches!(e, JwtError::ClaimsType { .. }));
        assert!(!format!("{e} {e:?}").contains("topsecret"));
        assert!(matches!(
            claims_from_str::<Needs>("{"),
            Err(JwtError::BadJson { .. })
        ));
    }

    #[test]
    fn a_known_header_is_checked_like_any_other() {
        use base64::Engine as _;
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let key = super::super::keys::RsaPublicKey::liveperson_v1()
            .with_kid("k")
            .with_alg(super::super::alg::Algorithm::Rs512);
        let keys = KeySet::from_iter([key]);
        let payload = b64(r#"{"iss":"Sentinel","exp":9999999999}"#);
        let sig = b64("not a signature");
        let now = UnixTime::from_secs(1_700_000_000);
        // Sentinel's form (recognised) and another order (decoded) give the
        // same verdicts: RS512 is not allowed by default, and is once allowed.
        for header in [
            r#"{"kid":"k","typ":"JWT","alg":"RS512"}"#,
            r#"{"alg":"RS512","kid":"k","typ":"JWT"}"#,
        ] {
            let token = format!("{}.{payload}.{sig}", b64(header));
            assert_eq!(
                verify::<crate::jwt::Claims>(&token, &keys, &Validation::new(), now).unwrap_err(),
                JwtError::AlgNotAllowed {
                    alg: "RS512".into()
                },
                "{header}"
            );
            let rs512 = Validation::new().allow(super::super::alg::Algorithm::Rs512);
            assert_eq!(
                verify::<crate::jwt::Claims>(&token, &keys, &rs512, now).unwrap_err(),
                JwtError::BadSignature,
                "{header}"
            );
        }
    }
}
