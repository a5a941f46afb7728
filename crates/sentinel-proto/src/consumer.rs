//! ConsumerJWS from LivePerson's Identity Provider (protocol reference §3.4).

use http::{HeaderValue, Method, Request, Response, header};
use serde::{Deserialize, Serialize};

use crate::body_json::{Field, MapOnly, required};
use crate::error::{BodyError, Error, InputError};
use crate::host::Host;
use crate::ids::AccountId;
use crate::request::{USER_AGENT, bad_uri};
use crate::response::{invalid, success_body};
use crate::secret::{AppJwt, ConsumerJws};

/// Longest external consumer id accepted.
const MAX_CONSUMER_ID: usize = 1024;

/// LivePerson's Identity Provider for one account: the host (CSDS service `idp`)
/// and the account its ConsumerJWS requests are for.
///
/// ```
/// use sentinel_proto::{AccountId, AppJwt, Host};
/// use sentinel_proto::consumer::Idp;
/// let idp = Idp::new(Host::parse("va.idp.liveperson.net")?, AccountId::new("123456")?);
/// let req = idp.consumer_jws_request(&AppJwt::new("a.b.c"), "consumer-1")?;
/// assert_eq!(req.uri(), "https://va.idp.liveperson.net/api/account/123456/consumer?v=1.0");
/// assert_eq!(req.headers()["authorization"], "a.b.c");
/// assert_eq!(req.body(), br#"{"ext_consumer_id":"consumer-1"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idp {
    host: Host,
    account: AccountId,
}

impl Idp {
    /// The Identity Provider at `host`, for `account`.
    pub fn new(host: Host, account: AccountId) -> Self {
        Self { host, account }
    }

    /// The host.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The account.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// Builds `POST https://{idp}/api/account/{account}/consumer?v=1.0` with the
    /// AppJWT in `Authorization` (marked sensitive) and `{"ext_consumer_id": ...}`
    /// as the JSON body; parse the answer with [`parse_consumer_jws_response`].
    pub fn consumer_jws_request(
        &self,
        app_jwt: &AppJwt,
        ext_consumer_id: &str,
    ) -> Result<Request<Vec<u8>>, Error> {
        let (idp, account) = (&self.host, &self.account);
        if ext_consumer_id.is_empty() || ext_consumer_id.len() > MAX_CONSUMER_ID {
            return Err(InputError::Parameter {
                name: "ext_consumer_id",
                reason: "must be 1 to 1024 bytes",
            }
            .into());
        }
        #[derive(Serialize)]
        struct Body<'a> {
            ext_consumer_id: &'a str,
        }
        let body =
            serde_json::to_vec(&Body { ext_consumer_id }).map_err(|_| InputError::Parameter {
                name: "ext_consumer_id",
                reason: "cannot be serialised",
            })?;
        let mut auth =
            HeaderValue::from_str(app_jwt.secret()).map_err(|_| InputError::Parameter {
                name: "app_jwt",
                reason: "is not a valid header value",
            })?;
        auth.set_sensitive(true);
        Request::builder()
            .method(Method::POST)
            .uri(format!(
                "{}/api/account/{}/consumer?v=1.0",
                idp.base_url(),
                account.as_str()
            ))
            .header(header::AUTHORIZATION, auth)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .header(header::USER_AGENT, USER_AGENT)
            .body(body)
            .map_err(|_| bad_uri())
    }
}

/// Parses `{"token":"<ConsumerJWS>"}`.
///
/// ```
/// let resp = http::Response::new(br#"{"token":"x.y.z"}"#.to_vec());
/// assert_eq!(sentinel_proto::consumer::parse_consumer_jws_response(&resp)?.secret(), "x.y.z");
/// # Ok::<(), sentinel_proto::Error>(())
/// ```
pub fn parse_consumer_jws_response<B: AsRef<[u8]>>(
    resp: &Response<B>,
) -> Result<ConsumerJws, Error> {
    #[derive(Deserialize)]
    struct Body<'a> {
        #[serde(borrow)]
        token: Option<Field<'a>>,
    }
    let body = success_body(resp)?;
    let parse = || -> Result<ConsumerJws, BodyError> {
        let b: Body<'_> = serde_json::from_slice::<MapOnly<_>>(body)?.0;
        Ok(ConsumerJws::new(
            required(b.token, "token")?
                .into_string("token")?
                .into_owned(),
        ))
    };
    parse().map_err(|e| invalid(resp, e))
}
