//! `sentinel-proto` with hyper and nothing else: discover Sentinel and the IdP
//! through the Domain API, get a V2 AppJWT, verify it against the JWKS, and get a
//! ConsumerJWS. Every request is built by the pure core and every answer parsed by
//! it; the I/O is yours.
//!
//! Run: `cargo run -p sentinel-proto --example bring_your_own_http` (it starts the
//! emulator on loopback, which speaks plain http; against LivePerson, put TLS
//! under the connection, e.g. with hyper-rustls).

use std::time::{SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use sentinel_proto::app_token::{AppJwtVersion, parse_app_token_response};
use sentinel_proto::consumer::{Idp, parse_consumer_jws_response};
use sentinel_proto::domain::{DomainApi, SERVICE_IDP, SERVICE_SENTINEL};
use sentinel_proto::jwt::{AppJwtClaims, Validation, parse_jwks_response, verify};
use sentinel_proto::response::MAX_BODY_BYTES;
use sentinel_proto::{
    AccountId, ClientId, ClientSecret, Error, Host, Redactor, Sentinel, UnixTime,
};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One request over a new HTTP/1.1 connection, the answer's body capped.
async fn send(request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, BoxError> {
    let authority = request.uri().authority().ok_or("no host")?.clone();
    let stream = tokio::net::TcpStream::connect(authority.as_str()).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let (mut parts, body) = request.into_parts();
    parts
        .headers
        .insert(http::header::HOST, authority.as_str().parse()?);
    let response = sender
        .send_request(http::Request::from_parts(
            parts,
            Full::new(Bytes::from(body)),
        ))
        .await?;
    let (parts, body) = response.into_parts();
    let body = Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await?
        .to_bytes();
    Ok(http::Response::from_parts(parts, body.to_vec()))
}

/// Sends `request` and parses the answer with `parse`; whatever the server said
/// back is cut of the request's secrets before it can be shown.
async fn call<T>(
    request: http::Request<Vec<u8>>,
    parse: impl Fn(&http::Response<Vec<u8>>) -> Result<T, Error>,
) -> Result<T, BoxError> {
    let redactor = Redactor::from_request(&request);
    let response = send(request).await?;
    Ok(parse(&response).map_err(|e| e.redact(&redactor))?)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    let mock = sentinel_mock::MockServer::builder().start().await?;
    let account = AccountId::new(mock.account())?;
    let client_id = ClientId::new(mock.client_id())?;
    let secret = ClientSecret::new(mock.client_secret());

    // One all-services list answers every host, as LivePerson's clients do it.
    let domain = DomainApi::new(Host::parse(&mock.base_url())?, account.clone());
    let services = call(domain.all_services_request()?, |r| {
        domain.parse_all_services(r)
    })
    .await?;
    let sentinel = Sentinel::new(
        services.host(SERVICE_SENTINEL)?,
        account.clone(),
        client_id.clone(),
        secret,
    );
    println!("Sentinel at {}", sentinel.host().base_url());

    let token = call(
        sentinel.app_token_request(AppJwtVersion::V2)?,
        parse_app_token_response,
    )
    .await?;
    let keys = call(sentinel.jwks_request()?, parse_jwks_response).await?;
    let now = UnixTime::from_secs(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs());
    let validation = Validation::app_jwt_for(account.as_str(), client_id.as_str());
    let claims: AppJwtClaims = verify(token.access_token.secret(), &keys, &validation, now)?;
    println!(
        "AppJWT verified: azp={:?}, expires in {:?}",
        claims.azp, token.expires_in
    );

    let idp = Idp::new(services.host(SERVICE_IDP)?, account);
    let request = idp.consumer_jws_request(&token.access_token, "consumer-42")?;
    let jws = call(request, parse_consumer_jws_response).await?;
    println!("ConsumerJWS for consumer-42: {} bytes", jws.secret().len());
    Ok(())
}
