//! The token endpoint: code exchange (RFC 6749 §4.1.3) and refresh (§6).

use std::time::Duration;

use http::{Request, Response};
use serde::Deserialize;

use crate::error::{BodyError, Error, InputError};
use crate::json::{Field, MapOnly, required};
use crate::redirect::RedirectUri;
use crate::request::{form_encode, form_post};
use crate::response::{invalid, success_body};
use crate::secret::{AccessToken, AuthorizationCode, IdToken, RefreshToken};
use crate::sentinel::Sentinel;

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
    /// # use sentinel_proto::*;
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
        non_empty(code.secret(), "code")?;
        let mut pairs = Vec::with_capacity(5);
        pairs.push(("grant_type", "authorization_code"));
        pairs.push(("code", code.secret()));
        if let Some(r) = redirect_uri {
            pairs.push(("redirect_uri", r.as_str()));
        }
        pairs.push(("client_id", self.client_id.as_str()));
        pairs.push(("client_secret", self.client_secret.secret()));
        form_post(self.token_uri(), form_encode(&pairs))
    }

    /// Builds a refresh: the same endpoint with `grant_type=refresh_token`.
    /// Safe to repeat on a transport error or a 5xx.
    ///
    /// ```
    /// # use sentinel_proto::*;
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
            ("client_secret", self.client_secret.secret()),
        ]);
        form_post(self.token_uri(), body)
    }

    fn token_uri(&self) -> String {
        format!("{}/token?v={}", self.account_base(), self.version.as_str())
    }
}

pub(crate) fn non_empty(value: &str, name: &'static str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(InputError::Parameter {
            name,
            reason: "must not be empty",
        }
        .into());
    }
    Ok(())
}

/// The fields of a token answer, borrowed from the body.
#[derive(Deserialize)]
pub(crate) struct RawToken<'a> {
    #[serde(borrow)]
    pub(crate) access_token: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) token_type: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) refresh_token: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) id_token: Option<Field<'a>>,
    #[serde(borrow)]
    pub(crate) expires_in: Option<Field<'a>>,
}

impl<'a> RawToken<'a> {
    /// Parses the body and checks what every token answer shares: a non-empty
    /// `access_token`, `token_type` Bearer in any case when present.
    pub(crate) fn parse(body: &'a [u8]) -> Result<(Self, String), BodyError> {
        // Objects only: derived impls would also read an array, by position.
        let mut raw: RawToken<'a> = serde_json::from_slice::<MapOnly<_>>(body)?.0;
        let access = required(raw.access_token.take(), "access_token")?
            .into_string("access_token")?
            .into_owned();
        if let Some(tt) = raw.token_type.take()
            && !tt.into_string("token_type")?.eq_ignore_ascii_case("bearer")
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

fn optional_string(f: Option<Field<'_>>, name: &'static str) -> Result<Option<String>, BodyError> {
    f.map(|f| f.into_string(name).map(|s| s.into_owned()))
        .transpose()
}

/// Parses the answer to a code exchange or a refresh.
///
/// ```
/// use sentinel_proto::parse_token_response;
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
        let (mut raw, access) = RawToken::parse(body)?;
        let expires_in = raw.expires_in()?;
        Ok(TokenResponse {
            access_token: AccessToken::new(access),
            refresh_token: optional_string(raw.refresh_token.take(), "refresh_token")?
                .map(RefreshToken::new),
            id_token: optional_string(raw.id_token.take(), "id_token")?.map(IdToken::new),
            expires_in,
        })
    };
    parse().map_err(|e| invalid(resp, e))
}
