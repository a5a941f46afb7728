//! The token endpoint: code exchange (RFC 6749 §4.1.3) and refresh (§6).

use std::time::Duration;

use http::{Request, Response};
use std::cell::Cell;

use serde::de::{Deserialize, Deserializer, Error as _, IgnoredAny, MapAccess, Visitor};

use crate::body_json::{Field, TokenBytes};
use crate::error::{BodyError, Error};
use crate::request::{form_encode, form_post, non_empty};
use crate::response::{invalid, success_body};
use crate::secret::{AccessToken, AuthorizationCode, CodeVerifier, IdToken, RefreshToken};
use crate::sentinel::Sentinel;
use crate::user::redirect::RedirectUri;

/// A successful answer of the token endpoint.
///
/// `Debug` redacts every token.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The access token.
    pub access_token: AccessToken,
    /// The refresh token; a refresh may return a new one. Absent on some answers.
    pub refresh_token: Option<RefreshToken>,
    /// The ID token (code exchange).
    pub id_token: Option<IdToken>,
    /// `expires_in`, on deployments that send it.
    pub expires_in: Option<Duration>,
}

impl Sentinel {
    /// Builds the code exchange: `POST {host}/sentinel/api/account/{account}/token?v=..`.
    ///
    /// `redirect_uri` must be given if and only if it went to authorize, with the
    /// identical value. A code is single use: never repeat this request on failure.
    ///
    /// ```
    /// # use sentinel_proto::{*, user::*};
    /// let s = Sentinel::new(Host::parse("va.sentinel.liveperson.net")?, AccountId::new("123456")?,
    ///     ClientId::new("cid")?, ClientSecret::new("sec"));
    /// let req = s.exchange_code_request(&AuthorizationCode::new("c0de"), None)?;
    /// assert_eq!(req.uri(), "https://va.sentinel.liveperson.net/sentinel/api/account/123456/token?v=1.0");
    /// assert_eq!(req.body(), b"grant_type=authorization_code&code=c0de&client_id=cid&client_secret=sec");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn exchange_code_request(
        &self,
        code: &AuthorizationCode,
        redirect_uri: Option<&RedirectUri>,
    ) -> Result<Request<Vec<u8>>, Error> {
        self.exchange_code_request_with(code, redirect_uri, None)
    }

    /// The code exchange of a PKCE flow (RFC 7636 §4.5): as
    /// [`Sentinel::exchange_code_request`], with `code_verifier` in the body.
    /// `verifier` is the one whose challenge went to
    /// [`Sentinel::authorize_url_pkce`].
    ///
    /// ```
    /// # use sentinel_proto::{*, user::*};
    /// # let s = Sentinel::new(Host::parse("va.sentinel.liveperson.net")?, AccountId::new("123456")?,
    /// #    ClientId::new("cid")?, ClientSecret::new("sec"));
    /// let verifier = CodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")?;
    /// let req = s.exchange_code_request_pkce(&AuthorizationCode::new("c0de"), None, &verifier)?;
    /// assert_eq!(req.body(), b"grant_type=authorization_code&code=c0de\
    ///     &code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&client_id=cid&client_secret=sec");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn exchange_code_request_pkce(
        &self,
        code: &AuthorizationCode,
        redirect_uri: Option<&RedirectUri>,
        verifier: &CodeVerifier,
    ) -> Result<Request<Vec<u8>>, Error> {
        self.exchange_code_request_with(code, redirect_uri, Some(verifier))
    }

    fn exchange_code_request_with(
        &self,
        code: &AuthorizationCode,
        redirect_uri: Option<&RedirectUri>,
        verifier: Option<&CodeVerifier>,
    ) -> Result<Request<Vec<u8>>, Error> {
        non_empty(code.secret(), "code")?;
        let mut pairs = Vec::with_capacity(6);
        pairs.push(("grant_type", "authorization_code"));
        pairs.push(("code", code.secret()));
        if let Some(r) = redirect_uri {
            pairs.push(("redirect_uri", r.as_str()));
        }
        if let Some(v) = verifier {
            pairs.push(("code_verifier", v.secret()));
        }
        pairs.push(("client_id", self.client_id.as_str()));
        pairs.push(("client_secret", self.secret()?));
        form_post(self.token_uri(), form_encode(&pairs))
    }

    /// Builds a refresh: the same endpoint with `grant_type=refresh_token`.
    /// Safe to repeat on a transport error or a 5xx.
    ///
    /// ```
    /// # use sentinel_proto::{*, user::*};
    /// # let s = Sentinel::new(Host::parse("va.sentinel.liveperson.net")?, AccountId::new("123456")?,
    /// #    ClientId::new("cid")?, ClientSecret::new("sec"));
    /// let req = s.refresh_request(&RefreshToken::new("rt"))?;
    /// assert_eq!(req.body(), b"grant_type=refresh_token&refresh_token=rt&client_id=cid&client_secret=sec");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn refresh_request(&self, refresh_token: &RefreshToken) -> Result<Request<Vec<u8>>, Error> {
        non_empty(refresh_token.secret(), "refresh_token")?;
        let body = form_encode(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.secret()),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.secret()?),
        ]);
        form_post(self.token_uri(), body)
    }

    fn token_uri(&self) -> String {
        format!("{}/token?v={}", self.account_base(), self.version.as_str())
    }
}

/// The members of a token answer, borrowed from the body.
#[derive(Default)]
pub(crate) struct RawToken<'a> {
    pub(crate) access_token: Option<TokenBytes<'a>>,
    pub(crate) token_type: Option<TokenBytes<'a>>,
    pub(crate) refresh_token: Option<TokenBytes<'a>>,
    pub(crate) id_token: Option<TokenBytes<'a>>,
    pub(crate) expires_in: Option<Field<'a>>,
}

/// Which members a parser reads; the others are skipped unchecked.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Members {
    /// Code exchange and refresh: all five.
    UserTokens,
    /// AppJWT: `access_token`, `token_type`, `expires_in`.
    AppJwt,
}

impl<'a> RawToken<'a> {
    /// Parses the body and checks what every token answer shares: a non-empty
    /// `access_token`, `token_type` Bearer in any case when present.
    pub(crate) fn parse(body: &'a [u8], members: Members) -> Result<(Self, String), BodyError> {
        // Set while a token member is read: serde_json rejects a non-string there
        // before our visitor runs, and its message would quote the value.
        let reading = Cell::new(None);
        let mut de = serde_json::Deserializer::from_slice(body);
        let mut raw = de
            // Objects only: an array is not a token answer.
            .deserialize_map(RawTokenVisitor {
                members,
                reading: &reading,
            })
            .and_then(|raw| de.end().map(|()| raw))
            .map_err(|e| match reading.get() {
                Some(field) if e.classify() == serde_json::error::Category::Data => {
                    BodyError::InvalidField {
                        field,
                        expected: "a string",
                    }
                }
                _ => BodyError::from(e),
            })?;
        let access = required_token(raw.access_token.take(), "access_token")?;
        if let Some(tt) = raw.token_type.take()
            && !tt.non_empty("token_type")?.eq_ignore_ascii_case(b"bearer")
        {
            return Err(BodyError::UnsupportedTokenType);
        }
        Ok((raw, access))
    }

    pub(crate) fn expires_in(&mut self) -> Result<Option<Duration>, BodyError> {
        self.expires_in
            .take()
            .map(|f| f.into_u64("expires_in").map(Duration::from_secs))
            .transpose()
    }
}

fn required_token(t: Option<TokenBytes<'_>>, field: &'static str) -> Result<String, BodyError> {
    t.ok_or(BodyError::MissingField(field))?.into_string(field)
}

enum Member {
    AccessToken,
    TokenType,
    RefreshToken,
    IdToken,
    ExpiresIn,
    Other,
}

impl Member {
    fn from_name(name: &[u8]) -> Option<Self> {
        Some(match name {
            b"access_token" => Member::AccessToken,
            b"token_type" => Member::TokenType,
            b"refresh_token" => Member::RefreshToken,
            b"id_token" => Member::IdToken,
            b"expires_in" => Member::ExpiresIn,
            // Read as bytes, a name is not checked by serde_json: JSON strings are
            // UTF-8 (RFC 8259 §8.1) without raw control characters (§7). Unescaped
            // and escaped control characters look alike here, so a name with either
            // is refused: stricter than JSON only for names no server sends.
            _ if name.iter().any(|&b| b < 0x20) => return None,
            _ if name.is_ascii() || std::str::from_utf8(name).is_ok() => Member::Other,
            _ => return None,
        })
    }
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Member;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a member name")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Member, E> {
                Member::from_name(v).ok_or_else(|| E::custom("a member name is not valid"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Member, E> {
                self.visit_bytes(v.as_bytes())
            }
        }
        // As bytes: serde_json then skips its UTF-8 pass over the name, which costs
        // more than the rest of reading a short name.
        d.deserialize_bytes(V)
    }
}

struct RawTokenVisitor<'c> {
    members: Members,
    reading: &'c Cell<Option<&'static str>>,
}

impl<'de> Visitor<'de> for RawTokenVisitor<'_> {
    type Value = RawToken<'de>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<RawToken<'de>, A::Error> {
        let mut raw = RawToken::default();
        // A member given twice is an error, as with serde's derive (`null` counts).
        let mut seen = 0u8;
        let user = self.members == Members::UserTokens;
        while let Some(member) = m.next_key::<Member>()? {
            let (bit, name) = match member {
                Member::AccessToken => (1, "access_token"),
                Member::TokenType => (2, "token_type"),
                Member::RefreshToken if user => (4, "refresh_token"),
                Member::IdToken if user => (8, "id_token"),
                Member::ExpiresIn => (16, "expires_in"),
                _ => {
                    m.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if seen & bit != 0 {
                return Err(A::Error::duplicate_field(name));
            }
            seen |= bit;
            let mut token = |slot: &mut Option<TokenBytes<'de>>| {
                self.reading.set(Some(name));
                *slot = m.next_value()?;
                self.reading.set(None);
                Ok(())
            };
            match member {
                Member::AccessToken => token(&mut raw.access_token)?,
                Member::RefreshToken => token(&mut raw.refresh_token)?,
                Member::IdToken => token(&mut raw.id_token)?,
                Member::TokenType => token(&mut raw.token_type)?,
                Member::ExpiresIn => raw.expires_in = m.next_value()?,
                // Skipped above.
                Member::Other => {}
            }
        }
        Ok(raw)
    }
}

fn optional_token(
    t: Option<TokenBytes<'_>>,
    field: &'static str,
) -> Result<Option<String>, BodyError> {
    t.map(|t| t.into_string(field)).transpose()
}

/// Parses the answer to a code exchange or a refresh.
///
/// ```
/// use sentinel_proto::user::parse_token_response;
/// let resp = http::Response::new(br#"{"access_token":"at","token_type":"bearer",
///     "refresh_token":"rt","id_token":"a.b.c","expires_in":"3600"}"#.to_vec());
/// let t = parse_token_response(&resp)?;
/// assert_eq!(t.access_token.secret(), "at");
/// assert_eq!(t.expires_in, Some(std::time::Duration::from_secs(3600)));
/// # Ok::<(), sentinel_proto::Error>(())
/// ```
pub fn parse_token_response<B: AsRef<[u8]>>(resp: &Response<B>) -> Result<TokenResponse, Error> {
    let body = success_body(resp)?;
    let parse = || -> Result<TokenResponse, BodyError> {
        let (mut raw, access) = RawToken::parse(body, Members::UserTokens)?;
        let expires_in = raw.expires_in()?;
        Ok(TokenResponse {
            access_token: AccessToken::new(access),
            refresh_token: optional_token(raw.refresh_token.take(), "refresh_token")?
                .map(RefreshToken::new),
            id_token: optional_token(raw.id_token.take(), "id_token")?.map(IdToken::new),
            expires_in,
        })
    };
    parse().map_err(|e| invalid(resp, e))
}
