//! The PKCE variants of the authorize URL and the code exchange (RFC 7636), kept
//! apart from `mod.rs` so the plain flow reads as before.

use sentinel_proto::Error;
use sentinel_proto::policy::Operation;
use sentinel_proto::user::RedirectUri;
use sentinel_proto::user::{PkceChallenge, State};
use sentinel_proto::user::{TokenResponse, parse_token_response};
use sentinel_proto::{AuthorizationCode, CodeVerifier};

use crate::client::Client;
use crate::runtime::{HttpClient, Runtime};

impl<H: HttpClient, R: Runtime> Client<H, R> {
    /// The authorize URL with a PKCE challenge (the host may need discovery); see
    /// [`Sentinel::authorize_url_pkce`](sentinel_proto::Sentinel::authorize_url_pkce).
    ///
    /// ```
    /// use sentinel_client::{Client, ClientConfig, ThreadRuntime};
    /// use sentinel_proto::{AccountId, ClientId, ClientSecret, Host};
    /// # use sentinel_proto::error::TransportError;
    /// let offline = |_: http::Request<Vec<u8>>| async {
    ///     Err::<http::Response<Vec<u8>>, _>(TransportError::new(
    ///         sentinel_proto::error::TransportErrorKind::Connect, "the host is configured: nothing is sent"))
    /// };
    /// let config = ClientConfig::new(AccountId::new("123456")?, ClientId::new("cid")?,
    ///     ClientSecret::new("sec")).with_sentinel_host(Host::americas());
    /// let client = Client::new(config, offline, ThreadRuntime);
    /// let verifier = sentinel_client::generate_code_verifier()?; // keep it for the exchange
    /// let state = sentinel_client::generate_state()?;
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
    /// use sentinel_client::{Client, ClientConfig, ThreadRuntime};
    /// use sentinel_proto::{AccountId, AuthorizationCode, ClientId, ClientSecret, CodeVerifier, Host};
    /// # use sentinel_proto::error::TransportError;
    /// let canned = |r: http::Request<Vec<u8>>| async move {
    ///     let body = String::from_utf8(r.into_body()).unwrap();
    ///     assert!(body.contains("&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&"));
    ///     Ok::<_, TransportError>(http::Response::new(
    ///         br#"{"access_token":"at","token_type":"Bearer"}"#.to_vec()))
    /// };
    /// let config = ClientConfig::new(AccountId::new("123456")?, ClientId::new("cid")?,
    ///     ClientSecret::new("sec")).with_sentinel_host(Host::americas());
    /// let client = Client::new(config, canned, ThreadRuntime);
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
