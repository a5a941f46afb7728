//! Revocation (logout): `POST .../token/revoke`.

use http::{Request, Response};

use crate::error::Error;
use crate::request::non_empty;
use crate::request::{form_encode, form_post};
use crate::response::success_body;
use crate::secret::RefreshToken;
use crate::sentinel::Sentinel;

impl Sentinel {
    /// Builds the revocation of `refresh_token`, which ends the user's session.
    ///
    /// ```
    /// # use sentinel_proto::{*, user::*};
    /// # let s = Sentinel::new(Host::parse("va.sentinel.liveperson.net")?, AccountId::new("123456")?,
    /// #    ClientId::new("cid")?, ClientSecret::new("sec"));
    /// let req = s.revoke_request(&RefreshToken::new("rt"))?;
    /// assert_eq!(req.uri().path(), "/sentinel/api/account/123456/token/revoke");
    /// assert_eq!(req.body(), b"token=rt&client_id=cid&client_secret=sec");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn revoke_request(&self, refresh_token: &RefreshToken) -> Result<Request<Vec<u8>>, Error> {
        non_empty(refresh_token.secret(), "refresh_token")?;
        let body = form_encode(&[
            ("token", refresh_token.secret()),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.secret()?),
        ]);
        let uri = format!(
            "{}/token/revoke?v={}",
            self.account_base(),
            self.version.as_str()
        );
        form_post(uri, body)
    }
}

/// Parses the answer to a revocation: any 2xx is success, whatever its body.
///
/// ```
/// let ok = http::Response::new(Vec::<u8>::new());
/// assert!(sentinel_proto::user::parse_revoke_response(&ok).is_ok());
/// ```
pub fn parse_revoke_response<B: AsRef<[u8]>>(resp: &Response<B>) -> Result<(), Error> {
    success_body(resp).map(|_| ())
}
