//! The JWKS that V2 AppJWTs and ID tokens are verified against.

use http::Request;

use crate::error::Error;
use crate::request::get_json;
use crate::sentinel::Sentinel;

/// Parses a JWKS answer into the RSA signing keys it holds (other keys skipped).
///
/// ```
/// let resp = http::Response::new(br#"{"keys":[]}"#.to_vec());
/// let keys = sentinel_proto::jwt::parse_jwks_response(&resp)?;
/// assert!(keys.is_empty());
/// # Ok::<(), sentinel_proto::Error>(())
/// ```
pub fn parse_jwks_response<B: AsRef<[u8]>>(
    resp: &http::Response<B>,
) -> Result<crate::jwt::KeySet, Error> {
    let body = crate::response::success_body(resp)?;
    Ok(crate::jwt::KeySet::from_jwks(body)?)
}

impl Sentinel {
    /// Builds `GET {host}/sentinel/well-known/jwks`.
    ///
    /// ```
    /// # use sentinel_proto::*;
    /// # let s = Sentinel::new(Host::parse("va.sentinel.liveperson.net")?, AccountId::new("123456")?,
    /// #    ClientId::new("cid")?, ClientSecret::new("sec"));
    /// let req = s.jwks_request()?;
    /// assert_eq!(req.uri(), "https://va.sentinel.liveperson.net/sentinel/well-known/jwks");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn jwks_request(&self) -> Result<Request<Vec<u8>>, Error> {
        get_json(format!("{}/sentinel/well-known/jwks", self.host.base_url()))
    }
}
