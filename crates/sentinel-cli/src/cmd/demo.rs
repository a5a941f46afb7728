//! `sentinel demo`: the whole story against the embedded emulator, one line per
//! step with its duration. Exit 0 only if every step did what it should.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sentinel_client::ClientConfig;
use sentinel_mock::{Endpoint, MockServer};
use sentinel_proto::jwt::{KeySet, RsaPublicKey};
use sentinel_proto::{
    AccountId, ClientId, ClientSecret, Error, Host,
    app_token::AppJwtVersion,
    error::OAuthErrorCode,
    user::{RedirectUri, parse_callback},
};
use sentinel_reqwest::SentinelClient;

use crate::args::DemoArgs;
use crate::output::{Failure, Out};

/// Runs `f`, prints its line, and turns its error into a demo failure.
async fn step<T, F>(out: &Out, text: &str, f: F) -> Result<T, Failure>
where
    F: std::future::Future<Output = Result<(T, Vec<String>), String>>,
{
    let start = Instant::now();
    let result = f.await;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok((v, details)) => {
            out.step(true, ms, text);
            for d in details {
                out.detail(&d);
            }
            Ok(v)
        }
        Err(why) => {
            out.step(false, ms, text);
            out.detail(&why);
            Err(Failure::Demo(format!("step failed: {text}: {why}")))
        }
    }
}

fn e(err: Error) -> String {
    err.to_string()
}

pub async fn run(_a: DemoArgs, out: &Out) -> Result<(), Failure> {
    let total = Instant::now();
    let mock = step(out, "start the Sentinel emulator on loopback", async {
        let m = MockServer::builder()
            .start()
            .await
            .map_err(|e| e.to_string())?;
        let url = m.base_url();
        Ok((m, vec![format!("emulator at {url} (TEST-ONLY keys)")]))
    })
    .await?;

    let account = AccountId::new(mock.account()).map_err(Failure::from)?;
    let client_id = ClientId::new(mock.client_id()).map_err(Failure::from)?;
    let secret = ClientSecret::new(mock.client_secret());
    let csds = Host::parse(&mock.base_url()).map_err(Failure::from)?;
    let v1_key = RsaPublicKey::from_spki_der(mock.v1_public_key_spki_der())
        .map_err(|e| Failure::Demo(e.to_string()))?
        .with_kid(sentinel_mock::V1_KID);
    let base = ClientConfig::new(account, client_id, secret)
        .with_csds(csds)
        .with_v1_keys(KeySet::new().with(v1_key));
    let v1 = SentinelClient::new(base.clone()).map_err(Failure::from)?;
    let v2 =
        SentinelClient::new(base.with_app_jwt_version(AppJwtVersion::V2)).map_err(Failure::from)?;

    step(
        out,
        "discover the Sentinel host through the Domain API",
        async {
            let s = v1.sentinel().await.map_err(e)?;
            Ok(((), vec![format!("sentinel -> {}", s.host())]))
        },
    )
    .await?;

    let token = step(
        out,
        "get an AppJWT (V1) and verify it against the V1 key",
        async {
            let t = v1.app_token().await.map_err(e)?;
            let c = v1.verify_app_token(t.value()).await.map_err(e)?;
            let d = format!(
                "iss={} azp={} scope={} expires in {}s",
                c.iss,
                c.azp.as_deref().unwrap_or("-"),
                c.scope.as_deref().unwrap_or("-"),
                t.expires_at().as_secs().saturating_sub(now())
            );
            Ok((t, vec![d]))
        },
    )
    .await?;

    step(
        out,
        "get an AppJWT (V2) and verify it against the JWKS",
        async {
            let t = v2.app_token().await.map_err(e)?;
            let c = v2.verify_app_token(t.value()).await.map_err(e)?;
            Ok((
                (),
                vec![format!("iss={} kid={}", c.iss, mock.current_v2_kid())],
            ))
        },
    )
    .await?;

    step(out, "reuse the cached AppJWT: no new request", async {
        let before = mock.count(Endpoint::AppTokenV1);
        let again = v1.app_token().await.map_err(e)?;
        let after = mock.count(Endpoint::AppTokenV1);
        if !Arc::ptr_eq(&token, &again) || after != before {
            return Err(format!(
                "expected the cached token; {} new request(s)",
                after - before
            ));
        }
        Ok(((), vec![format!("{after} AppJWT request(s) in all")]))
    })
    .await?;

    let redirect = RedirectUri::new(mock.redirect_uri()).map_err(Failure::from)?;
    let state = sentinel_client::generate_state().map_err(Failure::from)?;
    let url = step(out, "build the authorize URL", async {
        let url = v1.authorize_url(Some(&redirect), &state).await.map_err(e)?;
        Ok((url.clone(), vec![url.to_string()]))
    })
    .await?;

    let callback = step(
        out,
        "follow the emulator's redirect as a browser would",
        async {
            let browser = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .build()
                .map_err(|e| e.to_string())?;
            let resp = browser
                .get(url.as_str())
                .send()
                .await
                .map_err(|e| e.without_url().to_string())?;
            let location = resp
                .headers()
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| format!("expected a redirect, got {}", resp.status()))?
                .to_owned();
            Ok((
                location,
                vec![format!("{} -> {}", 302, redact_code(mock.redirect_uri()))],
            ))
        },
    )
    .await?;

    let code = step(out, "parse the callback and check the state", async {
        let code = parse_callback(&callback, &state).map_err(|e| e.to_string())?;
        Ok((
            code,
            vec!["state matches (constant-time comparison)".into()],
        ))
    })
    .await?;

    let tokens = step(
        out,
        "exchange the code (never retried: single use)",
        async {
            let t = v1.exchange_code(&code, Some(&redirect)).await.map_err(e)?;
            let d = format!(
                "access, refresh and ID tokens received; expires_in={}s",
                t.expires_in.map_or(0, |d| d.as_secs())
            );
            Ok((t, vec![d]))
        },
    )
    .await?;

    step(out, "verify the ID token and show its claims", async {
        let id = tokens
            .id_token
            .as_ref()
            .ok_or("no id_token in the answer")?;
        let c = v1.verify_id_token(id).await.map_err(e)?;
        Ok((
            (),
            vec![format!(
                "sub={} aud={} iss={} is_admin={} is_lpa={}",
                c.sub,
                c.aud.iter().collect::<Vec<_>>().join(","),
                c.iss,
                c.is_admin,
                c.is_lpa
            )],
        ))
    })
    .await?;

    let first_rt = tokens
        .refresh_token
        .clone()
        .ok_or(Failure::Demo("no refresh_token".into()))?;
    let refreshed = step(out, "refresh the user tokens", async {
        let t = v1.refresh(&first_rt).await.map_err(e)?;
        let rotated = t.refresh_token.as_ref().is_some_and(|n| *n != first_rt);
        Ok((
            t,
            vec![format!(
                "new access token; refresh token rotated: {rotated}"
            )],
        ))
    })
    .await?;

    let current_rt = refreshed.refresh_token.clone().unwrap_or(first_rt);
    step(out, "revoke the refresh token (logout)", async {
        v1.revoke(&current_rt).await.map_err(e)?;
        Ok(((), vec![]))
    })
    .await?;

    step(out, "the revoked refresh token is refused", async {
        match v1.refresh(&current_rt).await {
            Err(Error::OAuth { status, error, .. })
                if *error.code() == OAuthErrorCode::InvalidGrant =>
            {
                Ok(((), vec![format!("HTTP {status}: {error}")]))
            }
            Err(other) => Err(format!("expected invalid_grant, got: {other}")),
            Ok(_) => Err("the revoked token still works".into()),
        }
    })
    .await?;

    step(out, "get a ConsumerJWS from the Identity Provider", async {
        let jws = v1.consumer_jws("demo-consumer-42").await.map_err(e)?;
        let parts = jws.value().secret().split('.').count();
        Ok((
            (),
            vec![format!(
                "ConsumerJWS for ext_consumer_id=demo-consumer-42 ({parts} segments)"
            )],
        ))
    })
    .await?;

    let ms = total.elapsed().as_secs_f64() * 1000.0;
    out.step(true, ms, "every step did what it should");
    mock.shutdown();
    Ok(())
}

fn now() -> u64 {
    sentinel_proto::UnixTime::from(std::time::SystemTime::now()).as_secs()
}

/// The callback carries a code: show where it went, not the code.
fn redact_code(redirect: &str) -> String {
    format!("{redirect}?code=[redacted]&state=...")
}
