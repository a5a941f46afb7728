//! The connector's day without async: discover, AppJWT, ConsumerJWS, and calls
//! to LivePerson's APIs with both tokens put on by the `Authorizer`, all
//! blocking, over isahc.
//!
//! Run: `cargo run -p sentinel-isahc --example blocking` (against the embedded
//! emulator; for a real account, build the `ClientConfig` from your own
//! account id, client id and secret, and drop the `with_csds` line).

use sentinel_client::ClientConfig;
use sentinel_client::auth::{Authorizer, ExtConsumerId};
use sentinel_isahc::SentinelClient;
use sentinel_mock::{Endpoint, Fault, MockServer};
use sentinel_proto::{AccountId, ClientId, ClientSecret, Host, app_token::AppJwtVersion};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockServer::builder().start_blocking()?;
    let config = ClientConfig::new(
        AccountId::new(mock.account())?,
        ClientId::new(mock.client_id())?,
        ClientSecret::new(mock.client_secret()),
    )
    .with_csds(Host::parse(&mock.base_url())?) // the emulator's Domain API
    .with_app_jwt_version(AppJwtVersion::V2);
    let sentinel = SentinelClient::new(config)?;

    println!("Sentinel at {}", sentinel.service("sentinel")?.base_url());
    let app = sentinel.app_token()?;
    let claims = sentinel.verify_app_token(app.value())?;
    println!(
        "AppJWT for {:?}, valid until {}",
        claims.azp,
        app.expires_at().as_secs()
    );
    let jws = sentinel.consumer_jws("consumer-42")?;
    println!("ConsumerJWS valid until {}", jws.expires_at().as_secs());

    // Your own requests to LivePerson's APIs, sent through the same isahc
    // client: the Authorizer adds the tokens and renews them after a 401.
    let auth = Authorizer::new(sentinel.client().clone());
    let resp = auth.send_blocking(http::Request::get(mock.protected_url()).body(Vec::new())?)?;
    println!("protected API: {}", resp.status());

    let message = || {
        let mut req = http::Request::post(mock.send_api_url())
            .header("content-type", "application/json")
            .body(br#"{"kind":"req","body":{"type":"text","message":"hello"}}"#.to_vec())?;
        req.extensions_mut()
            .insert(ExtConsumerId::new("consumer-42"));
        Ok::<_, http::Error>(req)
    };
    println!("send API: {}", auth.send_blocking(message()?)?.status());

    mock.fault(Endpoint::SendApi, Fault::Status(401), 1);
    let resp = auth.send_blocking(message()?)?;
    println!("send API after a 401: {}", resp.status());
    assert!(resp.status().is_success());
    println!(
        "Sentinel: {} AppJWT requests, IdP: {} ConsumerJWS requests",
        mock.count(Endpoint::AppTokenV2),
        mock.count(Endpoint::Consumer),
    );
    Ok(())
}
