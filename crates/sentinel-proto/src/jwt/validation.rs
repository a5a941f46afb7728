//! What a verified token must satisfy: allowed algorithms, registered claims
//! (`exp`, `nbf`, `iat`, `iss`, `aud`), leeway and the size cap.

use std::borrow::Cow;
use std::time::Duration;

use serde::Deserialize;

use super::alg::{Algorithm, AlgorithmSet};
use super::decode::DEFAULT_MAX_TOKEN_LEN;
use super::error::{JwtError, Part, echo};
use super::flat::Scalar;
use super::jose_json::{AudClaim, DateClaim, MapOnly, StrClaim};
use super::members::Members;
use crate::UnixTime;

/// `iss` of Sentinel's AppJWTs (capital S).
pub const APP_JWT_ISSUER: &str = "Sentinel";

/// `iss` of Sentinel's ID tokens as the token-request page and its sample give it
/// (lowercase).
pub const ID_TOKEN_ISSUER: &str = "sentinel";

/// The `iss` values accepted in ID tokens unless the caller pins one: LivePerson's
/// pages disagree (one version says `sentinel` and its sample carries it, another
/// says `Sentinel`, with a sample bearing the very same signature bytes, so one
/// of the two was edited by hand), and a verifier that guesses wrong rejects every
/// real login. Exactly these two spellings, compared exactly; nothing else.
pub const ID_TOKEN_ISSUERS: [&str; 2] = ["sentinel", "Sentinel"];

/// Prefix of the `aud` of Sentinel's AppJWTs: `le` and the account id, e.g.
/// `le123456` for account `123456` (see [`app_jwt_audience`]).
pub const APP_JWT_AUDIENCE_PREFIX: &str = "le";

/// The `aud` Sentinel puts in the AppJWTs of `account`: `le{account}`.
///
/// ```
/// assert_eq!(sentinel_proto::jwt::app_jwt_audience("123456"), "le123456");
/// ```
pub fn app_jwt_audience(account: &str) -> String {
    format!("{APP_JWT_AUDIENCE_PREFIX}{account}")
}

/// Default clock-skew allowance for `exp`, `nbf` and `iat` (60 s).
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// The rules a token must satisfy, besides its signature.
///
/// Defaults ([`Validation::new`]): RS256 only, leeway 60 s, `exp` required,
/// `nbf`/`iat` checked when present, `iss`/`aud`/`azp` not checked, 16 KiB size
/// cap. The presets [`app_jwt`](Self::app_jwt) and [`id_token`](Self::id_token)
/// add the issuer (and audience) Sentinel uses; [`app_jwt_for`](Self::app_jwt_for)
/// also pins an AppJWT to one account (`aud`) and one application (`azp`).
///
/// Time semantics (RFC 7519 §4.1): a token is expired when `now >= exp + leeway`,
/// not yet valid when `now + leeway < nbf`, or when `now + leeway < iat` (issued in
/// the future). `aud`, when checked, may be a string or an array and must contain
/// one of the expected values (RFC 7519 §4.1.3). `azp`, when checked, must be a
/// string equal to the expected client id. When no audience (authorized party) is
/// configured, `aud` (`azp`) is not looked at.
///
/// ```
/// use sentinel_proto::UnixTime;
/// use sentinel_proto::jwt::{Claims, JwtError, KeySet, Validation, verify};
/// let v = Validation::app_jwt_for("123456", "my-client-id");
/// assert_eq!(v.audiences(), ["le123456"]);
/// assert_eq!(v.authorized_party(), Some("my-client-id"));
/// // Claims are checked after the signature: an unsigned token never gets there.
/// let forged = "eyJhbGciOiJub25lIn0.eyJhdWQiOiJsZTk5OTk5OSJ9.";
/// let now = UnixTime::from_secs(1_700_000_000);
/// let err = verify::<Claims>(forged, &KeySet::liveperson_v1(), &v, now).unwrap_err();
/// assert_eq!(err, JwtError::AlgNone);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validation {
    algorithms: AlgorithmSet,
    leeway: Duration,
    /// Accepted `iss` values; empty: not checked.
    issuers: Vec<String>,
    audiences: Vec<String>,
    authorized_party: Option<String>,
    max_token_len: usize,
}

impl Default for Validation {
    fn default() -> Self {
        Self::new()
    }
}

impl Validation {
    /// RS256 only, leeway 60 s, `exp` required, no issuer or audience check.
    pub fn new() -> Self {
        Self {
            algorithms: AlgorithmSet::RS256,
            leeway: DEFAULT_LEEWAY,
            issuers: Vec::new(),
            audiences: Vec::new(),
            authorized_party: None,
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
        }
    }

    /// For Sentinel AppJWTs: as [`new`](Self::new), and `iss` must be
    /// [`APP_JWT_ISSUER`] (`"Sentinel"`).
    pub fn app_jwt() -> Self {
        Self::new().with_issuer(APP_JWT_ISSUER)
    }

    /// For the Sentinel AppJWTs of one tenant: as [`app_jwt`](Self::app_jwt), and
    /// `aud` must contain `le{account}` ([`app_jwt_audience`]) and `azp` must be
    /// `client_id`. A token of another account or application is rejected with
    /// [`JwtError::WrongAudience`] or [`JwtError::WrongAuthorizedParty`].
    pub fn app_jwt_for(account: &str, client_id: impl Into<String>) -> Self {
        Self::app_jwt()
            .with_audience(app_jwt_audience(account))
            .with_authorized_party(client_id)
    }

    /// For Sentinel ID tokens: as [`new`](Self::new), `iss` must be one of
    /// [`ID_TOKEN_ISSUERS`] (`"sentinel"` or `"Sentinel"`, see there why both) and
    /// `aud` must contain `client_id`. Pin one with [`with_issuer`](Self::with_issuer).
    ///
    /// ```
    /// use sentinel_proto::jwt::Validation;
    /// let v = Validation::id_token("cid");
    /// assert_eq!(v.issuers(), ["sentinel", "Sentinel"]);
    /// assert_eq!(v.with_issuer("sentinel").issuers(), ["sentinel"]);
    /// ```
    pub fn id_token(client_id: impl Into<String>) -> Self {
        Self::new()
            .with_issuers(ID_TOKEN_ISSUERS)
            .with_audience(client_id)
    }

    /// Requires `iss` to equal `issuer` (case-sensitive), and nothing else.
    #[must_use]
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuers = vec![issuer.into()];
        self
    }

    /// Requires `iss` to equal one of `issuers` (each case-sensitive).
    #[must_use]
    pub fn with_issuers<I, S>(mut self, issuers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.issuers = issuers.into_iter().map(Into::into).collect();
        self
    }

    /// Adds `audience` to the accepted audiences; once any is set, `aud` is
    /// required and must contain one of them.
    #[must_use]
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Requires `azp` (authorized party: the client the token was issued to,
    /// OpenID Connect Core 1.0 §2; Sentinel's AppJWTs carry it, reference §3.3) to
    /// be a string equal to `client_id` (case-sensitive); a token without one is
    /// rejected.
    ///
    /// ```
    /// use sentinel_proto::jwt::Validation;
    /// let v = Validation::app_jwt().with_authorized_party("my-client-id");
    /// assert_eq!(v.authorized_party(), Some("my-client-id"));
    /// assert!(Validation::app_jwt().authorized_party().is_none());
    /// ```
    #[must_use]
    pub fn with_authorized_party(mut self, client_id: impl Into<String>) -> Self {
        self.authorized_party = Some(client_id.into());
        self
    }

    /// Sets the clock-skew allowance (whole seconds; default 60 s).
    #[must_use]
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Replaces the allowed algorithms.
    #[must_use]
    pub fn with_algorithms(mut self, algorithms: AlgorithmSet) -> Self {
        self.algorithms = algorithms;
        self
    }

    /// Also allows `alg` (e.g. [`Algorithm::Rs512`]).
    #[must_use]
    pub fn allow(mut self, alg: Algorithm) -> Self {
        self.algorithms = self.algorithms.with(alg);
        self
    }

    /// Sets the token size cap in bytes (default
    /// [`DEFAULT_MAX_TOKEN_LEN`](super::DEFAULT_MAX_TOKEN_LEN)).
    #[must_use]
    pub fn with_max_token_len(mut self, max: usize) -> Self {
        self.max_token_len = max;
        self
    }

    /// The allowed algorithms.
    pub fn algorithms(&self) -> AlgorithmSet {
        self.algorithms
    }

    /// The clock-skew allowance.
    pub fn leeway(&self) -> Duration {
        self.leeway
    }

    /// The required issuer, when exactly one is.
    pub fn issuer(&self) -> Option<&str> {
        match self.issuers.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// The accepted issuers (empty: `iss` not checked).
    pub fn issuers(&self) -> &[String] {
        &self.issuers
    }

    /// The accepted audiences (empty: `aud` not checked).
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// The required `azp`, if any.
    pub fn authorized_party(&self) -> Option<&str> {
        self.authorized_party.as_deref()
    }

    /// The token size cap in bytes.
    pub fn max_token_len(&self) -> usize {
        self.max_token_len
    }

    /// Checks the registered claims in `claims` (a decoded, UTF-8 payload) at
    /// `now`; `members`: the payload's, when it was scanned as flat.
    pub(crate) fn check_claims(
        &self,
        claims: &str,
        members: Option<&Members<'_>>,
        now: UnixTime,
    ) -> Result<(), JwtError> {
        let reg = match members.and_then(Registered::flat) {
            Some(reg) => reg,
            None => {
                serde_json::from_str::<MapOnly<Registered<'_>>>(claims)
                    .map_err(|e| JwtError::json(Part::Claims, &e))?
                    .0
            }
        };
        let exp = date(reg.exp, "exp")?.ok_or_else(|| missing("exp"))?;
        let nbf = date(reg.nbf, "nbf")?;
        let iat = date(reg.iat, "iat")?;
        let now_s = now.as_secs();
        let leeway = self.leeway.as_secs();
        if now_s >= exp.saturating_add(leeway) {
            return Err(JwtError::Expired { exp, now: now_s });
        }
        let skewed_now = now_s.saturating_add(leeway);
        for (claim, at) in [("nbf", nbf), ("iat", iat)] {
            if let Some(at) = at
                && skewed_now < at
            {
                return Err(JwtError::NotYetValid {
                    claim,
                    at,
                    now: now_s,
                });
            }
        }
        if !self.issuers.is_empty() {
            match reg.iss {
                StrClaim::Absent => return Err(missing("iss")),
                StrClaim::Invalid => return Err(invalid("iss")),
                StrClaim::Str(found) if !self.issuers.iter().any(|i| *i == found) => {
                    return Err(JwtError::WrongIssuer {
                        expected: self.issuers.join(" or "),
                        found: echo(&found),
                    });
                }
                StrClaim::Str(_) => {}
            }
        }
        if !self.audiences.is_empty() {
            let found: &[Cow<'_, str>] = match &reg.aud {
                AudClaim::Absent => return Err(missing("aud")),
                AudClaim::Invalid => return Err(invalid("aud")),
                AudClaim::One(one) => std::slice::from_ref(one),
                AudClaim::Many(many) => many,
            };
            if !found.iter().any(|f| self.audiences.iter().any(|a| a == f)) {
                return Err(JwtError::WrongAudience {
                    expected: self.audiences.clone(),
                    found: found.iter().take(4).map(|f| echo(f)).collect(),
                });
            }
        }
        if let Some(expected) = &self.authorized_party {
            match reg.azp {
                StrClaim::Absent => return Err(missing("azp")),
                StrClaim::Invalid => return Err(invalid("azp")),
                StrClaim::Str(found) if found != expected.as_str() => {
                    return Err(JwtError::WrongAuthorizedParty {
                        expected: expected.clone(),
                        found: echo(&found),
                    });
                }
                StrClaim::Str(_) => {}
            }
        }
        Ok(())
    }
}

/// The registered claims the verifier checks, borrowed from the payload; other
/// members are skipped without being stored.
#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct Registered<'a> {
    #[serde(default)]
    exp: DateClaim,
    #[serde(default)]
    nbf: DateClaim,
    #[serde(default)]
    iat: DateClaim,
    #[serde(default, borrow)]
    iss: StrClaim<'a>,
    #[serde(default, borrow)]
    aud: AudClaim<'a>,
    #[serde(default, borrow)]
    azp: StrClaim<'a>,
}

impl<'a> Registered<'a> {
    /// What serde reads from a flat claims set whose registered claims are
    /// integers and plain strings; `None`: serde decides.
    fn flat(claims: &Members<'a>) -> Option<Self> {
        let mut r = Registered::default();
        let mut seen = 0u8;
        for (key, value) in claims.iter() {
            // All six are three bytes long: compared as such, not as strings.
            let &[a, b, c] = key.as_bytes() else {
                continue;
            };
            let bit = match [a, b, c] {
                [b'e', b'x', b'p'] => 1,
                [b'n', b'b', b'f'] => 2,
                [b'i', b'a', b't'] => 4,
                [b'i', b's', b's'] => 8,
                [b'a', b'u', b'd'] => 16,
                [b'a', b'z', b'p'] => 32,
                _ => continue,
            };
            // A duplicate is serde's error to report.
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            // Anything but an integer date or a string (a float, a string
            // date, null, ...) is serde's to classify.
            match (bit, value) {
                (1, Scalar::Int(n)) => r.exp = DateClaim::Secs(n),
                (2, Scalar::Int(n)) => r.nbf = DateClaim::Secs(n),
                (4, Scalar::Int(n)) => r.iat = DateClaim::Secs(n),
                (8, v) => r.iss = StrClaim::Str(Cow::Borrowed(v.text()?)),
                (32, v) => r.azp = StrClaim::Str(Cow::Borrowed(v.text()?)),
                (16, v) => r.aud = AudClaim::One(Cow::Borrowed(v.text()?)),
                _ => return None,
            }
        }
        Some(r)
    }
}

fn date(c: DateClaim, name: &str) -> Result<Option<u64>, JwtError> {
    match c {
        DateClaim::Absent => Ok(None),
        DateClaim::Secs(s) => Ok(Some(s)),
        DateClaim::Invalid => Err(invalid(name)),
    }
}

fn missing(name: &str) -> JwtError {
    JwtError::MissingClaim {
        name: name.to_owned(),
    }
}

fn invalid(name: &str) -> JwtError {
    JwtError::InvalidClaim {
        name: name.to_owned(),
    }
}

#[cfg(test)]
mod flat_tests {
    use super::super::flat::{
        self,
        tests::{keys, object_of},
    };
    use super::*;
    use proptest::prelude::*;

    const NAMES: &[&str] = &["exp", "nbf", "iat", "iss", "aud", "azp", "sub", "scope"];

    /// The registered claims of a flat `text`, as a verification reads them.
    fn scan(text: &str) -> Option<Registered<'_>> {
        Registered::flat(Members::new().scan(text)?)
    }

    #[test]
    fn reads_sentinel_claims() {
        let app = r#"{"aud":"le81823118","azp":"4b3c","scope":"msg.consumer","iss":"Sentinel","exp":1700003600,"iat":1700000000}"#;
        let r = scan(app).unwrap();
        assert_eq!(r.exp, DateClaim::Secs(1_700_003_600));
        assert_eq!(r.nbf, DateClaim::Absent);
        assert_eq!(r.aud, AudClaim::One("le81823118".into()));
        for unusual in [
            r#"{"exp":1.5}"#,
            r#"{"exp":"1"}"#,
            r#"{"exp":1,"exp":2}"#,
            r#"{"aud":["a"]}"#,
            r#"{"iss":null}"#,
            r#"{"iss":"\u0053entinel"}"#,
        ] {
            assert!(scan(unusual).is_none(), "{unusual}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Where the scanner answers, serde gives the same claims.
        #[test]
        fn agrees_with_serde(text in object_of(keys(NAMES))) {
            flat::tests::agrees_with_serde(&text, scan(&text))?;
        }

        /// Flat claims of integers and plain strings are the scanner's.
        #[test]
        fn answers_for_flat_claims(text in flat::tests::flat_object(NAMES)) {
            prop_assert!(scan(&text).is_some(), "{}", text);
            flat::tests::agrees_with_serde(&text, scan(&text))?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;

    /// The check, with the payload scanned as a verification does, and
    /// (where it gives the same answer) left to serde.
    fn check(v: &Validation, claims: &str) -> Result<(), JwtError> {
        let now = UnixTime::from_secs(NOW);
        let mut scanned = Members::new();
        let fast = v.check_claims(claims, scanned.scan(claims), now);
        assert_eq!(fast, v.check_claims(claims, None, now), "{claims}");
        fast
    }

    #[test]
    fn exp_boundaries() {
        let v = Validation::new();
        let at = |exp: u64| check(&v, &format!(r#"{{"exp":{exp}}}"#));
        assert_eq!(at(NOW - 59), Ok(()));
        assert_eq!(
            at(NOW - 60),
            Err(JwtError::Expired {
                exp: NOW - 60,
                now: NOW
            })
        );
        let strict = Validation::new().with_leeway(Duration::ZERO);
        assert!(check(&strict, &format!(r#"{{"exp":{NOW}}}"#)).is_err());
        assert!(check(&strict, &format!(r#"{{"exp":{}}}"#, NOW + 1)).is_ok());
        assert!(check(&v, r#"{"exp":18446744073709551615}"#).is_ok());
    }

    #[test]
    fn exp_required_and_numeric() {
        let v = Validation::new();
        assert_eq!(check(&v, "{}"), Err(missing("exp")));
        assert_eq!(check(&v, r#"{"exp":"2000000000"}"#), Err(invalid("exp")));
        assert_eq!(check(&v, r#"{"exp":null}"#), Err(invalid("exp")));
        assert_eq!(
            check(&v, r#"{"exp":2000000000,"nbf":"x"}"#),
            Err(invalid("nbf"))
        );
        assert!(check(&v, r#"{"exp":2000000000.5}"#).is_ok());
        assert!(matches!(check(&v, "[]"), Err(JwtError::BadJson { .. })));
    }

    #[test]
    fn nbf_and_iat() {
        let v = Validation::new();
        let c = |k: &str, at: u64| check(&v, &format!(r#"{{"exp":2000000000,"{k}":{at}}}"#));
        assert!(c("nbf", NOW + 60).is_ok());
        assert_eq!(
            c("nbf", NOW + 61),
            Err(JwtError::NotYetValid {
                claim: "nbf",
                at: NOW + 61,
                now: NOW
            })
        );
        assert!(c("iat", NOW + 60).is_ok());
        assert!(matches!(
            c("iat", NOW + 61),
            Err(JwtError::NotYetValid { claim: "iat", .. })
        ));
    }

    #[test]
    fn issuer_and_audience() {
        let v = Validation::id_token("client-1");
        let ok = r#"{"exp":2000000000,"iss":"sentinel","aud":"client-1"}"#;
        assert_eq!(check(&v, ok), Ok(()));
        let arr = r#"{"exp":2000000000,"iss":"sentinel","aud":["x","client-1"]}"#;
        assert_eq!(check(&v, arr), Ok(()));
        // Both documented spellings by default; another is refused, naming both.
        let other_spelling = r#"{"exp":2000000000,"iss":"Sentinel","aud":"client-1"}"#;
        assert_eq!(check(&v, other_spelling), Ok(()));
        let wrong_iss = r#"{"exp":2000000000,"iss":"SENTINEL","aud":"client-1"}"#;
        assert_eq!(
            check(&v, wrong_iss),
            Err(JwtError::WrongIssuer {
                expected: "sentinel or Sentinel".into(),
                found: "SENTINEL".into()
            })
        );
        // Pinned: exactly one.
        let pinned = Validation::id_token("client-1").with_issuer("sentinel");
        assert_eq!(
            check(&pinned, other_spelling),
            Err(JwtError::WrongIssuer {
                expected: "sentinel".into(),
                found: "Sentinel".into()
            })
        );
        let wrong_aud = r#"{"exp":2000000000,"iss":"sentinel","aud":["x"]}"#;
        assert!(matches!(
            check(&v, wrong_aud),
            Err(JwtError::WrongAudience { .. })
        ));
        let no_aud = r#"{"exp":2000000000,"iss":"sentinel"}"#;
        assert_eq!(check(&v, no_aud), Err(missing("aud")));
        let no_iss = r#"{"exp":2000000000,"aud":"client-1"}"#;
        assert_eq!(check(&v, no_iss), Err(missing("iss")));
        let bad_aud = r#"{"exp":2000000000,"iss":"sentinel","aud":{"a":1}}"#;
        assert_eq!(check(&v, bad_aud), Err(invalid("aud")));
        // Not configured: not checked.
        let v = Validation::app_jwt();
        assert!(check(&v, r#"{"exp":2000000000,"iss":"Sentinel","aud":5}"#).is_ok());
        assert!(check(&v, r#"{"exp":2000000000,"iss":"Sentinel","azp":5}"#).is_ok());
    }

    #[test]
    fn authorized_party_match_mismatch_missing() {
        let v = Validation::new().with_authorized_party("cid");
        assert_eq!(v.authorized_party(), Some("cid"));
        assert_eq!(check(&v, r#"{"exp":2000000000,"azp":"cid"}"#), Ok(()));
        assert_eq!(
            check(&v, r#"{"exp":2000000000,"azp":"other-app"}"#),
            Err(JwtError::WrongAuthorizedParty {
                expected: "cid".into(),
                found: "other-app".into()
            })
        );
        // Case-sensitive, no trimming.
        assert!(check(&v, r#"{"exp":2000000000,"azp":"CID"}"#).is_err());
        assert!(check(&v, r#"{"exp":2000000000,"azp":"cid "}"#).is_err());
        assert_eq!(check(&v, r#"{"exp":2000000000}"#), Err(missing("azp")));
        for bad in [r#"5"#, r#"null"#, r#"["cid"]"#, r#"{"a":"cid"}"#] {
            assert_eq!(
                check(&v, &format!(r#"{{"exp":2000000000,"azp":{bad}}}"#)),
                Err(invalid("azp")),
                "{bad}"
            );
        }
        // Escaped JSON compares by value.
        assert_eq!(check(&v, r#"{"exp":2000000000,"azp":"\u0063id"}"#), Ok(()));
        // A long found value is truncated in the error.
        let long = "x".repeat(500);
        match check(&v, &format!(r#"{{"exp":2000000000,"azp":"{long}"}}"#)) {
            Err(JwtError::WrongAuthorizedParty { found, .. }) => assert!(found.len() < 80),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn app_jwt_for_pins_account_and_client() {
        let v = Validation::app_jwt_for("123456", "cid");
        assert_eq!(v.issuer(), Some("Sentinel"));
        assert_eq!(v.audiences(), ["le123456"]);
        let ok = r#"{"exp":2000000000,"iss":"Sentinel","aud":"le123456","azp":"cid"}"#;
        assert_eq!(check(&v, ok), Ok(()));
        // aud as an array (RFC 7519 §4.1.3): one match is enough.
        let arr = r#"{"exp":2000000000,"iss":"Sentinel","aud":["x","le123456"],"azp":"cid"}"#;
        assert_eq!(check(&v, arr), Ok(()));
        // Another account, as a string or an array.
        let other = r#"{"exp":2000000000,"iss":"Sentinel","aud":"le999999","azp":"cid"}"#;
        assert_eq!(
            check(&v, other),
            Err(JwtError::WrongAudience {
                expected: vec!["le123456".into()],
                found: vec!["le999999".into()]
            })
        );
        let other_arr =
            r#"{"exp":2000000000,"iss":"Sentinel","aud":["le1234567","123456"],"azp":"cid"}"#;
        assert!(matches!(
            check(&v, other_arr),
            Err(JwtError::WrongAudience { .. })
        ));
        let empty_arr = r#"{"exp":2000000000,"iss":"Sentinel","aud":[],"azp":"cid"}"#;
        assert!(matches!(
            check(&v, empty_arr),
            Err(JwtError::WrongAudience { .. })
        ));
        // Right account, another application.
        let other_app = r#"{"exp":2000000000,"iss":"Sentinel","aud":"le123456","azp":"evil"}"#;
        assert!(matches!(
            check(&v, other_app),
            Err(JwtError::WrongAuthorizedParty { .. })
        ));
        // Missing either.
        let no_aud = r#"{"exp":2000000000,"iss":"Sentinel","azp":"cid"}"#;
        assert_eq!(check(&v, no_aud), Err(missing("aud")));
        let no_azp = r#"{"exp":2000000000,"iss":"Sentinel","aud":"le123456"}"#;
        assert_eq!(check(&v, no_azp), Err(missing("azp")));
        assert_eq!(app_jwt_audience("81823118"), "le81823118");
    }
}
