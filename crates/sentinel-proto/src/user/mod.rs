//! A person's login (RFC 6749 §4.1): the authorize URL and the callback that comes
//! back, the code exchange (with PKCE, RFC 7636, as an option), refresh and revoke.
//! The request builders are methods of [`Sentinel`](crate::Sentinel); the answers
//! are read by the functions here.

pub(crate) mod authorize;
pub(crate) mod redirect;
pub(crate) mod revoke;
pub(crate) mod token;

pub use authorize::{CallbackError, PkceChallenge, State, parse_callback};
pub use redirect::RedirectUri;
pub use revoke::parse_revoke_response;
pub use token::{TokenResponse, parse_token_response};
