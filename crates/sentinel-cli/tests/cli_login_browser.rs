//! `sentinel login --no-open` in a real browser: headless Chromium opens the
//! printed URL, goes through the emulator's HTML login page (fills the form,
//! submits) and lands on the command's own page. The negative paths: a wrong
//! password, an error callback, a tampered state, a callback after the
//! timeout. Chromium and chromedriver missing is a failure, not a skip.
//!
//! Screenshots of each page go to `$SENTINEL_SCREENSHOTS` (the README's are
//! `docs/screenshots/`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sentinel_mock::{DEMO_PASSWORD, Endpoint, LoginMode, MockConfig, MockHandle};
use sentinel_testkit::browser::param;
use sentinel_testkit::chrome::Browser;
use sentinel_testkit::cli::login;
use sentinel_testkit::mock;

const SECRET: &str = "CLI-BROWSER-SECRET-MARKER-0d3b";
const CLIENT: &str = "cli-browser-client";

fn mock() -> MockHandle {
    mock::start_blocking(MockConfig {
        login: LoginMode::Form,
        ..mock::marked_config(CLIENT, SECRET)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_through_the_login_page_after_a_wrong_password() {
    let m = mock();
    let b = Browser::start().await;
    let l = login(&m, SECRET, &["--json", "--pkce"]);
    let redirect = l.redirect_uri();

    b.goto(&l.url).await;
    assert!(b.source().await.contains("id=\"login-form\""));
    b.screenshot("cli-1-login-page").await;

    b.sign_in("demo-user-1", "not-the-password").await;
    assert_eq!(b.text_of("error").await, "Wrong username or password.");
    assert!(!b.url().await.starts_with(&redirect), "no callback yet");
    b.screenshot("cli-2-wrong-password").await;
    assert_eq!(m.count(Endpoint::Token), 0);

    b.sign_in("demo-user-1", DEMO_PASSWORD).await;
    let at = b
        .wait_for_url("the callback", |u| u.starts_with(&redirect))
        .await;
    assert_eq!(b.text_of("title").await, "Logged in");
    let message = b.text_of("message").await;
    assert!(message.contains("logged in as demo-user-1"), "{message}");
    b.screenshot("cli-3-logged-in").await;
    let code = param(&at, "code").unwrap();
    assert!(!b.source().await.contains(&code));
    b.close().await;

    let r = l.finish(&[SECRET, &code, DEMO_PASSWORD]);
    let v = r.json();
    assert_eq!(v["claims"]["sub"], "demo-user-1");
    assert_eq!(v["claims"]["aud"], CLIENT);
    assert!(v["tokens"]["refresh_token"].is_string());
    assert_eq!(m.count(Endpoint::Token), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_callback_is_shown_and_exit_6() {
    let m = mock();
    let b = Browser::start().await;
    let l = login(&m, SECRET, &[]);
    // A request the emulator refuses with an error redirect (no page).
    b.goto(&l.url.replace("response_type=code", "response_type=token"))
        .await;
    b.wait_for_url("the callback", |u| u.starts_with(&l.redirect_uri()))
        .await;
    assert_eq!(b.text_of("title").await, "Login failed");
    assert!(
        b.text_of("message")
            .await
            .contains("unsupported_response_type")
    );
    b.screenshot("cli-4-error-callback").await;
    b.close().await;
    l.finish(&[SECRET]).fails(6, "login refused: ");
    assert_eq!(m.count(Endpoint::Token), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_state_is_refused_and_exit_7() {
    let m = mock();
    let b = Browser::start().await;
    let l = login(&m, SECRET, &[]);
    let state = l.state();
    let forged = "Xy".repeat(21) + "Z";
    assert_ne!(forged, state);
    b.goto(&l.url.replace(&state, &forged)).await;
    b.sign_in("demo-user-1", DEMO_PASSWORD).await;
    let at = b
        .wait_for_url("the callback", |u| u.starts_with(&l.redirect_uri()))
        .await;
    assert_eq!(param(&at, "state").as_deref(), Some(forged.as_str()));
    assert_eq!(b.text_of("title").await, "Login failed");
    assert!(b.text_of("message").await.contains("does not match"));
    b.screenshot("cli-5-state-mismatch").await;
    b.close().await;
    l.finish(&[SECRET]).fails(7, "possible CSRF");
    assert_eq!(m.count(Endpoint::Token), 0, "the code was not exchanged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_after_the_timeout_finds_nobody() {
    let m = mock();
    let b = Browser::start().await;
    let l = login(&m, SECRET, &["--timeout", "2"]);
    let redirect = l.redirect_uri();
    b.goto(&l.url).await;
    b.element("login-form").await;
    // The person takes too long: the command gives up first.
    let r = tokio::task::spawn_blocking(move || l.finish(&[SECRET]))
        .await
        .unwrap();
    r.fails(5, "no callback from the browser within 2 s");
    b.sign_in("demo-user-1", DEMO_PASSWORD).await;
    b.wait_for_url("the callback", |u| u.starts_with(&redirect))
        .await;
    // Chromium's own error page: nothing listens any more.
    let page = b.source().await;
    assert!(!page.contains("Logged in"), "{page}");
    assert!(
        page.contains("ERR_CONNECTION_REFUSED") || page.contains("refused to connect"),
        "{page}"
    );
    b.close().await;
    assert_eq!(m.count(Endpoint::Token), 0);
}
