//! Secret-bearing strings: client secret, tokens, codes, the PKCE verifier.
//!
//! Each is a newtype over [`secrecy::SecretString`]: zeroized on drop, `Debug` prints
//! `[redacted]`, no `Display`, and the value is reached only through `secret()`,
//! so it cannot end up in a log line or an error by accident.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretString};

use crate::error::InputError;

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        secret_type!(@common $(#[$meta])* $name);

        impl $name {
            /// Wraps a value. No validation: the server decides what it accepts.
            pub fn new(value: impl Into<String>) -> Self {
                Self(SecretString::from(value.into()))
            }
        }
    };
    // Everything but the constructor, for types that validate their value.
    (@common $(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// The secret value.
            ///
            /// # Security
            /// Whatever receives this string can leak it: never log it, never put it
            /// in an error message or a URL.
            pub fn secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl PartialEq for $name {
            /// Constant-time comparison, so that comparing secrets leaks no timing.
            fn eq(&self, other: &Self) -> bool {
                crate::ct::eq(self.secret().as_bytes(), other.secret().as_bytes())
            }
        }

        impl Eq for $name {}
    };
}

secret_type!(
    /// The application's client secret, issued at registration.
    ///
    /// ```
    /// use sentinel_proto::ClientSecret;
    /// let s = ClientSecret::new("s3cr3t");
    /// assert_eq!(format!("{s:?}"), "ClientSecret([redacted])");
    /// assert_eq!(s.secret(), "s3cr3t");
    /// ```
    ClientSecret
);
secret_type!(
    /// A user access token from the code exchange or a refresh.
    ///
    /// ```
    /// let t = sentinel_proto::AccessToken::new("at");
    /// assert_eq!(format!("{t:?}"), "AccessToken([redacted])");
    /// ```
    AccessToken
);
secret_type!(
    /// A refresh token. Keep the old one until a refresh has returned a new one.
    ///
    /// ```
    /// let t = sentinel_proto::RefreshToken::new("rt");
    /// assert_eq!(format!("{t:?}"), "RefreshToken([redacted])");
    /// ```
    RefreshToken
);
secret_type!(
    /// An ID token (an RS256 JWT naming the user). Verify it before trusting it.
    ///
    /// ```
    /// let t = sentinel_proto::IdToken::new("a.b.c");
    /// assert_eq!(format!("{t:?}"), "IdToken([redacted])");
    /// ```
    IdToken
);
secret_type!(
    /// An AppJWT: the application token from the client-credentials grant.
    ///
    /// ```
    /// let t = sentinel_proto::AppJwt::new("a.b.c");
    /// assert_eq!(format!("{t:?}"), "AppJwt([redacted])");
    /// ```
    AppJwt
);
secret_type!(
    /// An authorization code from the authorize callback. Single use.
    ///
    /// ```
    /// let c = sentinel_proto::AuthorizationCode::new("code");
    /// assert_eq!(format!("{c:?}"), "AuthorizationCode([redacted])");
    /// ```
    AuthorizationCode
);
secret_type!(
    /// A ConsumerJWS from LivePerson's Identity Provider.
    ///
    /// ```
    /// let t = sentinel_proto::ConsumerJws::new("a.b.c");
    /// assert_eq!(format!("{t:?}"), "ConsumerJws([redacted])");
    /// ```
    ConsumerJws
);
secret_type!(
    @common
    /// A PKCE code verifier (RFC 7636 §4.1): kept by the client between authorize
    /// and the code exchange, sent only in the exchange body. Its S256 challenge
    /// ([`CodeVerifier::challenge`]) is what goes into the authorize URL.
    ///
    /// 43 to 128 characters from the unreserved set `[A-Za-z0-9-._~]`; generated
    /// ones are 32 random bytes in base64url (43 characters, 256 bits), from the
    /// caller's CSPRNG ([`CodeVerifier::from_random_bytes`]) or the operating
    /// system's (`sentinel_client::generate_code_verifier`).
    ///
    /// ```
    /// use sentinel_proto::CodeVerifier;
    /// let v = CodeVerifier::from_random_bytes([9; 32]); // use a CSPRNG's bytes
    /// assert_eq!(v.secret().len(), 43);
    /// assert_eq!(format!("{v:?}"), "CodeVerifier([redacted])");
    /// assert!(CodeVerifier::new("too-short").is_err());
    /// # Ok::<(), sentinel_proto::error::InputError>(())
    /// ```
    CodeVerifier
);

/// Shortest verifier RFC 7636 §4.1 allows.
const MIN_VERIFIER: usize = 43;
/// Longest verifier RFC 7636 §4.1 allows.
const MAX_VERIFIER: usize = 128;

impl CodeVerifier {
    /// A verifier from 32 bytes the caller drew from its own CSPRNG (or a test
    /// seed).
    ///
    /// ```
    /// // RFC 7636 Appendix B.
    /// let v = sentinel_proto::CodeVerifier::from_random_bytes([
    ///     116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186,
    ///     22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    /// ]);
    /// assert_eq!(v.secret(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    /// assert_eq!(v.challenge().as_str(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    /// ```
    pub fn from_random_bytes(mut bytes: [u8; 32]) -> Self {
        let v = Self(SecretString::from(URL_SAFE_NO_PAD.encode(bytes)));
        bytes.zeroize();
        v
    }

    /// A caller-made verifier: 43 to 128 characters of `[A-Za-z0-9-._~]`.
    /// The error never contains the value.
    ///
    /// ```
    /// use sentinel_proto::CodeVerifier;
    /// let v = CodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")?;
    /// assert_eq!(v.challenge().as_str(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    /// assert!(CodeVerifier::new("a".repeat(129)).is_err());
    /// assert!(CodeVerifier::new(format!("{}+", "a".repeat(43))).is_err());
    /// # Ok::<(), sentinel_proto::error::InputError>(())
    /// ```
    pub fn new(value: impl Into<String>) -> Result<Self, InputError> {
        // Wrapped first, so that a refused value is zeroized too.
        let v = Self(SecretString::from(value.into()));
        let s = v.secret();
        if s.len() < MIN_VERIFIER || s.len() > MAX_VERIFIER {
            return Err(InputError::Parameter {
                name: "code_verifier",
                reason: "must be 43 to 128 characters",
            });
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
        {
            return Err(InputError::Parameter {
                name: "code_verifier",
                reason: "must contain only A-Z, a-z, 0-9, '-', '.', '_' and '~'",
            });
        }
        Ok(v)
    }

    /// The S256 challenge of this verifier, for the authorize URL. Needs a
    /// SHA-256: feature `aws-lc-rs`, `ring` or `sha2`.
    #[cfg(any(feature = "aws-lc-rs", feature = "ring", feature = "sha2"))]
    pub fn challenge(&self) -> crate::user::authorize::PkceChallenge {
        crate::user::authorize::PkceChallenge::s256(self)
    }
}
