//! The PKCE variants of the authorize URL and the code exchange (RFC 7636), kept
//! apart from `mod.rs` so the plain flow reads as before.

use crate::authorize::{PkceChallenge, State};
use crate::error::Error;
use crate::redirect::RedirectUri;
use crate::retry::Operation;
use crate::secret::{AuthorizationCode, CodeVerifier};
use crate::token::{TokenResponse, parse_token_response};

use super::{Client, Transport};

impl<T: Transport> Client<T> {
    /// The authorize URL with a PKCE challenge (the host may need discovery); see
    /// [`Sentinel::authorize_url_pkce`](crate::Sentinel::authorize_url_pkce).
    ///
    /// ```
    /// # use sentinel_proto::*;
    /// # struct Offline;
    /// # impl Transport for Offline {
    /// #     async fn send(&self, _: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error> {
    /// #         unreachable!("the host is configured: nothing is sent")
    /// #     }
    /// #     async fn sleep(&self, _: std::time::Duration) {}
    /// #     fn now(&self) -> UnixTime { UnixTime::from_secs(1_700_000_000) }
    /// #     fn spawn(&self, t: BackgroundTask) { pollster::block_on(t) }
    /// # }
    /// let config = ClientConfig::new(AccountId::new("123456")?, ClientId::new("cid")?,
    ///     ClientSecret::new("sec")).with_sentinel_host(Host::americas());
    /// let client = Client::new(config, Offline);
    /// let verifier = CodeVerifier::generate()?; // keep it for the exchange
    /// let state = State::generate()?;
    /// let url = pollster::block_on(client.authorize_url_pkce(None, &state, &verifier.challenge()))?;
    /// assert!(url.as_str().ends_with(&format!(
    ///     "&code_challenge={}&code_challenge_method=S256", verifier.challenge().as_str())));
    /// assert!(!url.as_str().contains(verifier.secret()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn authorize_url_pkce(
        &self,
        redirect_uri: Option<&RedirectUri>,
        state: &State,
        challenge: &PkceChallenge,
    ) -> Result<url::Url, Error> {
        self.sentinel()
            .await?
            .authorize_url_pkce(redirect_uri, state, challenge)
    }

    /// Exchanges an authorization code obtained with a PKCE challenge, sending its
    /// `code_verifier`. Never retried: a code is single use.
    ///
    /// ```
    /// # use sentinel_proto::*;
    /// # struct Canned;
    /// # impl Transport for Canned {
    /// #     async fn send(&self, r: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error> {
    /// #         let body = String::from_utf8(r.into_body()).unwrap();
    /// #         assert!(body.contains("&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&"));
    /// #         Ok(http::Response::new(br#"{"access_token":"at","token_type":"Bearer"}"#.to_vec()))
    /// #     }
    /// #     async fn sleep(&self, _: std::time::Duration) {}
    /// #     fn now(&self) -> UnixTime { UnixTime::from_secs(1_700_000_000) }
    /// #     fn spawn(&self, t: BackgroundTask) { pollster::block_on(t) }
    /// # }
    /// let config = ClientConfig::new(AccountId::new("123456")?, ClientId::new("cid")?,
    ///     ClientSecret::new("sec")).with_sentinel_host(Host::americas());
    /// let client = Client::new(config, Canned);
    /// let verifier = CodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")?;
    /// let code = AuthorizationCode::new("c0de");
    /// let tokens = pollster::block_on(client.exchange_code_pkce(&code, None, &verifier))?;
    /// assert_eq!(tokens.access_token.secret(), "at");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn exchange_code_pkce(
        &self,
        code: &AuthorizationCode,
        redirect_uri: Option<&RedirectUri>,
        verifier: &CodeVerifier,
    ) -> Result<TokenResponse, Error> {
        let s = self.sentinel().await?;
        self.execute(
            Operation::CodeExchange,
            || s.exchange_code_request_pkce(code, redirect_uri, verifier),
            parse_token_response,
        )
        .await
    }
}
