//! AppJWT: the client-credentials grant, V1 and V2 (protocol reference §3).

use std::time::Duration;

use http::{Request, Response};

use crate::error::{BodyError, Error};
use crate::request::{PreparedRequest, form_encode, form_post};
use crate::response::{invalid, success_body};
use crate::secret::AppJwt;
use crate::sentinel::Sentinel;
use crate::user::token::{Members, RawToken};

/// Which AppJWT endpoint to use.
///
/// V2 has two forms in LivePerson's material (protocol reference §3.2). [`V2`]
/// is the one LivePerson's own shipped clients send (faas-client-node,
/// faas-client-jdk) and the docs page's Postman example; [`V2Path`] is the one
/// written in the text of that page. Both are signed by the JWKS keys.
///
/// [`V2`]: AppJwtVersion::V2
/// [`V2Path`]: AppJwtVersion::V2Path
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AppJwtVersion {
    /// `.../account/{a}/app/token?v=1.0`, signed by LivePerson's one static V1 key.
    #[default]
    V1,
    /// `.../account/{a}/app/token?v=2.0`, signed by rotating keys from the JWKS.
    V2,
    /// `.../api/v2/account/{a}/app/token`: V2 by path rather than by `v=`.
    V2Path,
}

impl AppJwtVersion {
    /// Whether tokens of this endpoint are signed by the JWKS keys (V2, either
    /// form) rather than the one static V1 key.
    pub fn uses_jwks(self) -> bool {
        !matches!(self, AppJwtVersion::V1)
    }
}

/// A successful AppJWT answer. `Debug` redacts the token.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AppTokenResponse {
    /// The AppJWT.
    pub access_token: AppJwt,
    /// `expires_in`, where sent; otherwise use the JWT's `exp`.
    pub expires_in: Option<Duration>,
}

impl Sentinel {
    /// Builds an AppJWT request with the credentials in the form body.
    ///
    /// ```
    /// # use sentinel_proto::{*, app_token::*};
    /// # let s = Sentinel::new(Host::parse("va.sentinel.liveperson.net")?, AccountId::new("123456")?,
    /// #    ClientId::new("cid")?, ClientSecret::new("sec"));
    /// let v1 = s.app_token_request(AppJwtVersion::V1)?;
    /// assert_eq!(v1.uri(), "https://va.sentinel.liveperson.net/sentinel/api/account/123456/app/token?v=1.0");
    /// assert_eq!(v1.body(), b"grant_type=client_credentials&client_id=cid&client_secret=sec");
    /// let v2 = s.app_token_request(AppJwtVersion::V2)?;
    /// assert_eq!(v2.uri(), "https://va.sentinel.liveperson.net/sentinel/api/account/123456/app/token?v=2.0");
    /// let v2_path = s.app_token_request(AppJwtVersion::V2Path)?;
    /// assert_eq!(v2_path.uri(), "https://va.sentinel.liveperson.net/sentinel/api/v2/account/123456/app/token");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn app_token_request(&self, version: AppJwtVersion) -> Result<Request<Vec<u8>>, Error> {
        Ok(self.prepare_app_token_request(version)?.request())
    }

    /// The request of [`Sentinel::app_token_request`], prepared once for a
    /// client that renews its AppJWT for as long as it runs; see
    /// [`PreparedRequest`].
    ///
    /// ```
    /// # use sentinel_proto::{*, app_token::*};
    /// # let s = Sentinel::new(Host::parse("va.sentinel.liveperson.net")?, AccountId::new("123456")?,
    /// #    ClientId::new("cid")?, ClientSecret::new("sec"));
    /// let prepared = s.prepare_app_token_request(AppJwtVersion::V2)?;
    /// assert_eq!(prepared.uri().query(), Some("v=2.0"));
    /// assert_eq!(prepared.request().body(), prepared.request().body());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn prepare_app_token_request(
        &self,
        version: AppJwtVersion,
    ) -> Result<PreparedRequest, Error> {
        let uri = match version {
            AppJwtVersion::V1 => self.account_url("/app/token?v=1.0"),
            AppJwtVersion::V2 => self.account_url("/app/token?v=2.0"),
            AppJwtVersion::V2Path => format!(
                "{}/sentinel/api/v2/account/{}/app/token",
                self.host.base_url(),
                self.account.as_str()
            ),
        };
        PreparedRequest::form_post(uri, form_encode(&self.client_credentials()?))
    }

    /// Builds the legacy V1 AppJWT request with every parameter, the secret
    /// included, in the query string, as older LivePerson pages show it.
    ///
    /// # Security
    /// A secret in a URL ends up in proxy and server logs. Use
    /// [`Sentinel::app_token_request`] unless a server accepts nothing else.
    ///
    /// ```
    /// # use sentinel_proto::{*, app_token::*};
    /// # let s = Sentinel::new(Host::parse("va.sentinel.liveperson.net")?, AccountId::new("123456")?,
    /// #    ClientId::new("cid")?, ClientSecret::new("sec"));
    /// let req = s.app_token_request_legacy_query()?;
    /// assert_eq!(req.uri().query(), Some("v=1.0&grant_type=client_credentials&client_id=cid&client_secret=sec"));
    /// assert!(req.body().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn app_token_request_legacy_query(&self) -> Result<Request<Vec<u8>>, Error> {
        let mut pairs = vec![("v", "1.0")];
        pairs.extend(self.client_credentials()?);
        let uri = format!("{}/app/token?{}", self.account_base(), form_encode(&pairs));
        form_post(uri, String::new())
    }

    fn client_credentials(&self) -> Result<[(&'static str, &str); 3], Error> {
        Ok([
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.secret()?),
        ])
    }
}

/// Parses an AppJWT answer: `{"access_token":"<JWT>","token_type":"Bearer"}`,
/// possibly with `expires_in`.
///
/// ```
/// let resp = http::Response::new(br#"{"access_token":"a.b.c","token_type":"Bearer"}"#.to_vec());
/// let t = sentinel_proto::app_token::parse_app_token_response(&resp)?;
/// assert_eq!(t.access_token.secret(), "a.b.c");
/// assert_eq!(t.expires_in, None);
/// # Ok::<(), sentinel_proto::Error>(())
/// ```
pub fn parse_app_token_response<B: AsRef<[u8]>>(
    resp: &Response<B>,
) -> Result<AppTokenResponse, Error> {
    let body = success_body(resp)?;
    let parse = || -> Result<AppTokenResponse, BodyError> {
        let (mut raw, access) = RawToken::parse(body, Members::AppJwt)?;
        Ok(AppTokenResponse {
            access_token: AppJwt::new(access),
            expires_in: raw.expires_in()?,
        })
    };
    parse().map_err(|e| invalid(resp, e))
}
