//! The JWKS that V2 AppJWTs and ID tokens are verified against.

use http::Request;

use crate::error::Error;
use crate::request::get_json;
use crate::sentinel::Sentinel;

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
