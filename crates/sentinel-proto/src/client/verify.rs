//! Token verification for the client: V1 AppJWTs against the V1 key, V2 AppJWTs
//! and ID tokens against Sentinel's JWKS, fetched once and cached, refetched (at
//! most once a minute) when a token names a key it does not have.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Deserialize;

use super::{Client, Transport};
use crate::app_token::AppJwtVersion;
use crate::cache::{Cached, Expiry, RefreshPolicy, RenewingCache};
use crate::error::Error;
use crate::jwt::{
    AppJwtClaims, DEFAULT_JWKS_TTL, DEFAULT_MIN_REFETCH_INTERVAL, IdTokenClaims, KeySet,
    Validation, decode_header, decode_unverified, verify,
};
use crate::retry::Operation;
use crate::secret::{AppJwt, IdToken};
use crate::time::UnixTime;
use crate::well_known::parse_jwks_response;

/// Verification settings of a [`ClientConfig`](super::ClientConfig).
#[derive(Clone, Debug)]
pub(crate) struct VerifyConfig {
    pub(crate) v1_keys: KeySet,
    pub(crate) jwks_ttl: Duration,
    pub(crate) min_refetch: Duration,
    pub(crate) leeway: Duration,
}

impl Default for VerifyConfig {
    fn default() -> Self {
        Self {
            v1_keys: KeySet::liveperson_v1(),
            jwks_ttl: DEFAULT_JWKS_TTL,
            min_refetch: DEFAULT_MIN_REFETCH_INTERVAL,
            leeway: crate::jwt::DEFAULT_LEEWAY,
        }
    }
}

impl super::ClientConfig {
    /// Verifies V1 AppJWTs with these keys instead of LivePerson's published V1
    /// key (e.g. an emulator's).
    #[must_use]
    pub fn with_v1_keys(mut self, keys: KeySet) -> Self {
        self.jwt.v1_keys = keys;
        self
    }

    /// How long a fetched JWKS is trusted before it is fetched again (default 1 h).
    #[must_use]
    pub fn with_jwks_ttl(mut self, ttl: Duration) -> Self {
        self.jwt.jwks_ttl = ttl;
        self
    }

    /// The least time between two refetches caused by an unknown `kid` (default 60 s).
    #[must_use]
    pub fn with_min_jwks_refetch(mut self, interval: Duration) -> Self {
        self.jwt.min_refetch = interval;
        self
    }

    /// Clock leeway for `exp`, `nbf` and `iat` (default 60 s).
    #[must_use]
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.jwt.leeway = leeway;
        self
    }
}

/// The client's key state.
pub(crate) struct Keys {
    jwks: RenewingCache<KeySet, Error>,
    /// When an unknown `kid` last forced a refetch (seconds since the epoch, 0 = never).
    last_forced: AtomicU64,
}

impl Keys {
    pub(crate) fn new(config: &VerifyConfig) -> Self {
        Self {
            jwks: RenewingCache::new(RefreshPolicy::ttl(config.jwks_ttl)),
            last_forced: AtomicU64::new(0),
        }
    }
}

impl<T: Transport> Client<T> {
    /// Sentinel's JWKS, from the cache or fetched (single flight, retried).
    pub async fn jwks(&self) -> Result<KeySet, Error> {
        Ok(self.jwks_cached().await?.value().clone())
    }

    async fn jwks_cached(&self) -> Result<Arc<Cached<KeySet>>, Error> {
        self.cached(&self.inner.keys.jwks, |c| async move {
            let s = c.sentinel().await?;
            let keys = c
                .execute(Operation::Jwks, || s.jwks_request(), parse_jwks_response)
                .await?;
            Ok((keys, Expiry::default()))
        })
        .await
    }

    /// Verifies an AppJWT: a V1 token against the V1 keys, a V2 token against the
    /// JWKS; issuer `Sentinel`, `exp` required.
    pub async fn verify_app_token(&self, token: &AppJwt) -> Result<AppJwtClaims, Error> {
        let validation = Validation::app_jwt().with_leeway(self.inner.config.jwt.leeway);
        match self.inner.config.app_jwt_version {
            AppJwtVersion::V1 => Ok(verify(
                token.secret(),
                &self.inner.config.jwt.v1_keys,
                &validation,
                self.inner.transport.now(),
            )?),
            _ => self.verify_with_jwks(token.secret(), &validation).await,
        }
    }

    /// Verifies an ID token against the JWKS: issuer `sentinel`, audience this
    /// client id, `exp` required.
    pub async fn verify_id_token(&self, token: &IdToken) -> Result<IdTokenClaims, Error> {
        let validation = Validation::id_token(self.inner.config.client_id.as_str())
            .with_leeway(self.inner.config.jwt.leeway);
        self.verify_with_jwks(token.secret(), &validation).await
    }

    async fn verify_with_jwks<C: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        validation: &Validation,
    ) -> Result<C, Error> {
        let kid = decode_header(token)?.kid;
        let mut keys = self.jwks_cached().await?;
        if !keys.value().has_key_for(kid.as_deref()) && self.may_force_refetch() {
            tracing::debug!("unknown kid: refetching the JWKS");
            self.inner.keys.jwks.invalidate();
            keys = self.jwks_cached().await?;
        }
        Ok(verify(
            token,
            keys.value(),
            validation,
            self.inner.transport.now(),
        )?)
    }

    /// Rate-limits refetches forced by unknown `kid`s: a token naming a made-up
    /// key must not make us hammer the JWKS endpoint.
    fn may_force_refetch(&self) -> bool {
        let now = self.inner.transport.now().as_secs();
        let min = self.inner.config.jwt.min_refetch.as_secs();
        let last = &self.inner.keys.last_forced;
        let prev = last.load(Ordering::Acquire);
        if prev != 0 && now.saturating_sub(prev) < min {
            return false;
        }
        last.compare_exchange(prev, now.max(1), Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

/// The `exp` of a JWT, read without verification, only to schedule renewal.
pub(crate) fn unverified_exp(token: &str) -> Option<UnixTime> {
    #[derive(Deserialize)]
    struct Exp {
        exp: Option<u64>,
    }
    decode_unverified::<Exp>(token)
        .ok()?
        .claims
        .exp
        .map(UnixTime::from_secs)
}
