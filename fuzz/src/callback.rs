//! Authorize callback URLs from structured input, and what `parse_callback` must
//! guarantee about them.

use arbitrary::Arbitrary;
use sentinel_proto::{
    AuthorizationCode,
    user::{CallbackError, State},
};

use crate::{MARKER, has_marker, shown};

/// The state the callback target expects. It holds `+`, `/` and `=`, which must
/// be percent-encoded to come back intact.
pub const EXPECTED_STATE: &str = "Fz+st/te=0123456789abcdef";

pub fn expected_state() -> State {
    State::new(EXPECTED_STATE).expect("a valid state")
}

#[derive(Arbitrary, Clone, Debug)]
pub enum Prefix {
    Https,
    Localhost,
    Relative,
    Custom(String),
}

#[derive(Arbitrary, Clone, Debug)]
pub enum PKey {
    Code,
    State,
    Error,
    ErrorDescription,
    ErrorUri,
    Other(String),
}

#[derive(Arbitrary, Clone, Debug)]
pub enum PValue {
    /// The expected state.
    Expected,
    /// The expected state with a change at a position.
    Altered(u8, char),
    /// [`MARKER`] and text: a code that must not leak.
    Secret(String),
    AccessDenied,
    Text(String),
}

/// A callback URL: raw text, or a prefix and query parameters.
#[derive(Arbitrary, Clone, Debug)]
pub enum Callback {
    Raw(String),
    Built {
        prefix: Prefix,
        /// Each parameter, and whether to percent-encode it.
        params: Vec<(PKey, PValue, bool)>,
        fragment: Option<String>,
    },
}

impl Callback {
    pub fn text(&self) -> String {
        let (prefix, params, fragment) = match self {
            Callback::Raw(s) => return s.clone(),
            Callback::Built {
                prefix,
                params,
                fragment,
            } => (prefix, params, fragment),
        };
        let mut out = match prefix {
            Prefix::Https => "https://app.example/cb".to_owned(),
            Prefix::Localhost => "http://localhost:8080/callback".to_owned(),
            Prefix::Relative => "/cb".to_owned(),
            Prefix::Custom(s) => s.clone(),
        };
        for (i, (k, v, encode)) in params.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            let k = match k {
                PKey::Code => "code",
                PKey::State => "state",
                PKey::Error => "error",
                PKey::ErrorDescription => "error_description",
                PKey::ErrorUri => "error_uri",
                PKey::Other(s) => s,
            };
            let v = match v {
                PValue::Expected => EXPECTED_STATE.to_owned(),
                PValue::Altered(at, c) => {
                    let mut s: Vec<char> = EXPECTED_STATE.chars().collect();
                    let i = usize::from(*at) % (s.len() + 1);
                    if i == s.len() {
                        s.push(*c);
                    } else {
                        s[i] = *c;
                    }
                    s.into_iter().collect()
                }
                PValue::Secret(s) => format!("{MARKER}{s}"),
                PValue::AccessDenied => "access_denied".to_owned(),
                PValue::Text(s) => s.clone(),
            };
            if *encode {
                out.extend(url::form_urlencoded::byte_serialize(k.as_bytes()));
                out.push('=');
                out.extend(url::form_urlencoded::byte_serialize(v.as_bytes()));
            } else {
                out.push_str(&k);
                out.push('=');
                out.push_str(&v);
            }
        }
        if let Some(f) = fragment {
            out.push('#');
            out.push_str(f);
        }
        out
    }
}

/// The query pairs of `callback` as a browser (and `parse_callback`) reads them,
/// or `None` if it is not a URL.
fn pairs(callback: &str) -> Option<Vec<(String, String)>> {
    let url = match url::Url::parse(callback) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => url::Url::parse("http://localhost/")
            .ok()?
            .join(callback)
            .ok()?,
        Err(_) => return None,
    };
    Some(url.query_pairs().into_owned().collect())
}

/// Checks the result of `parse_callback(callback, &expected_state())`.
pub fn check(callback: &str, result: &Result<AuthorizationCode, CallbackError>) {
    let pairs = pairs(callback);
    let values = |name: &str| -> Vec<&str> {
        pairs
            .iter()
            .flatten()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    match result {
        Ok(code) => {
            assert!(callback.len() <= 16 * 1024);
            // Exactly one state, the expected one; exactly one code, this one; no error.
            assert_eq!(values("state"), [EXPECTED_STATE], "{callback:?}");
            assert_eq!(values("code"), [code.secret()], "{callback:?}");
            assert!(!code.secret().is_empty());
            assert!(values("error").is_empty());
            assert!(values("error_description").len() <= 1 && values("error_uri").len() <= 1);
            assert!(!has_marker(&format!("{code:?}")));
        }
        Err(e) => {
            match e {
                CallbackError::InvalidUrl => {
                    assert!(pairs.is_none() || callback.len() > 16 * 1024)
                }
                CallbackError::MissingState => assert!(values("state").is_empty()),
                CallbackError::StateMismatch => {
                    let s = values("state");
                    assert!(s.len() == 1 && s[0] != EXPECTED_STATE, "{callback:?}");
                }
                CallbackError::Duplicate(name) => assert!(values(name).len() >= 2),
                CallbackError::MissingCode => {
                    assert_eq!(values("state"), [EXPECTED_STATE]);
                    assert!(values("code").first().is_none_or(|c| c.is_empty()));
                }
                CallbackError::Authorization(oauth) => {
                    assert_eq!(values("error").len(), 1);
                    assert!(values("state").iter().all(|s| *s == EXPECTED_STATE));
                    crate::checks::check_oauth_error(oauth);
                }
                other => panic!("unknown callback error {other:?}"),
            }
            // The code never shows in an error, unless the same text came back in
            // another parameter (an error description may say anything).
            // (Seen as the error shows it: control characters removed.)
            let clean = |s: &str| s.chars().filter(|c| !c.is_control()).collect::<String>();
            let elsewhere = pairs
                .iter()
                .flatten()
                .any(|(k, v)| k != "code" && (has_marker(k) || has_marker(&clean(v))));
            if !elsewhere {
                assert!(!has_marker(&shown(e)), "{e:?}");
            }
        }
    }
}
