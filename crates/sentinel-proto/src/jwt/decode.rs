//! Compact JWS decoding: size cap, splitting, strict base64url, the JOSE header.
//! Nothing here checks a signature; [`decode_unverified`] says so in its name.

use std::mem::MaybeUninit;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::error::{JwtError, Part};
use super::jose_json::{CowStr, MapOnly, present};
use super::members::Members;

/// Default cap on the length of a token, in bytes (16 KiB). Sentinel's tokens are
/// well under 2 KiB; the cap bounds the work an oversized input can cause.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 16 * 1024;

/// The three segments of a compact JWS, borrowed from the token.
#[derive(Clone, Copy)]
pub(crate) struct Compact<'a> {
    pub(crate) header: &'a str,
    pub(crate) payload: &'a str,
    pub(crate) signature: &'a str,
    /// `header '.' payload`: the bytes the signature covers.
    pub(crate) signing_input: &'a str,
}

impl<'a> Compact<'a> {
    /// Splits `token` after checking it against `max_len`.
    pub(crate) fn split(token: &'a str, max_len: usize) -> Result<Self, JwtError> {
        if token.len() > max_len {
            return Err(JwtError::TooLarge {
                len: token.len(),
                max: max_len,
            });
        }
        // memchr's SIMD search: `str::splitn` walked the 342-character signature
        // byte by byte to learn that it holds no fourth segment.
        let bytes = token.as_bytes();
        let mut dots = memchr::memchr_iter(b'.', bytes);
        let (Some(first), Some(second)) = (dots.next(), dots.next()) else {
            return Err(JwtError::Malformed {
                what: "fewer than three dot-separated segments",
            });
        };
        if dots.next().is_some() {
            return Err(JwtError::Malformed {
                what: "more than three dot-separated segments (JWE is not supported)",
            });
        }
        // The dots are ASCII, so every slice below is on a char boundary.
        // A `match`, not `ok_or`: an error built eagerly is dropped on success.
        let segment = |range: std::ops::Range<usize>| match token.get(range) {
            Some(segment) => Ok(segment),
            None => Err(JwtError::Malformed {
                what: "segment boundaries",
            }),
        };
        let header = segment(0..first)?;
        let payload = segment(first + 1..second)?;
        let signature = segment(second + 1..token.len())?;
        let signing_input = segment(0..second)?;
        Ok(Compact {
            header,
            payload,
            signature,
            signing_input,
        })
    }
}

/// A decode target that lives on the stack when the segment is small (the usual
/// case) and on the heap otherwise. The stack part starts uninitialised: the
/// decoder writes the bytes it returns, so nothing is zeroed for nothing.
pub(crate) struct DecodeBuf<const N: usize> {
    stack: [MaybeUninit<u8>; N],
    heap: Vec<u8>,
}

impl<const N: usize> DecodeBuf<N> {
    pub(crate) fn new() -> Self {
        Self {
            stack: [MaybeUninit::uninit(); N],
            heap: Vec::new(),
        }
    }

    /// Decodes strict base64url `b64` and returns the bytes.
    ///
    /// base64-simd's `URL_SAFE_NO_PAD` is as strict as RFC 7515 §2 asks: it rejects
    /// padding, whitespace, the standard alphabet's `+` and `/`, a length of
    /// 4k + 1 and non-zero trailing bits (a test below holds both to the same
    /// verdicts).
    pub(crate) fn decode(&mut self, b64: &str, part: Part) -> Result<&[u8], JwtError> {
        let bad = || JwtError::BadBase64 { part };
        let engine = base64_simd::URL_SAFE_NO_PAD;
        let len = engine.decoded_length(b64.as_bytes()).map_err(|_| bad())?;
        match self.stack.get_mut(..len) {
            Some(out) => engine
                .decode(b64.as_bytes(), base64_simd::Out::from_uninit_slice(out))
                .map(|d| &*d)
                .map_err(|_| bad()),
            None => {
                self.heap = engine.decode_to_vec(b64).map_err(|_| bad())?;
                Ok(&self.heap)
            }
        }
    }
}

/// Checks that a decoded segment is UTF-8.
pub(crate) fn utf8(bytes: &[u8], part: Part) -> Result<&str, JwtError> {
    std::str::from_utf8(bytes).map_err(|_| JwtError::NotUtf8 { part })
}

/// The JOSE header as the verifier reads it, borrowing from the decoded bytes.
#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
pub(crate) struct RawHeader<'a> {
    #[serde(default, borrow)]
    pub(crate) alg: Option<CowStr<'a>>,
    #[serde(default, borrow)]
    pub(crate) kid: Option<CowStr<'a>>,
    #[serde(default, borrow)]
    pub(crate) typ: Option<CowStr<'a>>,
    #[serde(default, borrow)]
    pub(crate) crit: Option<Vec<CowStr<'a>>>,
    #[serde(default, deserialize_with = "present")]
    pub(crate) jwk: bool,
    #[serde(default, deserialize_with = "present")]
    pub(crate) jku: bool,
    #[serde(default, deserialize_with = "present")]
    pub(crate) x5u: bool,
    #[serde(default, deserialize_with = "present")]
    pub(crate) x5c: bool,
}

impl<'a> RawHeader<'a> {
    /// Parses a decoded header segment (a JSON object; duplicate members rejected).
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, JwtError> {
        let text = utf8(bytes, Part::Header)?;
        if let Some(header) = Self::flat(text) {
            return Ok(header);
        }
        serde_json::from_str::<MapOnly<RawHeader<'a>>>(text)
            .map(|m| m.0)
            .map_err(|e| JwtError::json(Part::Header, &e))
    }

    /// What serde reads from a flat header of plain strings with no member
    /// that [`RawHeader::check_trust`] refuses; `None`: serde decides (and
    /// refuses, where a member says so).
    fn flat(text: &'a str) -> Option<Self> {
        let mut h = RawHeader::default();
        super::flat::members(text, |key, value| {
            // By their bytes: one comparison each, not a string compare.
            let slot = match *key.as_bytes() {
                [b'a', b'l', b'g'] => &mut h.alg,
                [b'k', b'i', b'd'] => &mut h.kid,
                [b't', b'y', b'p'] => &mut h.typ,
                [b'j', b'w', b'k'] | [b'j', b'k', b'u'] | [b'x', b'5', b'u' | b'c'] => {
                    return None;
                }
                [b'c', b'r', b'i', b't'] => return None,
                _ => return Some(()),
            };
            // A duplicate is serde's error to report; a `null` its `None`.
            if slot.is_some() {
                return None;
            }
            *slot = Some(CowStr(std::borrow::Cow::Borrowed(value.text()?)));
            Some(())
        })?;
        Some(h)
    }

    /// The `alg` value; a header without one is malformed.
    pub(crate) fn alg(&self) -> Result<&str, JwtError> {
        match &self.alg {
            Some(alg) => Ok(&alg.0),
            None => Err(JwtError::Malformed {
                what: "header has no alg",
            }),
        }
    }

    /// Rejects key-carrying parameters (RFC 8725 §3.10: keys come from the caller
    /// only) and any `crit` (this verifier implements no extension, RFC 7515 §4.1.11).
    pub(crate) fn check_trust(&self) -> Result<(), JwtError> {
        for (flag, name) in [
            (self.jwk, "jwk"),
            (self.jku, "jku"),
            (self.x5u, "x5u"),
            (self.x5c, "x5c"),
        ] {
            if flag {
                return Err(JwtError::UntrustedHeader { name });
            }
        }
        if let Some(crit) = &self.crit {
            let name = crit.first().map_or("(empty crit list)", |c| &*c.0);
            return Err(JwtError::UnsupportedCrit {
                name: super::error::echo(name),
            });
        }
        Ok(())
    }
}

/// A JOSE header, decoded (see [`decode_header`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Header {
    /// `alg`: the algorithm the token claims. Untrusted until verified.
    pub alg: String,
    /// `kid`: the key id, used to pick a key from a [`KeySet`](super::KeySet).
    pub kid: Option<String>,
    /// `typ`: the media type, `"JWT"` for Sentinel's tokens.
    pub typ: Option<String>,
}

impl Header {
    fn from_raw(raw: &RawHeader<'_>) -> Result<Self, JwtError> {
        Ok(Header {
            alg: raw.alg()?.to_owned(),
            kid: raw.kid.as_ref().map(|k| k.0.clone().into_owned()),
            typ: raw.typ.as_ref().map(|t| t.0.clone().into_owned()),
        })
    }
}

/// Decodes the header of `token` without verifying anything: use it to read the
/// `kid` (e.g. for [`JwksCache::lookup`](super::JwksCache::lookup)).
///
/// Applies the default size cap, strict base64url and JSON checks; it does not
/// judge `alg` or the other parameters (that is [`verify`](super::verify)'s job).
///
/// ```
/// use sentinel_proto::jwt::decode_header;
/// // RFC 7515 Appendix A.2 (header `{"alg":"RS256"}`).
/// let header = decode_header("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")?;
/// assert_eq!(header.alg, "RS256");
/// assert_eq!(header.kid, None);
/// # Ok::<(), sentinel_proto::jwt::JwtError>(())
/// ```
pub fn decode_header(token: &str) -> Result<Header, JwtError> {
    let parts = Compact::split(token, DEFAULT_MAX_TOKEN_LEN)?;
    let mut buf = DecodeBuf::<512>::new();
    let raw = RawHeader::parse(buf.decode(parts.header, Part::Header)?)?;
    Header::from_raw(&raw)
}

/// A token decoded WITHOUT checking its signature or claims. For display and
/// debugging only: nothing in it may be trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unverified<C> {
    /// The decoded header.
    pub header: Header,
    /// The decoded claims.
    pub claims: C,
}

/// Decodes `token` WITHOUT verifying its signature, algorithm or any claim.
///
/// For display and debugging only (e.g. showing who a token claims to be for):
/// never base a decision on the result. Use [`verify`](super::verify) for that.
/// The signature segment must still be valid base64url.
///
/// ```
/// use sentinel_proto::jwt::{Claims, decode_unverified};
/// // The RFC 7515 Appendix A.2 token.
/// let token = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
/// let unverified = decode_unverified::<Claims>(token)?;
/// assert_eq!(unverified.claims["iss"], "joe");
/// # Ok::<(), sentinel_proto::jwt::JwtError>(())
/// ```
pub fn decode_unverified<C: DeserializeOwned>(token: &str) -> Result<Unverified<C>, JwtError> {
    let parts = Compact::split(token, DEFAULT_MAX_TOKEN_LEN)?;
    let mut hbuf = DecodeBuf::<512>::new();
    let raw = RawHeader::parse(hbuf.decode(parts.header, Part::Header)?)?;
    let header = Header::from_raw(&raw)?;
    let mut pbuf = DecodeBuf::<1024>::new();
    let claims_text = utf8(pbuf.decode(parts.payload, Part::Claims)?, Part::Claims)?;
    let mut sbuf = DecodeBuf::<1032>::new();
    sbuf.decode(parts.signature, Part::Signature)?;
    let mut members = Members::new();
    let claims = super::verify::read_claims(claims_text, members.scan(claims_text))?;
    Ok(Unverified { header, claims })
}

/// The claims of a compact JWT, neither verified nor checked beyond its
/// payload: what a client reads to schedule the renewal of a token it was just
/// given (its `exp`). The header and the signature are split off but not
/// decoded, which makes it several times cheaper than [`decode_unverified`].
///
/// ```
/// # use base64::Engine;
/// # let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
/// #[derive(serde::Deserialize)]
/// struct Exp { exp: Option<u64> }
/// let token = format!("{}.{}.sig", b64(r#"{"alg":"RS256"}"#), b64(r#"{"exp":1700000000}"#));
/// let claims: Exp = sentinel_proto::jwt::decode_unverified_claims(&token)?;
/// assert_eq!(claims.exp, Some(1_700_000_000));
/// # Ok::<(), sentinel_proto::jwt::JwtError>(())
/// ```
pub fn decode_unverified_claims<C: DeserializeOwned>(token: &str) -> Result<C, JwtError> {
    let mut pbuf = DecodeBuf::<1024>::new();
    let claims = utf8(unverified_payload(token, &mut pbuf)?, Part::Claims)?;
    let mut members = Members::new();
    super::verify::read_claims(claims, members.scan(claims))
}

/// The decoded payload of `token`, into `buf`: the header and the signature
/// are split off, not decoded.
fn unverified_payload<'b>(token: &str, buf: &'b mut DecodeBuf<1024>) -> Result<&'b [u8], JwtError> {
    let parts = Compact::split(token, DEFAULT_MAX_TOKEN_LEN)?;
    buf.decode(parts.payload, Part::Claims)
}

/// The `exp` of a compact JWT, neither verified nor checked beyond its
/// payload: what [`decode_unverified_claims`] gives for
/// `struct { exp: Option<u64> }`, the same answer on every input, read without
/// serde on the flat payloads Sentinel issues. For scheduling a renewal only.
///
/// ```
/// # use base64::Engine;
/// # let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
/// use sentinel_proto::jwt::decode_unverified_exp;
/// let token = format!("{}.{}.sig", b64(r#"{"alg":"RS256"}"#), b64(r#"{"iss":"Sentinel","exp":1700000000}"#));
/// assert_eq!(decode_unverified_exp(&token)?, Some(1_700_000_000));
/// let no_exp = format!("{}.{}.sig", b64(r#"{"alg":"RS256"}"#), b64(r#"{"iss":"Sentinel"}"#));
/// assert_eq!(decode_unverified_exp(&no_exp)?, None);
/// assert!(decode_unverified_exp("not a token").is_err());
/// # Ok::<(), sentinel_proto::jwt::JwtError>(())
/// ```
pub fn decode_unverified_exp(token: &str) -> Result<Option<u64>, JwtError> {
    #[derive(Deserialize)]
    struct Exp {
        exp: Option<u64>,
    }
    let mut pbuf = DecodeBuf::<1024>::new();
    let claims = utf8(unverified_payload(token, &mut pbuf)?, Part::Claims)?;
    if let Some(exp) = super::flat::exp(claims) {
        return Ok(exp);
    }
    super::verify::claims_from_str::<Exp>(claims).map(|e| e.exp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::alphabet;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use proptest::prelude::*;

    /// Base64url as RFC 7515 §2 defines it: no padding, no whitespace, and canonical
    /// (unused trailing bits must be zero, so each token has one encoding).
    const B64URL: GeneralPurpose = GeneralPurpose::new(
        &alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_encode_padding(false)
            .with_decode_padding_mode(DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(false),
    );

    proptest! {
        /// The decoder of tokens gives the verdict and the bytes of the `base64`
        /// crate configured to RFC 7515 §2 (no padding, canonical), on text
        /// mostly of the url-safe alphabet with padding, whitespace and the
        /// standard alphabet mixed in; both buffer paths are reached.
        #[test]
        fn decode_agrees_with_the_strict_base64_crate(
            text in "[A-Za-z0-9_\\-]{0,40}[A-Za-z0-9_\\-=+/ \n.]{0,3}[A-Za-z0-9_\\-]{0,3}"
        ) {
            let mut small = DecodeBuf::<8>::new();
            let ours = small.decode(&text, Part::Claims).map(<[u8]>::to_vec);
            let reference = B64URL.decode(&text).map_err(|_| JwtError::BadBase64 { part: Part::Claims });
            prop_assert_eq!(ours, reference);
        }
    }

    #[test]
    fn split_counts_segments() {
        assert!(Compact::split("a.b.c", 100).is_ok());
        assert!(matches!(
            Compact::split("a.b", 100),
            Err(JwtError::Malformed { .. })
        ));
        assert!(matches!(
            Compact::split("a.b.c.d", 100),
            Err(JwtError::Malformed { .. })
        ));
        assert!(matches!(
            Compact::split("a.b.c.d.e", 100),
            Err(JwtError::Malformed { .. })
        ));
        assert_eq!(
            Compact::split("aaaa.b.c", 5).err(),
            Some(JwtError::TooLarge { len: 8, max: 5 })
        );
        let c = Compact::split("hh.pp.ss", 100).unwrap();
        assert_eq!(c.signing_input, "hh.pp");
        assert_eq!(c.signature, "ss");
    }

    #[test]
    fn base64_is_strict() {
        let mut b = DecodeBuf::<16>::new();
        assert_eq!(b.decode("YWI", Part::Header).unwrap(), b"ab");
        for bad in ["YWI=", "YW I", "YWI\n", "YWJ", "Y", "YW+", "YW/"] {
            assert_eq!(
                b.decode(bad, Part::Header),
                Err(JwtError::BadBase64 { part: Part::Header }),
                "{bad:?}"
            );
        }
        // Heap path for long input.
        let long = B64URL.encode([7u8; 100]);
        assert_eq!(b.decode(&long, Part::Claims).unwrap(), &[7u8; 100][..]);
        assert!(b.decode(&format!("{long}="), Part::Claims).is_err());
    }

    #[test]
    fn header_trust_checks() {
        let h = RawHeader::parse(br#"{"alg":"RS256","jwk":null}"#).unwrap();
        assert_eq!(
            h.check_trust(),
            Err(JwtError::UntrustedHeader { name: "jwk" })
        );
        let h = RawHeader::parse(br#"{"alg":"RS256","crit":["exp"],"exp":1}"#).unwrap();
        assert!(matches!(
            h.check_trust(),
            Err(JwtError::UnsupportedCrit { .. })
        ));
        let h = RawHeader::parse(br#"{"alg":"RS256","crit":[]}"#).unwrap();
        assert!(matches!(
            h.check_trust(),
            Err(JwtError::UnsupportedCrit { .. })
        ));
        let h = RawHeader::parse(br#"{"alg":"RS256","kid":"k","typ":"JWT","x5t":"a"}"#).unwrap();
        assert_eq!(h.check_trust(), Ok(()));
        assert!(matches!(
            RawHeader::parse(br#"["RS256"]"#),
            Err(JwtError::BadJson { .. })
        ));
        assert!(matches!(
            RawHeader::parse(br#"{"alg":"RS256","alg":"none"}"#),
            Err(JwtError::BadJson { .. })
        ));
        assert_eq!(
            RawHeader::parse(b"{\"alg\":\"\xff\"}").err(),
            Some(JwtError::NotUtf8 { part: Part::Header })
        );
    }
}

#[cfg(test)]
mod flat_header_tests {
    use super::super::flat::{
        self,
        tests::{keys, object_of},
    };
    use super::RawHeader;
    use proptest::prelude::*;

    const NAMES: &[&str] = &[
        "alg", "kid", "typ", "crit", "jwk", "jku", "x5u", "x5c", "b64",
    ];

    #[test]
    fn reads_sentinel_headers_and_leaves_the_rest_to_serde() {
        let h = RawHeader::flat(r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#).unwrap();
        assert_eq!(
            (h.alg.unwrap().0, h.kid.unwrap().0),
            ("RS256".into(), "k1".into())
        );
        for refused in [
            r#"{"alg":"RS256","jku":"https://x"}"#,
            r#"{"alg":"RS256","crit":["b64"]}"#,
            r#"{"alg":"RS256","alg":"none"}"#,
            r#"{"alg":null}"#,
            r#"{"alg":1}"#,
            r#"{"\u0061lg":"RS256"}"#,
        ] {
            assert!(RawHeader::flat(refused).is_none(), "{refused}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Where the scanner answers, serde gives the same header.
        #[test]
        fn agrees_with_serde(text in object_of(keys(NAMES))) {
            flat::tests::agrees_with_serde(&text, RawHeader::flat(&text))?;
        }

        /// Flat headers of plain strings are the scanner's.
        #[test]
        fn answers_for_flat_headers(text in flat::tests::flat_object(&["alg", "kid", "typ"])) {
            prop_assert!(RawHeader::flat(&text).is_some(), "{}", text);
            flat::tests::agrees_with_serde(&text, RawHeader::flat(&text))?;
        }
    }
}
