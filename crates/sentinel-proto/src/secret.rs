//! Secret-bearing strings: client secret, tokens, codes.
//!
//! Each is a newtype over [`secrecy::SecretString`]: zeroized on drop, `Debug` prints
//! `[redacted]`, no `Display`, and the value is reached only through `secret()`,
//! so it cannot end up in a log line or an error by accident.

use secrecy::{ExposeSecret, SecretString};

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps a value. No validation: the server decides what it accepts.
            pub fn new(value: impl Into<String>) -> Self {
                Self(SecretString::from(value.into()))
            }

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
