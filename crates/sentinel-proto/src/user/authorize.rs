//! The authorize step: the URL the browser goes to, the CSRF state, the optional
//! PKCE challenge (RFC 7636), and the callback that comes back
//! (RFC 6749 §4.1.1-4.1.2).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{Error, InputError};
use crate::oauth_error::OAuthError;
use crate::secret::AuthorizationCode;
use crate::sentinel::Sentinel;
use crate::user::redirect::RedirectUri;

/// Shortest caller-supplied state accepted: below this it is guessable.
const MIN_STATE: usize = 16;
/// Longest state accepted.
const MAX_STATE: usize = 512;
/// Longest callback URL parsed.
const MAX_CALLBACK: usize = 16 * 1024;

/// The opaque CSRF value sent to authorize and checked on the callback.
///
/// This crate draws no randomness: make one from 32 bytes of a CSPRNG
/// ([`State::from_random_bytes`]), or let `sentinel_client::generate_state` draw
/// them from the operating system.
///
/// ```
/// use sentinel_proto::user::State;
/// let s = State::from_random_bytes([7; 32]); // use a CSPRNG's bytes
/// assert_eq!(s.as_str().len(), 43); // 256 bits, base64url
/// assert_eq!(format!("{s:?}"), "State([redacted])");
/// ```
#[derive(Clone)]
pub struct State(String);

impl State {
    /// A state from 32 bytes the caller drew from its own CSPRNG (or a test seed).
    pub fn from_random_bytes(bytes: [u8; 32]) -> Self {
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A caller-made state: 16 to 512 printable ASCII characters.
    pub fn new(value: impl Into<String>) -> Result<Self, InputError> {
        let value = value.into();
        if value.len() < MIN_STATE || value.len() > MAX_STATE {
            return Err(InputError::State("must be 16 to 512 characters"));
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InputError::State("must be printable ASCII without spaces"));
        }
        Ok(Self(value))
    }

    /// The value, as it goes into the authorize URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compares in constant time.
    pub fn matches(&self, other: &str) -> bool {
        crate::ct::eq(self.0.as_bytes(), other.as_bytes())
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("State([redacted])")
    }
}

/// A PKCE code challenge (RFC 7636 §4.2), method S256:
/// `BASE64URL(SHA256(ASCII(code_verifier)))`. The `plain` method is not offered.
///
/// The challenge is public (it goes into the authorize URL); the verifier it is
/// made from is not, and cannot be recovered from it.
///
/// ```
/// use sentinel_proto::{CodeVerifier, user::PkceChallenge};
/// let verifier = CodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")?;
/// let challenge = PkceChallenge::s256(&verifier);
/// assert_eq!(challenge.as_str(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
/// assert_eq!(challenge.method(), "S256");
/// # Ok::<(), sentinel_proto::error::InputError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkceChallenge(String);

impl PkceChallenge {
    /// The S256 challenge of `verifier`. Needs a SHA-256: feature `aws-lc-rs`,
    /// `ring` or `sha2`.
    #[cfg(any(feature = "aws-lc-rs", feature = "ring", feature = "sha2"))]
    pub fn s256(verifier: &crate::secret::CodeVerifier) -> Self {
        let digest = crate::sha256::sha256(verifier.secret().as_bytes());
        Self(URL_SAFE_NO_PAD.encode(digest))
    }

    /// The `code_challenge` value (43 characters).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `code_challenge_method`: always `S256`.
    pub fn method(&self) -> &'static str {
        "S256"
    }
}

impl Sentinel {
    /// The URL to send the user's browser to. Never fetched by the client.
    ///
    /// ```
    /// # use sentinel_proto::{*, user::*};
    /// # let s = Sentinel::new(Host::parse("va.sentinel.liveperson.net")?, AccountId::new("123456")?,
    /// #    ClientId::new("cid")?, ClientSecret::new("sec"));
    /// let state = State::new("0123456789abcdef")?;
    /// let url = s.authorize_url(Some(&RedirectUri::new("https://app.example/cb")?), &state)?;
    /// assert_eq!(url.as_str(), "https://va.sentinel.liveperson.net/sentinel/api/account/123456/authorize\
    ///     ?v=1.0&response_type=code&client_id=cid&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=0123456789abcdef");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn authorize_url(
        &self,
        redirect_uri: Option<&RedirectUri>,
        state: &State,
    ) -> Result<url::Url, Error> {
        self.authorize_url_with(redirect_uri, state, None)
    }

    /// The authorize URL with a PKCE challenge (RFC 7636 §4.3): `code_challenge`
    /// and `code_challenge_method=S256` after `state`. Keep the verifier for
    /// [`Sentinel::exchange_code_request_pkce`]; it never goes into the URL.
    ///
    /// Sentinel's documentation does not mention PKCE: use this only with a
    /// deployment known to check it (a server that ignores the parameters still
    /// works, without the protection).
    ///
    /// ```
    /// # use sentinel_proto::{*, user::*};
    /// # let s = Sentinel::new(Host::parse("va.sentinel.liveperson.net")?, AccountId::new("123456")?,
    /// #    ClientId::new("cid")?, ClientSecret::new("sec"));
    /// let state = State::new("0123456789abcdef")?;
    /// let verifier = CodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")?;
    /// let url = s.authorize_url_pkce(None, &state, &verifier.challenge())?;
    /// assert_eq!(url.as_str(), "https://va.sentinel.liveperson.net/sentinel/api/account/123456/authorize\
    ///     ?v=1.0&response_type=code&client_id=cid&state=0123456789abcdef\
    ///     &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn authorize_url_pkce(
        &self,
        redirect_uri: Option<&RedirectUri>,
        state: &State,
        challenge: &PkceChallenge,
    ) -> Result<url::Url, Error> {
        self.authorize_url_with(redirect_uri, state, Some(challenge))
    }

    fn authorize_url_with(
        &self,
        redirect_uri: Option<&RedirectUri>,
        state: &State,
        challenge: Option<&PkceChallenge>,
    ) -> Result<url::Url, Error> {
        let mut pairs = vec![
            ("v", self.version.as_str()),
            ("response_type", "code"),
            ("client_id", self.client_id.as_str()),
        ];
        if let Some(r) = redirect_uri {
            pairs.push(("redirect_uri", r.as_str()));
        }
        pairs.push(("state", state.as_str()));
        if let Some(c) = challenge {
            pairs.push(("code_challenge", c.as_str()));
            pairs.push(("code_challenge_method", c.method()));
        }
        let s = format!(
            "{}/authorize?{}",
            self.account_base(),
            crate::request::form_encode(&pairs)
        );
        url::Url::parse(&s).map_err(|_| crate::request::bad_uri())
    }
}

/// What was wrong with an authorize callback. Never holds the code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The callback is not a URL (or is too long).
    #[error("the callback is not a valid URL")]
    InvalidUrl,
    /// The authorization server refused: `error` (and `error_description`).
    #[error("authorization failed: {0}")]
    Authorization(OAuthError),
    /// No `state` came back.
    #[error("the callback has no state")]
    MissingState,
    /// The `state` is not the one sent: a possible CSRF attack.
    #[error("the callback's state does not match the one sent")]
    StateMismatch,
    /// No `code` came back.
    #[error("the callback has neither a code nor an error")]
    MissingCode,
    /// A parameter appears more than once.
    #[error("the callback repeats the parameter `{0}`")]
    Duplicate(&'static str),
}

/// Parses the redirect back from authorize: the full URL (or just its path and
/// query), checks `state` in constant time, and returns the code or the error.
///
/// An error callback without `state` is still reported as the server's error, since
/// Sentinel sends none there; a `state` that is present must match.
///
/// ```
/// use sentinel_proto::user::{CallbackError, parse_callback, State};
/// let state = State::new("0123456789abcdef")?;
/// let code = parse_callback("https://app.example/cb?code=abc&state=0123456789abcdef", &state)?;
/// assert_eq!(code.secret(), "abc");
///
/// let err = parse_callback("https://app.example/cb?code=abc&state=forged-state-value", &state);
/// assert_eq!(err.unwrap_err(), CallbackError::StateMismatch);
///
/// let denied = parse_callback("/cb?error=access_denied&error_description=no", &state);
/// assert!(matches!(denied, Err(CallbackError::Authorization(_))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_callback(
    callback: &str,
    expected: &State,
) -> Result<AuthorizationCode, CallbackError> {
    if callback.len() > MAX_CALLBACK {
        return Err(CallbackError::InvalidUrl);
    }
    let url = match url::Url::parse(callback) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => url::Url::parse("http://localhost/")
            .and_then(|base| base.join(callback))
            .map_err(|_| CallbackError::InvalidUrl)?,
        Err(_) => return Err(CallbackError::InvalidUrl),
    };
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = None;
    let mut uri = None;
    for (k, v) in url.query_pairs() {
        let (slot, name) = match k.as_ref() {
            "code" => (&mut code, "code"),
            "state" => (&mut state, "state"),
            "error" => (&mut error, "error"),
            "error_description" => (&mut description, "error_description"),
            "error_uri" => (&mut uri, "error_uri"),
            _ => continue,
        };
        if slot.replace(v).is_some() {
            return Err(CallbackError::Duplicate(name));
        }
    }
    if let Some(s) = &state
        && !expected.matches(s)
    {
        return Err(CallbackError::StateMismatch);
    }
    if let Some(e) = error {
        let e = OAuthError::new(&e, description.as_deref(), uri.as_deref())
            .or_else(|| OAuthError::new("invalid_request", Some("malformed error code"), None))
            .ok_or(CallbackError::InvalidUrl)?;
        // The callback's own secrets are all the description could echo.
        let mut redactor = crate::redact::Redactor::new().with_secret(expected.as_str());
        if let Some(c) = &code {
            redactor.add(c);
        }
        return Err(CallbackError::Authorization(e.redact(&redactor)));
    }
    if state.is_none() {
        return Err(CallbackError::MissingState);
    }
    match code {
        Some(c) if !c.is_empty() => Ok(AuthorizationCode::new(c.into_owned())),
        _ => Err(CallbackError::MissingCode),
    }
}
