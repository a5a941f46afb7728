//! A connector's day: discover the account's hosts, get an AppJWT, get a
//! consumer's ConsumerJWS, and call LivePerson's APIs through the middleware,
//! which puts both tokens on every request and renews them after a 401.
//!
//! Run: `cargo run -p sentinel-reqwest --example connector` (against the
//! embedded emulator; for a real account, build the `ClientConfig` from your
//! own account id, client id and secret, and drop the `with_*` lines).

use sentinel_client::ClientConfig;
use sentinel_mock::{Endpoint, Fault, MockServer};
use sentinel_proto::{AccountId, ClientId, ClientSecret, Host, app_token::AppJwtVersion};
use sentinel_reqwest::auth::ExtConsumerId;
use sentinel_reqwest::{AuthMiddleware, SentinelClient};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockServer::builder().start().await?;
    let config = ClientConfig::new(
        AccountId::new(mock.account())?,
        ClientId::new(mock.client_id())?,
        ClientSecret::new(mock.client_secret()),
    )
    .with_csds(Host::parse(&mock.base_url())?) // the emulator's Domain API
    .with_app_jwt_version(AppJwtVersion::V2);
    let sentinel = SentinelClient::new(config)?;

    // Every host from one Domain API request.
    for service in ["sentinel", "idp", "asyncMessagingEnt"] {
        println!(
            "{service:>17} at {}",
            sentinel.service(service).await?.base_url()
        );
    }
    let app = sentinel.app_token().await?;
    let claims = sentinel.verify_app_token(app.value()).await?;
    println!(
        "AppJWT for {:?}, valid until {}",
        claims.azp,
        app.expires_at().as_secs()
    );

    // Your own HTTP client for LivePerson's APIs, with the tokens put on for you.
    let api = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(AuthMiddleware::new(&sentinel))
        .build();

    let resp = api.get(mock.protected_url()).send().await?;
    println!("protected API: {}", resp.status());

    // On behalf of a consumer: the Send API gets X-LP-ON-BEHALF too.
    let send = |text: &'static str| {
        api.post(mock.send_api_url())
            .with_extension(ExtConsumerId::new("consumer-42"))
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"kind":"req","body":{{"type":"text","message":"{text}"}}}}"#
            ))
            .send()
    };
    println!("send API: {}", send("hello").await?.status());

    // LivePerson refuses the AppJWT once (a rotation, a revocation): the
    // middleware renews it and resends the message, once.
    mock.fault(Endpoint::SendApi, Fault::Status(401), 1);
    let resp = send("are you there?").await?;
    println!("send API after a 401: {}", resp.status());
    assert!(resp.status().is_success());
    println!(
        "Sentinel: {} AppJWT requests, IdP: {} ConsumerJWS requests, Domain API: {}",
        mock.count(Endpoint::AppTokenV1) + mock.count(Endpoint::AppTokenV2),
        mock.count(Endpoint::Consumer),
        mock.count(Endpoint::DomainApi),
    );
    Ok(())
}
