//! `examples/web_login.rs` in a real browser: headless Chromium logs in through
//! the emulator's HTML login page (a wrong password first), sees the claims,
//! refreshes, logs out, and the refresh tokens the app held server-side are
//! refused afterwards. Chromium and chromedriver missing is a failure, not a skip.
//!
//! The example's own code is compiled into this test (its `serve`), on a port
//! of its own. Screenshots go to `$SENTINEL_SCREENSHOTS`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../examples/web_login.rs"]
#[allow(dead_code)]
mod web_login;

use std::collections::HashMap;

use sentinel_mock::{DEMO_PASSWORD, Endpoint, LoginMode, MockConfig, MockHandle};
use sentinel_proto::RefreshToken;
use sentinel_testkit::chrome::Browser;
use sentinel_testkit::mock;

const SECRET: &str = "WEB-LOGIN-SECRET-MARKER-5e27";
const CLIENT: &str = "web-login-client";

fn mock(pkce: bool) -> (MockHandle, String) {
    let m = mock::start_blocking(MockConfig {
        login: LoginMode::Form,
        ..mock::marked_config(CLIENT, SECRET)
    });
    let app = start_app(&m, pkce);
    (m, app)
}

/// The example on a free port, against `m`; its base URL.
fn start_app(m: &MockHandle, pkce: bool) -> String {
    let vars: HashMap<&str, String> = HashMap::from([
        ("SENTINEL_ACCOUNT", m.account().to_owned()),
        ("SENTINEL_CLIENT_ID", CLIENT.to_owned()),
        ("SENTINEL_CLIENT_SECRET", SECRET.to_owned()),
        ("SENTINEL_CSDS", m.base_url()),
        ("SENTINEL_PKCE", if pkce { "1" } else { "0" }.to_owned()),
    ]);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            web_login::serve(listener, move |n| vars.get(n).cloned())
                .await
                .unwrap();
        });
    });
    url
}

/// No page the browser holds shows a secret, a live refresh token or a code.
async fn nothing_secret(b: &Browser, m: &MockHandle, also: &[&str]) {
    let page = b.source().await;
    assert!(!page.contains(SECRET), "{page}");
    for t in m
        .live_refresh_tokens()
        .iter()
        .map(String::as_str)
        .chain(also.iter().copied())
    {
        assert!(!page.contains(t), "a token in the page: {page}");
    }
    assert!(!page.contains("eyJ"), "a JWT in the page: {page}");
}

/// A refresh with `rt` straight at the emulator.
async fn refresh_refused(m: &MockHandle, rt: &str) {
    let client = sentinel_reqwest::SentinelClient::new(mock::config(m)).unwrap();
    let e = client.refresh(&RefreshToken::new(rt)).await.unwrap_err();
    assert!(e.to_string().contains("invalid_grant"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_claims_refresh_logout_and_the_old_refresh_token_is_refused() {
    let (m, app) = mock(true);
    let b = Browser::start().await;
    b.goto(&format!("{app}/")).await;
    assert_eq!(b.text_of("status").await, "You are not logged in.");
    b.screenshot("web-1-home").await;

    b.click("login").await;
    b.element("login-form").await;
    assert!(b.url().await.contains("code_challenge="), "PKCE on");
    b.screenshot("web-2-login-page").await;
    b.sign_in("demo-user-1", "wrong").await;
    assert_eq!(b.text_of("error").await, "Wrong username or password.");
    assert!(m.live_refresh_tokens().is_empty());

    b.sign_in("demo-user-1", DEMO_PASSWORD).await;
    b.wait_for_url("the app's home", |u| u == format!("{app}/"))
        .await;
    assert_eq!(b.text_of("status").await, "You are logged in.");
    assert_eq!(b.text_of("sub").await, "demo-user-1");
    assert_eq!(b.text_of("is_admin").await, "false");
    assert_eq!(b.text_of("is_lpa").await, "true");
    b.screenshot("web-3-logged-in").await;
    let first = m.live_refresh_tokens();
    assert_eq!(first.len(), 1);
    nothing_secret(&b, &m, &[]).await;

    // The session cookie: HttpOnly, SameSite=Lax, a random id (not a token).
    let cookies = b.client.get_all_cookies().await.unwrap();
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    let sid = &cookies[0];
    assert_eq!(sid.name(), "sid");
    assert_eq!(sid.http_only(), Some(true));
    assert_eq!(format!("{:?}", sid.same_site()), "Some(Lax)");
    assert_ne!(sid.secure(), Some(true), "plain http: not Secure");
    assert_eq!(sid.value().len(), 43);
    assert!(!first.iter().any(|t| sid.value().contains(t.as_str())));
    assert!(!sid.value().contains(SECRET) && !sid.value().starts_with("eyJ"));

    b.click("refresh").await;
    assert_eq!(b.text_of("notice").await, "Tokens refreshed.");
    assert_eq!(b.text_of("sub").await, "demo-user-1");
    b.screenshot("web-4-refreshed").await;
    let second = m.live_refresh_tokens();
    assert_eq!(second.len(), 1);
    assert_ne!(second, first, "rotated");
    nothing_secret(&b, &m, &[&first[0]]).await;

    b.click("logout").await;
    assert_eq!(b.text_of("status").await, "You are logged out.");
    b.screenshot("web-5-logged-out").await;
    assert!(m.live_refresh_tokens().is_empty(), "revoked");
    assert!(
        b.client.get_all_cookies().await.unwrap().is_empty(),
        "cleared"
    );
    assert_eq!(m.count(Endpoint::Revoke), 1);
    b.goto(&format!("{app}/")).await;
    assert_eq!(b.text_of("status").await, "You are not logged in.");
    b.close().await;

    // The refresh tokens the app held, the first (rotated) and the last
    // (revoked), are both refused.
    refresh_refused(&m, &first[0]).await;
    refresh_refused(&m, &second[0]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_state_or_a_callback_without_a_login_is_refused() {
    let (m, app) = mock(false);
    let b = Browser::start().await;
    // A callback nobody started: no session, nothing exchanged.
    b.goto(&format!("{app}/callback?code=forged&state=forged"))
        .await;
    assert_eq!(
        b.text_of("error").await,
        "No login is in progress in this browser."
    );

    // The state swapped on the way to Sentinel: the app's check refuses it.
    b.goto(&format!("{app}/login")).await;
    b.element("login-form").await;
    let url = b.url().await;
    let state = sentinel_testkit::browser::param(&url, "state").unwrap();
    b.goto(&url.replace(&state, &"Q".repeat(43))).await;
    b.sign_in("demo-user-1", DEMO_PASSWORD).await;
    let error = b.text_of("error").await;
    assert!(error.contains("does not match"), "{error}");
    b.screenshot("web-6-state-mismatch").await;
    nothing_secret(&b, &m, &[]).await;
    b.close().await;
    assert_eq!(m.count(Endpoint::Token), 0, "nothing exchanged");
    assert!(m.live_refresh_tokens().is_empty());
}
