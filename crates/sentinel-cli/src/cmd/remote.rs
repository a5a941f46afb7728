//! Commands that talk to Sentinel or the Domain API.

use std::path::Path;

use clap::ValueEnum;
use sentinel_client::{ClientConfig, HttpClient};
use sentinel_proto::domain::{DomainApi, SERVICE_SENTINEL};
use sentinel_proto::user::TokenResponse;
use sentinel_proto::{
    AccountId, AuthorizationCode, ClientSecret, CodeVerifier, Error, Host, Redactor, RefreshToken,
    Sentinel,
};
use sentinel_reqwest::{ReqwestHttp, SentinelClient};
use serde_json::json;

use crate::args::{
    App, AppJwt, AppTokenArgs, AuthorizeUrlArgs, Discovery, DomainArgs, ExchangeArgs, RefreshArgs,
    Target,
};
use crate::cmd::read_stdin;
use crate::output::{Failure, Out};
use crate::tokens::{self, TokenFile};

const MAX_SECRET: usize = 4096;

/// Where `exchange` reads the code when not told `--code -`.
const CODE_ENV: &str = "SENTINEL_CODE";
/// Where `exchange` reads the PKCE code verifier.
const VERIFIER_ENV: &str = "SENTINEL_CODE_VERIFIER";

pub(crate) fn client_secret(app: &App) -> Result<ClientSecret, Failure> {
    if app.client_secret_stdin {
        return Ok(ClientSecret::new(read_stdin("client secret", MAX_SECRET)?));
    }
    match std::env::var("SENTINEL_CLIENT_SECRET") {
        Ok(s) if !s.is_empty() => Ok(ClientSecret::new(s)),
        _ => Err(Failure::Usage(
            "no client secret: set SENTINEL_CLIENT_SECRET or pass --client-secret-stdin".into(),
        )),
    }
}

pub(crate) fn client_for(target: &Target, secret: ClientSecret) -> ClientConfig {
    let config = ClientConfig::new(target.account.clone(), target.client_id.clone(), secret)
        .with_csds(target.discovery.csds.clone())
        .with_allowed_domains(&target.discovery.allow_domains);
    match &target.domain {
        Some(d) => config.with_sentinel_host(d.clone()),
        None => config,
    }
}

pub(crate) fn connect(config: ClientConfig) -> Result<SentinelClient, Failure> {
    Ok(SentinelClient::new(config)?)
}

/// Asks the Domain API at `discovery` for `account`'s all-services list and
/// reads `service`'s host from it, as LivePerson's own clients do. It takes no
/// credentials: one request, sent as it is.
async fn discover(
    discovery: &Discovery,
    account: &AccountId,
    service: &str,
) -> Result<Host, Failure> {
    let api = DomainApi::new(discovery.csds.clone(), account.clone())
        .with_allowed_domains(&discovery.allow_domains);
    let request = api.all_services_request()?;
    let redactor = Redactor::from_request(&request);
    let http = ReqwestHttp::from_builder(reqwest::Client::builder()).map_err(Error::from)?;
    let response = http.send(request).await.map_err(Error::from)?;
    let list = api
        .parse_all_services(&response)
        .map_err(|e| e.redact(&redactor))?;
    Ok(list.host(service)?)
}

/// `sentinel domain`
pub async fn domain(a: DomainArgs, out: &Out) -> Result<(), Failure> {
    let found = discover(&a.discovery, &a.account, &a.service).await?;
    out.result(
        found.base_url(),
        json!({"service": a.service, "account": a.account.as_str(), "host": found.authority(), "base_url": found.base_url()}),
    );
    Ok(())
}

/// `sentinel app-token`
pub async fn app_token(a: AppTokenArgs, out: &Out) -> Result<(), Failure> {
    // clap's conflicts see `--v2`, not the value of `--app-jwt-version`.
    if a.legacy_query && a.app_jwt_version != AppJwt::V1 {
        let v = a.app_jwt_version.to_possible_value();
        let v = v.as_ref().map_or("v2", |v| v.get_name());
        return Err(Failure::Usage(format!(
            "--legacy-query is for AppJWT v1; it cannot be used with --app-jwt-version {v}"
        )));
    }
    let config = client_for(&a.app.target, client_secret(&a.app)?)
        .with_app_jwt_version(a.version())
        .with_legacy_query_credentials(a.legacy_query);
    let client = connect(config)?;
    let token = client.app_token().await?;
    out.result(
        token.value().secret(),
        json!({
            "access_token": token.value().secret(),
            "token_type": "Bearer",
            "expires_at": token.expires_at().as_secs(),
        }),
    );
    Ok(())
}

/// `sentinel authorize-url`
pub async fn authorize_url(a: AuthorizeUrlArgs, out: &Out) -> Result<(), Failure> {
    // A URL for the browser: no secret, and nothing sent but the discovery.
    let t = &a.target;
    let host = match &t.domain {
        Some(h) => h.clone(),
        None => discover(&t.discovery, &t.account, SERVICE_SENTINEL).await?,
    };
    let sentinel = Sentinel::public(host, t.account.clone(), t.client_id.clone());
    let state = sentinel_client::generate_state()?;
    if !a.pkce {
        let url = sentinel.authorize_url(a.redirect_uri.as_ref(), &state)?;
        out.result(
            &format!("{url}\nstate: {}", state.as_str()),
            json!({"url": url.as_str(), "state": state.as_str()}),
        );
        return Ok(());
    }
    let verifier = sentinel_client::generate_code_verifier()?;
    let url =
        sentinel.authorize_url_pkce(a.redirect_uri.as_ref(), &state, &verifier.challenge())?;
    // Printing the verifier is this command's job: stdout only, for `exchange`.
    out.result(
        &format!(
            "{url}\nstate: {}\ncode_verifier: {}",
            state.as_str(),
            verifier.secret()
        ),
        json!({"url": url.as_str(), "state": state.as_str(), "code_verifier": verifier.secret()}),
    );
    Ok(())
}

/// The code for `exchange`: `--code -` (stdin) or SENTINEL_CODE, never argv.
/// No message quotes what was given.
fn authorization_code(a: &ExchangeArgs) -> Result<AuthorizationCode, Failure> {
    match a.code.as_deref() {
        Some("-") if a.app.client_secret_stdin => Err(Failure::Usage(format!(
            "stdin carries the client secret: set {CODE_ENV} instead of --code -"
        ))),
        Some("-") => Ok(AuthorizationCode::new(read_stdin(
            "authorization code",
            MAX_SECRET,
        )?)),
        Some(_) => Err(Failure::Usage(format!(
            "--code takes only `-` (read the code from stdin), or set {CODE_ENV}: \
             a code on the command line is visible to other users"
        ))),
        None => match std::env::var(CODE_ENV) {
            Ok(c) if !c.trim().is_empty() => Ok(AuthorizationCode::new(c.trim())),
            _ => Err(Failure::Usage(format!(
                "no authorization code: pass --code - and write it to stdin, or set {CODE_ENV}"
            ))),
        },
    }
}

/// The PKCE verifier from SENTINEL_CODE_VERIFIER, if set.
fn code_verifier() -> Result<Option<CodeVerifier>, Failure> {
    match std::env::var(VERIFIER_ENV) {
        Ok(v) if !v.trim().is_empty() => CodeVerifier::new(v.trim())
            .map(Some)
            .map_err(|e| Failure::Usage(format!("{VERIFIER_ENV}: {e}"))),
        _ => Ok(None),
    }
}

/// `sentinel exchange`
pub async fn exchange(a: ExchangeArgs, out: &Out) -> Result<(), Failure> {
    let code = authorization_code(&a)?;
    let verifier = code_verifier()?;
    let client = connect(client_for(&a.app.target, client_secret(&a.app)?))?;
    let tokens = match &verifier {
        Some(v) => {
            client
                .exchange_code_pkce(&code, a.redirect_uri.as_ref(), v)
                .await?
        }
        None => client.exchange_code(&code, a.redirect_uri.as_ref()).await?,
    };
    print_tokens(&tokens, out);
    Ok(())
}

fn refresh_token(app: &App) -> Result<RefreshToken, Failure> {
    if let Ok(t) = std::env::var("SENTINEL_REFRESH_TOKEN")
        && !t.is_empty()
    {
        return Ok(RefreshToken::new(t));
    }
    if app.client_secret_stdin {
        return Err(Failure::Usage(
            "stdin carries the client secret: set SENTINEL_REFRESH_TOKEN".into(),
        ));
    }
    Ok(RefreshToken::new(read_stdin("refresh token", MAX_SECRET)?))
}

/// The token file of `--from`, and its refresh token.
fn token_file(a: &RefreshArgs, path: &Path) -> Result<(TokenFile, RefreshToken), Failure> {
    let t = &a.app.target;
    let file = tokens::load(path, t.account.as_str(), t.client_id.as_str())?;
    let rt = file
        .refresh_token
        .clone()
        .map(RefreshToken::new)
        .ok_or_else(|| {
            Failure::Usage(format!(
                "{} holds no refresh token (revoked?): log in again",
                path.display()
            ))
        })?;
    Ok((file, rt))
}

/// What `refresh` and `revoke` start from: the token file of `--from` (if
/// given) with its path, the refresh token (from it, else from the
/// environment or stdin), and a client.
type Prelude<'a> = (Option<(&'a Path, TokenFile)>, RefreshToken, SentinelClient);

fn prelude(a: &RefreshArgs) -> Result<Prelude<'_>, Failure> {
    let (from, rt) = match &a.from {
        Some(path) => {
            let (file, rt) = token_file(a, path)?;
            (Some((path.as_path(), file)), rt)
        }
        None => (None, refresh_token(&a.app)?),
    };
    let client = connect(client_for(&a.app.target, client_secret(&a.app)?))?;
    Ok((from, rt, client))
}

/// `sentinel refresh`
pub async fn refresh(a: RefreshArgs, out: &Out) -> Result<(), Failure> {
    let (from, rt, client) = prelude(&a)?;
    let tokens = client.refresh(&rt).await?;
    let Some((path, mut file)) = from else {
        print_tokens(&tokens, out);
        return Ok(());
    };
    // The old refresh token stays unless a new one came (protocol reference §2.4).
    file.access_token = tokens.access_token.secret().to_owned();
    if let Some(new) = &tokens.refresh_token {
        file.refresh_token = Some(new.secret().to_owned());
    }
    if let Some(id) = &tokens.id_token {
        file.id_token = Some(id.secret().to_owned());
    }
    file.expires_at = tokens.expires_in.map(|d| tokens::now_secs() + d.as_secs());
    tokens::save(path, &file)?;
    if out.is_json() {
        print_tokens(&tokens, out);
    } else {
        out.result(
            &format!("refreshed: tokens saved to {}", path.display()),
            json!({}),
        );
    }
    Ok(())
}

/// `sentinel revoke`
pub async fn revoke(a: RefreshArgs, out: &Out) -> Result<(), Failure> {
    let (from, rt, client) = prelude(&a)?;
    client.revoke(&rt).await?;
    if let Some((path, mut file)) = from {
        file.refresh_token = None;
        tokens::save(path, &file)?;
    }
    out.result("revoked", json!({"revoked": true}));
    Ok(())
}

fn print_tokens(t: &TokenResponse, out: &Out) {
    let mut human = format!("access_token: {}", t.access_token.secret());
    if let Some(rt) = &t.refresh_token {
        human.push_str(&format!("\nrefresh_token: {}", rt.secret()));
    }
    if let Some(id) = &t.id_token {
        human.push_str(&format!("\nid_token: {}", id.secret()));
    }
    if let Some(e) = t.expires_in {
        human.push_str(&format!("\nexpires_in: {}", e.as_secs()));
    }
    out.result(
        &human,
        json!({
            "access_token": t.access_token.secret(),
            "token_type": "Bearer",
            "refresh_token": t.refresh_token.as_ref().map(|r| r.secret()),
            "id_token": t.id_token.as_ref().map(|r| r.secret()),
            "expires_in": t.expires_in.map(|d| d.as_secs()),
        }),
    );
}
